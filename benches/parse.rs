//! Parser throughput over the fixture corpus: mails per second end to end, and the split between
//! MIME decoding (`normalize`) and our parsing (`parse_mail` on pre-normalised mail).

// A benchmark aborts on a setup error; a panic with its message is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use backupchecks::parsers;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.flatten().map(|e| e.path()) {
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "eml") {
            out.push(path);
        }
    }
}

fn corpus() -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    collect(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mail"),
        &mut files,
    );
    files.sort();
    files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

fn bench(c: &mut Criterion) {
    let raw = corpus();
    let normalized: Vec<_> = raw.iter().map(|r| parsers::normalize(r)).collect();
    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Elements(raw.len() as u64));
    group.bench_function("normalize+parse", |b| {
        b.iter(|| {
            for r in &raw {
                black_box(parsers::parse_mail(&parsers::normalize(black_box(r))));
            }
        })
    });
    group.bench_function("normalize", |b| {
        b.iter(|| {
            for r in &raw {
                black_box(parsers::normalize(black_box(r)));
            }
        })
    });
    group.bench_function("parse_mail", |b| {
        b.iter(|| {
            for m in &normalized {
                black_box(parsers::parse_mail(black_box(m)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

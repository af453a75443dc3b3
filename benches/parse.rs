//! Parser throughput over four corpora: the fixture mails of every product, the demo's history
//! of some 1,450 reports, and both as a Microsoft 365 mailbox holds them (with the transport
//! headers every delivered mail carries, which the generated mails lack). For each:
//! mails per second end to end, the split between MIME decoding (`normalize`) and our parsing
//! (`parse_mail` on pre-normalised mail), and mail-parser's own decode alone, the yardstick: end
//! to end should reach at least half its rate.

// A benchmark aborts on a setup error; a panic with its message is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/delivered.rs"]
mod delivered;

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

/// The demo's history: the mails an operator of the demo sees, rendered as the demo sends them.
fn demo_corpus() -> Vec<Vec<u8>> {
    let now = chrono::Utc::now();
    backupchecks::demo::history(
        &backupchecks::demo::Catalogue::standard(),
        now,
        chrono_tz::Europe::Amsterdam,
    )
    .into_iter()
    .map(|m| m.raw)
    .collect()
}

fn bench(c: &mut Criterion) {
    let normalized = generated_and_delivered(c, "corpus", &corpus());
    generated_and_delivered(c, "demo", &demo_corpus());
    rules(c, &normalized);
}

/// Measures a corpus as generated and as a mailbox holds it (the realistic form); returns the
/// normalised mails.
fn generated_and_delivered(
    c: &mut Criterion,
    name: &str,
    raw: &[Vec<u8>],
) -> Vec<parsers::NormalizedMail> {
    let normalized: Vec<_> = raw.iter().map(|r| parsers::normalize(r)).collect();
    throughput(c, name, raw, &normalized);
    let delivered: Vec<Vec<u8>> = raw
        .iter()
        .enumerate()
        .map(|(n, raw)| delivered::as_delivered(raw, n))
        .collect();
    let delivered_normalized: Vec<_> = delivered.iter().map(|r| parsers::normalize(r)).collect();
    // The headers change nothing a parser reads.
    assert_eq!(delivered_normalized, normalized);
    throughput(
        c,
        &format!("{name} as delivered"),
        &delivered,
        &delivered_normalized,
    );
    normalized
}

fn throughput(
    c: &mut Criterion,
    name: &str,
    raw: &[Vec<u8>],
    normalized: &[parsers::NormalizedMail],
) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(raw.len() as u64));
    group.bench_function("normalize+parse", |b| {
        b.iter(|| {
            for r in raw {
                black_box(parsers::parse_mail(&parsers::normalize(black_box(r))));
            }
        })
    });
    group.bench_function("normalize", |b| {
        b.iter(|| {
            for r in raw {
                black_box(parsers::normalize(black_box(r)));
            }
        })
    });
    // Fresh copies each time: a mail keeps what its parsers derived (tables, lower-cased
    // bodies), and parsing the same values again would measure the cache, not the parse.
    group.bench_function("parse_mail", |b| {
        b.iter_batched_ref(
            || normalized.to_vec(),
            |fresh| {
                for m in fresh.iter() {
                    black_box(parsers::parse_mail(black_box(m)));
                }
            },
            criterion::BatchSize::LargeInput,
        )
    });
    group.bench_function("mail-parser decode alone", |b| {
        b.iter(|| {
            for r in raw {
                black_box(mail_parser::MessageParser::default().parse(black_box(r.as_slice())));
            }
        })
    });
    group.finish();
}

/// Twenty custom rules tried on every corpus mail (none matches, so every rule is tried: the
/// worst case for a mail no parser knows), and one rule with a pattern that is catastrophic for a
/// backtracking engine against a 1 MB body.
fn rules(c: &mut Criterion, normalized: &[parsers::NormalizedMail]) {
    use parsers::rules::{Field, JobName, Matcher, Rule, StatusRule, apply_rules, compile};
    let rule = |i: usize, body: Option<Matcher>| Rule {
        name: format!("rule {i}"),
        sender: Some(Matcher::Contains(format!("@site{i}.example"))),
        subject: Some(Matcher::Regex(format!(r"^Copy job \S+ (done|failed) #{i}"))),
        body,
        software: "S".into(),
        backup_type: "T".into(),
        job_name: JobName::Capture {
            field: Field::Subject,
            regex: r"^Copy job (\S+)".into(),
        },
        status: StatusRule {
            field: Field::Subject,
            success: Some(Matcher::Regex(r"(?i)\bdone\b".into())),
            warning: None,
            failed: Some(Matcher::Regex(r"(?i)\bfail".into())),
        },
        objects: None,
        informational: false,
    };
    let compiled: Vec<_> = (0..20).map(|i| compile(&rule(i, None)).unwrap()).collect();
    let mut group = c.benchmark_group("rules");
    group.throughput(Throughput::Elements(normalized.len() as u64));
    group.bench_function("20 rules, corpus, no match", |b| {
        b.iter(|| {
            for m in normalized {
                black_box(apply_rules(black_box(&compiled), m));
            }
        })
    });
    let mut hostile = rule(0, Some(Matcher::Regex(r"(a+)+$".into())));
    hostile.sender = None;
    hostile.subject = None;
    let hostile = [compile(&hostile).unwrap()];
    let big = parsers::normalize(
        format!(
            "From: a@b.example\r\nSubject: x\r\n\r\n{}b\r\n",
            "a".repeat(1 << 20)
        )
        .as_bytes(),
    );
    group.throughput(Throughput::Bytes(big.body.len() as u64));
    group.bench_function("(a+)+$ over a 1 MB body", |b| {
        b.iter(|| black_box(apply_rules(black_box(&hostile), &big)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

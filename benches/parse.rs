//! Parser throughput over three corpora: the fixture mails of every product, the demo's history
//! of some 1,450 reports, and the same history as a Microsoft 365 mailbox holds it (with the
//! transport headers every delivered mail carries, which the generated mails lack). For each:
//! mails per second end to end, the split between MIME decoding (`normalize`) and our parsing
//! (`parse_mail` on pre-normalised mail), and mail-parser's own decode alone, the yardstick: end
//! to end should reach at least half its rate.

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
    let raw = corpus();
    let normalized: Vec<_> = raw.iter().map(|r| parsers::normalize(r)).collect();
    throughput(c, "corpus", &raw, &normalized);
    let demo = demo_corpus();
    let demo_normalized: Vec<_> = demo.iter().map(|r| parsers::normalize(r)).collect();
    throughput(c, "demo", &demo, &demo_normalized);
    let delivered: Vec<Vec<u8>> = demo
        .iter()
        .enumerate()
        .map(|(n, raw)| as_delivered(raw, n))
        .collect();
    let delivered_normalized: Vec<_> = delivered.iter().map(|r| parsers::normalize(r)).collect();
    // The headers change nothing a parser reads.
    assert_eq!(delivered_normalized, demo_normalized);
    throughput(c, "demo as delivered", &delivered, &delivered_normalized);
    rules(c, &normalized);
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

/// `raw` as it lies in a Microsoft 365 mailbox: under the sender's headers, the trace and filter
/// headers the receiving side adds on delivery (a relay hop, three Exchange Online hops, the
/// sender checks, the anti-spam verdicts, the tenant stamps). About 3.7 kB, on the small side of
/// what Exchange Online adds to mail from the internet; `n` makes each mail's identifiers its own.
fn as_delivered(raw: &[u8], n: usize) -> Vec<u8> {
    let date = raw
        .split(|&b| b == b'\n')
        .find_map(|line| line.strip_prefix(b"Date: "))
        .map_or_else(String::new, |d| {
            String::from_utf8_lossy(d).trim().to_string()
        });
    let id = format!(
        "{:08x}-{:04x}-4c3d-9e2f-{:012x}",
        0x4f0c_2d1e_u32 ^ n as u32,
        n % 0xffff,
        n * 7919
    );
    let host = |prefix: &str| {
        format!(
            "{prefix}{:04}.eurprd0{}.prod.outlook.com",
            1000 + n % 9000,
            n % 8 + 1
        )
    };
    let (mailbox, frontend, edge) = (host("AM9PR02MB"), host("DU2PR04CA"), host("DB1PEPF0005"));
    let ip = format!("203.0.113.{}", n % 250 + 1);
    let headers = format!(
        "Received: from {mailbox} (2603:10a6:20b:3d4::9) by\r\n\
         \x20DB9PR02MB6812.eurprd02.prod.outlook.com with HTTPS; {date}\r\n\
         Received: from {frontend} (2603:10a6:10:231::8) by\r\n\
         \x20{mailbox} (2603:10a6:20b:3d4::9) with Microsoft SMTP\r\n\
         \x20Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id\r\n\
         \x2015.20.8093.21; {date}\r\n\
         Received: from {edge} (2603:10a6:10:231:cafe::2b) by\r\n\
         \x20{frontend} (2603:10a6:10:231::8) with Microsoft SMTP Server\r\n\
         \x20(version=TLS1_3, cipher=TLS_AES_256_GCM_SHA384) id 15.20.8093.21 via Frontend\r\n\
         \x20Transport; {date}\r\n\
         Authentication-Results: spf=pass (sender IP is {ip}) smtp.mailfrom=example;\r\n\
         \x20dkim=none (message not signed) header.d=none;dmarc=bestguesspass\r\n\
         \x20action=none header.from=example;compauth=pass reason=109\r\n\
         Received-SPF: Pass (protection.outlook.com: domain of example designates {ip}\r\n\
         \x20as permitted sender) receiver=protection.outlook.com; client-ip={ip};\r\n\
         \x20helo=mail.example; pr=C\r\n\
         Received: from mail.example ({ip}) by {edge}\r\n\
         \x20(10.167.242.70) with Microsoft SMTP Server id 15.20.8093.14 via Frontend\r\n\
         \x20Transport; {date}\r\n\
         X-MS-Exchange-Organization-ExpirationStartTime: {date}\r\n\
         X-MS-Exchange-Organization-ExpirationStartTimeReason: OriginalSubmit\r\n\
         X-MS-Exchange-Organization-ExpirationInterval: 1:00:00:00.0000000\r\n\
         X-MS-Exchange-Organization-ExpirationIntervalReason: OriginalSubmit\r\n\
         X-MS-Exchange-Organization-Network-Message-Id: {id}\r\n\
         X-EOPAttributedMessage: 0\r\n\
         X-EOPTenantAttributedMessage: 9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d:0\r\n\
         X-MS-Exchange-Organization-MessageDirectionality: Incoming\r\n\
         X-MS-PublicTrafficType: Email\r\n\
         X-MS-TrafficTypeDiagnostic: DB1PEPF000509E8:EE_|AM9PR02MB7041:EE_|DB9PR02MB6812:EE_\r\n\
         X-MS-Exchange-Organization-AuthSource: {edge}\r\n\
         X-MS-Exchange-Organization-AuthAs: Anonymous\r\n\
         X-MS-Office365-Filtering-Correlation-Id: {id}\r\n\
         X-MS-Exchange-Organization-SCL: 1\r\n\
         X-Microsoft-Antispam: BCL:0;ARA:13230040|82310400026|2066899003|8096899003;\r\n\
         X-Forefront-Antispam-Report: CIP:{ip};CTRY:NL;LANG:en;SCL:1;SRV:;IPV:NLI;\r\n\
         \x20SFV:NSPM;H:mail.example;PTR:mail.example;CAT:NONE;\r\n\
         \x20SFS:(13230040)(82310400026)(2066899003)(8096899003);DIR:INB;\r\n\
         X-MS-Exchange-CrossTenant-OriginalArrivalTime: {date}\r\n\
         X-MS-Exchange-CrossTenant-Network-Message-Id: {id}\r\n\
         X-MS-Exchange-CrossTenant-Id: 9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d\r\n\
         X-MS-Exchange-CrossTenant-AuthSource: {edge}\r\n\
         X-MS-Exchange-CrossTenant-AuthAs: Anonymous\r\n\
         X-MS-Exchange-CrossTenant-FromEntityHeader: Internet\r\n\
         X-MS-Exchange-Transport-CrossTenantHeadersStamped: AM9PR02MB7041\r\n\
         X-MS-Exchange-Transport-EndToEndLatency: 00:00:01.2177318\r\n\
         X-MS-Exchange-Processed-By-BccFoldering: 15.20.8093.017\r\n\
         X-Microsoft-Antispam-Mailbox-Delivery: ucf:0;jmr:0;auth:0;dest:I;\r\n\
         \x20ENG:(910001)(944506478)(944626604)(920097)(930097)(3100021)(140003);\r\n\
         X-Microsoft-Antispam-Message-Info:\r\n"
    );
    let mut out = headers.into_bytes();
    // The filter's verdict: an opaque base64 value of some 1.4 kB, folded.
    for line in 0..18 {
        out.extend_from_slice(b" =?us-ascii?Q?");
        out.extend((0..62).map(|i| {
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                [(i * 7 + line * 13 + n) % 64]
        }));
        out.extend_from_slice(b"?=\r\n");
    }
    out.extend_from_slice(raw);
    out
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

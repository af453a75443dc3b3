//! The fixture corpus: every `tests/fixtures/mail/**/*.eml` parsed through the library and
//! compared with the `*.expected.json` beside it; plus the `parse` command on bad input.

use backupchecks::parsers::{self, ParseOutcome};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mail")
}

fn eml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            eml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "eml") {
            out.push(path);
        }
    }
}

fn corpus() -> Vec<PathBuf> {
    let mut files = Vec::new();
    eml_files(&fixtures_dir(), &mut files);
    files
}

#[test]
fn corpus_matches_expected() {
    let files = corpus();
    assert!(files.len() >= 45, "corpus has {} mails", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let raw = std::fs::read(path).expect("read fixture");
        let got = serde_json::to_value(parsers::parse_mail(&parsers::normalize(&raw)).record())
            .expect("serialise");
        let expected_path = path.with_extension("expected.json");
        let expected: Value = match std::fs::read_to_string(&expected_path) {
            Ok(text) => serde_json::from_str(&text).expect("expected json"),
            Err(_) => {
                failures.push(format!(
                    "{}: no {}",
                    path.display(),
                    expected_path.display()
                ));
                continue;
            }
        };
        if got != expected {
            failures.push(format!(
                "{}\n  expected: {expected}\n  got:      {got}",
                path.strip_prefix(fixtures_dir()).unwrap_or(path).display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// Every parser in the registry is exercised by the corpus, with each status it can report.
#[test]
fn corpus_covers_every_parser() {
    let mut seen: Vec<(String, String)> = Vec::new();
    for path in corpus() {
        let raw = std::fs::read(&path).expect("read fixture");
        if let ParseOutcome::Parsed { parser, report } = parsers::parse_raw(&raw) {
            seen.push((parser.to_string(), report.status.to_string()));
        }
    }
    for p in parsers::registry() {
        assert!(
            seen.iter().any(|(name, _)| name == p.name),
            "no fixture parsed by {}",
            p.name
        );
    }
    // Products with all three results must show all three.
    for name in [
        "veeam_job",
        "veeam_m365",
        "synology_active_backup",
        "synology_hyper_backup",
        "duplicati",
        "nakivo",
        "acronis",
        "syncovery",
        "qnap_hbs",
        "backup_exec",
        "macrium_reflect",
        "bacula",
        "bareos",
        "restic",
        "borgmatic",
        "generic",
    ] {
        for status in ["Success", "Warning", "Failed"] {
            assert!(
                seen.iter().any(|(n, s)| n == name && s == status),
                "{name} has no {status} fixture"
            );
        }
    }
}

/// Cut and damaged mails never panic: every fixture truncated at many points and with bytes
/// flipped still gives an outcome.
#[test]
fn damaged_mails_never_panic() {
    for path in corpus() {
        let raw = std::fs::read(&path).expect("read fixture");
        for cut in (0..raw.len()).step_by(61) {
            let _ = parsers::parse_raw(&raw[..cut]);
        }
        let mut flipped = raw.clone();
        for i in (0..flipped.len()).step_by(13) {
            flipped[i] ^= 0x5a;
        }
        let _ = parsers::parse_raw(&flipped);
    }
}

const KEYS: [&str; 10] = [
    "file",
    "parser",
    "software",
    "backup_type",
    "job_name",
    "status",
    "informational",
    "message",
    "objects",
    "error",
];

fn run_parse(args: &[&Path]) -> (Vec<Value>, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_backupchecks"))
        .arg("parse")
        .arg("--json")
        .args(args)
        .output()
        .expect("run backupchecks");
    let lines = String::from_utf8(output.stdout)
        .expect("utf-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    (lines, output.status.code().unwrap_or(-1))
}

#[test]
fn parse_command_survives_bad_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = std::fs::read(fixtures_dir().join("veeam/backup_job_success.eml")).expect("good");
    std::fs::write(dir.path().join("a_good.eml"), &good).expect("write");
    std::fs::write(dir.path().join("b_truncated.eml"), &good[..good.len() / 3]).expect("write");
    std::fs::write(dir.path().join("c_empty.eml"), b"").expect("write");
    let binary: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(dir.path().join("d_binary.eml"), &binary).expect("write");
    std::fs::write(dir.path().join("not_a_mail.txt"), b"ignored").expect("write");

    let (lines, code) = run_parse(&[dir.path()]);
    assert_eq!(code, 0, "readable files never fail the batch");
    assert_eq!(lines.len(), 4, "the .eml files only: {lines:?}");
    for line in &lines {
        let obj = line.as_object().expect("object");
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut want = KEYS.to_vec();
        want.sort_unstable();
        assert_eq!(keys, want);
    }
    assert_eq!(lines[0]["parser"], "veeam_job");
    assert_eq!(lines[0]["status"], "Success");
    assert_eq!(lines[0]["objects"].as_array().map(Vec::len), Some(3));
    for line in &lines[1..] {
        assert!(line["error"].is_null(), "{line}");
    }
    assert!(lines[2]["parser"].is_null() && lines[2]["status"].is_null());
    assert!(lines[3]["parser"].is_null() && lines[3]["status"].is_null());

    // A missing file is reported on its own line and makes the exit non-zero at the end.
    let missing = dir.path().join("missing.eml");
    let good_path = dir.path().join("a_good.eml");
    let (lines, code) = run_parse(&[&missing, &good_path]);
    assert_ne!(code, 0);
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0]["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("cannot read file"))
    );
    assert_eq!(lines[1]["status"], "Success");
}

/// `parse --explain` lists every parser in order, marks the one that parsed the mail, says why
/// each other one declined, and ends with the result.
#[test]
fn parse_explain_says_why_each_parser_declined() {
    let file = fixtures_dir().join("synology/hyper_backup_success.eml");
    let output = Command::new(env!("CARGO_BIN_EXE_backupchecks"))
        .args(["parse", "--explain"])
        .arg(&file)
        .output()
        .expect("run backupchecks");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).expect("utf-8 output");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[1].contains("parsers tried in order"), "{text}");
    let verdicts: Vec<&str> = lines[2..2 + parsers::registry().len()].to_vec();
    for (line, parser) in verdicts.iter().zip(parsers::registry()) {
        assert!(line.contains(parser.name), "{line} / {}", parser.name);
        if parser.name == "synology_hyper_backup" {
            assert!(line.ends_with("MATCHED"), "{line}");
        } else {
            assert!(line.contains("no: "), "{line}");
        }
    }
    assert!(
        text.contains("generic") && text.contains("no: subject does not start with [backupchecks]"),
        "{text}"
    );
    assert!(
        text.lines()
            .last()
            .is_some_and(|l| l.contains("result: Synology / Hyper Backup / Offsite-C2")),
        "{text}"
    );

    // An unrecognised mail: every parser declines and the result says so.
    let other = fixtures_dir().join("unmatched/newsletter.eml");
    let output = Command::new(env!("CARGO_BIN_EXE_backupchecks"))
        .args(["parse", "--explain"])
        .arg(&other)
        .output()
        .expect("run backupchecks");
    let text = String::from_utf8(output.stdout).expect("utf-8 output");
    assert!(!text.contains("MATCHED"), "{text}");
    assert!(text.contains("result: unparsed"), "{text}");
}

/// A report forwarded as an attachment: `--explain` shows the forward's own verdicts, then the
/// attached original's, which is what is read.
#[test]
fn parse_explain_shows_the_attached_original() {
    let file = fixtures_dir().join("veeam/forwarded_as_attachment.eml");
    let output = Command::new(env!("CARGO_BIN_EXE_backupchecks"))
        .args(["parse", "--explain"])
        .arg(&file)
        .output()
        .expect("run backupchecks");
    let text = String::from_utf8(output.stdout).expect("utf-8 output");
    assert!(
        text.contains(
            "veeam_job                    would match, but the attached original is read instead"
        ),
        "{text}"
    );
    assert!(text.contains("attached mail (a forward"), "{text}");
    assert_eq!(text.matches("MATCHED").count(), 1, "{text}");
    assert!(text.contains("VM fs01: Warning"), "{text}");
}

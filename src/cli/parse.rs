//! `backupchecks parse [--json | --explain] FILE...`: runs the parsers over mail files without a database.
//! The tool for writing parsers and for support.

use crate::ingest::limits;
use crate::parsers::{self, OutcomeRecord, ParseOutcome};
use anyhow::Context;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Parse mail files and print what the parsers make of them.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// One JSON object per file and line (keys: file, parser, software, backup_type, job_name,
    /// status, informational, message, objects, error).
    #[arg(long, conflicts_with = "explain")]
    pub json: bool,

    /// Also list every parser in evaluation order: the one that parsed the mail, and for each
    /// other one why it did not match (or that it would have, had an earlier one not).
    #[arg(long)]
    pub explain: bool,

    /// Largest mail to parse, in MB; a larger file is reported, not read whole. Only regular
    /// files are read (not FIFOs or devices).
    #[arg(long, value_name = "MB", default_value_t = crate::ingest::limits::DEFAULT_MAX_MAIL_MB)]
    pub max_size_mb: u32,

    /// Raw mail files; a directory stands for the `.eml` files below it.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Serialize)]
struct Line<'a> {
    file: &'a str,
    #[serde(flatten)]
    record: OutcomeRecord,
}

/// Files named on the command line, with directories expanded (sorted, recursive, `.eml` only).
/// A directory that cannot be listed is returned as itself so that reading it reports the error.
fn expand(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            match collect_eml(path) {
                Ok(mut files) => {
                    files.sort();
                    out.extend(files);
                }
                Err(_) => out.push(path.clone()),
            }
        } else {
            out.push(path.clone());
        }
    }
    out
}

fn collect_eml(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(collect_eml(&path)?);
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("eml"))
        {
            files.push(path);
        }
    }
    Ok(files)
}

fn summary(file: &str, outcome: &ParseOutcome) -> String {
    match outcome {
        ParseOutcome::Parsed { parser, report } => {
            let mut s = format!(
                "{file}: {} / {} / {} → {}{} ({parser})",
                report.software,
                report.backup_type,
                report.job_name,
                report.status,
                if report.informational {
                    " [informational]"
                } else {
                    ""
                },
            );
            if let Some(m) = &report.message {
                s.push_str(&format!(
                    "\n  message: {}",
                    m.replace('\n', "\n           ")
                ));
            }
            for o in &report.objects {
                let kind = o
                    .object_type
                    .as_deref()
                    .map_or(String::new(), |t| format!("{t} "));
                s.push_str(&format!("\n  {kind}{}: {}", o.name, o.status));
                if let Some(m) = &o.message {
                    s.push_str(&format!(" — {}", m.replace('\n', " / ")));
                }
            }
            s
        }
        ParseOutcome::Unparsed { reason } => format!("{file}: unparsed ({reason})"),
        ParseOutcome::Failed { parser, error } => {
            format!("{file}: parser {parser} recognised the mail but failed: {error}")
        }
    }
}

/// The `--explain` lines: one per parser in order (again for an attached mail), then the result.
fn explanation(file: &str, mail: &parsers::NormalizedMail) -> String {
    let e = parsers::explain(mail);
    let mut s = format!("{file}:");
    steps(&mut s, &e);
    if mail.is_empty() {
        s.push_str("\n  (not a mail: no sender, subject or body could be read)");
    }
    s.push_str("\n  result: ");
    s.push_str(&summary(file, &e.outcome).replacen(&format!("{file}: "), "", 1));
    s
}

fn steps(s: &mut String, e: &parsers::Explanation) {
    s.push_str("\n  parsers tried in order:");
    let original_read = e
        .attached
        .as_deref()
        .is_some_and(|a| a.steps.iter().any(|s| s.chosen));
    for step in &e.steps {
        let verdict = match (step.chosen, step.cue) {
            (true, _) => "MATCHED".to_string(),
            (false, Ok(())) if original_read => {
                "would match, but the attached original is read instead".to_string()
            }
            (false, Ok(())) => "would match, but an earlier parser matched first".to_string(),
            (false, Err(why)) => format!("no: {why}"),
        };
        s.push_str(&format!(
            "\n  {:>4}  {:<28} {verdict}",
            step.order, step.parser
        ));
    }
    if let Some(inner) = &e.attached {
        s.push_str(
            "\n  attached mail (a forward; read instead of the outer mail when recognised):",
        );
        steps(s, inner);
    }
}

/// Parses every file; an unreadable file gives an error line and a non-zero exit at the end,
/// never an abort of the batch.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut unreadable = 0usize;
    for path in expand(&args.files) {
        let file = path.display().to_string();
        let limit = limits::mb_to_bytes(args.max_size_mb);
        let outcome = limits::read_mail_file(&path, limit).and_then(|raw| {
            if raw.len() > limit {
                Err(std::io::Error::other(format!(
                    "too large: over {} MB (--max-size-mb)",
                    args.max_size_mb
                )))
            } else {
                Ok(raw)
            }
        });
        let outcome = match (outcome, args.explain) {
            (Ok(raw), true) => {
                writeln!(out, "{}", explanation(&file, &parsers::normalize(&raw)))?;
                continue;
            }
            (Ok(raw), false) => Ok(parsers::parse_raw(&raw)),
            (Err(err), _) => Err(err),
        };
        match (outcome, args.json) {
            (Ok(outcome), true) => {
                let line = Line {
                    file: &file,
                    record: outcome.record(),
                };
                writeln!(out, "{}", serde_json::to_string(&line)?)?;
            }
            (Ok(outcome), false) => writeln!(out, "{}", summary(&file, &outcome))?,
            (Err(err), json) => {
                unreadable += 1;
                let error = format!("cannot read file: {err}");
                if json {
                    let line = Line {
                        file: &file,
                        record: OutcomeRecord {
                            error: Some(error),
                            ..OutcomeRecord::empty()
                        },
                    };
                    writeln!(out, "{}", serde_json::to_string(&line)?)?;
                } else {
                    eprintln!("{file}: error: {error}");
                }
            }
        }
    }
    out.flush().context("writing the results")?;
    if unreadable > 0 {
        eprintln!("{unreadable} file(s) could not be read");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

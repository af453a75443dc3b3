//! Bacula and Bareos Director job reports: the mail the default `Messages` resource sends
//! (`Bacula: Backup OK of client-fd Full`, `Bareos: Backup Error of ...`), whose body ends in a
//! block of `Label: value` lines (`JobId:`, `Job:`, `Backup Level:`, `Client:`, `FileSet:`, ...,
//! `Termination:`). Dates and numbers in that block follow the Director's locale, so none of
//! them is read: the job, client, level and result are words.

use super::mail::NormalizedMail;
use super::registry::{Cue, Parser, cue};
use super::report::{ParseError, Report, ReportObject};
use super::text::{clean_line, contains_ci, find_labelled, message, strip_prefix_ci, unquote};
use crate::domain::status::Status;

pub const BACULA: Parser = Parser {
    name: "bacula",
    software: "Bacula",
    backup_types: &["Backup", "Restore", "Verify", "Copy", "Migrate", "Admin"],
    order: 80,
    informational: false,
    matches: matches_bacula,
    parse: parse_bacula,
};

pub const BAREOS: Parser = Parser {
    name: "bareos",
    software: "Bareos",
    backup_types: &["Backup", "Restore", "Verify", "Copy", "Migrate", "Admin"],
    order: 81,
    informational: false,
    matches: matches_bareos,
    parse: parse_bareos,
};

/// At most this many error and warning lines of the job log go into the message.
const MAX_LOG_LINES: usize = 10;

/// Job types as the Director names them in `%t` and in `Termination:`.
const JOB_TYPES: &[&str] = &[
    "Backup",
    "Restore",
    "Verify",
    "Copy",
    "Migrate",
    "Migration",
    "Admin",
];

/// `<Product>: <type> <exit status> of <client> [<level>]` → (type, exit status, client).
fn read_subject<'a>(subject: &'a str, product: &str) -> Option<(&'static str, &'a str, &'a str)> {
    let rest = strip_prefix_ci(subject, product)?.trim_start();
    let rest = rest.strip_prefix(':')?.trim_start();
    let job_type = JOB_TYPES
        .iter()
        .find(|t| strip_prefix_ci(rest, t).is_some_and(|r| r.starts_with(char::is_whitespace)))?;
    let rest = rest.get(job_type.len()..)?.trim_start();
    let of = rest.rfind(" of ")?;
    let exit = rest.get(..of)?.trim();
    let client = rest.get(of + " of ".len()..)?.trim();
    Some((job_type, exit, client))
}

/// The report block carries these labels whatever the product version.
fn has_report_block(body: &str) -> bool {
    find_labelled(body, "JobId", false).is_some()
        && find_labelled(body, "Termination", false).is_some()
}

/// The product named in the subject prefix, the sender's name or the report's banner line
/// (`Bareos bareos-dir 23.0.1 (...)`).
fn names_product(mail: &NormalizedMail, product: &str) -> bool {
    read_subject(&mail.match_subject, product).is_some()
        || mail
            .from_name
            .as_deref()
            .is_some_and(|n| contains_ci(n, product))
        || mail.text().lines().any(|l| {
            let l = l.trim_start();
            // The banner follows the log prefix: `12-Mar 23:10 dir JobId 7: Bareos dir 23 ...`.
            l.split(": ")
                .nth(1)
                .is_some_and(|b| strip_prefix_ci(b, product).is_some())
                || strip_prefix_ci(l, product).is_some_and(|r| r.starts_with(' '))
        })
}

fn product_cue(mail: &NormalizedMail, product: &str, miss_product: &'static str) -> Cue {
    if read_subject(&mail.match_subject, product).is_some() {
        return Ok(());
    }
    if !has_report_block(mail.text()) {
        return Err(
            "subject is not `<product>: <type> <status> of <client>` and body has no JobId:/Termination: block",
        );
    }
    cue(names_product(mail, product), miss_product)
}

fn matches_bacula(mail: &NormalizedMail) -> Cue {
    product_cue(
        mail,
        "Bacula",
        "a JobId:/Termination: report that does not name Bacula",
    )
}

fn matches_bareos(mail: &NormalizedMail) -> Cue {
    product_cue(
        mail,
        "Bareos",
        "a JobId:/Termination: report that does not name Bareos",
    )
}

/// `Termination:` (or the subject's exit status) → status. Checked most specific first.
fn termination_status(text: &str) -> Option<Status> {
    let lower = text.to_lowercase();
    let status = if lower.contains("with warnings") || lower.contains("differences") {
        Status::Warning
    } else if lower.contains("error")
        || lower.contains("fatal")
        || lower.contains("cancel")
        || lower.contains("failed")
        || lower.contains("incomplete")
    {
        Status::Failed
    } else if lower.contains("ok") {
        Status::Success
    } else {
        return None;
    };
    Some(status)
}

/// `BackupClient1.2024-03-12_23.05.00_03` → `BackupClient1`: the Director appends the start time
/// and a sequence number to make the unique job name.
fn strip_job_suffix(job: &str) -> &str {
    job.match_indices('.')
        .find(|(at, _)| job.get(at + 1..).is_some_and(is_start_stamp))
        .and_then(|(at, _)| job.get(..at))
        .filter(|name| !name.is_empty())
        .unwrap_or(job)
}

/// `2024-03-12_23.05.00_03`: digits in the shape `dddd-dd-dd_dd.dd.dd_n...`.
fn is_start_stamp(text: &str) -> bool {
    const SHAPE: &str = "dddd-dd-dd_dd.dd.dd_";
    let b = text.as_bytes();
    b.len() > SHAPE.len()
        && SHAPE.bytes().zip(b).all(|(s, c)| match s {
            b'd' => c.is_ascii_digit(),
            _ => s == *c,
        })
        && b.get(SHAPE.len()..)
            .is_some_and(|n| n.iter().all(u8::is_ascii_digit))
}

/// The first word of a quoted or bare value: `"client-fd" 9.6.7 (...)` → `client-fd`.
fn first_value(text: &str) -> String {
    let text = text.trim();
    let value = if let Some(rest) = text.strip_prefix('"') {
        rest.split('"').next().unwrap_or("")
    } else {
        text.split_whitespace().next().unwrap_or("")
    };
    clean_line(unquote(value))
}

/// Where the first of `Fatal error:`, `Error:` and `Warning:` starts in `line`: found from the
/// colons, which are few, rather than by a substring search per word and line.
fn log_word_at(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    memchr::memchr_iter(b':', bytes).find_map(|colon| {
        let head = bytes.get(..colon)?;
        ["Fatal error", "Error", "Warning"]
            .iter()
            .find(|w| head.ends_with(w.as_bytes()))
            .map(|w| colon - w.len())
    })
}

/// Error and warning lines of the job log: `... JobId 7: Error: ...`, `Fatal error: ...`,
/// `Warning: ...`.
fn log_problems(body: &str) -> Vec<String> {
    body.lines()
        .filter_map(|l| {
            let at = log_word_at(l)?;
            // Only log lines: the report block's `SD Errors:` and the like have no such word.
            let text = clean_line(l.get(at..)?);
            // A failed job's report banner is logged as `Error: Bacula dir 9.6.7 (...):`.
            let said = text.split_once(": ").map_or("", |(_, s)| s);
            let banner = ["Bacula ", "Bareos "]
                .iter()
                .any(|p| said.starts_with(p) && said.ends_with("):"));
            (said.len() > 1 && !banner).then_some(text)
        })
        .take(MAX_LOG_LINES)
        .collect()
}

fn parse_with(mail: &NormalizedMail, software: &str) -> Result<Report, ParseError> {
    let body = mail.text();
    let subject = read_subject(&mail.match_subject, software);
    let job_name = find_labelled(body, "Job", false)
        .map(|j| strip_job_suffix(&first_value(j)).to_string())
        .filter(|j| !j.is_empty())
        .ok_or(ParseError::NoJobName("no `Job:` line in the report"))?;
    let termination = find_labelled(body, "Termination", false);
    let status = termination
        .and_then(termination_status)
        .or_else(|| subject.and_then(|(_, exit, _)| termination_status(exit)))
        .ok_or(ParseError::NoStatus(
            "no `Termination:` line and no exit status in the subject",
        ))?;
    let job_type = subject
        .map(|(t, _, _)| t)
        .or_else(|| {
            let t = termination?;
            JOB_TYPES.iter().copied().find(|w| contains_ci(t, w))
        })
        .map_or("Backup", |t| if t == "Migration" { "Migrate" } else { t });
    let client = find_labelled(body, "Client", false)
        .map(first_value)
        .or_else(|| subject.map(|(_, _, c)| first_value(c)))
        .filter(|c| !c.is_empty());
    let problems = log_problems(body);
    let level = find_labelled(body, "Backup Level", false).map(first_value);
    let objects = client
        .map(|name| ReportObject {
            name,
            object_type: Some("Client".to_string()),
            status,
            message: level
                .filter(|l| !l.is_empty())
                .map(|l| format!("Level {l}")),
        })
        .into_iter()
        .collect();
    Ok(Report {
        software: software.to_string(),
        backup_type: job_type.to_string(),
        job_name,
        status,
        informational: false,
        message: message(&problems.join("\n")),
        objects,
    })
}

fn parse_bacula(mail: &NormalizedMail) -> Result<Report, ParseError> {
    parse_with(mail, "Bacula")
}

fn parse_bareos(mail: &NormalizedMail) -> Result<Report, ParseError> {
    parse_with(mail, "Bareos")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects() {
        assert_eq!(
            read_subject("Bacula: Backup OK of client-fd Full", "Bacula"),
            Some(("Backup", "OK", "client-fd Full"))
        );
        assert_eq!(
            read_subject(
                "Bareos: Backup OK -- with warnings of web01-fd Incremental",
                "Bareos"
            ),
            Some(("Backup", "OK -- with warnings", "web01-fd Incremental"))
        );
        assert_eq!(read_subject("Bacula: hello", "Bacula"), None);
        assert_eq!(read_subject("Bareos: Backup OK of x", "Bacula"), None);
    }

    #[test]
    fn results_and_names() {
        assert_eq!(termination_status("Backup OK"), Some(Status::Success));
        assert_eq!(
            termination_status("Backup OK -- with warnings"),
            Some(Status::Warning)
        );
        assert_eq!(
            termination_status("*** Backup Error ***"),
            Some(Status::Failed)
        );
        assert_eq!(termination_status("Backup Canceled"), Some(Status::Failed));
        assert_eq!(
            termination_status("Verify Differences"),
            Some(Status::Warning)
        );
        assert_eq!(
            strip_job_suffix("BackupClient1.2024-03-12_23.05.00_03"),
            "BackupClient1"
        );
        assert_eq!(strip_job_suffix("web.example.com"), "web.example.com");
        assert_eq!(
            first_value("\"client-fd\" 9.6.7 (10Dec20) x86_64"),
            "client-fd"
        );
    }

    #[test]
    fn log_words_are_found_where_a_search_per_word_finds_them() {
        let by_search = |l: &str| {
            ["Fatal error:", "Error:", "Warning:"]
                .iter()
                .filter_map(|w| l.find(w))
                .min()
        };
        for line in [
            "05-Nov 22:00 dir JobId 12: Fatal error: Network error with FD",
            "05-Nov 22:00 dir JobId 12: Error: Bacula dir 9.6.7 (20Dec20):",
            "  SD Errors:              0",
            "  Termination:            Backup OK -- with warnings",
            "05-Nov 22:00 fd JobId 12: Warning: Could not stat \"/x\": ERR=No such file",
            "Warning:Error:",
            "Error: first, then Fatal error: later",
            "xWarning: glued",
            "error: lower case",
            ":::",
            "no colon at all",
            "",
        ] {
            assert_eq!(log_word_at(line), by_search(line), "{line}");
        }
    }
}

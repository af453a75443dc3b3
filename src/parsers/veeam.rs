//! Veeam: Backup & Replication job mails (backup, backup copy, replication, agent, file),
//! the configuration backup, the standalone Veeam Agent, and Veeam Backup for Microsoft 365.

use super::html::Table;
use super::mail::NormalizedMail;
use super::objects::{object_rows, text_object_rows, worst};
use super::registry::{Cue, Parser, cue};
use super::report::{ParseError, Report, ReportObject};
use super::status_words::status_word;
use super::text::{clean_line, contains_ci, is_one_of, message};
use crate::domain::status::Status;

const SOFTWARE: &str = "Veeam";

pub const M365: Parser = Parser {
    name: "veeam_m365",
    software: SOFTWARE,
    backup_types: &["Microsoft 365 Backup"],
    order: 10,
    informational: false,
    matches: matches_m365,
    parse: parse_m365,
};

pub const AGENT: Parser = Parser {
    name: "veeam_agent",
    software: SOFTWARE,
    backup_types: &["Agent Backup Job"],
    order: 11,
    informational: false,
    matches: matches_agent,
    parse: parse_agent,
};

pub const CONFIGURATION: Parser = Parser {
    name: "veeam_configuration_backup",
    software: SOFTWARE,
    backup_types: &["Configuration Backup"],
    order: 12,
    informational: false,
    matches: matches_configuration,
    parse: parse_configuration,
};

pub const JOB: Parser = Parser {
    name: "veeam_job",
    software: SOFTWARE,
    backup_types: &[
        "Backup Job",
        "Backup Copy Job",
        "Replication Job",
        "Agent Backup Job",
        "File Backup Job",
        "SureBackup Job",
        "Backup to Tape Job",
        "File to Tape Job",
    ],
    order: 15,
    informational: false,
    matches: matches_job,
    parse: parse_job,
};

/// `[Result] rest` → result and rest.
fn subject_result(subject: &str) -> Option<(Status, &str)> {
    let rest = subject.strip_prefix('[')?;
    let end = rest.find(']')?;
    let status = status_word(rest.get(..end)?)?;
    Some((status, rest.get(end + 1..)?.trim()))
}

/// Splits `name (12 VMs) 1 failed` at the last `(<n> <word>)` group; returns the name and the
/// text after the group (Veeam's `%Issues%`).
fn split_count(rest: &str) -> Option<(&str, &str)> {
    let mut search = rest.len();
    while let Some(open) = rest.get(..search).and_then(|s| s.rfind(" (")) {
        let after = rest.get(open + 2..).unwrap_or("");
        if let Some(close) = after.find(')') {
            let inner = after.get(..close).unwrap_or("");
            let mut words = inner.split_whitespace();
            let is_count = words
                .next()
                .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
                && words.next().is_some()
                && words.next().is_none();
            if is_count {
                let name = rest.get(..open).unwrap_or("").trim();
                let tail = after.get(close + 1..).unwrap_or("").trim();
                return Some((name, tail));
            }
        }
        search = open;
    }
    None
}

/// What the VBR-style HTML body says: header, result, job-level details and objects.
#[derive(Debug, Default)]
struct Body<'a> {
    /// Text before ` job:` in the header, e.g. `Backup Copy`.
    kind: Option<String>,
    job_name: Option<String>,
    result: Option<Status>,
    details: Option<String>,
    tables: &'a [Table],
}

fn read_body(mail: &NormalizedMail) -> Body<'_> {
    let tables = mail.tables();
    let mut body = Body::default();
    'header: for table in tables {
        for row in &table.rows {
            for (i, cell) in row.iter().enumerate() {
                let first = cell.text.lines().next().unwrap_or("");
                if let Some((kind, name)) = header_line(first) {
                    body.kind = Some(kind);
                    body.job_name = Some(name);
                    body.result = row
                        .get(i + 1)
                        .and_then(|c| c.text.lines().next())
                        .and_then(status_word);
                    break 'header;
                }
            }
        }
    }
    // Plain-text rendering (forwarded as text, or no tables): look for the header line.
    if body.job_name.is_none() {
        for line in mail.text().lines().take(60) {
            let line = line.split(" | ").next().unwrap_or(line);
            if let Some((kind, name)) = header_line(line) {
                body.kind = Some(kind);
                body.job_name = Some(name);
                break;
            }
        }
    }
    // The summary row `Success | n | Start time | ... | <details, rowspan 3>`.
    for table in tables {
        for row in &table.rows {
            let is_summary = row.len() >= 9
                && row.first().is_some_and(|c| c.text.trim() == "Success")
                && row
                    .get(2)
                    .is_some_and(|c| c.text.trim().eq_ignore_ascii_case("start time"));
            if is_summary {
                body.details = row.last().and_then(|c| message(&c.text));
            }
        }
    }
    body.tables = tables;
    body
}

/// `Backup job: Daily VMs` → (`Backup`, `Daily VMs`).
fn header_line(line: &str) -> Option<(String, String)> {
    // Asked of every table cell: reject without lower-casing. Only ASCII letters lower-case to
    // `j`, `o` and `b`, so this finds what the search in `lower` finds.
    if !contains_ci(line, " job: ") {
        return None;
    }
    let lower = line.to_lowercase();
    let at = lower.find(" job: ")?;
    let kind = line.get(..at)?.trim();
    let name = clean_line(line.get(at + " job: ".len()..)?);
    let known = [
        "backup",
        "backup copy",
        "replication",
        "agent backup",
        "file backup",
        "file share backup",
        "nas backup",
        "configuration backup",
        "backup configuration",
        "backup to tape",
        "file to tape",
        "surebackup",
    ];
    (is_one_of(kind, &known) && !name.is_empty()).then(|| (kind.to_string(), name))
}

fn body_mentions(mail: &NormalizedMail, needle: &str) -> bool {
    mail.html_mentions(needle) || mail.text_mentions(needle)
}

fn has_vbr_subject(mail: &NormalizedMail) -> bool {
    subject_result(&mail.match_subject)
        .and_then(|(_, rest)| split_count(rest))
        .is_some()
}

fn matches_job(mail: &NormalizedMail) -> Cue {
    cue(
        has_vbr_subject(mail)
            || body_mentions(mail, "Veeam Backup & Replication")
            || body_mentions(mail, "Veeam Backup &amp; Replication")
            || (mail.html_mentions("sessionDetails") && read_body(mail).job_name.is_some()),
        "subject is not `[Result] job (n objects)` and body lacks 'Veeam Backup & Replication'",
    )
}

fn backup_type(kind: &str) -> Option<&'static str> {
    Some(match kind.to_lowercase().as_str() {
        "backup" => "Backup Job",
        "backup copy" => "Backup Copy Job",
        "replication" => "Replication Job",
        "agent backup" => "Agent Backup Job",
        "file backup" | "file share backup" | "nas backup" => "File Backup Job",
        "surebackup" => "SureBackup Job",
        "backup to tape" => "Backup to Tape Job",
        "file to tape" => "File to Tape Job",
        _ => return None,
    })
}

fn object_type(backup_type: &str) -> Option<&'static str> {
    match backup_type {
        "Backup Job" | "Replication Job" | "SureBackup Job" => Some("VM"),
        "Agent Backup Job" => Some("Computer"),
        "File Backup Job" => Some("File Share"),
        _ => None,
    }
}

fn parse_job(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let body = read_body(mail);
    let subject = subject_result(&mail.match_subject);
    let subject_name = subject
        .and_then(|(_, rest)| split_count(rest))
        .map(|(name, _)| name.to_string());
    let backup_type = body
        .kind
        .as_deref()
        .map(|k| {
            backup_type(k).ok_or_else(|| ParseError::Layout(format!("unsupported job kind `{k}`")))
        })
        .transpose()?
        // A backslash is how Veeam names a copy job after its source (`Copy\Source`).
        .or_else(|| {
            subject_name
                .as_deref()
                .filter(|n| n.contains('\\'))
                .map(|_| "Backup Copy Job")
        })
        .unwrap_or("Backup Job");
    let job_name = body
        .job_name
        .clone()
        .or(subject_name)
        .ok_or(ParseError::NoJobName(
            "no `<type> job:` header and no Veeam subject",
        ))?;
    let mut objects = object_rows(body.tables, object_type(backup_type));
    if objects.is_empty() {
        // A text-only mail (a client's text conversion, or a localized text form).
        objects = text_object_rows(mail.text(), object_type(backup_type));
    }
    let status = body
        .result
        .or(subject.map(|(s, _)| s))
        .or_else(|| worst(&objects))
        .ok_or(ParseError::NoStatus(
            "no result in header, subject or objects",
        ))?;
    Ok(Report {
        software: SOFTWARE.to_string(),
        backup_type: backup_type.to_string(),
        job_name,
        status,
        informational: false,
        message: body.details,
        objects,
    })
}

fn matches_configuration(mail: &NormalizedMail) -> Cue {
    // Both body phrases hold "configuration": a body without it has neither.
    let named = contains_ci(&mail.match_subject, "configuration backup")
        || contains_ci(&mail.match_subject, "backup configuration")
        || (body_mentions(mail, "Configuration")
            && (body_mentions(mail, "Configuration Backup job:")
                || body_mentions(mail, "Backup Configuration job:")));
    if !named {
        return Err("subject and body lack 'Configuration Backup' / 'Backup Configuration'");
    }
    cue(
        subject_result(&mail.match_subject).is_some() || body_mentions(mail, "Veeam"),
        "names a configuration backup but has no `[Result]` subject and no 'Veeam' in the body",
    )
}

fn parse_configuration(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let body = read_body(mail);
    let subject = subject_result(&mail.match_subject);
    let job_name = body
        .job_name
        .clone()
        .or_else(|| {
            subject.map(|(_, rest)| split_count(rest).map_or(rest, |(name, _)| name).to_string())
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "Backup Configuration Job".to_string());
    let status = body
        .result
        .or(subject.map(|(s, _)| s))
        .ok_or(ParseError::NoStatus("no result in header or subject"))?;
    Ok(Report {
        software: SOFTWARE.to_string(),
        backup_type: "Configuration Backup".to_string(),
        job_name,
        status,
        informational: false,
        message: body.details,
        objects: Vec::new(),
    })
}

fn matches_agent(mail: &NormalizedMail) -> Cue {
    cue(
        body_mentions(mail, "Veeam Agent for"),
        "body lacks 'Veeam Agent for'",
    )
}

fn parse_agent(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let body = read_body(mail);
    let subject = subject_result(&mail.match_subject);
    // vee-mail (Linux): `[Status] host - start (job)`; Windows: `[Status] job ...`.
    let subject_name = subject.map(|(_, rest)| {
        let rest = rest.trim();
        match (rest.rfind('('), rest.ends_with(')')) {
            (Some(open), true) if rest.contains(" - ") => rest
                .get(open + 1..rest.len() - 1)
                .unwrap_or(rest)
                .to_string(),
            _ => split_count(rest).map_or(rest, |(n, _)| n).to_string(),
        }
    });
    let job_name = body
        .job_name
        .clone()
        .or(subject_name)
        .filter(|n| !n.is_empty())
        .ok_or(ParseError::NoJobName(
            "no `Agent Backup job:` header and no subject",
        ))?;
    let objects = object_rows(body.tables, Some("Computer"));
    let status = body
        .result
        .or(subject.map(|(s, _)| s))
        .or_else(|| worst(&objects))
        .ok_or(ParseError::NoStatus(
            "no result in header, subject or objects",
        ))?;
    Ok(Report {
        software: SOFTWARE.to_string(),
        backup_type: "Agent Backup Job".to_string(),
        job_name: clean_line(&job_name),
        status,
        informational: false,
        message: body.details,
        objects,
    })
}

/// `[Warning] org - job (152 objects), 3 issues`.
fn m365_subject(subject: &str) -> Option<(Status, String)> {
    let (status, rest) = subject_result(subject)?;
    let (name, tail) = split_count(rest)?;
    let tail = tail.trim_start_matches(',').trim();
    let issues = tail.is_empty() || tail.ends_with("issues") || tail.ends_with("issue");
    (issues && name.contains(" - ")).then(|| (status, name.to_string()))
}

fn matches_m365(mail: &NormalizedMail) -> Cue {
    // The word first: reading the subject's shape costs a copy of the name.
    let subject =
        mail.match_subject.contains("issue") && m365_subject(&mail.match_subject).is_some();
    // Both names start alike: a body without the start has neither (one search, not two).
    let named = || {
        body_mentions(mail, "Veeam Backup for Microsoft ")
            && (body_mentions(mail, "Veeam Backup for Microsoft 365")
                || body_mentions(mail, "Veeam Backup for Microsoft Office 365"))
    };
    cue(
        subject || named(),
        "subject is not `[Result] org - job (n objects), k issues` and body lacks 'Veeam Backup for Microsoft 365'",
    )
}

fn parse_m365(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let subject = m365_subject(&mail.match_subject).or_else(|| {
        // Subject without issue count: `[Result] org - job (n objects)` or `[Result] org - job`.
        let (status, rest) = subject_result(&mail.match_subject)?;
        let name = split_count(rest).map_or(rest, |(n, _)| n);
        (!name.is_empty()).then(|| (status, name.to_string()))
    });
    // The job name keeps the organisation: one server often protects several tenants whose
    // jobs share names ("Daily Backup").
    let (status, job_name) = subject.ok_or(ParseError::NoJobName(
        "subject is not `[Result] org - job (...)`",
    ))?;
    let objects: Vec<ReportObject> = object_rows(mail.tables(), None);
    Ok(Report {
        software: SOFTWARE.to_string(),
        backup_type: "Microsoft 365 Backup".to_string(),
        job_name: clean_line(&job_name),
        status,
        informational: false,
        message: None,
        objects,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects() {
        assert_eq!(
            subject_result("[Failed] Daily (3 VMs) 1 failed"),
            Some((Status::Failed, "Daily (3 VMs) 1 failed"))
        );
        assert_eq!(
            split_count("Copy\\Daily (Srv) (3 objects) 1 failed, 1 warning"),
            Some(("Copy\\Daily (Srv)", "1 failed, 1 warning"))
        );
        assert_eq!(split_count("no count (here)"), None);
        assert_eq!(
            m365_subject("[Warning] acme.onmicrosoft.com - Exchange Daily (152 objects), 3 issues"),
            Some((
                Status::Warning,
                "acme.onmicrosoft.com - Exchange Daily".to_string()
            ))
        );
        assert_eq!(
            header_line("Backup Copy job: Copy\\Daily"),
            Some(("Backup Copy".to_string(), "Copy\\Daily".to_string()))
        );
        assert_eq!(header_line("Some job: x"), None);
    }

    fn mail(subject: &str, content_type: &str, body: &str) -> NormalizedMail {
        crate::parsers::normalize(
            format!(
                "From: v@example.com\r\nSubject: {subject}\r\nContent-Type: {content_type}\r\n\r\n{body}\r\n"
            )
            .as_bytes(),
        )
    }

    #[test]
    fn products_named_only_in_the_body_in_either_spelling_and_any_case() {
        for content_type in ["text/plain", "text/html"] {
            for name in [
                "Veeam Backup for Microsoft 365",
                "VEEAM BACKUP FOR MICROSOFT OFFICE 365",
            ] {
                let m = mail("Nightly", content_type, &format!("Report of {name} 7.1"));
                assert_eq!(matches_m365(&m), Ok(()), "{content_type}: {name}");
            }
            let other = mail("Nightly", content_type, "Veeam Backup for Microsoft Azure");
            assert!(matches_m365(&other).is_err(), "{content_type}");
            for phrase in [
                "Configuration Backup job: Cfg",
                "backup configuration JOB: Cfg",
            ] {
                let m = mail("Nightly", content_type, &format!("Veeam\n{phrase}"));
                assert_eq!(
                    matches_configuration(&m),
                    Ok(()),
                    "{content_type}: {phrase}"
                );
            }
            let other = mail("Nightly", content_type, "Veeam\nConfiguration of job: Cfg");
            assert!(matches_configuration(&other).is_err(), "{content_type}");
        }
    }
}

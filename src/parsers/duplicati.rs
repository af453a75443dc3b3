//! Duplicati result mails: the `%RESULT%` key/value report (`ParsedResult`, warnings, errors),
//! fatal reports (`Failed: ...`), and `%PARSEDRESULT%` put in front of the subject.

use super::mail::NormalizedMail;
use super::registry::{Cue, Parser, cue};
use super::report::{ParseError, Report};
use super::status_words::status_word;
use super::text::{clean_line, labelled, message};
use crate::domain::status::Status;

pub const PARSER: Parser = Parser {
    name: "duplicati",
    software: "Duplicati",
    backup_types: &["Backup"],
    order: 40,
    informational: false,
    matches,
    parse,
};

/// At most this many warning/error entries go into the message; the mail keeps the rest.
const MAX_ENTRIES: usize = 10;

/// `[%PARSEDRESULT%] Duplicati <Operation> report for <name>` → (result, operation, name).
fn read_subject(subject: &str) -> Option<(Option<Status>, String, String)> {
    let lower = subject.to_lowercase();
    let at = lower.find("duplicati ")?;
    let before = subject.get(..at)?.trim();
    let rest = subject.get(at + "duplicati ".len()..)?;
    let report_at = rest.to_lowercase().find(" report for ")?;
    let operation = clean_line(rest.get(..report_at)?);
    let name = clean_line(rest.get(report_at + " report for ".len()..)?);
    let prefix = status_word(before);
    (!name.is_empty()).then_some((prefix, operation, name))
}

fn matches(mail: &NormalizedMail) -> Cue {
    cue(
        read_subject(&mail.match_subject).is_some()
            || (mail.text_mentions("ParsedResult:") && mail.text_mentions("MainOperation:")),
        "subject is not `Duplicati <operation> report for <name>` and body lacks ParsedResult:",
    )
}

/// The last top-level `ParsedResult:`; nested blocks (BackendStatistics) are indented.
fn parsed_result(body: &str) -> Option<Status> {
    body.lines()
        .filter(|l| !l.starts_with([' ', '\t']))
        .rev()
        .find_map(|l| labelled(l, "ParsedResult", false))
        .map(|w| status_word(w).unwrap_or(Status::Unknown))
}

/// Entries of a top-level `Warnings: [ ... ]` or `Errors: [ ... ]` list.
fn list_entries(body: &str, key: &str) -> Vec<String> {
    let mut entries = Vec::new();
    let mut inside = false;
    for line in body.lines() {
        if !inside {
            if let Some(rest) = labelled(line, key, false)
                && !line.starts_with([' ', '\t'])
            {
                let rest = rest.trim();
                if rest == "[" {
                    inside = true;
                } else if let Some(one) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']'))
                    && !one.trim().is_empty()
                {
                    entries.push(clean_line(one));
                }
            }
            continue;
        }
        let t = line.trim();
        if t == "]" {
            break;
        }
        if !t.is_empty() {
            entries.push(clean_line(t.trim_end_matches(',')));
        }
    }
    entries
}

fn parse(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let subject = read_subject(&mail.match_subject);
    let job_name =
        subject
            .as_ref()
            .map(|(_, _, name)| name.clone())
            .ok_or(ParseError::NoJobName(
                "subject is not `Duplicati <op> report for <name>`",
            ))?;
    let body = mail.text();
    // Each of these reads every line of a long report: once each, and the `Failed:` line only
    // when there is no result.
    let parsed = parsed_result(body);
    let fatal = if parsed.is_none() {
        body.lines().find_map(|l| labelled(l, "Failed", false))
    } else {
        None
    };
    let status = parsed
        .or(fatal.map(|_| Status::Failed))
        .or(subject.as_ref().and_then(|(s, _, _)| *s))
        .ok_or(ParseError::NoStatus(
            "no ParsedResult, no `Failed:` line, no result in the subject",
        ))?;
    let message = match fatal {
        Some(text) => message(text),
        None => {
            let mut entries = list_entries(body, "Errors");
            entries.extend(list_entries(body, "Warnings"));
            let extra = entries.len().saturating_sub(MAX_ENTRIES);
            entries.truncate(MAX_ENTRIES);
            if extra > 0 {
                entries.push(format!("... and {extra} more"));
            }
            message(&entries.join("\n"))
        }
    };
    Ok(Report {
        software: "Duplicati".to_string(),
        backup_type: "Backup".to_string(),
        job_name,
        status,
        informational: false,
        message,
        objects: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_and_lists() {
        assert_eq!(
            read_subject("Warning Duplicati Backup report for Office NAS"),
            Some((Some(Status::Warning), "Backup".into(), "Office NAS".into()))
        );
        assert_eq!(
            read_subject("Duplicati Backup report for X"),
            Some((None, "Backup".into(), "X".into()))
        );
        let body = "ParsedResult: Warning\nWarnings: [\n  2024 - [Warning-A]: one,\n  2024 - [Warning-B]: two\n]\nErrors: []\nBackendStatistics:\n    ParsedResult: Success\n";
        assert_eq!(parsed_result(body), Some(Status::Warning));
        assert_eq!(list_entries(body, "Warnings").len(), 2);
        assert!(list_entries(body, "Errors").is_empty());
    }
}

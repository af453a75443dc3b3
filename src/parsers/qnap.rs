//! QNAP Hybrid Backup Sync alert mails: `[Hybrid Backup Sync] Job <name> finished/failed` with
//! the NAS name, often behind a `[QNAP]` or `[<NAS>]` tag.

use super::mail::NormalizedMail;
use super::registry::{Cue, Parser, cue};
use super::report::{ParseError, Report};
use super::text::{clean_line, contains_ci, find_labelled, message, phrase_status, quoted_name};
use crate::domain::status::Status;

pub const PARSER: Parser = Parser {
    name: "qnap_hbs",
    software: "QNAP",
    backup_types: &["Hybrid Backup Sync"],
    order: 65,
    informational: false,
    matches,
    parse,
};

const PHRASES: &[(&str, Status)] = &[
    ("finished with warning", Status::Warning),
    ("completed with warning", Status::Warning),
    ("failed", Status::Failed),
    ("stopped", Status::Failed),
    ("cancelled", Status::Failed),
    ("finished", Status::Success),
    ("completed", Status::Success),
];

fn matches(mail: &NormalizedMail) -> Cue {
    if contains_ci(&mail.match_subject, "Hybrid Backup Sync") {
        return Ok(());
    }
    if !contains_ci(&mail.match_subject, "HBS") {
        return Err("subject lacks 'Hybrid Backup Sync' and 'HBS'");
    }
    cue(
        phrase_status(&mail.match_subject, PHRASES).is_some(),
        "subject names HBS but no job result",
    )
}

/// The job name: quoted, else the words between `job` and the result word.
fn job_from(text: &str) -> Option<String> {
    if let Some(q) = quoted_name(text) {
        return Some(q);
    }
    let lower = text.to_lowercase();
    let at = lower.find("job ")? + 4;
    let rest = text.get(at..)?;
    let rest_lower = rest.to_lowercase();
    let end = PHRASES
        .iter()
        .filter_map(|(p, _)| rest_lower.find(p))
        .min()
        .unwrap_or(rest.len());
    let name = clean_line(rest.get(..end)?.trim_end_matches([':', '-', ' ']));
    let name = name.strip_suffix(" has").unwrap_or(&name).to_string();
    (!name.is_empty()).then_some(name)
}

fn parse(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let body = mail.text();
    let status = phrase_status(&mail.match_subject, PHRASES)
        .or_else(|| phrase_status(body, PHRASES))
        .ok_or(ParseError::NoStatus("no finished/failed word"))?;
    let job_name = find_labelled(body, "Job name", false)
        .map(clean_line)
        .filter(|j| !j.is_empty())
        .or_else(|| job_from(&mail.match_subject))
        .ok_or(ParseError::NoJobName("no job name in subject or body"))?;
    let message = if status == Status::Success {
        None
    } else {
        find_labelled(body, "Error", false)
            .or_else(|| find_labelled(body, "Reason", false))
            .or_else(|| find_labelled(body, "Details", false))
            .and_then(message)
    };
    Ok(Report {
        software: "QNAP".to_string(),
        backup_type: "Hybrid Backup Sync".to_string(),
        job_name,
        status,
        informational: false,
        message,
        objects: Vec::new(),
    })
}

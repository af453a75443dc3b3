//! Veritas Backup Exec alert mails: `Backup Exec Alert: Job Success (Server: "X") (Job: "Y")`
//! and the body lines `Job name:`, `Job server:` beside the category word.

use super::mail::NormalizedMail;
use super::registry::{Cue, Parser, cue};
use super::report::{ParseError, Report};
use super::text::{between, clean_line, contains_ci, find_labelled, message, phrase_status};
use crate::domain::status::Status;

pub const PARSER: Parser = Parser {
    name: "backup_exec",
    software: "Backup Exec",
    backup_types: &["Backup Job"],
    order: 70,
    informational: false,
    matches,
    parse,
};

/// Alert categories, the longer first ("Job Completed with Exceptions" before "Job Completed").
const CATEGORIES: &[(&str, Status)] = &[
    ("job completed with exceptions", Status::Warning),
    ("job success", Status::Success),
    ("job succeeded", Status::Success),
    ("job failed", Status::Failed),
    ("job failure", Status::Failed),
    ("job cancellation", Status::Failed),
    ("job canceled", Status::Failed),
    ("job cancelled", Status::Failed),
];

fn matches(mail: &NormalizedMail) -> Cue {
    if !contains_ci(&mail.match_subject, "Backup Exec") {
        return Err("subject lacks 'Backup Exec'");
    }
    cue(
        phrase_status(&mail.match_subject, CATEGORIES).is_some(),
        "subject has no alert category ('Job Success', 'Job Failed', ...)",
    )
}

fn parse(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let body = mail.text();
    let status = phrase_status(&mail.match_subject, CATEGORIES)
        .ok_or(ParseError::NoStatus("no job alert category"))?;
    let job_name = between(&mail.match_subject, "(Job: \"", "\")")
        .map(clean_line)
        .or_else(|| find_labelled(body, "Job name", false).map(clean_line))
        .filter(|j| !j.is_empty())
        .ok_or(ParseError::NoJobName(
            "no `(Job: \"...\")` and no `Job name:`",
        ))?;
    let message = if status == Status::Success {
        None
    } else {
        find_labelled(body, "Error", false)
            .or_else(|| find_labelled(body, "Final error", false))
            .or_else(|| find_labelled(body, "Exceptions", false))
            .and_then(message)
    };
    Ok(Report {
        software: "Backup Exec".to_string(),
        backup_type: "Backup Job".to_string(),
        job_name,
        status,
        informational: false,
        message,
        objects: Vec::new(),
    })
}

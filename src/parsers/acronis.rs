//! Acronis Cyber Protect (Cloud) alert mails: one per device and protection plan, with the
//! result in a sentence ("Backup succeeded with warnings"). Tolerant: the plan is the job,
//! the device the object.

use super::mail::NormalizedMail;
use super::registry::{Cue, Parser, cue};
use super::report::{ParseError, Report, ReportObject};
use super::text::{clean_line, contains_ci, find_labelled, message, phrase_status};
use crate::domain::status::Status;

pub const PARSER: Parser = Parser {
    name: "acronis",
    software: "Acronis",
    backup_types: &["Backup"],
    order: 55,
    informational: false,
    matches,
    parse,
};

/// Result sentences, the more specific first.
const PHRASES: &[(&str, Status)] = &[
    ("succeeded with warnings", Status::Warning),
    ("completed with warnings", Status::Warning),
    ("backup warning", Status::Warning),
    ("backup failed", Status::Failed),
    ("backup did not start", Status::Failed),
    ("backup has failed", Status::Failed),
    ("backup succeeded", Status::Success),
    ("backup completed successfully", Status::Success),
    ("backup was successful", Status::Success),
];

fn matches(mail: &NormalizedMail) -> Cue {
    let acronis = contains_ci(&mail.from_address, "acronis")
        || contains_ci(&mail.match_subject, "acronis")
        || mail.text_mentions("Acronis Cyber");
    if !acronis {
        return Err("sender, subject and body do not mention Acronis");
    }
    cue(
        phrase_status(&mail.match_subject, PHRASES).is_some()
            || phrase_status(mail.text(), PHRASES).is_some(),
        "mentions Acronis but has no backup result sentence",
    )
}

fn labelled_any(body: &str, labels: &[&str]) -> Option<String> {
    labels
        .iter()
        .find_map(|l| find_labelled(body, l, false))
        .map(clean_line)
        .filter(|v| !v.is_empty())
}

fn parse(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let body = mail.text();
    let status = phrase_status(&mail.match_subject, PHRASES)
        .or_else(|| phrase_status(body, PHRASES))
        .ok_or(ParseError::NoStatus(
            "no `Backup succeeded/failed` sentence",
        ))?;
    let plan = labelled_any(body, &["Plan", "Protection plan", "Plan name"])
        .ok_or(ParseError::NoJobName("no `Plan:` line"))?;
    let device = labelled_any(body, &["Device", "Machine", "Resource", "Workload"]);
    let error = labelled_any(body, &["Error", "Error message", "Reason", "Details"])
        .and_then(|e| message(&e))
        .filter(|_| status != Status::Success);
    let objects = device
        .map(|name| ReportObject {
            name,
            object_type: Some("Device".to_string()),
            status,
            message: error.clone(),
        })
        .into_iter()
        .collect::<Vec<_>>();
    Ok(Report {
        software: "Acronis".to_string(),
        backup_type: "Backup".to_string(),
        job_name: plan,
        status,
        informational: false,
        message: if objects.is_empty() { error } else { None },
        objects,
    })
}

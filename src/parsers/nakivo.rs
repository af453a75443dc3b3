//! NAKIVO Backup & Replication job reports: HTML per job run with a per-VM table. The exact
//! layout is not documented, so the parser reads cues tolerantly: the job name quoted in the
//! subject or labelled in the body, the job type as NAKIVO words it, the result word.

use super::mail::NormalizedMail;
use super::objects::{object_rows, worst};
use super::registry::{Cue, Parser, cue};
use super::report::{ParseError, Report};
use super::status_words::{status_word, trailing_status};
use super::text::{clean_line, contains_ci, find_labelled, message, quoted_name};

pub const PARSER: Parser = Parser {
    name: "nakivo",
    software: "NAKIVO",
    backup_types: &["Backup Job"],
    order: 50,
    informational: false,
    matches,
    parse,
};

/// Job kinds as NAKIVO names them, longest first.
const KINDS: &[&str] = &[
    "Replication job for VMware",
    "Replication job for Hyper-V",
    "Backup copy job",
    "VMware backup job",
    "Hyper-V backup job",
    "Physical machine backup job",
    "Microsoft 365 backup job",
    "Nutanix AHV backup job",
    "Amazon EC2 backup job",
    "File share backup job",
];

fn matches(mail: &NormalizedMail) -> Cue {
    cue(
        contains_ci(&mail.match_subject, "NAKIVO")
            || mail.html_mentions("NAKIVO")
            || mail.text_mentions("NAKIVO"),
        "neither subject nor body mentions NAKIVO",
    )
}

fn parse(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let body = mail.text();
    let job_name = find_labelled(body, "Job name", false)
        .or_else(|| find_labelled(body, "Job", false))
        .map(clean_line)
        .filter(|n| !n.is_empty())
        .or_else(|| quoted_name(&mail.match_subject))
        .ok_or(ParseError::NoJobName(
            "no quoted job name in the subject, no `Job name:`",
        ))?;
    let backup_type = KINDS
        .iter()
        .find(|k| contains_ci(body, k) || contains_ci(&mail.match_subject, k))
        .map_or("Backup Job", |k| *k);
    let objects = object_rows(mail.tables(), Some("VM"));
    let status = find_labelled(body, "Job status", false)
        .or_else(|| find_labelled(body, "Status", false))
        .and_then(status_word)
        .or_else(|| trailing_status(&mail.match_subject).map(|(s, _)| s))
        .or_else(|| worst(&objects))
        .ok_or(ParseError::NoStatus(
            "no job status, no result in the subject, no VM rows",
        ))?;
    let message = find_labelled(body, "Error", false)
        .or_else(|| find_labelled(body, "Reason", false))
        .and_then(message);
    Ok(Report {
        software: "NAKIVO".to_string(),
        backup_type: backup_type.to_string(),
        job_name,
        status,
        informational: false,
        message,
        objects,
    })
}

//! Syncovery profile result mails ("Syncovery: <profile> completed/failed", plain-text log).

use super::mail::NormalizedMail;
use super::registry::{Cue, Parser, cue};
use super::report::{ParseError, Report};
use super::status_words::{status_word, trailing_status};
use super::text::{clean_line, contains_ci, find_labelled, message, strip_prefix_ci};
use crate::domain::status::Status;

pub const PARSER: Parser = Parser {
    name: "syncovery",
    software: "Syncovery",
    backup_types: &["Profile"],
    order: 60,
    informational: false,
    matches,
    parse,
};

fn matches(mail: &NormalizedMail) -> Cue {
    cue(
        strip_prefix_ci(&mail.match_subject, "Syncovery").is_some()
            || mail
                .from_name
                .as_deref()
                .is_some_and(|n| contains_ci(n, "Syncovery")),
        "subject does not start with 'Syncovery' and the sender's name lacks it",
    )
}

/// `Syncovery: Profile "X" completed with errors` → (profile, status).
fn read_subject(subject: &str) -> Option<(String, Status)> {
    let rest = strip_prefix_ci(subject, "Syncovery")?.trim_start_matches([':', ' ', '-']);
    let rest = strip_prefix_ci(rest, "profile").unwrap_or(rest);
    let (status, head) = trailing_status(rest.trim_end_matches('.'))?;
    let head = head.trim_end_matches([':', '-', ' ']).trim();
    let head = head.strip_suffix(" has").unwrap_or(head);
    let name = clean_line(head.trim_matches(['"', '\'', ' ']));
    (!name.is_empty()).then_some((name, status))
}

fn parse(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let body = mail.text();
    let subject = read_subject(&mail.match_subject);
    let job_name = find_labelled(body, "Profile", false)
        .map(clean_line)
        .filter(|n| !n.is_empty())
        .or(subject.as_ref().map(|(n, _)| n.clone()))
        .ok_or(ParseError::NoJobName("no profile name in subject or body"))?;
    let status = find_labelled(body, "Result", false)
        .and_then(status_word)
        .or(subject.map(|(_, s)| s))
        .ok_or(ParseError::NoStatus(
            "no `Result:` line and no result in the subject",
        ))?;
    let message = if status == Status::Success {
        None
    } else {
        let errors: Vec<&str> = body
            .lines()
            .filter(|l| contains_ci(l, "error") || contains_ci(l, "failed"))
            .filter(|l| find_labelled(l, "Result", false).is_none())
            .take(10)
            .collect();
        message(&errors.join("\n"))
    };
    Ok(Report {
        software: "Syncovery".to_string(),
        backup_type: "Profile".to_string(),
        job_name,
        status,
        informational: false,
        message,
        objects: Vec::new(),
    })
}

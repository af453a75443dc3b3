//! Macrium Reflect result mails: one per backup definition; subject and body say "Backup
//! Successful" / "Backup Failed"; the definition file names the job.

use super::mail::NormalizedMail;
use super::registry::{Cue, Parser, cue};
use super::report::{ParseError, Report};
use super::text::{clean_line, contains_ci, find_labelled, message, phrase_status};
use crate::domain::status::Status;

pub const PARSER: Parser = Parser {
    name: "macrium_reflect",
    software: "Macrium Reflect",
    backup_types: &["Image Backup"],
    order: 75,
    informational: false,
    matches,
    parse,
};

const PHRASES: &[(&str, Status)] = &[
    ("completed with warnings", Status::Warning),
    ("backup warning", Status::Warning),
    ("backup failed", Status::Failed),
    ("backup canceled", Status::Failed),
    ("backup cancelled", Status::Failed),
    ("backup successful", Status::Success),
    ("backup succeeded", Status::Success),
    ("backup completed successfully", Status::Success),
];

fn matches(mail: &NormalizedMail) -> Cue {
    let macrium =
        contains_ci(&mail.match_subject, "Macrium") || mail.text_mentions("Macrium Reflect");
    if !macrium {
        return Err("neither subject nor body mentions Macrium Reflect");
    }
    cue(
        phrase_status(&mail.match_subject, PHRASES).is_some()
            || phrase_status(mail.text(), PHRASES).is_some(),
        "mentions Macrium but has no result sentence",
    )
}

/// `C:\Users\x\Documents\Reflect\Daily Image.xml` → `Daily Image`.
fn definition_name(path: &str) -> Option<String> {
    let file = path.rsplit(['\\', '/']).next()?;
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    let name = clean_line(stem);
    (!name.is_empty()).then_some(name)
}

fn parse(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let body = mail.text();
    let status = phrase_status(&mail.match_subject, PHRASES)
        .or_else(|| phrase_status(body, PHRASES))
        .ok_or(ParseError::NoStatus("no `Backup Successful/Failed`"))?;
    let job_name = ["Backup Definition File", "Definition File", "Definition"]
        .iter()
        .find_map(|l| find_labelled(body, l, false))
        .and_then(definition_name)
        .or_else(|| {
            find_labelled(body, "Job", false)
                .or_else(|| find_labelled(body, "Backup name", false))
                .map(clean_line)
        })
        .filter(|j| !j.is_empty())
        .ok_or(ParseError::NoJobName("no `Backup Definition File:` line"))?;
    let message = if status == Status::Success {
        None
    } else {
        find_labelled(body, "Error", false)
            .or_else(|| find_labelled(body, "Reason", false))
            .and_then(message)
    };
    Ok(Report {
        software: "Macrium Reflect".to_string(),
        backup_type: "Image Backup".to_string(),
        job_name,
        status,
        informational: false,
        message,
        objects: Vec::new(),
    })
}

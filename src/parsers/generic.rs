//! The generic key: value format for home-made scripts (documented in the README):
//!
//! ```text
//! Subject: [backupchecks] <job>
//!
//! Software: <name>           optional, default "Generic"
//! Type: <backup type>        optional, default "Script"
//! Job: <job name>            optional, overrides the subject
//! Status: <Success|Warning|Failed|...>
//! Message: <job-level text>  optional
//! Object: <name> | <status> | <message>   repeatable; message optional
//! ```

use super::mail::NormalizedMail;
use super::objects::worst;
use super::registry::{Cue, Parser, cue};
use super::report::{ParseError, Report, ReportObject};
use super::status_words::status_word;
use super::text::{clean_line, labelled, message, strip_prefix_ci};
use crate::domain::status::Status;

/// The software name when the mail does not give one.
pub const DEFAULT_SOFTWARE: &str = "Generic";

pub const PARSER: Parser = Parser {
    name: "generic",
    software: DEFAULT_SOFTWARE,
    backup_types: &["Script"],
    // First: the subject tag is an explicit opt-in, so it beats every product's cues.
    order: 1,
    informational: false,
    matches,
    parse,
};

const TAG: &str = "[backupchecks]";

fn matches(mail: &NormalizedMail) -> Cue {
    cue(
        strip_prefix_ci(&mail.match_subject, TAG).is_some(),
        "subject does not start with [backupchecks]",
    )
}

fn value(body: &str, key: &str) -> Option<String> {
    body.lines()
        .find_map(|l| labelled(l, key, false))
        .map(clean_line)
        .filter(|v| !v.is_empty())
}

fn object(line: &str) -> Result<Option<ReportObject>, ParseError> {
    let Some(spec) = labelled(line, "Object", false) else {
        return Ok(None);
    };
    let mut parts = spec.splitn(3, '|');
    let name = clean_line(parts.next().unwrap_or(""));
    let status_text = parts.next().unwrap_or("").trim();
    if name.is_empty() {
        return Err(ParseError::Layout(format!(
            "object without a name: `{}`",
            clean_line(line)
        )));
    }
    Ok(Some(ReportObject {
        name,
        object_type: None,
        status: status_word(status_text).unwrap_or(Status::Unknown),
        message: parts.next().and_then(message),
    }))
}

fn parse(mail: &NormalizedMail) -> Result<Report, ParseError> {
    // The plain part is what the script wrote; fall back to rendered HTML.
    let body = mail.text();
    let subject_job = strip_prefix_ci(&mail.match_subject, TAG).map(clean_line);
    let job_name = value(body, "Job")
        .or(subject_job)
        .filter(|j| !j.is_empty())
        .ok_or(ParseError::NoJobName(
            "no `Job:` line and nothing after [backupchecks]",
        ))?;
    let objects = body
        .lines()
        .map(object)
        .filter_map(Result::transpose)
        .collect::<Result<Vec<_>, _>>()?;
    let status = match value(body, "Status") {
        Some(word) => status_word(&word).unwrap_or(Status::Unknown),
        None => worst(&objects).ok_or(ParseError::NoStatus("no `Status:` line and no objects"))?,
    };
    Ok(Report {
        software: value(body, "Software").unwrap_or_else(|| DEFAULT_SOFTWARE.to_string()),
        backup_type: value(body, "Type").unwrap_or_else(|| "Script".to_string()),
        job_name,
        status,
        informational: false,
        message: value(body, "Message"),
        objects,
    })
}

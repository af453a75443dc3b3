//! Proxmox Backup Server job notifications (verify, sync, garbage collection, prune, tape) and
//! its informational "new software packages" notice. The subjects carry job kind, names and
//! result; the body adds the error text.

use super::mail::NormalizedMail;
use super::registry::{Cue, Parser, cue};
use super::report::{ParseError, Report, ReportObject};
use super::status_words::trailing_status;
use super::text::{clean_line, contains_ci, message, strip_prefix_ci};
use crate::domain::status::Status;

const SOFTWARE: &str = "Proxmox Backup Server";

pub const UPDATES: Parser = Parser {
    name: "pbs_updates",
    software: SOFTWARE,
    backup_types: &["Updates"],
    order: 35,
    informational: true,
    matches: matches_updates,
    parse: parse_updates,
};

pub const JOB: Parser = Parser {
    name: "pbs_job",
    software: SOFTWARE,
    backup_types: &[
        "Verify Job",
        "Sync Job",
        "Garbage Collection",
        "Prune Job",
        "Tape Backup",
    ],
    order: 36,
    informational: false,
    matches: matches_job,
    parse: parse_job,
};

/// Subject prefix → backup type.
const KINDS: &[(&str, &str)] = &[
    ("Verify Datastore ", "Verify Job"),
    ("Verification Datastore ", "Verify Job"),
    ("Sync remote ", "Sync Job"),
    ("Sync local datastore ", "Sync Job"),
    ("Sync datastore ", "Sync Job"),
    ("Garbage Collect Datastore ", "Garbage Collection"),
    ("Pruning datastore ", "Prune Job"),
    ("Prune datastore ", "Prune Job"),
    ("Tape Backup ", "Tape Backup"),
];

/// The names quoted in a subject: `Sync remote 'a' datastore 'b'` → [a, b].
fn quoted(text: &str) -> Vec<&str> {
    text.split('\'').skip(1).step_by(2).collect()
}

/// (backup type, job name, status) from the subject.
fn read_subject(subject: &str) -> Option<(&'static str, String, Status)> {
    let (kind, rest) = KINDS
        .iter()
        .find_map(|(prefix, kind)| strip_prefix_ci(subject, prefix).map(|r| (*kind, r)))?;
    let (status, head) = trailing_status(rest)?;
    let names = quoted(head);
    let name = match kind {
        // The tape job's own name identifies it; the datastore is only its source.
        "Tape Backup" => names.first().map(|n| n.to_string()),
        _ if names.is_empty() => None,
        _ => Some(names.join("/")),
    }?;
    Some((kind, clean_line(&name), status))
}

fn matches_job(mail: &NormalizedMail) -> Cue {
    cue(
        read_subject(&mail.match_subject).is_some(),
        "subject is no Proxmox Backup Server task (`Verify Datastore '...' successful` ...)",
    )
}

/// Body lines that say what went wrong, without the key/value header and the web-UI link.
fn error_text(body: &str) -> Option<String> {
    let lines: Vec<&str> = body
        .lines()
        .filter(|l| {
            let t = l.trim();
            !(t.starts_with("Job ID:")
                || t.starts_with("Datastore:")
                || t.starts_with("Remote:")
                || t.starts_with("Remote Store:")
                || t.starts_with("Local Store:")
                || t.starts_with("Tape Pool:")
                || t.starts_with("Tape Drive:")
                || contains_ci(t, "web interface")
                || contains_ci(t, "https://")
                || contains_ci(t, ":8007"))
        })
        .collect();
    let text = lines.join("\n");
    // Keep the paragraph that mentions the failure and what follows it.
    let lower = text.to_lowercase();
    let at = ["failed", "error"]
        .iter()
        .filter_map(|w| lower.find(w))
        .min()?;
    let para_start = text
        .get(..at)
        .and_then(|t| t.rfind("\n\n"))
        .map_or(0, |i| i + 2);
    message(text.get(para_start..)?)
}

/// Snapshots and groups listed as failed by a verify job.
fn failed_snapshots(body: &str) -> Vec<ReportObject> {
    let mut objects = Vec::new();
    let mut in_list = false;
    for line in body.lines() {
        let t = line.trim();
        if contains_ci(t, "verification failed on these") {
            in_list = true;
            continue;
        }
        if !in_list {
            continue;
        }
        if t.is_empty() {
            if objects.is_empty() {
                continue;
            }
            break;
        }
        let name = clean_line(t.trim_start_matches(['-', '*']).trim());
        if name.contains('/') {
            objects.push(ReportObject {
                name,
                object_type: Some("Snapshot".to_string()),
                status: Status::Failed,
                message: None,
            });
        }
    }
    objects
}

fn parse_job(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let (backup_type, job_name, status) = read_subject(&mail.match_subject).ok_or(
        ParseError::NoStatus("subject has no `... successful|failed`"),
    )?;
    if job_name.is_empty() {
        return Err(ParseError::NoJobName("no quoted datastore or job name"));
    }
    let body = mail.text();
    let objects = if backup_type == "Verify Job" && status != Status::Success {
        failed_snapshots(body)
    } else {
        Vec::new()
    };
    let message = if status == Status::Success {
        None
    } else {
        error_text(body)
    };
    Ok(Report {
        software: SOFTWARE.to_string(),
        backup_type: backup_type.to_string(),
        job_name,
        status,
        informational: false,
        message,
        objects,
    })
}

fn updates_host(subject: &str) -> Option<String> {
    let rest = strip_prefix_ci(subject, "New software packages available (")?;
    let host = clean_line(rest.get(..rest.find(')')?)?);
    (!host.is_empty()).then_some(host)
}

fn matches_updates(mail: &NormalizedMail) -> Cue {
    cue(
        strip_prefix_ci(&mail.match_subject, "New software packages available (").is_some(),
        "subject does not start with 'New software packages available ('",
    )
}

fn parse_updates(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let host = updates_host(&mail.match_subject).ok_or(ParseError::NoJobName(
        "no host in `New software packages available (host)`",
    ))?;
    Ok(Report {
        software: SOFTWARE.to_string(),
        backup_type: "Updates".to_string(),
        job_name: host,
        // Pending updates need doing; informational keeps it out of tickets and schedules.
        status: Status::Warning,
        informational: true,
        message: message(&mail.match_subject),
        objects: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects() {
        assert_eq!(
            read_subject("Verify Datastore 'store1' successful"),
            Some(("Verify Job", "store1".into(), Status::Success))
        );
        assert_eq!(
            read_subject("Sync remote 'offsite' datastore 'main' failed"),
            Some(("Sync Job", "offsite/main".into(), Status::Failed))
        );
        assert_eq!(
            read_subject("Tape Backup 'weekly' datastore 'store1' successful"),
            Some(("Tape Backup", "weekly".into(), Status::Success))
        );
        assert_eq!(read_subject("Verify Datastore 'x' pending"), None);
        assert_eq!(
            updates_host("New software packages available (pbs1.example.com)").as_deref(),
            Some("pbs1.example.com")
        );
    }
}

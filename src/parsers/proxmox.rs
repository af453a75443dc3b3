//! Proxmox VE vzdump backup mails, legacy (`... (<fqdn>) : backup ...`) and the notification
//! system of 8.1+ (`... (<fqdn>): backup ...`), from the text part or else the HTML table.
//! The mail names no job, only the host, so the host is the job.

use super::html::Table;
use super::mail::NormalizedMail;
use super::objects::worst;
use super::registry::{Cue, Parser, cue};
use super::report::{ParseError, Report, ReportObject};
use super::status_words::status_word;
use super::text::{clean_line, message, strip_prefix_ci};
use crate::domain::status::Status;

pub const VZDUMP: Parser = Parser {
    name: "proxmox_vzdump",
    software: "Proxmox VE",
    backup_types: &["vzdump"],
    order: 30,
    informational: false,
    matches,
    parse,
};

fn matches(mail: &NormalizedMail) -> Cue {
    cue(
        strip_prefix_ci(&mail.match_subject, "vzdump backup status (").is_some(),
        "subject does not start with 'vzdump backup status ('",
    )
}

/// `vzdump backup status (host) : backup failed: reason` → (host, status, reason).
fn read_subject(subject: &str) -> Option<(String, Option<Status>, Option<String>)> {
    let rest = strip_prefix_ci(subject, "vzdump backup status (")?;
    let close = rest.find(')')?;
    let host = clean_line(rest.get(..close)?);
    let tail = rest
        .get(close + 1..)?
        .trim_start()
        .strip_prefix(':')?
        .trim();
    let tail = strip_prefix_ci(tail, "backup ").unwrap_or(tail);
    let (word, reason) = match tail.split_once(':') {
        Some((w, r)) => (w, Some(r.trim())),
        None => (tail, None),
    };
    let reason = reason
        .filter(|r| !r.is_empty() && !r.eq_ignore_ascii_case("multiple problems"))
        .map(clean_line);
    Some((host, status_word(word), reason))
}

/// The reason vzdump logged for a failed guest: `ERROR: Backup of VM 101 failed - <reason>`.
fn failure_reason(text: &str, vmid: &str) -> Option<String> {
    let needle = format!("Backup of VM {vmid} failed - ");
    text.lines().find_map(|line| {
        let at = line.find(&needle)?;
        line.get(at + needle.len()..).and_then(message)
    })
}

/// Rows of the fixed-width text table (`VMID NAME STATUS ...`, either generation).
fn text_objects(text: &str) -> Vec<ReportObject> {
    let mut objects = Vec::new();
    let mut in_table = false;
    for line in text.lines() {
        let mut cols = line.split_whitespace();
        let (Some(first), second, third) = (cols.next(), cols.next(), cols.next()) else {
            in_table = false;
            continue;
        };
        if first.eq_ignore_ascii_case("vmid")
            && second.is_some_and(|s| s.eq_ignore_ascii_case("name"))
        {
            in_table = true;
            continue;
        }
        if !in_table || !first.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let (Some(name), Some(status)) = (second, third.and_then(status_word)) else {
            continue;
        };
        objects.push(ReportObject {
            name: clean_line(&format!("{first} {name}")),
            object_type: Some("VM".to_string()),
            status,
            message: if status == Status::Success {
                None
            } else {
                failure_reason(text, first)
            },
        });
    }
    objects
}

/// Rows of the HTML table: VMID, name, status, then time/size or one error cell.
fn html_objects(tables: &[Table], text: &str) -> Vec<ReportObject> {
    let mut objects = Vec::new();
    for table in tables {
        let rows = table.text_rows();
        let is_vzdump = rows.first().is_some_and(|h| {
            h.first()
                .is_some_and(|c| c.trim().eq_ignore_ascii_case("vmid"))
        });
        if !is_vzdump {
            continue;
        }
        for row in rows.iter().skip(1) {
            let (Some(vmid), Some(name), Some(status)) = (row.first(), row.get(1), row.get(2))
            else {
                continue;
            };
            let vmid = vmid.trim();
            let Some(status) = status_word(status) else {
                continue;
            };
            if vmid.is_empty() || !vmid.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            // Legacy failure rows carry the error where time and size would be.
            let inline = (status != Status::Success && row.len() == 5)
                .then(|| row.get(4).and_then(|m| message(m)))
                .flatten();
            objects.push(ReportObject {
                name: clean_line(&format!("{vmid} {name}")),
                object_type: Some("VM".to_string()),
                status,
                message: if status == Status::Success {
                    None
                } else {
                    inline.or_else(|| failure_reason(text, vmid))
                },
            });
        }
    }
    objects
}

/// The job-level error: the first paragraph before the table, when the mail starts with one.
fn leading_error(text: &str) -> Option<String> {
    let first = text.split("\n\n").next()?.trim();
    let lower = first.to_lowercase();
    let is_table = lower.starts_with("vmid") || lower.starts_with("details");
    (!first.is_empty() && !is_table)
        .then(|| message(first))
        .flatten()
}

fn parse(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let (host, subject_status, subject_reason) =
        read_subject(&mail.match_subject).ok_or_else(|| {
            ParseError::Layout("subject is not `vzdump backup status (host): ...`".into())
        })?;
    if host.is_empty() {
        return Err(ParseError::NoJobName("empty host in the subject"));
    }
    // The text part with any forward block skipped; empty when the mail has only HTML.
    let plain = if mail.text_body.is_some() {
        mail.text()
    } else {
        ""
    };
    let logs = if plain.is_empty() { mail.text() } else { plain };
    let mut objects = text_objects(plain);
    if objects.is_empty() {
        objects = html_objects(mail.tables(), logs);
    }
    let status = subject_status
        .or_else(|| worst(&objects))
        .ok_or(ParseError::NoStatus(
            "no status in the subject and no guest rows",
        ))?;
    let message = if status == Status::Success {
        None
    } else {
        subject_reason.or_else(|| {
            let body = if plain.is_empty() { mail.text() } else { plain };
            leading_error(body).filter(|_| objects.is_empty())
        })
    };
    let job_name = host;
    Ok(Report {
        software: "Proxmox VE".to_string(),
        backup_type: "vzdump".to_string(),
        job_name,
        status,
        informational: false,
        message,
        objects,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_of_both_generations() {
        assert_eq!(
            read_subject("vzdump backup status (pve1.example.com) : backup successful"),
            Some(("pve1.example.com".into(), Some(Status::Success), None))
        );
        assert_eq!(
            read_subject("vzdump backup status (pve1): backup failed: storage 'nas' is not online"),
            Some((
                "pve1".into(),
                Some(Status::Failed),
                Some("storage 'nas' is not online".into())
            ))
        );
        assert_eq!(
            read_subject("vzdump backup status (pve1): backup failed: multiple problems"),
            Some(("pve1".into(), Some(Status::Failed), None))
        );
    }

    #[test]
    fn text_table() {
        let text = "VMID       NAME                 STATUS  TIME       SIZE FILENAME\n\
100        web01                ok      00:01:02  1.2GB /mnt/a.vma.zst\n\
101        db01                 err     00:00:03  0.00MB -\n\
\nDetailed backup logs:\n\n101: 2024-03-12 01:00:05 ERROR: Backup of VM 101 failed - no space left\n";
        let objects = text_objects(text);
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[0].name, "100 web01");
        assert_eq!(objects[1].status, Status::Failed);
        assert_eq!(objects[1].message.as_deref(), Some("no space left"));
    }
}

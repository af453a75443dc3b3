//! Synology DSM: Active Backup for Business task mails, Hyper Backup task mails, and the
//! informational DSM / package update, firmware update and Account Protection notices. DSM localizes these mails, so the task and result
//! words are matched in English, Dutch, German and Italian.

use super::mail::NormalizedMail;
use super::registry::{Cue, Parser, cue};
use super::report::{ParseError, Report, ReportObject};
use super::status_words::trailing_status;
use super::text::{clean_line, contains_ci, find_ci, labelled, message, quoted_name, unquote};
use crate::domain::status::Status;

const SOFTWARE: &str = "Synology";

pub const UPDATES: Parser = Parser {
    name: "synology_updates",
    software: SOFTWARE,
    backup_types: &["Updates"],
    order: 20,
    informational: true,
    matches: matches_updates,
    parse: parse_updates,
};

pub const ACTIVE_BACKUP: Parser = Parser {
    name: "synology_active_backup",
    software: SOFTWARE,
    backup_types: &["Active Backup for Business"],
    order: 21,
    informational: false,
    matches: matches_active_backup,
    parse: parse_active_backup,
};

pub const HYPER_BACKUP: Parser = Parser {
    name: "synology_hyper_backup",
    software: SOFTWARE,
    backup_types: &["Hyper Backup"],
    order: 22,
    informational: false,
    matches: matches_hyper_backup,
    parse: parse_hyper_backup,
};

pub const ACCOUNT_PROTECTION: Parser = Parser {
    name: "synology_account_protection",
    software: SOFTWARE,
    backup_types: &["Account Protection"],
    order: 23,
    informational: true,
    matches: matches_account_protection,
    parse: parse_account_protection,
};

pub const FIRMWARE: Parser = Parser {
    name: "synology_firmware_update",
    software: SOFTWARE,
    backup_types: &["Firmware Update"],
    order: 24,
    informational: true,
    matches: matches_firmware,
    parse: parse_firmware,
};

/// "Backup task" as DSM writes it per language.
const TASK_WORDS: &[&str] = &[
    "backup task",
    "back-uptaak",
    "backuptaak",
    "sicherungsaufgabe",
    "attività di backup",
    "tâche de sauvegarde",
];

/// A part of every task word, for a cheap first test.
const TASK_STEMS: &[&str] = &["backup", "back-up", "sicherungsaufgabe", "sauvegarde"];

/// "on <host>" per language.
const ON_WORDS: &[&str] = &[" on ", " op ", " auf ", " su ", " sur "];

/// Words between the host and the result ("has completed", "ist fehlgeschlagen").
const FILLERS: &[&str] = &[
    " has been",
    " has",
    " have",
    " is",
    " was",
    " ist",
    " wurde",
    " è stata",
    " è",
    " werd",
    " is nu",
    " a été",
];

/// A task line: `<task word> <TASK> <on> <HOST> [filler] <result>` → (task, host, status).
fn task_line(line: &str) -> Option<(String, String, Status)> {
    // Every task word holds one of these: a cheap test before lower-casing each line of every
    // mail that reaches this parser (the Hyper Backup cue is the task sentence alone).
    if !TASK_STEMS.iter().any(|stem| contains_ci(line, stem)) {
        return None;
    }
    let (start, word) = task_word(line)?;
    let rest = line.get(start..)?;
    let rest = rest.get(word.len()..).or_else(|| {
        // `attività` is longer in bytes in mixed case forms; fall back to a char skip.
        let n = word.chars().count();
        rest.char_indices().nth(n).and_then(|(i, _)| rest.get(i..))
    })?;
    let (status, head) = trailing_status(rest)?;
    let mut head = head.trim().to_string();
    for filler in FILLERS {
        if head.to_lowercase().ends_with(filler) {
            // `get` rather than `truncate`: lower-casing may have shifted byte offsets.
            if let Some(kept) = head.get(..head.len().saturating_sub(filler.len())) {
                head = kept.to_string();
            }
            break;
        }
    }
    let head_lower = head.to_lowercase();
    let (on_at, on) = ON_WORDS
        .iter()
        .filter_map(|w| head_lower.rfind(w).map(|i| (i, *w)))
        .max_by_key(|(i, _)| *i)?;
    // DSM 7 puts typographic quotes around names in some languages.
    let task = clean_line(unquote(head.get(..on_at)?));
    let host = clean_line(unquote(head.get(on_at + on.len()..)?));
    (!task.is_empty()).then_some((task, host, status))
}

/// Where the first of [`TASK_WORDS`] (in their order) found in the lower-cased `line` starts in
/// `line`, and which word it is.
fn task_word(line: &str) -> Option<(usize, &'static str)> {
    if line.is_ascii() {
        // ASCII lower-cases in place, byte for byte: search the line as it is.
        return TASK_WORDS
            .iter()
            .find_map(|w| find_ci(line, w).map(|i| (i, *w)));
    }
    let lower = line.to_lowercase();
    let (at, word) = TASK_WORDS
        .iter()
        .find_map(|w| lower.find(w).map(|i| (i, *w)))?;
    // Byte offsets of `lower` match `line` for these ASCII-led words only when the text before
    // is unchanged in length; use the char count to be safe.
    let chars_before = lower.get(..at)?.chars().count();
    let start = line.char_indices().nth(chars_before).map(|(i, _)| i)?;
    Some((start, word))
}

fn first_task_line(mail: &NormalizedMail, after: Option<&str>) -> Option<(String, String, Status)> {
    let subject = match after {
        Some(marker) => {
            let lower = mail.match_subject.to_lowercase();
            lower
                .find(&marker.to_lowercase())
                .and_then(|i| mail.match_subject.get(i + marker.len()..))
                .unwrap_or(&mail.match_subject)
        }
        None => &mail.match_subject,
    };
    task_line(subject).or_else(|| {
        // A body without any task word has no task line: one search instead of one per line.
        // An ASCII body without a whole task word has none either (lower-casing ASCII is what
        // the search ignores); other bodies are read line by line.
        let text = mail.text();
        let has_words = TASK_STEMS.iter().any(|stem| mail.text_mentions(stem))
            && (!text.is_ascii() || TASK_WORDS.iter().any(|w| mail.text_mentions(w)));
        has_words
            .then(|| text.lines().take(40).find_map(task_line))
            .flatten()
    })
}

fn matches_active_backup(mail: &NormalizedMail) -> Cue {
    if contains_ci(&mail.match_subject, "Active Backup for Business") {
        return Ok(());
    }
    if !mail.text_mentions("Active Backup for Business") {
        return Err("subject and body lack 'Active Backup for Business'");
    }
    cue(
        first_task_line(mail, None).is_some(),
        "mentions Active Backup for Business but has no `backup task <task> on <host> <result>` line",
    )
}

/// The labelled value on any body line, for each spelling of the label.
fn body_value(mail: &NormalizedMail, labels: &[&str]) -> Option<String> {
    mail.text().lines().find_map(|line| {
        labels
            .iter()
            .find_map(|l| labelled(line, l, true))
            .map(clean_line)
            .filter(|v| !v.is_empty())
    })
}

/// "device" per language, as a label (`Device: PC01`) or in a sentence (`device “PC01”`).
const DEVICE_WORDS: &[&str] = &["device", "apparaat", "gerät", "dispositivo", "appareil"];

/// The quoted name after a device word in a sentence: `... van apparaat „PC01“ ...`.
fn quoted_device(mail: &NormalizedMail) -> Option<String> {
    mail.text().lines().take(40).find_map(|line| {
        let lower = line.to_lowercase();
        DEVICE_WORDS.iter().find_map(|w| {
            let at = lower.find(w)?;
            // The word is ASCII-led; find its position in the original by char count.
            let chars = lower.get(..at)?.chars().count();
            let start = line.char_indices().nth(chars).map(|(i, _)| i)?;
            let after = line.get(start..)?.get(w.len()..).unwrap_or("");
            let next = after.trim_start().chars().next()?;
            text_quote(next).then(|| quoted_name(after)).flatten()
        })
    })
}

fn text_quote(c: char) -> bool {
    super::text::QUOTES.contains(&c)
}

fn parse_active_backup(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let (task, _host, status) = first_task_line(mail, Some("Active Backup for Business")).ok_or(
        ParseError::NoStatus("no `backup task <task> on <host> <result>` line"),
    )?;
    let device = body_value(mail, DEVICE_WORDS)
        .map(|d| clean_line(unquote(&d)))
        .filter(|d| !d.is_empty())
        .or_else(|| quoted_device(mail));
    let reason = body_value(
        mail,
        &[
            "error", "reason", "fout", "oorzaak", "fehler", "grund", "errore", "motivo",
        ],
    );
    let objects = device
        .map(|name| ReportObject {
            name,
            object_type: Some("Device".to_string()),
            status,
            message: reason.clone(),
        })
        .into_iter()
        .collect::<Vec<_>>();
    Ok(Report {
        software: SOFTWARE.to_string(),
        backup_type: "Active Backup for Business".to_string(),
        job_name: task,
        status,
        informational: false,
        message: if objects.is_empty() { reason } else { None },
        objects,
    })
}

fn matches_hyper_backup(mail: &NormalizedMail) -> Cue {
    // The plain-text mails never say "Hyper Backup": the task sentence is the cue. Active
    // Backup for Business mails say so and are taken by the parser before this one; the other
    // Active Backup products (Microsoft 365, Google Workspace) write the same sentence.
    let named =
        contains_ci(&mail.match_subject, "Hyper Backup") || mail.text_mentions("Hyper Backup");
    if !named
        && (contains_ci(&mail.match_subject, "Active Backup")
            || mail.text_mentions("Active Backup"))
    {
        return Err("an Active Backup mail (not for Business), not Hyper Backup");
    }
    cue(
        first_task_line(mail, None).is_some(),
        "no `backup task <task> on <host> <result>` line in the subject or body",
    )
}

fn parse_hyper_backup(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let (task, _host, status) = first_task_line(mail, None).ok_or(ParseError::NoStatus(
        "no `backup task <task> on <host> <result>` line",
    ))?;
    let reason = body_value(
        mail,
        &[
            "error", "reason", "fout", "oorzaak", "fehler", "grund", "errore", "motivo",
        ],
    );
    Ok(Report {
        software: SOFTWARE.to_string(),
        backup_type: "Hyper Backup".to_string(),
        job_name: task,
        status,
        informational: false,
        message: reason.and_then(|r| message(&r)),
        objects: Vec::new(),
    })
}

/// Update notices: (cue in the subject, status). Out-of-date and available updates need an
/// update; a finished update is good news.
const UPDATE_CUES: &[(&str, Status)] = &[
    ("are out-of-date", Status::Warning),
    ("is out-of-date", Status::Warning),
    ("zijn verouderd", Status::Warning),
    ("sind veraltet", Status::Warning),
    ("non sono aggiornati", Status::Warning),
    ("has been updated", Status::Success),
    ("is bijgewerkt", Status::Success),
    ("wurde aktualisiert", Status::Success),
    ("update is available", Status::Warning),
    ("update available", Status::Warning),
    ("is now available", Status::Warning),
    ("update beschikbaar", Status::Warning),
    ("update verfügbar", Status::Warning),
    // A cancelled automatic update leaves the system behind.
    ("automatic dsm update", Status::Warning),
    ("automatische dsm-update", Status::Warning),
    ("automatisches dsm-update", Status::Warning),
];

fn update_cue(subject: &str) -> Option<Status> {
    let lower = subject.to_lowercase();
    let dsm_or_packages = lower.contains("dsm")
        || lower.contains("package")
        || lower.contains("pakket")
        || lower.contains("paket")
        || lower.contains("pacchett");
    if !dsm_or_packages {
        return None;
    }
    UPDATE_CUES
        .iter()
        .find(|(cue, _)| lower.contains(cue))
        .map(|(_, s)| *s)
}

fn matches_updates(mail: &NormalizedMail) -> Cue {
    cue(
        update_cue(&mail.match_subject).is_some(),
        "subject is no DSM or package update notice",
    )
}

/// The host: `... on <HOST> ...` in the subject, else the `[HOST]` subject prefix.
fn update_host(subject: &str) -> Option<String> {
    let lower = subject.to_lowercase();
    for on in ON_WORDS {
        if let Some(i) = lower.find(on) {
            let after = subject.get(i + on.len()..)?;
            let host = after.split_whitespace().next()?;
            let host = host.trim_matches(|c: char| !c.is_alphanumeric() && c != '-' && c != '.');
            if !host.is_empty() {
                return Some(host.to_string());
            }
        }
    }
    let rest = subject.strip_prefix('[')?;
    rest.get(..rest.find(']')?).map(str::to_string)
}

fn parse_updates(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let status = update_cue(&mail.match_subject).ok_or(ParseError::NoStatus("no update cue"))?;
    let host = update_host(&mail.match_subject)
        .map(|h| clean_line(&h))
        .filter(|h| !h.is_empty())
        .ok_or(ParseError::NoJobName("no host in the subject"))?;
    Ok(Report {
        software: SOFTWARE.to_string(),
        backup_type: "Updates".to_string(),
        job_name: host,
        status,
        informational: true,
        message: message(&mail.match_subject),
        objects: Vec::new(),
    })
}

/// "Account Protection" per language.
const ACCOUNT_PROTECTION_WORDS: &[&str] = &[
    "account protection",
    "accountbeveiliging",
    "kontoschutz",
    "protezione account",
    "protection du compte",
];

fn matches_account_protection(mail: &NormalizedMail) -> Cue {
    let lower = mail.match_subject.to_lowercase();
    cue(
        ACCOUNT_PROTECTION_WORDS.iter().any(|w| lower.contains(w)),
        "subject lacks 'Account Protection'",
    )
}

/// A notice about one NAS: the host from `... on <HOST>` or the `[HOST]` prefix, else the
/// `From <HOST>` footer DSM writes.
fn notice_host(mail: &NormalizedMail) -> Option<String> {
    update_host(&mail.match_subject)
        .or_else(|| {
            mail.text().lines().rev().take(5).find_map(|l| {
                ["from ", "van ", "von ", "da ", "de "]
                    .iter()
                    .find_map(|w| super::text::strip_prefix_ci(l.trim(), w))
                    .map(str::to_string)
            })
        })
        .map(|h| clean_line(unquote(&h)))
        .filter(|h| !h.is_empty() && !h.contains(' '))
}

/// The first body line that says something, else the subject: what the operator reads.
fn notice_message(mail: &NormalizedMail) -> Option<String> {
    mail.text()
        .lines()
        .map(str::trim)
        .find(|l| l.len() > 20)
        .and_then(message)
        .or_else(|| message(&mail.match_subject))
}

fn parse_account_protection(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let host =
        notice_host(mail).ok_or(ParseError::NoJobName("no host in the subject or footer"))?;
    Ok(Report {
        software: SOFTWARE.to_string(),
        backup_type: "Account Protection".to_string(),
        job_name: host,
        // A blocked client is worth a look, never a ticket (the parser is informational).
        status: Status::Warning,
        informational: true,
        message: notice_message(mail),
        objects: Vec::new(),
    })
}

/// Firmware notices: (cue, status), the more specific first.
const FIRMWARE_CUES: &[(&str, Status)] = &[
    ("failed", Status::Failed),
    ("mislukt", Status::Failed),
    ("fehlgeschlagen", Status::Failed),
    ("non riuscit", Status::Failed),
    ("échoué", Status::Failed),
    ("has been updated", Status::Success),
    ("was updated", Status::Success),
    ("updated successfully", Status::Success),
    ("is bijgewerkt", Status::Success),
    ("wurde aktualisiert", Status::Success),
    ("è stato aggiornato", Status::Success),
    ("available", Status::Warning),
    ("beschikbaar", Status::Warning),
    ("verfügbar", Status::Warning),
    ("disponibile", Status::Warning),
    ("disponible", Status::Warning),
];

/// Words that say the mail comes from a Synology system (a firmware notice alone could be any
/// vendor's).
const SYNOLOGY_CUES: &[&str] = &["synology", "dsm", "diskstation", "rackstation", "srm"];

fn firmware_cue(mail: &NormalizedMail) -> Result<Status, &'static str> {
    let lower = mail.match_subject.to_lowercase();
    if !lower.contains("firmware") {
        return Err("subject lacks 'firmware'");
    }
    let synology = SYNOLOGY_CUES.iter().any(|w| {
        lower.contains(w)
            || mail.text_mentions(w)
            || mail.from_name.as_deref().is_some_and(|n| contains_ci(n, w))
    });
    if !synology {
        return Err("a firmware notice that does not mention Synology or DSM");
    }
    FIRMWARE_CUES
        .iter()
        .find(|(c, _)| lower.contains(c))
        .map(|(_, s)| *s)
        .ok_or("firmware notice without 'available', 'updated' or 'failed'")
}

fn matches_firmware(mail: &NormalizedMail) -> Cue {
    firmware_cue(mail).map(|_| ())
}

fn parse_firmware(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let status = firmware_cue(mail).map_err(ParseError::NoStatus)?;
    let host =
        notice_host(mail).ok_or(ParseError::NoJobName("no host in the subject or footer"))?;
    Ok(Report {
        software: SOFTWARE.to_string(),
        backup_type: "Firmware Update".to_string(),
        job_name: host,
        status,
        informational: true,
        message: notice_message(mail),
        objects: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_lines_in_four_languages() {
        let cases = [
            (
                "Backup task PC-Daily on NAS01 partially completed",
                ("PC-Daily", "NAS01", Status::Warning),
            ),
            (
                "attività di backup BCK-PC01 su BACKUPNAS completata",
                ("BCK-PC01", "BACKUPNAS", Status::Success),
            ),
            (
                "Back-uptaak Servers op NAS-02 mislukt",
                ("Servers", "NAS-02", Status::Failed),
            ),
            (
                "Sicherungsaufgabe Büro auf DS918 ist teilweise abgeschlossen",
                ("Büro", "DS918", Status::Warning),
            ),
            (
                "Backup task Offsite on NAS01 has completed.",
                ("Offsite", "NAS01", Status::Success),
            ),
        ];
        for (line, (task, host, status)) in cases {
            assert_eq!(
                task_line(line),
                Some((task.to_string(), host.to_string(), status)),
                "{line}"
            );
        }
        assert_eq!(task_line("Backup statistics alerts on NAS01"), None);
        assert_eq!(
            task_line("Sicherungsaufgabe Auslagerung-Zweigstelle auf NAS01-C06 ist abgeschlossen."),
            Some((
                "Auslagerung-Zweigstelle".to_string(),
                "NAS01-C06".to_string(),
                Status::Success
            ))
        );
        assert_eq!(
            task_line("Backup task “Office PCs” on NAS01 partially completed"),
            Some((
                "Office PCs".to_string(),
                "NAS01".to_string(),
                Status::Warning
            ))
        );
    }

    #[test]
    fn update_hosts() {
        assert_eq!(
            update_host("NAS01 Packages on NAS01 are out-of-date").as_deref(),
            Some("NAS01")
        );
        assert_eq!(
            update_host("[NAS-07] DSM 7.2.1-69057 Update 5 is now available").as_deref(),
            Some("NAS-07")
        );
    }
}

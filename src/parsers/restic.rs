//! restic reports as its wrappers mail them. restic itself sends no mail; resticprofile runs
//! `run-after` / `run-after-fail` commands with the profile in `PROFILE_NAME`, the command in
//! `PROFILE_COMMAND` and, on failure, `ERROR_MESSAGE`, `ERROR_EXIT_CODE` and `ERROR_STDERR`.
//! What we read: the mail of resticprofile's own error script (`resticprofile-send-error.sh`:
//! subject `restic failed: "<command>" in "<profile>"`, body `<command> on profile '<profile>':
//! exit status <n>` then `COMMANDLINE:`, `STDERR:`, `DETAILS:` sections; its systemd variant
//! says `Restic Failed: <command> "<profile>"`), and this layout for any other script (the
//! README shows one):
//!
//! ```text
//! Subject: resticprofile <profile> <command> <succeeded|failed|...>
//!
//! Profile: <profile>             or PROFILE_NAME=<profile>   (beats the subject)
//! Command: backup                or PROFILE_COMMAND=backup   (optional, default backup)
//! Exit code: <n>                 or ERROR_EXIT_CODE=<n>      (optional; 3 = files unreadable)
//! <restic's own output: "snapshot 1a2b3c4d saved", "Fatal: ...", "Warning: ...">
//! ```

use super::mail::NormalizedMail;
use super::registry::{Cue, Parser, cue};
use super::report::{ParseError, Report};
use super::status_words::status_word;
use super::text::{clean_line, contains_ci, labelled, message, strip_prefix_ci};
use crate::domain::status::Status;

pub const PARSER: Parser = Parser {
    name: "restic",
    software: "restic",
    backup_types: &["Backup", "Check", "Forget", "Prune", "Copy"],
    order: 85,
    informational: false,
    matches,
    parse,
};

/// At most this many problem lines go into the message.
const MAX_LINES: usize = 10;

/// Lines only restic's output or resticprofile's variables have.
fn restic_output(body: &str) -> bool {
    body.lines().any(|l| {
        let l = l.trim();
        (l.starts_with("snapshot ") && l.ends_with(" saved"))
            || l.starts_with("Fatal: ")
            || l.starts_with("PROFILE_NAME=")
            || labelled(l, "Profile", false).is_some()
            || (l.starts_with("processed ") && l.contains(" files"))
            || error_line(l).is_some()
    })
}

/// resticprofile's `$ERROR`: `[run-before ]<command> on profile '<profile>': exit status <n>`
/// → (profile, exit code).
fn error_line(line: &str) -> Option<(String, Option<&str>)> {
    let at = line.find(" on profile '")?;
    let rest = line.get(at + " on profile '".len()..)?;
    let end = rest.find('\'')?;
    let profile = clean_line(rest.get(..end)?);
    let code = rest
        .get(end..)?
        .split("exit status ")
        .nth(1)
        .map(|c| c.trim_end_matches(|ch: char| !ch.is_ascii_digit()));
    (!profile.is_empty()).then_some((profile, code))
}

fn matches(mail: &NormalizedMail) -> Cue {
    let named = contains_ci(&mail.match_subject, "restic")
        || mail
            .from_name
            .as_deref()
            .is_some_and(|n| contains_ci(n, "restic"));
    if !named {
        return Err("subject and sender name lack 'restic'");
    }
    cue(
        restic_output(mail.text()),
        "names restic but the body has no restic output or profile line",
    )
}

/// A labelled value or a `NAME=value` variable line.
fn value(body: &str, label: &str, variable: &str) -> Option<String> {
    body.lines()
        .find_map(|l| {
            labelled(l, label, false).or_else(|| {
                l.trim()
                    .strip_prefix(variable)
                    .and_then(|r| r.strip_prefix('='))
            })
        })
        .map(|v| clean_line(v.trim_matches(['"', '\''])))
        .filter(|v| !v.is_empty())
}

/// The quoted words of a text: `a "x" b "y"` → `["x", "y"]`.
fn quoted(text: &str) -> Vec<&str> {
    text.split('"').skip(1).step_by(2).collect()
}

/// The subject → profile, command, result word. Shapes: `resticprofile <profile> <command>
/// <result>` (also `[resticprofile] ...`), and the error scripts' `restic failed: "<command>" in
/// "<profile>"` and `Restic Failed: <command> "<profile>"`.
fn read_subject(subject: &str) -> Option<(String, Option<String>, Option<Status>)> {
    let lower = subject.to_lowercase();
    if let Some(rest) = lower
        .find("restic failed:")
        .and_then(|at| subject.get(at + "restic failed:".len()..))
    {
        let words = quoted(rest);
        let (command, profile) = match words.as_slice() {
            [command, profile, ..] => (command.to_string(), profile.to_string()),
            [profile] => (
                rest.split('"').next().unwrap_or("").to_string(),
                profile.to_string(),
            ),
            [] => return None,
        };
        let command = clean_line(&command).to_lowercase();
        return Some((
            clean_line(&profile),
            (!command.is_empty()).then_some(command),
            Some(Status::Failed),
        ));
    }
    let at = lower.find("resticprofile")?;
    let rest = subject.get(at + "resticprofile".len()..)?;
    let rest = rest.trim_start_matches([']', ':', ' ']);
    let mut words = rest.split_whitespace();
    let profile = clean_line(words.next()?);
    let command = words.next().map(str::to_lowercase);
    let result = words.collect::<Vec<_>>().join(" ");
    Some((profile, command, status_word(&result)))
}

/// `backup` → `Backup`.
fn title(command: &str) -> String {
    let mut chars = command.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect()
    })
}

fn exit_status(code: &str) -> Option<Status> {
    match code.trim().parse::<u32>().ok()? {
        0 => Some(Status::Success),
        // restic: the snapshot was made, but some source files could not be read.
        3 => Some(Status::Warning),
        _ => Some(Status::Failed),
    }
}

fn parse(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let body = mail.text();
    let subject = read_subject(&mail.match_subject);
    let error = body.lines().find_map(error_line);
    let job_name = value(body, "Profile", "PROFILE_NAME")
        .or_else(|| subject.as_ref().map(|(p, _, _)| p.clone()))
        .or_else(|| error.as_ref().map(|(p, _)| p.clone()))
        .filter(|p| !p.is_empty())
        .ok_or(ParseError::NoJobName(
            "no `Profile:` line and no `resticprofile <profile> ...` subject",
        ))?;
    let command = value(body, "Command", "PROFILE_COMMAND")
        .map(|c| c.to_lowercase())
        .or_else(|| subject.as_ref().and_then(|(_, c, _)| c.clone()))
        .filter(|c| ["backup", "check", "forget", "prune", "copy"].contains(&c.as_str()))
        .unwrap_or_else(|| "backup".to_string());
    let lines: Vec<&str> = body.lines().map(str::trim).collect();
    let fatal = lines.iter().any(|l| l.starts_with("Fatal: "));
    let unreadable = lines
        .iter()
        .any(|l| l.starts_with("Warning: at least one source file could not be read"));
    let saved = lines
        .iter()
        .any(|l| l.starts_with("snapshot ") && l.ends_with(" saved"));
    let status = value(body, "Exit code", "ERROR_EXIT_CODE")
        .and_then(|c| exit_status(&c))
        .or_else(|| error.as_ref().and_then(|(_, c)| c.and_then(exit_status)))
        .or(fatal.then_some(Status::Failed))
        .or(unreadable.then_some(Status::Warning))
        .or_else(|| subject.as_ref().and_then(|(_, _, s)| *s))
        .or(saved.then_some(Status::Success))
        .ok_or(ParseError::NoStatus(
            "no exit code, no `Fatal:` or `snapshot ... saved` line, no result in the subject",
        ))?;
    let problems: Vec<&str> = lines
        .iter()
        .filter(|l| {
            [
                "Fatal: ",
                "Warning: ",
                "error: ",
                "ERROR_MESSAGE=",
                "Panic: ",
            ]
            .iter()
            .any(|p| strip_prefix_ci(l, p).is_some())
                || error_line(l).is_some()
        })
        .map(|l| l.strip_prefix("ERROR_MESSAGE=").unwrap_or(l))
        .take(MAX_LINES)
        .collect();
    Ok(Report {
        software: "restic".to_string(),
        backup_type: title(&command),
        job_name,
        status,
        informational: false,
        message: message(&problems.join("\n")),
        objects: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_and_codes() {
        assert_eq!(
            read_subject("resticprofile nas-home backup failed"),
            Some((
                "nas-home".to_string(),
                Some("backup".to_string()),
                Some(Status::Failed)
            ))
        );
        assert_eq!(
            read_subject("[resticprofile] web check"),
            Some(("web".to_string(), Some("check".to_string()), None))
        );
        assert_eq!(
            read_subject("restic failed: \"backup\" in \"vms\""),
            Some((
                "vms".to_string(),
                Some("backup".to_string()),
                Some(Status::Failed)
            ))
        );
        assert_eq!(
            read_subject("Restic Failed: check \"offsite\""),
            Some((
                "offsite".to_string(),
                Some("check".to_string()),
                Some(Status::Failed)
            ))
        );
        assert_eq!(
            error_line("run-before backup on profile 'vms': exit status 1"),
            Some(("vms".to_string(), Some("1")))
        );
        assert_eq!(exit_status("3"), Some(Status::Warning));
        assert_eq!(exit_status("1"), Some(Status::Failed));
        assert_eq!(exit_status("x"), None);
        assert_eq!(title("backup"), "Backup");
    }
}

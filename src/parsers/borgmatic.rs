//! borgmatic (borg) results as they reach a mailbox: the output of a run mailed by cron or a
//! wrapper script (borg's `--stats` block, then borgmatic's `summary:` with one line per
//! configuration file), and the notifications of its Apprise/ntfy hooks, titled
//! `A borgmatic FINISH event happened` / `A borgmatic FAIL event happened`. A START event is
//! no result and is left alone.

use super::mail::NormalizedMail;
use super::registry::{Cue, Parser, cue};
use super::report::{ParseError, Report};
use super::text::{clean_line, contains_ci, message};
use crate::domain::status::Status;

pub const PARSER: Parser = Parser {
    name: "borgmatic",
    software: "borgmatic",
    backup_types: &["Backup"],
    order: 86,
    informational: false,
    matches,
    parse,
};

/// The job of a hook notification and of the default configuration file.
const DEFAULT_JOB: &str = "borgmatic";

/// At most this many problem lines go into the message.
const MAX_LINES: usize = 10;

/// The event of a hook notification: `A borgmatic FAIL event happened` → `FAIL`.
fn event(text: &str) -> Option<&str> {
    let at = text.find("A borgmatic ")?;
    let rest = text.get(at + "A borgmatic ".len()..)?;
    let end = rest.find(" event happened")?;
    rest.get(..end).map(str::trim)
}

/// borgmatic's closing summary lines: `<config>: Successfully ran configuration file` etc.
const SUCCESS_LINE: &str = ": Successfully ran configuration file";
const ERROR_LINES: &[&str] = &[": Error running configuration file", ": An error occurred"];

fn summary(body: &str) -> Option<bool> {
    let mut seen = None;
    for line in body.lines() {
        if ERROR_LINES.iter().any(|e| line.contains(e)) {
            return Some(false);
        }
        if line.contains(SUCCESS_LINE) {
            seen = Some(true);
        }
    }
    seen
}

fn matches(mail: &NormalizedMail) -> Cue {
    let event = event(&mail.match_subject).or_else(|| event(mail.text()));
    if let Some(e) = event {
        return cue(
            !e.eq_ignore_ascii_case("start"),
            "a borgmatic START event is no result",
        );
    }
    if !(contains_ci(&mail.match_subject, "borgmatic") || mail.text_mentions("borgmatic")) {
        return Err("subject and body lack 'borgmatic'");
    }
    cue(
        summary(mail.text()).is_some(),
        "names borgmatic but has no `<config>: Successfully ran configuration file` summary",
    )
}

/// `/etc/borgmatic.d/nas.yaml: Successfully ran ...` → `nas`. The default
/// `/etc/borgmatic/config.yaml` says nothing, so it gives `borgmatic`, as a hook notification
/// does: a machine's runs stay one job whichever way they are mailed.
fn config_name(body: &str) -> Option<String> {
    body.lines().find_map(|line| {
        let end = [SUCCESS_LINE]
            .iter()
            .chain(ERROR_LINES)
            .find_map(|m| line.find(m))?;
        let path = line.get(..end)?.trim();
        let file = path.rsplit('/').next()?;
        let stem = file
            .strip_suffix(".yaml")
            .or_else(|| file.strip_suffix(".yml"))
            .unwrap_or(file);
        let name = clean_line(stem);
        match name.as_str() {
            "" => None,
            "config" => Some(DEFAULT_JOB.to_string()),
            _ => Some(name),
        }
    })
}

/// borg's warnings (exit code 1): files that changed or could not be read.
fn warning_line(line: &str) -> bool {
    let l = line.to_lowercase();
    l.contains("file changed while we backed it up")
        || l.starts_with("warning")
        || l.contains(" warning:")
        || l.contains("permission denied")
}

fn error_line(line: &str) -> bool {
    let l = line.to_lowercase();
    l.contains("error")
        || l.contains("returned non-zero exit status")
        || l.contains("connection closed by remote host")
}

fn parse(mail: &NormalizedMail) -> Result<Report, ParseError> {
    let body = mail.text();
    let event = event(&mail.match_subject).or_else(|| event(body));
    // A hook notification names no configuration (a FAIL event's log may, a FINISH event's
    // does not): the sender tells the machines apart. The archive name is no identity either,
    // since a failed run has none.
    let job_name = match event {
        Some(_) => DEFAULT_JOB.to_string(),
        None => config_name(body).unwrap_or_else(|| DEFAULT_JOB.to_string()),
    };
    let lines: Vec<&str> = body.lines().map(str::trim).collect();
    let warnings: Vec<&str> = lines.iter().copied().filter(|l| warning_line(l)).collect();
    let errors: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| error_line(l) && !l.contains(": Error running configuration file"))
        .collect();
    let status = match (event.map(str::to_uppercase).as_deref(), summary(body)) {
        (Some("FAIL"), _) | (_, Some(false)) => Status::Failed,
        (_, Some(true)) | (Some("FINISH"), None) if !warnings.is_empty() => Status::Warning,
        (_, Some(true)) | (Some("FINISH"), None) => Status::Success,
        _ => {
            return Err(ParseError::NoStatus(
                "no FINISH/FAIL event and no configuration-file summary",
            ));
        }
    };
    let mut problems: Vec<&str> = errors.into_iter().chain(warnings).take(MAX_LINES).collect();
    if problems.is_empty() && status == Status::Failed {
        // A FAIL notification's log lines (Apprise `send_logs`) are the story, whatever words.
        problems = lines
            .iter()
            .copied()
            .filter(|l| !l.is_empty() && !l.contains(" event happened"))
            .take(MAX_LINES)
            .collect();
    }
    Ok(Report {
        software: "borgmatic".to_string(),
        backup_type: "Backup".to_string(),
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
    fn events_and_configs() {
        assert_eq!(event("A borgmatic FAIL event happened"), Some("FAIL"));
        assert_eq!(event("hello"), None);
        assert_eq!(
            config_name("/etc/borgmatic/config.yaml: An error occurred"),
            Some("borgmatic".to_string())
        );
        assert_eq!(
            config_name("/etc/borgmatic.d/office.yaml: Successfully ran configuration file"),
            Some("office".to_string())
        );
        assert_eq!(summary("x: An error occurred\n"), Some(false));
        assert_eq!(summary("nothing"), None);
    }
}

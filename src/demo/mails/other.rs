//! Duplicati, NAKIVO, Acronis and the generic script format.

use super::super::rng::Rng;
use super::{Render, esc};
use crate::demo::mime::{self, Encoding, Part};
use crate::domain::status::Status;
use chrono::TimeDelta;

/// Duplicati's `%RESULT%` report: `Key: Value` lines and the message lists.
pub(super) fn duplicati(r: &Render<'_>) -> Vec<u8> {
    let mut rng = Rng::for_parts(&[r.at.timestamp() as u64, 53]);
    let parsed = match r.run.status {
        Status::Success | Status::Unknown => "Success",
        Status::Warning => "Warning",
        Status::Failed => "Error",
    };
    let begin = r.at - TimeDelta::minutes(rng.range(3, 40)) - TimeDelta::seconds(rng.range(0, 59));
    let stamp = |t| r.local(t, "%Y-%m-%d %H:%M:%S %z");
    let entry = |m: &str| format!("    {} - {m}\n", stamp(r.at - TimeDelta::seconds(40)));
    let (warnings, errors) = match (r.run.status, r.run.message.as_deref()) {
        (Status::Warning, Some(m)) => (entry(m), String::new()),
        (Status::Failed, Some(m)) => (String::new(), entry(m)),
        _ => (String::new(), String::new()),
    };
    let list = |s: &str| {
        if s.is_empty() {
            "[]".to_string()
        } else {
            format!("[\n{s}]")
        }
    };
    let examined = 9000 + rng.below(9000);
    let body = format!(
        "DeletedFiles: {}\nDeletedFolders: 0\nModifiedFiles: {}\nExaminedFiles: {examined}\n\
OpenedFiles: {}\nAddedFiles: {}\nSizeOfModifiedFiles: {}\nSizeOfAddedFiles: {}\n\
SizeOfExaminedFiles: {}\nNotProcessedFiles: 0\nFilesWithError: {}\nPartialBackup: False\n\
Dryrun: False\nMainOperation: Backup\nCompactResults: null\nParsedResult: {parsed}\n\
Version: 2.1.0.5 (2.1.0.5_stable_2025-03-04)\nEndTime: {end}\nBeginTime: {begin}\n\
Duration: {dur}\nMessagesActualLength: 2\nWarningsActualLength: {wl}\nErrorsActualLength: {el}\n\
Messages: [\n    {m1} - [Information-Duplicati.Library.Main.Controller-StartingOperation]: \
The operation Backup has started,\n    {m2} - [Information-Duplicati.Library.Main.BasicResults-\
BackendEvent]: Backend event: Put - Completed\n]\nWarnings: {warnings}\nErrors: {errors}\n\
BackendStatistics:\n    RemoteCalls: {}\n    BytesUploaded: {}\n    ParsedResult: Success\n    \
Version: 2.1.0.5\n",
        rng.below(5),
        rng.below(60),
        rng.below(60),
        rng.below(20),
        rng.below(50_000_000),
        rng.below(5_000_000),
        examined * 400_000,
        usize::from(r.run.status == Status::Failed),
        rng.range(8, 30),
        rng.below(80_000_000),
        end = r.local(r.at, "%-d-%-m-%Y %H:%M:%S"),
        begin = r.local(begin, "%-d-%-m-%Y %H:%M:%S"),
        dur = {
            let d = r.at - begin;
            format!(
                "{:02}:{:02}:{:02}.{:07}",
                d.num_hours(),
                d.num_minutes() % 60,
                d.num_seconds() % 60,
                rng.below(10_000_000)
            )
        },
        wl = usize::from(!warnings.is_empty()),
        el = usize::from(!errors.is_empty()),
        m1 = stamp(begin),
        m2 = stamp(r.at),
        warnings = list(&warnings),
        errors = list(&errors),
    );
    let subject = format!("Duplicati Backup report for {}", r.job.name);
    mime::single(
        &r.envelope(&mime::header_text(&subject)),
        &Part {
            content_type: "text/plain",
            encoding: Encoding::QuotedPrintable,
            body: &body,
        },
    )
}

/// A NAKIVO job report: job summary and a table of VMs.
pub(super) fn nakivo(r: &Render<'_>) -> Vec<u8> {
    let name = r.job.name;
    let (subject, status) = match r.run.status {
        Status::Success | Status::Unknown => (
            format!("Job \"{name}\" has completed: Successful"),
            "Successful",
        ),
        Status::Warning => (
            format!("Job \"{name}\" has completed: Successful with warnings"),
            "Completed with warnings",
        ),
        Status::Failed => (format!("Job \"{name}\" has failed"), "Failed"),
    };
    let started = r.local(r.at - TimeDelta::minutes(25), "%Y-%m-%d %H:%M");
    let mut html = format!(
        "<html><body><div style=\"font-family:Arial\"><h1>Job report</h1>\n<table><tr><td>Job name:\
</td><td>{}</td></tr><tr><td>Job type:</td><td>{}</td></tr>\n<tr><td>Job status:</td><td>{status}\
</td></tr></table>\n<h2>Virtual machines</h2>\n<table border=\"1\"><tr><th>VM name</th>\
<th>Status</th><th>Started</th><th>Details</th></tr>",
        esc(name),
        r.job.product.backup_type()
    );
    for o in &r.run.objects {
        let word = match o.status {
            Status::Success | Status::Unknown => "Successful",
            Status::Warning => "Warning",
            Status::Failed => "Failed",
        };
        html.push_str(&format!(
            "<tr><td>{}</td><td>{word}</td><td>{started}</td><td>{}</td></tr>",
            esc(&o.name),
            o.message.as_deref().map(esc).unwrap_or_default()
        ));
    }
    html.push_str(
        "</table>\n<p>This report was generated by NAKIVO Backup &amp; Replication v11.0.</p>\
         </div></body></html>",
    );
    mime::single(
        &r.envelope(&subject),
        &Part {
            content_type: "text/html",
            encoding: Encoding::QuotedPrintable,
            body: &html,
        },
    )
}

/// An Acronis Cyber Protect Cloud alert for one device of a protection plan.
pub(super) fn acronis(r: &Render<'_>) -> Vec<u8> {
    let device = r.run.objects.first().map_or("", |o| o.name.as_str());
    let error = r.run.objects.first().and_then(|o| o.message.as_deref());
    let headline = match r.run.status {
        Status::Success | Status::Unknown => "Backup succeeded",
        Status::Warning => "Backup succeeded with warnings",
        Status::Failed => "Backup failed",
    };
    let subject = format!("{headline}: \"{}\" on {device}", r.job.name);
    let mut html = format!(
        "<html><body><table width=\"600\"><tr><td><img alt=\"Acronis\"><h2>{headline}</h2>\n\
<table><tr><td>Device:</td><td>{}</td></tr><tr><td>Plan:</td><td>{}</td></tr>\n\
<tr><td>Started:</td><td>{}</td></tr>",
        esc(device),
        esc(r.job.name),
        r.local(r.at - TimeDelta::minutes(18), "%m/%d/%Y %I:%M:%S %p")
    );
    if let Some(e) = error {
        html.push_str(&format!("<tr><td>Error:</td><td>{}</td></tr>", esc(e)));
    }
    html.push_str("</table>\n<p>Acronis Cyber Protect Cloud</p></td></tr></table></body></html>");
    mime::single(
        &r.envelope(&subject),
        &Part {
            content_type: "text/html",
            encoding: Encoding::QuotedPrintable,
            body: &html,
        },
    )
}

/// A script report in the generic format (see the README).
pub(super) fn script(r: &Render<'_>) -> Vec<u8> {
    let mut body = format!(
        "Software: {}\nType: {}\nStatus: {}\n",
        r.job.product.software(),
        r.job.product.backup_type(),
        r.run.status.as_str()
    );
    if let Some(m) = &r.run.message {
        body.push_str(&format!("Message: {m}\n"));
    }
    for o in &r.run.objects {
        body.push_str(&format!("Object: {} | {}", o.name, o.status.as_str()));
        if let Some(m) = &o.message {
            body.push_str(&format!(" | {m}"));
        }
        body.push('\n');
    }
    let subject = format!("[backupchecks] {}", r.job.name);
    mime::single(
        &r.envelope(&subject),
        &Part {
            content_type: "text/plain",
            encoding: Encoding::QuotedPrintable,
            body: &body,
        },
    )
}

//! Synology DSM mails: Active Backup for Business and Hyper Backup task results, and the update
//! notices. DSM sends an HTML card, base64-encoded, and encodes every subject.

use super::{Render, esc};
use crate::demo::mime::{self, Encoding, Part};
use crate::domain::status::Status;
use chrono::TimeDelta;

/// The DSM card: title, the event sentence, label/value rows, footer.
fn card(title: &str, sentence: &str, rows: &[(&str, String)], host: &str) -> String {
    let mut html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>DSM</title></head>\
<body style=\"background:#f5f5f5\">\n<table width=\"600\" align=\"center\" style=\"background:#fff\">\
<tr><td style=\"padding:24px\">\n<div style=\"font-size:18px;font-weight:bold\">{}</div><p>{}</p>\n<table>",
        esc(title),
        esc(sentence)
    );
    for (label, value) in rows {
        html.push_str(&format!(
            "<tr><td style='color:#888'>{label}</td><td>{}</td></tr>",
            esc(value)
        ));
    }
    html.push_str(&format!(
        "</table><p style=\"color:#999\">From {}</p></td></tr></table></body></html>",
        esc(host)
    ));
    html
}

fn send(r: &Render<'_>, subject: &str, html: &str) -> Vec<u8> {
    mime::single(
        &r.envelope(&mime::encoded_word(subject)),
        &Part {
            content_type: "text/html",
            encoding: Encoding::Base64,
            body: html,
        },
    )
}

/// One device's backup in an Active Backup for Business task.
pub(super) fn active_backup(r: &Render<'_>) -> Vec<u8> {
    let host = r.job.host;
    let result = match r.run.status {
        Status::Success | Status::Unknown => "completed",
        Status::Warning => "partially completed",
        Status::Failed => "failed",
    };
    let sentence = format!("Backup task {} on {host} {result}", r.job.name);
    let start = r.at - TimeDelta::minutes(14);
    let mut rows = vec![
        ("Start time", r.local(start, "%m/%d/%Y %H:%M")),
        ("End time", r.local(r.at, "%m/%d/%Y %H:%M")),
    ];
    if r.run.status != Status::Failed {
        rows.push(("Transferred size", "1.9 GB".to_string()));
    }
    if let Some(o) = r.run.objects.first() {
        rows.push(("Device", o.name.clone()));
        if let Some(m) = &o.message {
            rows.push(("Reason", m.clone()));
        }
    }
    let html = card(
        "Active Backup for Business",
        &format!("{sentence}."),
        &rows,
        host,
    );
    send(
        r,
        &format!("[{host}] Active Backup for Business - {sentence}"),
        &html,
    )
}

/// A Hyper Backup task result.
pub(super) fn hyper_backup(r: &Render<'_>) -> Vec<u8> {
    let host = r.job.host;
    let result = match r.run.status {
        Status::Success | Status::Unknown => "has completed",
        Status::Warning => "has partially completed",
        Status::Failed => "has failed",
    };
    let sentence = format!("Backup task {} on {host} {result}", r.job.name);
    let mut rows = vec![
        (
            "Start time",
            r.local(r.at - TimeDelta::minutes(22), "%m/%d/%Y %H:%M"),
        ),
        ("Destination", "Synology C2 Storage".to_string()),
    ];
    if let Some(m) = &r.run.message {
        rows.push(("Reason", m.clone()));
    }
    let html = card("Hyper Backup", &format!("{sentence}."), &rows, host);
    send(r, &format!("[{host}] {sentence}"), &html)
}

/// An update notice: DSM update available on hosts with a DSM job, packages out of date on the
/// others (both alternate by date so the two kinds appear).
pub(super) fn updates(r: &Render<'_>) -> Vec<u8> {
    let host = r.job.host;
    let (subject, sentence) = if r.at.timestamp() / 86_400 % 2 == 0 {
        (
            format!("[{host}] DSM 7.2.2-72806 Update 3 is now available"),
            format!(
                "A new DSM update is available for {host}. Go to Control Panel > Update & Restore \
                 to install it."
            ),
        )
    } else {
        (
            format!("[{host}] Packages on {host} are out-of-date"),
            format!(
                "Some packages on {host} are out-of-date: Active Backup for Business, \
                 Hyper Backup. Go to Package Center to update them."
            ),
        )
    };
    let html = card("DSM", &sentence, &[], host);
    send(r, &subject, &html)
}

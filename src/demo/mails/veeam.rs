//! Veeam Backup & Replication job mails (also Veeam Agent) and Veeam Backup for Microsoft 365.

use super::super::catalogue::Product;
use super::super::rng::Rng;
use super::{Render, esc};
use crate::demo::mime::{self, Encoding, Part};
use crate::domain::status::Status;
use crate::domain::wording::plural;
use chrono::TimeDelta;

fn header_colour(s: Status) -> &'static str {
    match s {
        Status::Success => "#00B050",
        Status::Warning | Status::Unknown => "#ffd96c",
        Status::Failed => "#fb9895",
    }
}

fn status_colour(s: Status) -> &'static str {
    match s {
        Status::Success => "#00B050",
        Status::Warning | Status::Unknown => "#E0A251",
        Status::Failed => "#ff0000",
    }
}

fn count(r: &Render<'_>, s: Status) -> usize {
    r.run.objects.iter().filter(|o| o.status == s).count()
}

/// Veeam's `%Issues%` subject suffix: `1 failed, 2 warnings`.
fn issues(r: &Render<'_>) -> String {
    let (f, w) = (count(r, Status::Failed), count(r, Status::Warning));
    let mut parts = Vec::new();
    if f > 0 {
        parts.push(format!("{f} failed"));
    }
    if w > 0 {
        parts.push(plural(w, "warning", "warnings"));
    }
    parts.join(", ")
}

/// A VBR job mail: the layout of Veeam's own report (header, summary, object table).
pub(super) fn job(r: &Render<'_>) -> Vec<u8> {
    let agent = r.job.product == Product::VeeamAgent;
    let kind = match r.job.product {
        Product::VeeamBackupCopy => "Backup Copy",
        Product::VeeamReplication => "Replication",
        Product::VeeamAgent => "Agent Backup",
        _ => "Backup",
    };
    let mut rng = Rng::for_parts(&[r.at.timestamp() as u64, 17]);
    let result = r.run.status.as_str();
    let colour = header_colour(r.run.status);
    let n = r.run.objects.len();
    let duration = TimeDelta::minutes(rng.range(8, 55)) + TimeDelta::seconds(rng.range(0, 59));
    let end = r.at - TimeDelta::seconds(rng.range(2, 20));
    let start = end - duration;
    let hms = |d: TimeDelta| {
        format!(
            "{}:{:02}:{:02}",
            d.num_hours(),
            d.num_minutes() % 60,
            d.num_seconds() % 60
        )
    };
    let total_gb = 40 * n.max(1) + usize::try_from(rng.below(200)).unwrap_or(0);
    let details = r.run.message.as_deref().map(esc).unwrap_or_default();
    let domain = r.job.from.rsplit('@').next().unwrap_or("example.com");
    let netbios = domain
        .split(['.', '-'])
        .next()
        .unwrap_or("CORP")
        .to_uppercase();
    let mut html = format!(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\
<style>.small_label {{ font-size: 10px; }} .inner td {{ border: 1px #a7a9ac solid; }}</style></head>\n\
<body><table cellspacing=\"0\" cellpadding=\"0\" width=\"100%\" border=\"0\" style=\"border-collapse: collapse;\">\
<tr><td style=\"border:none;padding:0px;font-family:Tahoma;font-size:12px;\">\n\
<table cellspacing=\"0\" cellpadding=\"0\" width=\"100%\" border=\"0\" style=\"border-collapse: collapse;\">\n\
<tr style=\"height:70px\"><td style=\"width: 80%;border:none;background-color: {colour};color: White;\
font-weight: bold;font-size: 16px;height: 70px;vertical-align: bottom;padding: 0 0 17px 15px;\
font-family: Tahoma;\">{kind} job: {name}<div class=\"jobDescription\" style=\"margin-top: 5px;\
font-size: 12px;\">Created by {netbios}\\svc-veeam at 1/14/2025 10:02 AM.</div></td>\n\
<td style=\"border:none;padding: 0px;font-family: Tahoma;font-size: 12px;background-color: {colour};\
color: White;font-weight: bold;font-size: 16px;height: 70px;vertical-align: bottom;\
padding: 0 15px 17px 0;text-align: right;\">{result}<div class=\"jobDescription\" \
style=\"margin-top: 5px;font-size: 12px;\">{n} of {n} VMs processed</div></td></tr></table>\n\
</td></tr><tr><td>\n\
<table width=\"100%\" cellspacing=\"0\" cellpadding=\"0\" class=\"inner\" border=\"0\" \
style=\"margin: 0px;border-collapse: collapse;\">\n\
<tr><td class=\"sessionDetails\" colspan=\"9\" style=\"border-bottom: 1px #a7a9ac solid;\">\
<b>{session}</b></td></tr>\n\
<tr><td nowrap=\"\" style=\"width: 1%;\"><b>Success</b></td><td style=\"width:85px\">{ok}</td>\
<td nowrap=\"\"><b>Start time</b></td><td>{start}</td><td nowrap=\"\"><b>Total size</b></td>\
<td>{total_gb}.0 GB</td><td nowrap=\"\"><b>Backup size</b></td><td>{backup_gb}.4 GB</td>\
<td rowspan=\"3\" style=\"border: 1px #a7a9ac solid;vertical-align: top;\">\
<span class=\"small_label\">{details}</span></td></tr>\n\
<tr><td nowrap=\"\"><b>Warning</b></td><td>{warn}</td><td nowrap=\"\"><b>End time</b></td>\
<td>{end}</td><td nowrap=\"\"><b>Data read</b></td><td>{read_gb}.2 GB</td>\
<td nowrap=\"\"><b>{k1}</b></td><td>{v1}</td></tr>\n\
<tr><td nowrap=\"\"><b>Error</b></td><td>{err}</td><td nowrap=\"\"><b>Duration</b></td>\
<td>{dur}</td><td nowrap=\"\"><b>Transferred</b></td><td>{backup_gb}.4 GB</td>\
<td nowrap=\"\"><b>{k2}</b></td><td>{v2}</td></tr>\n\
<tr><td colspan=\"9\" style=\"background-color: #f3f4f4;font-weight: bold;\">Details</td></tr>\n\
<tr class=\"processObjectsHeader\"><td><b>Name</b></td><td><b>Status</b></td>\
<td><b>Start time</b></td><td><b>End time</b></td><td><b>Size</b></td><td><b>Read</b></td>\
<td><b>Transferred</b></td><td><b>Duration</b></td>{details_head}</tr>\n",
        name = esc(r.job.name),
        session = r.local(start, "%A, %-d %B %Y %H:%M:%S"),
        ok = count(r, Status::Success),
        warn = count(r, Status::Warning),
        err = count(r, Status::Failed),
        start = r.local(start, "%H:%M:%S"),
        end = r.local(end, "%H:%M:%S"),
        dur = hms(duration),
        backup_gb = total_gb / 12,
        read_gb = total_gb / 5,
        k1 = if agent { "Bottleneck" } else { "Dedupe" },
        v1 = if agent { "Source" } else { "1.9x" },
        k2 = if agent {
            "Processing rate:"
        } else {
            "Compression"
        },
        v2 = if agent { "84 MB/s" } else { "2.1x" },
        details_head = if agent { "" } else { "<td><b>Details</b></td>" },
    );
    for o in &r.run.objects {
        let size = 20 + rng.below(180);
        let msg = o.message.as_deref().map(esc).unwrap_or_default();
        html.push_str(&format!(
            "<tr><td style=\"padding:2px 3px\">{name}</td><td><span style=\"color: {c};\">{st}</span></td>\
<td>{start}</td><td>{end}</td><td>{size}.0 GB</td><td>{read}.1 GB</td><td>{tr}.3 GB</td>\
<td>{dur}</td>",
            name = esc(&o.name),
            c = status_colour(o.status),
            st = o.status.as_str(),
            start = r.local(start, "%H:%M:%S"),
            end = r.local(end, "%H:%M:%S"),
            read = size / 6,
            tr = size / 15,
            dur = hms(duration),
        ));
        if agent {
            // The agent layout puts messages in a full-width row under the computer.
            html.push_str("</tr>\n");
            if !msg.is_empty() {
                html.push_str(&format!(
                    "<tr><td colspan=\"8\"><span class=\"small_label\">{msg}</span></td></tr>\n"
                ));
            }
        } else {
            html.push_str(&format!(
                "<td><span class=\"small_label\">{msg}</span></td></tr>\n"
            ));
        }
    }
    let footer = if agent {
        "Veeam Agent for Microsoft Windows 6.3.0.177"
    } else {
        "Veeam Backup &amp; Replication 12.3.0.310"
    };
    html.push_str(&format!(
        "</table>\n</td></tr><tr><td style=\"font-size:12px;color:#626365;padding:2px 3px;\">\
{footer}</td></tr></table></body></html>"
    ));
    let subject = if agent {
        format!("[{result}] {} ({})", r.job.name, r.job.host)
    } else {
        format!("[{result}] {} ({n} objects) {}", r.job.name, issues(r))
            .trim_end()
            .to_string()
    };
    let subject = mime::header_text(&subject);
    mime::single(
        &r.envelope(&subject),
        &Part {
            content_type: "text/html",
            encoding: Encoding::QuotedPrintable,
            body: &html,
        },
    )
}

/// A Veeam Backup for Microsoft 365 job mail: result in the subject, a table of objects.
pub(super) fn m365(r: &Render<'_>) -> Vec<u8> {
    let issues = r
        .run
        .objects
        .iter()
        .filter(|o| o.status != Status::Success)
        .count();
    let subject = format!(
        "[{}] {} - {} ({} objects), {issues} issues",
        r.run.status.as_str(),
        r.job.host,
        r.job.name,
        r.run.objects.len()
    );
    let mut html = format!(
        "<html><body><h2>Veeam Backup for Microsoft 365</h2><p>Job session summary: {} - {}, \
         finished {}</p>\n<table border=\"1\"><tr><th>Name</th><th>Type</th><th>Status</th>\
         <th>Details</th></tr>",
        esc(r.job.host),
        esc(r.job.name),
        r.local(r.at, "%d-%m-%Y %H:%M")
    );
    for o in &r.run.objects {
        let kind = if o.name.starts_with("https://") {
            "Site"
        } else if o.name.starts_with("Team:") {
            "Team"
        } else {
            "Mailbox"
        };
        html.push_str(&format!(
            "<tr><td>{}</td><td>{kind}</td><td>{}</td><td>{}</td></tr>",
            esc(&o.name),
            o.status.as_str(),
            o.message.as_deref().map(esc).unwrap_or_default()
        ));
    }
    html.push_str("</table>\n<p>Veeam Backup for Microsoft 365 8.1.0.305</p></body></html>");
    mime::single(
        &r.envelope(&mime::header_text(&subject)),
        &Part {
            content_type: "text/html",
            encoding: Encoding::QuotedPrintable,
            body: &html,
        },
    )
}

//! The mail that carries a scheduled report: subject, a short HTML body with the totals, and
//! which files go along. Graph takes at most 4 MB per request (base64 included): files that do
//! not fit are left out and named in the mail, so the mail still goes out and says where the
//! report is; the delivery record keeps a note of it.

use crate::domain::report::Period;
use crate::domain::report_schedule::{ENVELOPE_ROOM, SEND_LIMIT, encoded_size};

/// A file of the report, as written to the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    pub name: String,
    pub path: String,
    pub size: usize,
}

/// Which files are attached and the mail around them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    pub body: String,
    /// Indexes into the files given, in their order.
    pub attached: Vec<usize>,
    /// Set when files were left out: said to the operator.
    pub note: Option<String>,
}

/// Who reads the mail: internal recipients are told where the files left out are kept;
/// a customer is told to ask for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Internal,
    Customer,
}

/// Subject and body of the mail of `schedule`'s report of `period` (one customer's, or the
/// internal one); files are attached in order while they fit.
pub fn compose_for(
    schedule: &str,
    period: Period,
    customer: Option<&str>,
    files: &[ReportFile],
    audience: Audience,
) -> Composed {
    let scope = customer.unwrap_or(schedule).to_string();
    let subject = format!("Backup report {period} — {scope}");
    let mut room = SEND_LIMIT.saturating_sub(ENVELOPE_ROOM);
    let mut attached = Vec::new();
    let mut left_out = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let size = encoded_size(f.size);
        if size <= room {
            room -= size;
            attached.push(i);
        } else {
            left_out.push(f);
        }
    }
    let mut body = format!(
        "<p>The backup report of {} for {} is attached.</p>",
        escape(&scope),
        escape(&period.to_string()),
    );
    let note = (!left_out.is_empty()).then(|| {
        let names: Vec<String> = left_out
            .iter()
            .map(|f| match audience {
                Audience::Internal => format!("{} ({})", f.path, megabytes(f.size)),
                Audience::Customer => format!("{} ({})", f.name, megabytes(f.size)),
            })
            .collect();
        let tail = match audience {
            Audience::Internal => "they are in the report folder",
            Audience::Customer => "reply to this mail to receive them",
        };
        body.push_str(&format!(
            "<p>Not attached, as a mail may not exceed {} MB: {}; {tail}.</p>",
            SEND_LIMIT / (1024 * 1024),
            escape(&names.join(", "))
        ));
        format!(
            "left out (over the {} MB limit of a mail): {}",
            SEND_LIMIT / (1024 * 1024),
            names.join(", ")
        )
    });
    Composed {
        subject,
        body,
        attached,
        note,
    }
}

fn megabytes(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The MIME type of a report file.
pub fn content_type(format: crate::reports::Format) -> &'static str {
    use crate::reports::Format;
    match format {
        Format::Pdf => "application/pdf",
        Format::Html => "text/html",
        Format::Csv => "text/csv",
        Format::Markdown => "text/markdown",
        Format::Json => "application/json",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, size: usize) -> ReportFile {
        ReportFile {
            name: name.into(),
            path: format!("/srv/reports/{name}"),
            size,
        }
    }

    #[test]
    fn files_that_do_not_fit_are_left_out_and_named() {
        let p = Period::parse_month("2026-11").unwrap();
        let mb = 1024 * 1024;
        let files = [
            file("r.pdf", mb),
            file("r.html", 2 * mb),
            file("r.csv", 1000),
        ];
        let c = compose_for("Monthly", p, None, &files, Audience::Internal);
        // 1 MB + 2 MB of files is 4 MB of base64: the HTML does not fit after the PDF.
        assert_eq!(c.attached, [0, 2]);
        let note = c.note.unwrap();
        assert!(note.contains("/srv/reports/r.html (2.0 MB)"), "{note}");
        assert!(c.body.contains("in the report folder"));
        let c = compose_for("Monthly", p, Some("Acme"), &files, Audience::Customer);
        assert_eq!(c.subject, "Backup report November 2026 — Acme");
        assert!(!c.body.contains("/srv/reports"), "{}", c.body);
        let c = compose_for("Monthly", p, None, &files[2..], Audience::Internal);
        assert_eq!((c.attached, c.note), (vec![0], None));
    }
}

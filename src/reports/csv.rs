//! CSV: one row per job (counted and listed apart), stable column names, RFC 4180 (comma,
//! CRLF, fields quoted when they hold a comma, quote or line break; quotes doubled).
//!
//! A name that starts with `=`, `+`, `-`, `@` or a tab would run as a formula in a spreadsheet;
//! such names get a leading `'`.

use super::text;
use crate::domain::report::{JobKind, Report};

pub const COLUMNS: [&str; 28] = [
    "period_from",
    "period_to",
    "customer",
    "job",
    "software",
    "backup_type",
    "schedule",
    "kind",
    "expected",
    "success",
    "success_override",
    "warning",
    "unknown",
    "failed",
    "missed",
    "not_yet_reported",
    "extra_runs",
    "success_rate",
    "previous_rate",
    "change_points",
    "longest_streak",
    "streak_from",
    "streak_to",
    "runs",
    "reviewed",
    "review_share",
    "median_review_minutes",
    "days",
];

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    line(&mut out, COLUMNS.iter().map(|c| c.to_string()));
    for c in &report.customers {
        for j in c.jobs.iter().chain(&c.apart) {
            let s = &j.summary;
            let n = s.counts;
            let num = |x: Option<f64>| x.map(|x| format!("{x:.1}")).unwrap_or_default();
            let kind = match j.kind {
                JobKind::Counted => "counted",
                JobKind::Informational => "informational",
                JobKind::Archived => "archived",
            };
            let days: String = j.days.iter().map(|d| text::day_letter(d.status)).collect();
            line(
                &mut out,
                [
                    report.period.from.to_string(),
                    report.period.to.to_string(),
                    safe(&c.name),
                    safe(&j.name),
                    safe(&j.software),
                    safe(&j.backup_type),
                    j.schedule.clone(),
                    kind.to_string(),
                    n.expected.to_string(),
                    n.success.to_string(),
                    n.success_override.to_string(),
                    n.warning.to_string(),
                    n.unknown.to_string(),
                    n.failed.to_string(),
                    n.missed.to_string(),
                    n.not_yet_reported.to_string(),
                    n.extra_runs.to_string(),
                    num(s.success_rate),
                    num(s.previous_rate),
                    num(s.change),
                    s.longest_streak.map(|x| x.length).unwrap_or(0).to_string(),
                    s.longest_streak
                        .map(|x| x.from.to_string())
                        .unwrap_or_default(),
                    s.longest_streak
                        .map(|x| x.to.to_string())
                        .unwrap_or_default(),
                    s.review.runs.to_string(),
                    s.review.reviewed.to_string(),
                    num(s.review.share()),
                    s.review
                        .median_minutes
                        .map(|m| m.to_string())
                        .unwrap_or_default(),
                    days,
                ],
            );
        }
    }
    out
}

fn line(out: &mut String, fields: impl IntoIterator<Item = String>) {
    let fields: Vec<String> = fields.into_iter().map(|f| quote(&f)).collect();
    out.push_str(&fields.join(","));
    out.push_str("\r\n");
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// Text from mail: defused when a spreadsheet would read it as a formula.
fn safe(name: &str) -> String {
    if name.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{name}")
    } else {
        name.to_string()
    }
}

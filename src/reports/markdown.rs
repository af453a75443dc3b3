//! Markdown: headings and tables, names escaped so that no character of a job name becomes
//! markup (or breaks a table).

use super::text;
use crate::domain::report::{CustomerReport, JobReport, NoteReport, Report};
use std::fmt::Write;

pub fn render(report: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Backup report: {}\n", esc(&text::scope(report)));
    let _ = writeln!(o, "{}\n", esc(&text::subtitle(report)));
    summary_table(&mut o, report);
    for c in &report.customers {
        customer(&mut o, c);
    }
    let _ = writeln!(
        o,
        "---\n\n{}\n\nDays: {}",
        esc(text::RATE_RULE),
        esc(text::DAY_LEGEND)
    );
    o
}

fn summary_table(o: &mut String, report: &Report) {
    let _ = writeln!(
        o,
        "| Customer | Expected | Success | Override | Warning | Failed | Missed | Success rate | Change | Reviewed |"
    );
    let _ = writeln!(o, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    let rows = report
        .customers
        .iter()
        .map(|c| (esc(&c.name), &c.summary))
        .chain([("**Total**".to_string(), &report.totals)]);
    for (name, s) in rows {
        let n = s.counts;
        let _ = writeln!(
            o,
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            n.expected,
            n.success,
            n.success_override,
            n.warning,
            n.failed,
            n.missed,
            text::rate(s.success_rate),
            text::change(s.change),
            text::rate(s.review.share()),
        );
    }
    o.push('\n');
}

fn customer(o: &mut String, c: &CustomerReport) {
    let s = &c.summary;
    let _ = writeln!(o, "## {}\n", esc(&c.name));
    let _ = writeln!(
        o,
        "Success rate **{}** ({} against the previous period), {} of {} expected runs; longest failed/missed streak {}; {} of {} runs reviewed ({}), median time to review {}.\n",
        text::rate(s.success_rate),
        text::change(s.change),
        s.counts.success + s.counts.success_override,
        s.counts.expected,
        esc(&text::streak(s.longest_streak)),
        s.review.reviewed,
        s.review.runs,
        text::rate(s.review.share()),
        text::minutes(s.review.median_minutes),
    );
    if !c.jobs.is_empty() {
        jobs_table(o, &c.jobs);
    }
    if !c.apart.is_empty() {
        let _ = writeln!(
            o,
            "Listed apart, not counted (informational or archived):\n"
        );
        jobs_table(o, &c.apart);
    }
    notes(o, "Tickets", &c.tickets);
    notes(o, "Remarks", &c.remarks);
}

fn jobs_table(o: &mut String, jobs: &[JobReport]) {
    let _ = writeln!(
        o,
        "| Job | Schedule | Expected | S | O | W | U | F | M | Not yet | Extra | Rate | Change | Streak | Days |"
    );
    let _ = writeln!(
        o,
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|"
    );
    for j in jobs {
        let n = j.summary.counts;
        let days: String = j.days.iter().map(|d| text::day_letter(d.status)).collect();
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | `{days}` |",
            esc(&j.name),
            esc(&j.schedule),
            n.expected,
            n.success,
            n.success_override,
            n.warning,
            n.unknown,
            n.failed,
            n.missed,
            n.not_yet_reported,
            n.extra_runs,
            text::rate(j.summary.success_rate),
            text::change(j.summary.change),
            esc(&text::streak(j.summary.longest_streak)),
        );
    }
    o.push('\n');
}

fn notes(o: &mut String, title: &str, notes: &[NoteReport]) {
    if notes.is_empty() {
        return;
    }
    let _ = writeln!(o, "### {title}\n");
    for n in notes {
        let state = match n.resolved_at {
            Some(at) => format!("resolved {}", at.format("%Y-%m-%d")),
            None => "open".to_string(),
        };
        let jobs = if n.jobs.is_empty() {
            "whole customer".to_string()
        } else {
            n.jobs.iter().map(|j| esc(j)).collect::<Vec<_>>().join(", ")
        };
        let _ = writeln!(
            o,
            "- **{}** ({state}, since {}; {jobs}): {}",
            esc(&n.code),
            n.active_from,
            esc(&n.text)
        );
    }
    o.push('\n');
}

/// Escapes every character Markdown (CommonMark and GitHub tables) could read as markup within a
/// line (emphasis, code, links, HTML, entities, table cells), and folds line breaks into spaces.
/// Names never start a line, so list and heading markers need no escape.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '<' | '>' | '~' | '&' => {
                out.push('\\');
                out.push(ch);
            }
            '\r' | '\n' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

//! File names of reports: `backup-report-<scope>-<period>.<ext>`, shared by `backupchecks
//! report` and the scheduled reports.

use crate::domain::report::{Period, Report};

/// `2026-11` for a calendar month, `2026-11-30_2026-12-06` otherwise.
pub fn period_slug(p: Period) -> String {
    if p.is_month() {
        p.from.format("%Y-%m").to_string()
    } else {
        format!("{}_{}", p.from, p.to)
    }
}

/// A name in lower case with anything but letters and digits as single `-`.
pub fn slug(name: &str) -> String {
    let s: String = name
        .to_lowercase()
        .chars()
        .map(|ch| if ch.is_alphanumeric() { ch } else { '-' })
        .collect();
    s.split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// `all`, or the customers' names as slugs joined by `+` (`N-customers` when that is long).
pub fn scope_slug(model: &Report) -> String {
    if model.scope.is_none() {
        return "all".to_string();
    }
    let names: Vec<String> = model.customers.iter().map(|c| slug(&c.name)).collect();
    let joined = names.join("+");
    if joined.chars().count() > 80 {
        format!("{}-customers", names.len())
    } else {
        joined
    }
}

/// `backup-report-all-2026-11`: the file name without extension.
pub fn file_stem(model: &Report) -> String {
    format!(
        "backup-report-{}-{}",
        scope_slug(model),
        period_slug(model.period)
    )
}

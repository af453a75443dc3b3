//! How numbers and statuses are written, the same in every format.

use crate::domain::report::{Report, Streak};
use crate::domain::run_status::RunStatus;

/// A success rate: `83.9%`, or `–` when nothing was expected.
pub fn rate(r: Option<f64>) -> String {
    r.map_or_else(|| "–".to_string(), |r| format!("{r:.1}%"))
}

/// A change in percentage points: `+1.5 pp`, `-16.1 pp`, `±0.0 pp`, or `–`.
pub fn change(c: Option<f64>) -> String {
    match c {
        None => "–".to_string(),
        Some(c) if c > 0.0 => format!("+{c:.1} pp"),
        Some(c) if c < 0.0 => format!("{c:.1} pp"),
        Some(_) => "±0.0 pp".to_string(),
    }
}

/// A duration in minutes: `45 min`, `3 h 05 min`, `2 d 4 h`, or `–`.
pub fn minutes(m: Option<i64>) -> String {
    match m {
        None => "–".to_string(),
        Some(m) if m < 60 => format!("{m} min"),
        Some(m) if m < 24 * 60 => format!("{} h {:02} min", m / 60, m % 60),
        Some(m) => format!("{} d {} h", m / (24 * 60), m % (24 * 60) / 60),
    }
}

/// The longest failed/missed streak: `3 (2026-10-12 – 2026-10-14)`, `1 (2026-10-12)`, or `–`.
pub fn streak(s: Option<Streak>) -> String {
    match s {
        None => "–".to_string(),
        Some(s) if s.from == s.to => format!("{} ({})", s.length, s.from),
        Some(s) => format!("{} ({} – {})", s.length, s.from, s.to),
    }
}

/// One letter per day of the strip in the text formats (CSV, Markdown).
pub fn day_letter(s: Option<RunStatus>) -> char {
    match s {
        None => '.',
        Some(RunStatus::Success) => 'S',
        Some(RunStatus::SuccessOverride) => 'O',
        Some(RunStatus::Warning) => 'W',
        Some(RunStatus::Unknown) => 'U',
        Some(RunStatus::Failed) => 'F',
        Some(RunStatus::Missed) => 'M',
        Some(RunStatus::Expected) => 'E',
    }
}

/// The legend of [`day_letter`].
pub const DAY_LEGEND: &str = "S Success · O Success (override) · W Warning · U Unknown · \
F Failed · M Missed · E not yet reported · . nothing expected";

/// The colour of a status (RGB), as the interface's badges.
pub fn colour(s: Option<RunStatus>) -> (u8, u8, u8) {
    match s {
        None => (0xe5, 0xe7, 0xeb),
        Some(RunStatus::Success) => (0x22, 0xa0, 0x4b),
        Some(RunStatus::SuccessOverride) => (0x25, 0x63, 0xeb),
        Some(RunStatus::Warning) => (0xea, 0xb3, 0x08),
        Some(RunStatus::Unknown) => (0x9c, 0xa3, 0xaf),
        Some(RunStatus::Failed) => (0xdc, 0x26, 0x26),
        Some(RunStatus::Missed) => (0xc0, 0x26, 0xd3),
        Some(RunStatus::Expected) => (0xd1, 0xd5, 0xdb),
    }
}

/// What the status of a strip day says.
pub fn day_title(s: Option<RunStatus>) -> &'static str {
    s.map_or("nothing expected", |s| match s {
        RunStatus::Expected => "not yet reported",
        other => other.as_str(),
    })
}

/// "All customers" or the names asked for.
pub fn scope(report: &Report) -> String {
    match &report.scope {
        None => format!("All customers ({})", report.customers.len()),
        Some(_) => report
            .customers
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The line under every title: period, time zone and when the report was made.
pub fn subtitle(report: &Report) -> String {
    format!(
        "{} · time zone {} · compared with {} · made {}",
        report.period,
        report.timezone,
        report.previous_period,
        report.generated_at.format("%Y-%m-%d %H:%M UTC")
    )
}

/// How the success rate is computed, printed in every document.
pub const RATE_RULE: &str = "Success rate = (Success + Success (override)) ÷ expected runs. \
Expected runs are the slots of each job's schedule in the period (from its first report on); \
a slot takes the status of its last run, or Missed when no run came within 12 hours of it and \
the grace has passed. Jobs without a schedule count each run. Informational and archived jobs \
are listed apart and never counted.";

//! The computed report: what every renderer and the interface show, so the numbers agree
//! everywhere.

use super::input::NoteKind;
use super::period::Period;
use crate::domain::run_status::RunStatus;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub period: Period,
    pub previous_period: Period,
    pub timezone: String,
    pub generated_at: DateTime<Utc>,
    /// The customer names asked for; `None` for all customers.
    pub scope: Option<Vec<String>>,
    pub customers: Vec<CustomerReport>,
    /// Every counted job of every customer together.
    pub totals: Summary,
}

/// Expected runs and what became of them. Every expected run has exactly one outcome, so
/// `expected = success + success_override + warning + unknown + failed + missed`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub expected: u32,
    pub success: u32,
    pub success_override: u32,
    pub warning: u32,
    /// A report came whose result could not be read.
    pub unknown: u32,
    pub failed: u32,
    pub missed: u32,
    /// Slots of the period still within their grace when the report was made: not counted yet.
    pub not_yet_reported: u32,
    /// Runs on no slot (a second run of a day, a run on an unscheduled day): shown, not counted.
    pub extra_runs: u32,
}

impl Counts {
    pub fn add(&mut self, other: &Counts) {
        self.expected += other.expected;
        self.success += other.success;
        self.success_override += other.success_override;
        self.warning += other.warning;
        self.unknown += other.unknown;
        self.failed += other.failed;
        self.missed += other.missed;
        self.not_yet_reported += other.not_yet_reported;
        self.extra_runs += other.extra_runs;
    }

    /// Counts one expected run with this outcome; `Expected` (a slot still within its grace)
    /// is counted as not yet reported instead.
    pub fn count(&mut self, outcome: RunStatus) {
        let field = match outcome {
            RunStatus::Expected => {
                self.not_yet_reported += 1;
                return;
            }
            RunStatus::Success => &mut self.success,
            RunStatus::SuccessOverride => &mut self.success_override,
            RunStatus::Warning => &mut self.warning,
            RunStatus::Unknown => &mut self.unknown,
            RunStatus::Failed => &mut self.failed,
            RunStatus::Missed => &mut self.missed,
        };
        *field += 1;
        self.expected += 1;
    }

    /// Success rate in percent, one decimal: (Success + Success (override)) ÷ expected runs.
    /// `None` when nothing was expected.
    pub fn rate(&self) -> Option<f64> {
        (self.expected > 0).then(|| {
            let ok = f64::from(self.success + self.success_override);
            round1(ok * 100.0 / f64::from(self.expected))
        })
    }
}

/// Rounds to one decimal, the precision every format shows.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The longest run of consecutive expected runs that failed or were missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Streak {
    pub length: u32,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Share of the period's runs reviewed and how long review took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ReviewCoverage {
    pub runs: u32,
    pub reviewed: u32,
    /// Median time from run to review, in minutes; `None` when nothing was reviewed.
    pub median_minutes: Option<i64>,
}

impl ReviewCoverage {
    /// Reviewed share in percent, one decimal; `None` without runs.
    pub fn share(&self) -> Option<f64> {
        (self.runs > 0).then(|| round1(f64::from(self.reviewed) * 100.0 / f64::from(self.runs)))
    }
}

/// Numbers of a job, a customer or the whole report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Summary {
    pub counts: Counts,
    /// See [`Counts::rate`].
    pub success_rate: Option<f64>,
    pub previous_rate: Option<f64>,
    /// `success_rate - previous_rate` in percentage points, one decimal.
    pub change: Option<f64>,
    pub longest_streak: Option<Streak>,
    pub review: ReviewCoverage,
}

/// One day of the strip: the worst outcome of the day (`Expected` for a slot not yet due);
/// `None` when nothing was expected and nothing ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Day {
    pub date: NaiveDate,
    #[serde(serialize_with = "status_word")]
    pub status: Option<RunStatus>,
}

/// The status as operators read it ("Success (override)"), not the variant name.
fn status_word<S: serde::Serializer>(s: &Option<RunStatus>, ser: S) -> Result<S::Ok, S::Error> {
    match s {
        Some(s) => ser.serialize_str(s.as_str()),
        None => ser.serialize_none(),
    }
}

/// Why a job is listed apart from the counted ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    Counted,
    Informational,
    Archived,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobReport {
    pub id: i64,
    pub name: String,
    pub software: String,
    pub backup_type: String,
    /// "Daily", "Weekly: Mon, Fri", "Irregular", "Not learned yet".
    pub schedule: String,
    pub kind: JobKind,
    pub summary: Summary,
    pub days: Vec<Day>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoteReport {
    pub kind: NoteKind,
    /// Ticket code, or `R<id>` for a remark.
    pub code: String,
    pub text: String,
    pub active_from: NaiveDate,
    /// Set when it was resolved by the end of the period.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Names of the jobs it covers (empty: the whole customer).
    pub jobs: Vec<String>,
}

impl NoteReport {
    pub fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerReport {
    pub id: i64,
    pub name: String,
    /// Counted jobs only.
    pub summary: Summary,
    pub jobs: Vec<JobReport>,
    /// Informational and archived jobs: listed, never counted.
    pub apart: Vec<JobReport>,
    pub tickets: Vec<NoteReport>,
    pub remarks: Vec<NoteReport>,
}

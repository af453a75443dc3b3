//! What a report is computed from, as the database layer loads it (`db::report::load`).

use crate::domain::run_status::RunStatus;
use crate::domain::schedule::EffectiveSchedule;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::period::Period;

/// Everything one report needs: the scope's customers and jobs, their runs from the day before the
/// previous period to the day after the period, and the tickets and remarks that touch them.
#[derive(Debug, Clone)]
pub struct ReportInput {
    pub period: Period,
    pub tz: Tz,
    /// When the report is made: slots whose grace has not passed yet are "not yet reported".
    pub generated_at: DateTime<Utc>,
    /// What the scope was asked as: `None` for all customers.
    pub scope: Option<Vec<String>>,
    pub customers: Vec<CustomerInput>,
    pub jobs: Vec<JobInput>,
    pub runs: Vec<RunInput>,
    pub notes: Vec<NoteInput>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerInput {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct JobInput {
    pub id: i64,
    pub customer_id: i64,
    pub name: String,
    pub software: String,
    pub backup_type: String,
    pub informational: bool,
    pub archived: bool,
    /// The schedule in force (pinned beats learned) with its grace; `None` when nothing is learned.
    pub schedule: Option<EffectiveSchedule>,
    /// When the job's first report came (its first real run, else its creation): no slot before.
    pub existed_from: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInput {
    pub job_id: i64,
    pub run_at: DateTime<Utc>,
    /// The effective status (an override may have turned even a Missed run into a success).
    pub status: RunStatus,
    /// The slot date of a synthetic Missed run.
    pub missed_slot: Option<NaiveDate>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    Ticket,
    Remark,
}

/// A ticket or a remark and what it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteInput {
    pub kind: NoteKind,
    pub id: i64,
    /// The ticket code (`T20261103.0001` or the Autotask number); remarks have none.
    pub code: Option<String>,
    pub text: String,
    pub active_from: NaiveDate,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Customers the note is scoped to as a whole.
    pub customer_ids: Vec<i64>,
    /// Jobs the note is scoped to (whole job or one of its objects).
    pub job_ids: Vec<i64>,
}

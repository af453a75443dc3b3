//! Review (Run Checks): marking runs reviewed, undoing that, and the queue of jobs with runs
//! still to review, worst first.

use super::scopes::{REMARKS, TICKETS, open_on_job};
use super::{DbError, audit, runs::Run};
use crate::domain::run_status::RunStatus;
use chrono::{DateTime, SubsecRound, Utc};
use serde_json::json;
use sqlx::{Connection, PgConnection, PgExecutor};

/// What one review action marked, so it can be undone: the runs and the instant they got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewBatch {
    pub run_ids: Vec<i64>,
    pub reviewed_at: DateTime<Utc>,
    pub reviewed_by: String,
}

/// Which unreviewed runs one action reviews.
enum Target<'a> {
    Runs(&'a [i64]),
    Jobs(&'a [i64]),
}

/// The id when there is exactly one, for the audit entry's entity.
fn single(ids: &[i64]) -> Option<i64> {
    match ids {
        [id] => Some(*id),
        _ => None,
    }
}

async fn mark(
    conn: &mut PgConnection,
    target: Target<'_>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<ReviewBatch, DbError> {
    // The database keeps microseconds; the batch must carry the stored value to be undone.
    let at = now.trunc_subsecs(6);
    let (filter, ids, action, entity, details) = match target {
        Target::Runs(ids) => (
            "id = ANY($3)",
            ids,
            "review.runs",
            single(ids).map(|id| ("job_run", id)),
            json!({}),
        ),
        Target::Jobs(ids) => (
            "job_id = ANY($3)",
            ids,
            "review.jobs",
            single(ids).map(|id| ("job", id)),
            json!({ "job_ids": ids }),
        ),
    };
    let mut tx = conn.begin().await?;
    let mut run_ids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "UPDATE job_runs SET reviewed_at = $1, reviewed_by = $2 \
         WHERE id IN (SELECT id FROM job_runs WHERE {filter} AND reviewed_at IS NULL \
                      ORDER BY id FOR UPDATE) \
           AND reviewed_at IS NULL RETURNING id"
    )))
    .bind(at)
    .bind(by)
    .bind(ids)
    .fetch_all(&mut *tx)
    .await?;
    run_ids.sort_unstable();
    if !run_ids.is_empty() {
        let mut details = details;
        details["run_ids"] = json!(run_ids);
        audit::record(&mut *tx, by, action, entity, details).await?;
    }
    tx.commit().await?;
    Ok(ReviewBatch {
        run_ids,
        reviewed_at: at,
        reviewed_by: by.to_string(),
    })
}

/// Marks run `run_id` reviewed (a run already reviewed keeps its first review).
pub async fn review_run(
    conn: &mut PgConnection,
    run_id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<ReviewBatch, DbError> {
    mark(conn, Target::Runs(&[run_id]), by, now).await
}

/// Marks the unreviewed runs among `run_ids` reviewed, in one transaction.
pub async fn review_runs(
    conn: &mut PgConnection,
    run_ids: &[i64],
    by: &str,
    now: DateTime<Utc>,
) -> Result<ReviewBatch, DbError> {
    mark(conn, Target::Runs(run_ids), by, now).await
}

/// Marks every unreviewed run of job `job_id` reviewed.
pub async fn review_job(
    conn: &mut PgConnection,
    job_id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<ReviewBatch, DbError> {
    mark(conn, Target::Jobs(&[job_id]), by, now).await
}

/// Marks every unreviewed run of the jobs `job_ids` reviewed (bulk), in one transaction.
pub async fn review_jobs(
    conn: &mut PgConnection,
    job_ids: &[i64],
    by: &str,
    now: DateTime<Utc>,
) -> Result<ReviewBatch, DbError> {
    mark(conn, Target::Jobs(job_ids), by, now).await
}

/// Undoes a review action: its runs become unreviewed again, except those reviewed anew since
/// (they no longer carry the batch's instant and reviewer). Returns how many runs were undone.
pub async fn undo(conn: &mut PgConnection, batch: &ReviewBatch, by: &str) -> Result<u64, DbError> {
    let mut tx = conn.begin().await?;
    let undone: Vec<i64> = sqlx::query_scalar(
        "UPDATE job_runs SET reviewed_at = NULL, reviewed_by = NULL \
         WHERE id = ANY($1) AND reviewed_at = $2 AND reviewed_by = $3 RETURNING id",
    )
    .bind(&batch.run_ids)
    .bind(batch.reviewed_at)
    .bind(&batch.reviewed_by)
    .fetch_all(&mut *tx)
    .await?;
    if !undone.is_empty() {
        audit::record(
            &mut *tx,
            by,
            "review.undo",
            None,
            json!({ "run_ids": undone, "reviewed_at": batch.reviewed_at,
                    "reviewed_by": batch.reviewed_by }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(undone.len() as u64)
}

/// The last review action of `by` still in force, e.g. for undo after a restart.
pub async fn last_batch(ex: &mut PgConnection, by: &str) -> Result<Option<ReviewBatch>, DbError> {
    let at: Option<DateTime<Utc>> =
        sqlx::query_scalar("SELECT max(reviewed_at) FROM job_runs WHERE reviewed_by = $1")
            .bind(by)
            .fetch_one(&mut *ex)
            .await?;
    let Some(at) = at else { return Ok(None) };
    let run_ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM job_runs WHERE reviewed_by = $1 AND reviewed_at = $2 ORDER BY id",
    )
    .bind(by)
    .bind(at)
    .fetch_all(&mut *ex)
    .await?;
    Ok(Some(ReviewBatch {
        run_ids,
        reviewed_at: at,
        reviewed_by: by.to_string(),
    }))
}

/// One job in the Run Checks queue; counts are of the runs the queue includes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct QueueRow {
    pub job_id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub backup_software: String,
    pub backup_type: String,
    pub job_name: String,
    pub unreviewed: i64,
    pub failed: i64,
    pub missed: i64,
    pub warning: i64,
    pub unknown: i64,
    pub success_override: i64,
    pub success: i64,
    pub newest_run_at: DateTime<Utc>,
    pub has_open_ticket: bool,
    pub has_open_remark: bool,
    /// Severity rank of the worst status (see [`RunStatus::severity_rank`]).
    pub worst_rank: i32,
}

impl QueueRow {
    /// The words a filter may use for this job's state: the statuses among its runs, `ticket`
    /// and `remark` when one is open (`/failed ticket` finds failing jobs already ticketed).
    pub fn state_words(&self) -> String {
        let mut words = Vec::new();
        for (n, w) in [
            (self.failed, "failed"),
            (self.missed, "missed"),
            (self.warning, "warning"),
            (self.unknown, "unknown"),
            (self.success_override, "override"),
            (self.success, "success"),
        ] {
            if n > 0 {
                words.push(w);
            }
        }
        if self.has_open_ticket {
            words.push("ticket");
        }
        if self.has_open_remark {
            words.push("remark");
        }
        words.join(" ")
    }

    /// The worst effective status among the job's included runs.
    pub fn worst(&self) -> RunStatus {
        RunStatus::ALL
            .into_iter()
            .find(|s| i32::from(s.severity_rank()) == self.worst_rank)
            .unwrap_or(RunStatus::Unknown)
    }
}

/// SQL: the severity rank of an effective status column, from [`RunStatus::severity_rank`], so the
/// database sorts exactly as the program does.
fn rank_sql(column: &str) -> String {
    let arms: Vec<String> = RunStatus::ALL
        .iter()
        .map(|s| format!("WHEN '{}' THEN {}", s.as_str(), s.severity_rank()))
        .collect();
    format!("CASE {column} {} ELSE 99 END", arms.join(" "))
}

/// The Run Checks queue: jobs with unreviewed runs, worst status first, then by customer and job
/// name. With `include_reviewed_since`, reviewed runs from that instant on count too, and jobs
/// whose runs are all reviewed appear as well.
pub async fn queue(
    ex: impl PgExecutor<'_>,
    include_reviewed_since: Option<DateTime<Utc>>,
) -> Result<Vec<QueueRow>, DbError> {
    let count = |status: RunStatus| {
        format!(
            "count(*) FILTER (WHERE r.effective_status = '{}')",
            status.as_str()
        )
    };
    let sql = format!(
        "WITH q AS ( \
             SELECT r.job_id, count(*) FILTER (WHERE r.reviewed_at IS NULL) AS unreviewed, \
                    {failed} AS failed, {missed} AS missed, {warning} AS warning, \
                    {unknown} AS unknown, {success_override} AS success_override, \
                    {success} AS success, min({rank})::int AS worst_rank, \
                    max(r.run_at) AS newest_run_at \
             FROM job_runs r \
             WHERE {included} \
             GROUP BY r.job_id) \
         SELECT q.*, j.customer_id, c.name AS customer_name, j.backup_software, j.backup_type, \
                j.job_name, {tickets} AS has_open_ticket, {remarks} AS has_open_remark \
         FROM q JOIN jobs j ON j.id = q.job_id JOIN customers c ON c.id = j.customer_id \
         WHERE j.deleted_at IS NULL AND c.deleted_at IS NULL",
        // Without reviewed runs the filter matches the partial index of unreviewed runs exactly.
        included = if include_reviewed_since.is_some() {
            "r.reviewed_at IS NULL OR r.run_at >= $1"
        } else {
            "r.reviewed_at IS NULL"
        },
        failed = count(RunStatus::Failed),
        missed = count(RunStatus::Missed),
        warning = count(RunStatus::Warning),
        unknown = count(RunStatus::Unknown),
        success_override = count(RunStatus::SuccessOverride),
        success = count(RunStatus::Success),
        rank = rank_sql("r.effective_status"),
        tickets = open_on_job(TICKETS, "j"),
        remarks = open_on_job(REMARKS, "j"),
    );
    let query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
    let query = match include_reviewed_since {
        Some(since) => query.bind(since),
        None => query,
    };
    let mut rows: Vec<QueueRow> = query.fetch_all(ex).await?;
    crate::domain::listing_order::sort(
        &mut rows,
        |r| r.worst_rank,
        |r| (&r.customer_name, &r.job_name, r.job_id),
    );
    Ok(rows)
}

/// Runs of job `job_id`, newest first: the unreviewed ones, or all with `include_reviewed`.
pub async fn runs_of_job(
    ex: impl PgExecutor<'_>,
    job_id: i64,
    include_reviewed: bool,
) -> Result<Vec<Run>, DbError> {
    Ok(sqlx::query_as(
        "SELECT id, job_id, mail_id, run_at, parsed_status, effective_status, override_applied, \
         message, missed, slot_date, reviewed_at, reviewed_by FROM job_runs \
         WHERE job_id = $1 AND (reviewed_at IS NULL OR $2) ORDER BY run_at DESC, id DESC",
    )
    .bind(job_id)
    .bind(include_reviewed)
    .fetch_all(ex)
    .await?)
}

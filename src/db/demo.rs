//! SQL only the demo needs: marking its history reviewed the way daily reviews would have, and
//! counting what seeding produced.

use super::DbError;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// Marks every unreviewed run from before `before` reviewed by `by`, each a working morning after
/// it ran (as if reviewed day by day), never later than `before`. Returns how many.
pub async fn review_history(
    ex: impl PgExecutor<'_>,
    before: DateTime<Utc>,
    by: &str,
) -> Result<u64, DbError> {
    let done = sqlx::query(
        "UPDATE job_runs SET reviewed_at = LEAST(run_at + interval '10 hours', $1), \
         reviewed_by = $2 WHERE reviewed_at IS NULL AND run_at < $1",
    )
    .bind(before)
    .bind(by)
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}

/// What a demo database holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Counts {
    pub customers: i64,
    pub jobs: i64,
    pub mails: i64,
    pub runs: i64,
    pub missed_runs: i64,
    pub unreviewed_runs: i64,
    /// Parsed mail waiting in the Inbox for its job to be approved.
    pub inbox_waiting: i64,
    /// Mail no parser recognised, in the Inbox.
    pub inbox_unparsed: i64,
    pub open_tickets: i64,
    pub open_remarks: i64,
    pub overrides: i64,
}

pub async fn counts(ex: impl PgExecutor<'_>) -> Result<Counts, DbError> {
    Ok(sqlx::query_as(
        "SELECT (SELECT count(*) FROM customers WHERE deleted_at IS NULL) AS customers, \
                (SELECT count(*) FROM jobs WHERE deleted_at IS NULL) AS jobs, \
                (SELECT count(*) FROM mail_messages) AS mails, \
                (SELECT count(*) FROM job_runs) AS runs, \
                (SELECT count(*) FROM job_runs WHERE missed) AS missed_runs, \
                (SELECT count(*) FROM job_runs WHERE reviewed_at IS NULL) AS unreviewed_runs, \
                (SELECT count(*) FROM mail_messages WHERE job_id IS NULL AND deleted_at IS NULL \
                   AND parsed_status IS NOT NULL) AS inbox_waiting, \
                (SELECT count(*) FROM mail_messages WHERE job_id IS NULL AND deleted_at IS NULL \
                   AND parsed_status IS NULL) AS inbox_unparsed, \
                (SELECT count(*) FROM tickets WHERE resolved_at IS NULL) AS open_tickets, \
                (SELECT count(*) FROM remarks WHERE resolved_at IS NULL) AS open_remarks, \
                (SELECT count(*) FROM overrides WHERE active) AS overrides",
    )
    .fetch_one(ex)
    .await?)
}

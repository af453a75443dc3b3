//! The 🎫 and 💬 indicators of jobs: whether a job has an open ticket or remark scoped to it, by
//! explicit join of scopes and their tickets or remarks.

use super::DbError;
use super::scopes::{REMARKS, TICKETS, open_on_job};
use sqlx::PgExecutor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct JobIndicators {
    pub job_id: i64,
    pub has_open_ticket: bool,
    pub has_open_remark: bool,
}

/// Indicators of every job with an open ticket or remark (jobs with neither are left out, so
/// [`find`] gives `None` for them), sorted by job id: what a list of all jobs needs, without
/// sending the server its 10,000 ids, and so it can run alongside the list's own query.
pub async fn with_open_items(ex: impl PgExecutor<'_>) -> Result<Vec<JobIndicators>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT * FROM (SELECT j.id AS job_id, {tickets} AS has_open_ticket, \
         {remarks} AS has_open_remark FROM jobs j) i \
         WHERE has_open_ticket OR has_open_remark ORDER BY job_id",
        tickets = open_on_job(TICKETS, "j"),
        remarks = open_on_job(REMARKS, "j"),
    )))
    .fetch_all(ex)
    .await?)
}

/// The indicators of job `job_id` in `list` as [`with_open_items`] returns it (sorted
/// by job id).
pub fn find(list: &[JobIndicators], job_id: i64) -> Option<&JobIndicators> {
    list.binary_search_by_key(&job_id, |i| i.job_id)
        .ok()
        .map(|i| &list[i])
}

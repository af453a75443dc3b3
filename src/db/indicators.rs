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

/// Indicators of the jobs `job_ids` (unknown ids are left out), by job id.
pub async fn for_jobs(
    ex: impl PgExecutor<'_>,
    job_ids: &[i64],
) -> Result<Vec<JobIndicators>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT j.id AS job_id, {tickets} AS has_open_ticket, {remarks} AS has_open_remark \
         FROM jobs j WHERE j.id = ANY($1) ORDER BY j.id",
        tickets = open_on_job(TICKETS, "j"),
        remarks = open_on_job(REMARKS, "j"),
    )))
    .bind(job_ids)
    .fetch_all(ex)
    .await?)
}

/// The indicators of job `job_id` in `list` as [`for_jobs`] returns it (sorted by job id).
pub fn find(list: &[JobIndicators], job_id: i64) -> Option<&JobIndicators> {
    list.binary_search_by_key(&job_id, |i| i.job_id)
        .ok()
        .map(|i| &list[i])
}

//! What a ticket from a run is made of: the run with its job and customer, its objects, and the
//! other runs of the job the same ticket should go on.

use crate::db::DbError;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RunContext {
    pub run_id: i64,
    pub job_id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub job_name: String,
    pub backup_software: String,
    pub backup_type: String,
    pub run_at: DateTime<Utc>,
    pub effective_status: String,
    pub message: Option<String>,
    /// The run's overall remark.
    pub remark: Option<String>,
    pub missed: bool,
}

pub async fn get(ex: impl PgExecutor<'_>, run_id: i64) -> Result<Option<RunContext>, DbError> {
    Ok(sqlx::query_as(
        "SELECT r.id AS run_id, r.job_id, j.customer_id, c.name AS customer_name, j.job_name, \
         j.backup_software, j.backup_type, r.run_at, r.effective_status, r.message, r.remark, \
         r.missed FROM job_runs r JOIN jobs j ON j.id = r.job_id \
         JOIN customers c ON c.id = j.customer_id WHERE r.id = $1",
    )
    .bind(run_id)
    .fetch_optional(ex)
    .await?)
}

/// Unreviewed problem runs (not a success) of the job without an Autotask ticket, oldest first:
/// a ticket made from one of them covers them all.
pub async fn runs_without_ticket(
    ex: impl PgExecutor<'_>,
    job_id: i64,
) -> Result<Vec<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM job_runs WHERE job_id = $1 AND reviewed_at IS NULL \
         AND effective_status NOT IN ('Success', 'Success (override)') \
         AND (autotask_ticket_id IS NULL OR autotask_ticket_deleted_at IS NOT NULL) \
         ORDER BY run_at, id",
    )
    .bind(job_id)
    .fetch_all(ex)
    .await?)
}

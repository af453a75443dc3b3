//! Objects of a run (VMs, shares, mailboxes, ...) as parsed from its report, with their own
//! override flag.

use super::DbError;
use sqlx::PgExecutor;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RunObject {
    pub id: i64,
    pub run_id: i64,
    pub position: i32,
    pub name: String,
    pub object_type: Option<String>,
    pub status: String,
    pub message: Option<String>,
    pub override_applied: bool,
}

/// The objects of a run in report order.
pub async fn for_run(ex: impl PgExecutor<'_>, run_id: i64) -> Result<Vec<RunObject>, DbError> {
    Ok(sqlx::query_as(
        "SELECT id, run_id, position, name, object_type, status, message, override_applied \
         FROM run_objects WHERE run_id = $1 ORDER BY position",
    )
    .bind(run_id)
    .fetch_all(ex)
    .await?)
}

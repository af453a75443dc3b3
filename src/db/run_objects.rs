//! Objects of a run (VMs, shares, mailboxes, ...) as parsed from its report, with their own
//! override flag.

use super::DbError;
use sqlx::PgExecutor;

/// An object to store with a new run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRunObject {
    pub name: String,
    pub object_type: Option<String>,
    /// Parsed status word: Success, Warning, Failed or Unknown.
    pub status: String,
    pub message: Option<String>,
}

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

/// Stores the objects of run `run_id` in the given order (positions 0, 1, ...), in one statement.
pub async fn insert_all(
    ex: impl PgExecutor<'_>,
    run_id: i64,
    objects: &[NewRunObject],
) -> Result<(), DbError> {
    if objects.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = objects.iter().map(|o| o.name.as_str()).collect();
    let types: Vec<Option<&str>> = objects.iter().map(|o| o.object_type.as_deref()).collect();
    let statuses: Vec<&str> = objects.iter().map(|o| o.status.as_str()).collect();
    let messages: Vec<Option<&str>> = objects.iter().map(|o| o.message.as_deref()).collect();
    sqlx::query(
        "INSERT INTO run_objects (run_id, position, name, object_type, status, message) \
         SELECT $1, (o.n - 1)::int, o.name, o.object_type, o.status, o.message \
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) \
              WITH ORDINALITY AS o(name, object_type, status, message, n)",
    )
    .bind(run_id)
    .bind(names)
    .bind(types)
    .bind(statuses)
    .bind(messages)
    .execute(ex)
    .await?;
    Ok(())
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

//! The audit log: who did what, when.

use super::DbError;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub db_user: String,
    pub operator: Option<String>,
    pub action: String,
    pub entity_type: Option<String>,
    pub entity_id: Option<i64>,
    pub details: serde_json::Value,
}

/// Records an action; the database user is filled in by PostgreSQL.
pub async fn record(
    ex: impl PgExecutor<'_>,
    operator: &str,
    action: &str,
    entity: Option<(&str, i64)>,
    details: serde_json::Value,
) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO audit_log (operator, action, entity_type, entity_id, details) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(operator)
    .bind(action)
    .bind(entity.map(|e| e.0))
    .bind(entity.map(|e| e.1))
    .bind(details)
    .fetch_one(ex)
    .await?)
}

/// The newest entries first.
pub async fn recent(ex: impl PgExecutor<'_>, limit: i64) -> Result<Vec<Entry>, DbError> {
    Ok(sqlx::query_as(
        "SELECT id, at, db_user, operator, action, entity_type, entity_id, details \
         FROM audit_log ORDER BY at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(ex)
    .await?)
}

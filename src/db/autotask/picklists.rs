//! The cache of Autotask picklists (refreshed daily by `psa`), read by the Settings pane and the
//! ticket preview for labels and choices.

use crate::db::DbError;
use chrono::{DateTime, Utc};
use sqlx::{Connection, PgConnection, PgExecutor};

/// The entity whose fields the ticket picklists belong to.
pub const TICKET: &str = "Ticket";

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PicklistEntry {
    pub value: String,
    pub label: String,
    pub is_active: bool,
    pub sort_order: Option<i32>,
    /// For sub-issue types: the issue type they belong to.
    pub parent_value: Option<String>,
}

/// Replaces the cached values of `(entity, field)` with `values`, stamped `now`.
pub async fn replace(
    conn: &mut PgConnection,
    entity: &str,
    field: &str,
    values: &[PicklistEntry],
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let mut tx = conn.begin().await?;
    sqlx::query("DELETE FROM autotask_picklists WHERE entity = $1 AND field = $2")
        .bind(entity)
        .bind(field)
        .execute(&mut *tx)
        .await?;
    for v in values {
        sqlx::query(
            "INSERT INTO autotask_picklists (entity, field, value, label, is_active, sort_order, \
             parent_value, refreshed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (entity, field, value) DO UPDATE SET label = EXCLUDED.label",
        )
        .bind(entity)
        .bind(field)
        .bind(&v.value)
        .bind(&v.label)
        .bind(v.is_active)
        .bind(v.sort_order)
        .bind(&v.parent_value)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    // An empty picklist still records that it was refreshed.
    sqlx::query(
        "INSERT INTO settings (key, value, updated_by) VALUES ($1, to_jsonb($2::timestamptz), \
         'autotask') ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
    )
    .bind(refreshed_key(entity))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Values of `(entity, field)` in Autotask's order; inactive ones only when `with_inactive`.
pub async fn list(
    ex: impl PgExecutor<'_>,
    entity: &str,
    field: &str,
    with_inactive: bool,
) -> Result<Vec<PicklistEntry>, DbError> {
    Ok(sqlx::query_as(
        "SELECT value, label, is_active, sort_order, parent_value FROM autotask_picklists \
         WHERE entity = $1 AND field = $2 AND (is_active OR $3) \
         ORDER BY sort_order NULLS LAST, label",
    )
    .bind(entity)
    .bind(field)
    .bind(with_inactive)
    .fetch_all(ex)
    .await?)
}

/// The label of one value, if cached.
pub async fn label(
    ex: impl PgExecutor<'_>,
    entity: &str,
    field: &str,
    value: i64,
) -> Result<Option<String>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT label FROM autotask_picklists WHERE entity = $1 AND field = $2 AND value = $3",
    )
    .bind(entity)
    .bind(field)
    .bind(value.to_string())
    .fetch_optional(ex)
    .await?)
}

/// When the picklists of `entity` were last refreshed.
pub async fn refreshed_at(
    ex: impl PgExecutor<'_>,
    entity: &str,
) -> Result<Option<DateTime<Utc>>, DbError> {
    let v: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(refreshed_key(entity))
            .fetch_optional(ex)
            .await?;
    Ok(v.and_then(|v| serde_json::from_value(v).ok()))
}

fn refreshed_key(entity: &str) -> String {
    format!("autotask_picklists_refreshed_at.{}", entity.to_lowercase())
}

//! Shared policy in the `settings` table (JSON values by key). Never holds secrets.

use super::DbError;
use serde::{Serialize, de::DeserializeOwned};
use sqlx::PgExecutor;

/// The value of `key`, or `None` when unset. A stored value of the wrong shape is an error.
pub async fn get<T: DeserializeOwned>(
    ex: impl PgExecutor<'_>,
    key: &str,
) -> Result<Option<T>, DbError> {
    let v: Option<serde_json::Value> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(ex)
            .await?;
    v.map(|v| serde_json::from_value(v).map_err(|e| DbError::Task(format!("setting `{key}`: {e}"))))
        .transpose()
}

/// Sets `key` (insert or update), recording who changed it.
pub async fn set<T: Serialize>(
    ex: impl PgExecutor<'_>,
    key: &str,
    value: &T,
    by: &str,
) -> Result<(), DbError> {
    let v = serde_json::to_value(value).map_err(|e| DbError::Task(e.to_string()))?;
    sqlx::query(
        "INSERT INTO settings (key, value, updated_by) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now(), \
         updated_by = EXCLUDED.updated_by",
    )
    .bind(key)
    .bind(v)
    .bind(by)
    .execute(ex)
    .await?;
    Ok(())
}

//! Customer ↔ Autotask company mapping, by company id; the name is a cached label. A check
//! records what Autotask said: `ok`, `renamed` (cached name updated), `invalid` (company gone,
//! inactive or not visible), or `missing` (no company mapped).

use crate::db::{DbError, audit};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{Connection, PgConnection, PgExecutor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingStatus {
    Ok,
    Renamed,
    Missing,
    Invalid,
}

impl MappingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MappingStatus::Ok => "ok",
            MappingStatus::Renamed => "renamed",
            MappingStatus::Missing => "missing",
            MappingStatus::Invalid => "invalid",
        }
    }

    pub fn from_db(s: &str) -> Option<MappingStatus> {
        [
            MappingStatus::Ok,
            MappingStatus::Renamed,
            MappingStatus::Missing,
            MappingStatus::Invalid,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }

    /// Tickets may be created: the company id still leads after a rename.
    pub fn allows_tickets(self) -> bool {
        matches!(self, MappingStatus::Ok | MappingStatus::Renamed)
    }
}

/// A customer's mapping as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Mapping {
    pub customer_id: i64,
    pub customer_name: String,
    pub company_id: Option<i64>,
    pub company_name: Option<String>,
    pub status: Option<String>,
    pub last_sync_at: Option<DateTime<Utc>>,
}

impl Mapping {
    pub fn status(&self) -> MappingStatus {
        match (self.company_id, self.status.as_deref()) {
            (None, _) => MappingStatus::Missing,
            (Some(_), s) => s
                .and_then(MappingStatus::from_db)
                .unwrap_or(MappingStatus::Ok),
        }
    }
}

const COLUMNS: &str = "id AS customer_id, name AS customer_name, autotask_company_id AS company_id, \
                       autotask_company_name AS company_name, autotask_mapping_status AS status, \
                       autotask_last_sync_at AS last_sync_at";

pub async fn get(ex: impl PgExecutor<'_>, customer_id: i64) -> Result<Option<Mapping>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM customers WHERE id = $1"
    )))
    .bind(customer_id)
    .fetch_optional(ex)
    .await?)
}

/// Customers (not deleted) with a company mapped, by name: the "refresh all" list.
pub async fn mapped(ex: impl PgExecutor<'_>) -> Result<Vec<Mapping>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM customers WHERE deleted_at IS NULL \
         AND autotask_company_id IS NOT NULL ORDER BY lower(name)"
    )))
    .fetch_all(ex)
    .await?)
}

/// Maps a customer to a company the operator picked (so it was just seen: status `ok`).
pub async fn set(
    conn: &mut PgConnection,
    customer_id: i64,
    company_id: i64,
    company_name: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Mapping, DbError> {
    let mut tx = conn.begin().await?;
    let m: Option<Mapping> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE customers SET autotask_company_id = $2, autotask_company_name = $3, \
         autotask_mapping_status = 'ok', autotask_last_sync_at = $4 WHERE id = $1 \
         RETURNING {COLUMNS}"
    )))
    .bind(customer_id)
    .bind(company_id)
    .bind(company_name.trim())
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let m = m.ok_or_else(|| DbError::NotFound(format!("customer {customer_id}")))?;
    audit::record(
        &mut *tx,
        by,
        "customer.autotask.map",
        Some(("customer", customer_id)),
        json!({ "company_id": company_id, "company_name": company_name.trim() }),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// Removes the mapping; tickets made before keep their links.
pub async fn remove(conn: &mut PgConnection, customer_id: i64, by: &str) -> Result<(), DbError> {
    let mut tx = conn.begin().await?;
    let old: Option<Option<i64>> = sqlx::query_scalar(
        "UPDATE customers c SET autotask_company_id = NULL, autotask_company_name = NULL, \
         autotask_mapping_status = 'missing', autotask_last_sync_at = NULL \
         FROM customers o WHERE c.id = $1 AND o.id = c.id RETURNING o.autotask_company_id",
    )
    .bind(customer_id)
    .fetch_optional(&mut *tx)
    .await?;
    let old = old.ok_or_else(|| DbError::NotFound(format!("customer {customer_id}")))?;
    audit::record(
        &mut *tx,
        by,
        "customer.autotask.unmap",
        Some(("customer", customer_id)),
        json!({ "company_id": old }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records the outcome of a check. `company_name` replaces the cached name when given (a
/// rename); the company id is never changed by a check.
pub async fn record_check(
    ex: impl PgExecutor<'_>,
    customer_id: i64,
    status: MappingStatus,
    company_name: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE customers SET autotask_mapping_status = $2, \
         autotask_company_name = COALESCE($3, autotask_company_name), \
         autotask_last_sync_at = $4 WHERE id = $1",
    )
    .bind(customer_id)
    .bind(status.as_str())
    .bind(company_name)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}

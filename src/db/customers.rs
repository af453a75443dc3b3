//! Customers: the MSP's clients, optionally mapped to an Autotask company.

use super::DbError;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Customer {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub autotask_company_id: Option<i64>,
    pub autotask_company_name: Option<String>,
    pub autotask_mapping_status: Option<String>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, name, active, autotask_company_id, autotask_company_name, \
                       autotask_mapping_status, created_at";

/// Creates a customer; a name that exists in any letter case is a [`DbError::Duplicate`].
pub async fn create(ex: impl PgExecutor<'_>, name: &str) -> Result<Customer, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO customers (name) VALUES (btrim($1)) RETURNING {COLUMNS}"
    )))
    .bind(name)
    .fetch_one(ex)
    .await?)
}

pub async fn get(ex: impl PgExecutor<'_>, id: i64) -> Result<Option<Customer>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM customers WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(ex)
    .await?)
}

/// Finds a customer by name, ignoring letter case.
pub async fn find_by_name(
    ex: impl PgExecutor<'_>,
    name: &str,
) -> Result<Option<Customer>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM customers WHERE lower(name) = lower(btrim($1))"
    )))
    .bind(name)
    .fetch_optional(ex)
    .await?)
}

/// Customers that are not deleted, by name.
pub async fn list(ex: impl PgExecutor<'_>) -> Result<Vec<Customer>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM customers WHERE deleted_at IS NULL ORDER BY lower(name)"
    )))
    .fetch_all(ex)
    .await?)
}

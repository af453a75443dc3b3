//! Customers: the MSP's clients, optionally mapped to an Autotask company.

use super::{DbError, audit};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{Connection, PgConnection, PgExecutor};

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

/// The customers (not deleted) named `names`, ignoring letter case and surrounding spaces, as
/// (id, name) by name; every name must match, else `NotFound` lists those that do not.
pub async fn ids_by_names(
    ex: impl PgExecutor<'_>,
    names: &[String],
) -> Result<Vec<(i64, String)>, DbError> {
    let lowered: Vec<String> = names.iter().map(|n| n.trim().to_lowercase()).collect();
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, name, lower(name) FROM customers WHERE deleted_at IS NULL \
         AND lower(name) = ANY($1) ORDER BY lower(name), id",
    )
    .bind(&lowered)
    .fetch_all(ex)
    .await?;
    let unknown: Vec<String> = names
        .iter()
        .zip(&lowered)
        .filter(|(_, l)| !rows.iter().any(|(_, _, n)| n == *l))
        .map(|(n, _)| format!("“{n}”"))
        .collect();
    if !unknown.is_empty() {
        return Err(DbError::NotFound(format!(
            "no customer named {}",
            unknown.join(", ")
        )));
    }
    Ok(rows.into_iter().map(|(id, name, _)| (id, name)).collect())
}

/// Customers that are not deleted, by name.
pub async fn list(ex: impl PgExecutor<'_>) -> Result<Vec<Customer>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM customers WHERE deleted_at IS NULL ORDER BY lower(name)"
    )))
    .fetch_all(ex)
    .await?)
}

/// A customer as the Customers pane lists it: with the number of its jobs.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CustomerRow {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub jobs: i64,
    pub autotask_company_id: Option<i64>,
    pub autotask_company_name: Option<String>,
    pub autotask_mapping_status: Option<String>,
    pub autotask_last_sync_at: Option<DateTime<Utc>>,
    /// Where the customer's own scheduled report is mailed.
    pub contact_email: Option<String>,
}

/// Customers that are not deleted, by name, with their job counts.
pub async fn overview(ex: impl PgExecutor<'_>) -> Result<Vec<CustomerRow>, DbError> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.name, c.active, \
         (SELECT count(*) FROM jobs j WHERE j.customer_id = c.id) AS jobs, \
         c.autotask_company_id, c.autotask_company_name, c.autotask_mapping_status, \
         c.autotask_last_sync_at, c.contact_email \
         FROM customers c WHERE c.deleted_at IS NULL ORDER BY lower(c.name)",
    )
    .fetch_all(ex)
    .await?)
}

/// Creates a customer and records who did.
pub async fn add(conn: &mut PgConnection, name: &str, by: &str) -> Result<Customer, DbError> {
    let mut tx = conn.begin().await?;
    let c = create(&mut *tx, name).await?;
    audit::record(
        &mut *tx,
        by,
        "customer.create",
        Some(("customer", c.id)),
        json!({ "name": c.name }),
    )
    .await?;
    tx.commit().await?;
    Ok(c)
}

/// Renames a customer; another customer with that name in any letter case is a
/// [`DbError::Duplicate`].
pub async fn rename(
    conn: &mut PgConnection,
    id: i64,
    name: &str,
    by: &str,
) -> Result<Customer, DbError> {
    let mut tx = conn.begin().await?;
    let old: Option<String> = sqlx::query_scalar("SELECT name FROM customers WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let old = old.ok_or_else(|| DbError::NotFound(format!("customer {id}")))?;
    let c: Customer = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE customers SET name = btrim($2) WHERE id = $1 RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(name)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        by,
        "customer.rename",
        Some(("customer", id)),
        json!({ "from": old, "to": c.name }),
    )
    .await?;
    tx.commit().await?;
    Ok(c)
}

/// (De)activates a customer; its jobs and history stay.
pub async fn set_active(
    conn: &mut PgConnection,
    id: i64,
    active: bool,
    by: &str,
) -> Result<Customer, DbError> {
    let mut tx = conn.begin().await?;
    let c: Option<Customer> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE customers SET active = $2 WHERE id = $1 RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(active)
    .fetch_optional(&mut *tx)
    .await?;
    let c = c.ok_or_else(|| DbError::NotFound(format!("customer {id}")))?;
    audit::record(
        &mut *tx,
        by,
        if active {
            "customer.activate"
        } else {
            "customer.deactivate"
        },
        Some(("customer", id)),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(c)
}

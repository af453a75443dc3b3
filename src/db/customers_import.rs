//! Importing a customer list (see [`crate::domain::customers_csv`]): each row creates a
//! customer, updates its active flag and Autotask company, or finds nothing to change. The
//! whole file is one transaction with one savepoint per row, so a rejected row changes nothing
//! and the others still count; a dry run rolls everything back.

use super::{DbError, audit, customers};
use crate::domain::customers_csv::{CsvRow, CustomerRecord};
use serde_json::json;
use sqlx::{Connection, PgConnection};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowOutcome {
    Created,
    /// What changed, in words ("active → false", "Autotask company 12 → 13").
    Updated(Vec<String>),
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowReport {
    pub line: usize,
    pub name: String,
    /// The outcome, or why the row was rejected (it changed nothing).
    pub result: Result<RowOutcome, String>,
}

impl std::fmt::Display for RowReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: ", self.line)?;
        match &self.result {
            Ok(RowOutcome::Created) => write!(f, "created   {}", self.name),
            Ok(RowOutcome::Updated(changes)) => {
                write!(f, "updated   {} ({})", self.name, changes.join(", "))
            }
            Ok(RowOutcome::Unchanged) => write!(f, "unchanged {}", self.name),
            Err(why) if self.name.is_empty() => write!(f, "invalid   {why}"),
            Err(why) => write!(f, "invalid   {}: {why}", self.name),
        }
    }
}

/// (created, updated, unchanged, invalid)
pub fn counts(reports: &[RowReport]) -> (usize, usize, usize, usize) {
    let mut c = (0, 0, 0, 0);
    for r in reports {
        match &r.result {
            Ok(RowOutcome::Created) => c.0 += 1,
            Ok(RowOutcome::Updated(_)) => c.1 += 1,
            Ok(RowOutcome::Unchanged) => c.2 += 1,
            Err(_) => c.3 += 1,
        }
    }
    c
}

/// The customers that are not deleted, by name, as the file holds them.
pub async fn export(conn: &mut PgConnection) -> Result<Vec<CustomerRecord>, DbError> {
    Ok(customers::list(&mut *conn)
        .await?
        .into_iter()
        .map(|c| CustomerRecord {
            name: c.name,
            active: c.active,
            autotask_company_id: c.autotask_company_id,
        })
        .collect())
}

pub async fn import(
    conn: &mut PgConnection,
    rows: Vec<CsvRow>,
    by: &str,
    dry_run: bool,
) -> Result<Vec<RowReport>, DbError> {
    let mut tx = conn.begin().await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let (name, result) = match row.record {
            Err(why) => (row.name, Err(why)),
            Ok(record) => {
                // Nested: a savepoint of the file's transaction.
                let mut savepoint = Connection::begin(&mut *tx).await?;
                match import_row(&mut savepoint, &record, by).await {
                    Ok(outcome) => {
                        savepoint.commit().await?;
                        (record.name, Ok(outcome))
                    }
                    Err(e) => {
                        savepoint.rollback().await?;
                        (record.name, Err(e.to_string()))
                    }
                }
            }
        };
        out.push(RowReport {
            line: row.line,
            name,
            result,
        });
    }
    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(out)
}

async fn import_row(
    conn: &mut PgConnection,
    r: &CustomerRecord,
    by: &str,
) -> Result<RowOutcome, DbError> {
    let existing: Option<(i64, String, bool, Option<i64>, bool)> = sqlx::query_as(
        "SELECT id, name, active, autotask_company_id, deleted_at IS NOT NULL FROM customers \
         WHERE lower(name) = lower(btrim($1)) FOR UPDATE",
    )
    .bind(&r.name)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, name, active, company, deleted)) = existing else {
        let c = customers::create(&mut *conn, &r.name).await?;
        sqlx::query("UPDATE customers SET active = $2, autotask_company_id = $3 WHERE id = $1")
            .bind(c.id)
            .bind(r.active)
            .bind(r.autotask_company_id)
            .execute(&mut *conn)
            .await?;
        audit::record(
            &mut *conn,
            by,
            "customer.create",
            Some(("customer", c.id)),
            json!({ "name": c.name, "active": r.active,
                    "autotask_company_id": r.autotask_company_id, "from": "csv" }),
        )
        .await?;
        return Ok(RowOutcome::Created);
    };
    if deleted {
        return Err(DbError::Rejected(format!(
            "{name} is deleted: restore it in Customers first"
        )));
    }
    let mut changes = Vec::new();
    if active != r.active {
        changes.push(format!("active → {}", r.active));
    }
    if company != r.autotask_company_id {
        let show = |c: Option<i64>| c.map_or("none".to_string(), |c| c.to_string());
        changes.push(format!(
            "Autotask company {} → {}",
            show(company),
            show(r.autotask_company_id)
        ));
    }
    if changes.is_empty() {
        return Ok(RowOutcome::Unchanged);
    }
    // A new company is checked again in Customers: its cached name and state go.
    sqlx::query(
        "UPDATE customers SET active = $2, autotask_company_id = $3, \
           autotask_company_name = CASE WHEN autotask_company_id IS DISTINCT FROM $3 \
             THEN NULL ELSE autotask_company_name END, \
           autotask_mapping_status = CASE WHEN autotask_company_id IS DISTINCT FROM $3 \
             THEN NULL ELSE autotask_mapping_status END \
         WHERE id = $1",
    )
    .bind(id)
    .bind(r.active)
    .bind(r.autotask_company_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        &mut *conn,
        by,
        "customer.update",
        Some(("customer", id)),
        json!({ "changes": changes, "from": "csv" }),
    )
    .await?;
    Ok(RowOutcome::Updated(changes))
}

//! Deleting customers, jobs and mail: soft first (hidden, restorable), then for good by an
//! admin. Removing for good follows one order in one transaction, so no statement meets a row
//! that still points at what it removes: run links, scopes and overrides; then the mail is
//! unlinked from the jobs; then the mail's objects; then the jobs (their runs and run objects
//! cascade); then the mail itself. Tickets and remarks stay: they may cover other jobs.

use super::{DbError, audit};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{Connection, PgConnection, PgExecutor};

/// What removing something for good takes with it; the confirmation names these.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Impact {
    pub jobs: i64,
    pub runs: i64,
    pub mails: i64,
    pub ticket_links: i64,
    pub remark_links: i64,
    pub overrides: i64,
}

impl Impact {
    /// "2 jobs, 14 runs, 14 mails, 3 ticket links, 1 remark link, 1 override".
    pub fn describe(&self) -> String {
        let part =
            |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        [
            part(self.jobs, "job", "jobs"),
            part(self.runs, "run", "runs"),
            part(self.mails, "mail", "mails"),
            part(self.ticket_links, "ticket link", "ticket links"),
            part(self.remark_links, "remark link", "remark links"),
            part(self.overrides, "override", "overrides"),
        ]
        .join(", ")
    }
}

/// A customer or job that is deleted (soft) and can be restored or removed for good.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Deleted {
    pub id: i64,
    /// `Acme` for a customer, `Acme › Nightly` for a job.
    pub name: String,
    pub deleted_at: DateTime<Utc>,
}

/// Which kind of row a delete is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Customer,
    Job,
}

impl Kind {
    fn table(self) -> &'static str {
        match self {
            Kind::Customer => "customers",
            Kind::Job => "jobs",
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            Kind::Customer => "customer",
            Kind::Job => "job",
        }
    }
}

/// Deletes (soft) a customer or job: hidden everywhere, its mail no longer becomes runs.
/// Returns false when it was deleted already.
pub async fn soft_delete(
    conn: &mut PgConnection,
    kind: Kind,
    id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    set_deleted(conn, kind, id, Some(now), by).await
}

/// Brings a deleted customer or job back. A job of a deleted customer is refused (by the
/// database too): restore the customer first. Returns false when it was not deleted.
pub async fn restore(
    conn: &mut PgConnection,
    kind: Kind,
    id: i64,
    by: &str,
) -> Result<bool, DbError> {
    set_deleted(conn, kind, id, None, by).await
}

async fn set_deleted(
    conn: &mut PgConnection,
    kind: Kind,
    id: i64,
    at: Option<DateTime<Utc>>,
    by: &str,
) -> Result<bool, DbError> {
    let mut tx = conn.begin().await?;
    let current: Option<Option<DateTime<Utc>>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT deleted_at FROM {} WHERE id = $1 FOR UPDATE",
        kind.table()
    )))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(current) = current else {
        return Err(DbError::NotFound(format!("{} {id}", kind.noun())));
    };
    if current.is_some() == at.is_some() {
        return Ok(false);
    }
    if kind == Kind::Job && at.is_none() {
        let customer_deleted: bool = sqlx::query_scalar(
            "SELECT c.deleted_at IS NOT NULL FROM jobs j JOIN customers c ON c.id = j.customer_id \
             WHERE j.id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if customer_deleted {
            return Err(DbError::Rejected(
                "the customer of this job is deleted: restore the customer first".into(),
            ));
        }
    }
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE {} SET deleted_at = $2 WHERE id = $1",
        kind.table()
    )))
    .bind(id)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    let action = match at {
        Some(_) => format!("{}.delete", kind.noun()),
        None => format!("{}.restore", kind.noun()),
    };
    audit::record(&mut *tx, by, &action, Some((kind.noun(), id)), json!({})).await?;
    tx.commit().await?;
    Ok(true)
}

/// Deleted customers or jobs, newest deletion first.
pub async fn deleted(ex: impl PgExecutor<'_>, kind: Kind) -> Result<Vec<Deleted>, DbError> {
    let sql = match kind {
        Kind::Customer => {
            "SELECT id, name, deleted_at FROM customers WHERE deleted_at IS NOT NULL \
             ORDER BY deleted_at DESC, id"
        }
        // A job of a deleted customer is listed with its customer, not on its own.
        Kind::Job => {
            "SELECT j.id, c.name || ' › ' || j.job_name AS name, j.deleted_at \
             FROM jobs j JOIN customers c ON c.id = j.customer_id \
             WHERE j.deleted_at IS NOT NULL AND c.deleted_at IS NULL \
             ORDER BY j.deleted_at DESC, j.id"
        }
    };
    Ok(sqlx::query_as(sql).fetch_all(ex).await?)
}

/// The jobs a removal for good covers: the job itself, or every job of the customer.
async fn job_ids(ex: impl PgExecutor<'_>, kind: Kind, id: i64) -> Result<Vec<i64>, DbError> {
    let sql = match kind {
        Kind::Customer => "SELECT id FROM jobs WHERE customer_id = $1 ORDER BY id",
        Kind::Job => "SELECT id FROM jobs WHERE id = $1",
    };
    Ok(sqlx::query_scalar(sql).bind(id).fetch_all(ex).await?)
}

/// What removing a customer or job for good would take with it.
pub async fn impact(conn: &mut PgConnection, kind: Kind, id: i64) -> Result<Impact, DbError> {
    let jobs = job_ids(&mut *conn, kind, id).await?;
    let customer = (kind == Kind::Customer).then_some(id);
    Ok(sqlx::query_as(
        "SELECT \
           cardinality($1::bigint[])::bigint AS jobs, \
           (SELECT count(*) FROM job_runs WHERE job_id = ANY($1)) AS runs, \
           (SELECT count(*) FROM mail_messages WHERE job_id = ANY($1)) AS mails, \
           (SELECT count(*) FROM ticket_job_runs l JOIN job_runs r ON r.id = l.job_run_id \
              WHERE r.job_id = ANY($1)) \
           + (SELECT count(*) FROM ticket_scopes WHERE job_id = ANY($1) OR customer_id = $2) \
             AS ticket_links, \
           (SELECT count(*) FROM remark_job_runs l JOIN job_runs r ON r.id = l.job_run_id \
              WHERE r.job_id = ANY($1)) \
           + (SELECT count(*) FROM remark_scopes WHERE job_id = ANY($1) OR customer_id = $2) \
             AS remark_links, \
           (SELECT count(*) FROM overrides WHERE job_id = ANY($1)) AS overrides",
    )
    .bind(&jobs)
    .bind(customer)
    .fetch_one(&mut *conn)
    .await?)
}

/// Removes a deleted customer (with all its jobs) or a deleted job for good, with its runs,
/// mail and links, in one transaction, audited with what went. Only admins may; the database
/// refuses anyone else and anything not deleted (soft) first.
pub async fn purge(
    conn: &mut PgConnection,
    kind: Kind,
    id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Impact, DbError> {
    let mut tx = conn.begin().await?;
    let deleted: Option<bool> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT deleted_at IS NOT NULL FROM {} WHERE id = $1 FOR UPDATE",
        kind.table()
    )))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    match deleted {
        None => return Err(DbError::NotFound(format!("{} {id}", kind.noun()))),
        Some(false) => {
            return Err(DbError::Rejected(format!(
                "delete the {} first; only a deleted {} is removed for good",
                kind.noun(),
                kind.noun()
            )));
        }
        Some(true) => {}
    }
    let name: String = match kind {
        Kind::Customer => sqlx::query_scalar("SELECT name FROM customers WHERE id = $1"),
        Kind::Job => sqlx::query_scalar(
            "SELECT c.name || ' › ' || j.job_name FROM jobs j \
             JOIN customers c ON c.id = j.customer_id WHERE j.id = $1",
        ),
    }
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let impact = impact(&mut tx, kind, id).await?;
    let jobs = job_ids(&mut *tx, kind, id).await?;
    let customer = (kind == Kind::Customer).then_some(id);

    // 1. Run links, scopes and overrides.
    sqlx::query(
        "DELETE FROM ticket_job_runs WHERE job_run_id IN \
         (SELECT id FROM job_runs WHERE job_id = ANY($1))",
    )
    .bind(&jobs)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM remark_job_runs WHERE job_run_id IN \
         (SELECT id FROM job_runs WHERE job_id = ANY($1))",
    )
    .bind(&jobs)
    .execute(&mut *tx)
    .await?;
    for table in ["ticket_scopes", "remark_scopes"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE job_id = ANY($1) OR customer_id = $2"
        )))
        .bind(&jobs)
        .bind(customer)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("DELETE FROM overrides WHERE job_id = ANY($1)")
        .bind(&jobs)
        .execute(&mut *tx)
        .await?;
    // 2. Unlink the mail from the jobs; it goes for good below, so it is marked deleted.
    let mails: Vec<i64> = sqlx::query_scalar(
        "UPDATE mail_messages SET job_id = NULL, location = 'deleted', \
         deleted_at = coalesce(deleted_at, $2) WHERE job_id = ANY($1) RETURNING id",
    )
    .bind(&jobs)
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    // 3. The mail's objects.
    sqlx::query("DELETE FROM mail_objects WHERE mail_id = ANY($1)")
        .bind(&mails)
        .execute(&mut *tx)
        .await?;
    // 4. The jobs; their runs and run objects cascade. A customer's jobs go with it.
    sqlx::query("UPDATE jobs SET deleted_at = $2 WHERE id = ANY($1) AND deleted_at IS NULL")
        .bind(&jobs)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM jobs WHERE id = ANY($1)")
        .bind(&jobs)
        .execute(&mut *tx)
        .await?;
    // 5. The mail, then the customer.
    sqlx::query("DELETE FROM mail_messages WHERE id = ANY($1)")
        .bind(&mails)
        .execute(&mut *tx)
        .await?;
    if let Some(c) = customer {
        sqlx::query("DELETE FROM customers WHERE id = $1")
            .bind(c)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut *tx,
        by,
        &format!("{}.purge", kind.noun()),
        Some((kind.noun(), id)),
        json!({ "name": name, "removed": impact }),
    )
    .await?;
    tx.commit().await?;
    Ok(impact)
}

/// Removes deleted (soft) mails for good, with their objects; runs made from them keep their
/// results and lose only the link. Returns how many went. Admins only (the database says so).
pub async fn purge_mail(conn: &mut PgConnection, ids: &[i64], by: &str) -> Result<u64, DbError> {
    purge_mail_where(conn, ids, by, false).await
}

/// [`purge_mail`] for retention: a mail with a reviewed run stays, so the run keeps its link.
pub async fn purge_mail_keeping_reviewed(
    conn: &mut PgConnection,
    ids: &[i64],
    by: &str,
) -> Result<u64, DbError> {
    purge_mail_where(conn, ids, by, true).await
}

async fn purge_mail_where(
    conn: &mut PgConnection,
    ids: &[i64],
    by: &str,
    keep_reviewed: bool,
) -> Result<u64, DbError> {
    let mut tx = conn.begin().await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM mail_messages m WHERE id = ANY($1) AND deleted_at IS NOT NULL \
           AND NOT ($2 AND EXISTS (SELECT 1 FROM job_runs r \
                                   WHERE r.mail_id = m.id AND r.reviewed_at IS NOT NULL)) \
         ORDER BY id FOR UPDATE",
    )
    .bind(ids)
    .bind(keep_reviewed)
    .fetch_all(&mut *tx)
    .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    sqlx::query("DELETE FROM mail_objects WHERE mail_id = ANY($1)")
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    let n = sqlx::query("DELETE FROM mail_messages WHERE id = ANY($1)")
        .bind(&ids)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    audit::record(
        &mut *tx,
        by,
        "mail.purge",
        None,
        json!({ "mails": n, "ids": ids }),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

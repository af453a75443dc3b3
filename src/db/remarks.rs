//! Remarks: notes an operator leaves on jobs, with the same scope, link and resolve rules as
//! tickets (DESIGN §5.6), shown with 💬.

use super::scopes::{self, REMARKS, Scope, StoredScope};
use super::{DbError, audit, settings};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::{Connection, PgConnection, PgExecutor};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Remark {
    pub id: i64,
    pub body: String,
    pub active_from: NaiveDate,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
}

const COLUMNS: &str =
    "i.id, i.body, i.active_from, i.created_by, i.created_at, i.resolved_at, i.resolved_by";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRemark {
    pub body: String,
    pub scopes: Vec<Scope>,
}

/// A remark as shown on a run: `linked` when a link puts it there, else it shows because it is
/// open and scoped to the run's job.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RunRemark {
    #[sqlx(flatten)]
    pub remark: Remark,
    pub linked: bool,
}

/// Creates a remark with its scopes; `active_from` is the local date of `now`.
pub async fn create(
    conn: &mut PgConnection,
    new: &NewRemark,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Remark, DbError> {
    if new.body.trim().is_empty() {
        return Err(DbError::Invalid("a remark needs some text".into()));
    }
    let mut tx = conn.begin().await?;
    let today = now
        .with_timezone(&settings::policy(&mut *tx).await?.timezone)
        .date_naive();
    let remark: Remark = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO remarks AS i (body, active_from, created_by, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING {COLUMNS}"
    )))
    .bind(new.body.trim())
    .bind(today)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let stored = scopes::insert(&mut tx, REMARKS, remark.id, &new.scopes).await?;
    audit::record(
        &mut *tx,
        by,
        "remark.create",
        Some(("remark", remark.id)),
        json!({ "scopes": new.scopes, "scope_ids":
                stored.iter().map(|s| s.id).collect::<Vec<_>>() }),
    )
    .await?;
    tx.commit().await?;
    Ok(remark)
}

pub async fn get(ex: impl PgExecutor<'_>, id: i64) -> Result<Option<Remark>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM remarks i WHERE i.id = $1"
    )))
    .bind(id)
    .fetch_optional(ex)
    .await?)
}

/// Unresolved remarks, newest first.
pub async fn list_open(ex: impl PgExecutor<'_>) -> Result<Vec<Remark>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM remarks i WHERE i.resolved_at IS NULL \
         ORDER BY i.created_at DESC, i.id DESC"
    )))
    .fetch_all(ex)
    .await?)
}

/// Remarks for the Tickets & Remarks pane: open ones, and resolved ones too when
/// `include_resolved`, with their scopes by name and their number of linked runs.
pub async fn listed(
    ex: impl PgExecutor<'_>,
    include_resolved: bool,
) -> Result<Vec<scopes::ListedItem>, DbError> {
    scopes::listed(
        ex,
        REMARKS,
        "NULL::text",
        "i.body",
        "NULL::bigint",
        "NULL::timestamptz",
        include_resolved,
    )
    .await
}

pub async fn scopes(ex: impl PgExecutor<'_>, remark_id: i64) -> Result<Vec<StoredScope>, DbError> {
    scopes::of_item(ex, REMARKS, remark_id).await
}

/// Adds a scope to remark `remark_id`; runs created from now on are linked by it.
pub async fn add_scope(
    conn: &mut PgConnection,
    remark_id: i64,
    scope: &Scope,
    by: &str,
) -> Result<StoredScope, DbError> {
    scopes::add_audited(conn, REMARKS, remark_id, scope, by).await
}

/// Links remark `remark_id` to run `run_id` by hand; `false` when it already was.
pub async fn link_run(
    conn: &mut PgConnection,
    remark_id: i64,
    run_id: i64,
    by: &str,
) -> Result<bool, DbError> {
    scopes::link_audited(conn, REMARKS, remark_id, run_id, by).await
}

/// Resolves remark `remark_id`: no new run is linked to it from now on, existing links stay.
pub async fn resolve(
    conn: &mut PgConnection,
    remark_id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Remark, DbError> {
    let mut tx = conn.begin().await?;
    let remark: Option<Remark> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE remarks i SET resolved_at = COALESCE(i.resolved_at, $2), \
         resolved_by = COALESCE(i.resolved_by, $3) WHERE i.id = $1 RETURNING {COLUMNS}"
    )))
    .bind(remark_id)
    .bind(now)
    .bind(by)
    .fetch_optional(&mut *tx)
    .await?;
    let remark = remark.ok_or_else(|| DbError::NotFound(format!("remark {remark_id}")))?;
    audit::record(
        &mut *tx,
        by,
        "remark.resolve",
        Some(("remark", remark_id)),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(remark)
}

/// Resolves one scope of a remark; the remark and its other scopes stay open.
pub async fn resolve_scope(
    conn: &mut PgConnection,
    scope_id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    scopes::resolve_audited(conn, REMARKS, scope_id, by, now).await
}

/// Remarks to show on run `run_id`: linked ones plus open ones scoped to it, each once.
pub async fn for_run(ex: impl PgExecutor<'_>, run_id: i64) -> Result<Vec<RunRemark>, DbError> {
    Ok(
        sqlx::query_as(sqlx::AssertSqlSafe(scopes::for_run_sql(REMARKS, COLUMNS)))
            .bind(run_id)
            .fetch_all(ex)
            .await?,
    )
}

/// Runs remark `remark_id` is linked to.
pub async fn linked_runs(ex: impl PgExecutor<'_>, remark_id: i64) -> Result<Vec<i64>, DbError> {
    scopes::linked_runs(ex, REMARKS, remark_id).await
}

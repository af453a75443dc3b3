//! What tickets and remarks share: scopes (which jobs one covers), links to runs, and the SQL that
//! decides which open ones cover a run or a job. Tickets and remarks follow the same rules, so the
//! rules live here once, parameterised by the tables of each.
//!
//! "Open" is always `COALESCE(scope.resolved_at, item.resolved_at) IS NULL`; no rule here compares
//! dates.

use super::{DbError, audit};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::Connection;
use sqlx::{PgConnection, PgExecutor};

/// Which runs a ticket or remark covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum Scope {
    /// Every run of one job.
    Job { job_id: i64 },
    /// Every run of every job of one customer.
    Customer { customer_id: i64 },
    /// Runs of one job that report this object (names compared ignoring case).
    Object { job_id: i64, object_name: String },
}

impl Scope {
    fn columns(&self) -> (&'static str, Option<i64>, Option<i64>, Option<&str>) {
        match self {
            Scope::Job { job_id } => ("job", None, Some(*job_id), None),
            Scope::Customer { customer_id } => ("customer", Some(*customer_id), None, None),
            Scope::Object {
                job_id,
                object_name,
            } => ("object", None, Some(*job_id), Some(object_name.trim())),
        }
    }
}

/// A stored scope with its own resolution.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredScope {
    pub id: i64,
    pub scope_type: String,
    pub customer_id: Option<i64>,
    pub job_id: Option<i64>,
    pub object_name: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// The tables of one kind (tickets or remarks).
#[derive(Debug, Clone, Copy)]
pub(super) struct Tables {
    pub item: &'static str,
    pub scopes: &'static str,
    pub links: &'static str,
    /// Column in `scopes` and `links` that names the item.
    pub fk: &'static str,
    /// The item's name in audit entries (`ticket.link`, `remark.scope.add`, ...).
    pub noun: &'static str,
}

pub(super) const TICKETS: Tables = Tables {
    item: "tickets",
    scopes: "ticket_scopes",
    links: "ticket_job_runs",
    fk: "ticket_id",
    noun: "ticket",
};

pub(super) const REMARKS: Tables = Tables {
    item: "remarks",
    scopes: "remark_scopes",
    links: "remark_job_runs",
    fk: "remark_id",
    noun: "remark",
};

/// SQL: `(item_id, run_id)` of every open item of `t` whose scope covers a run `r` that
/// `runs` (a condition on `r`) selects: a job scope covers the job's runs, a customer scope the
/// runs of the customer's jobs, an object scope the job's runs that report that object (names
/// compared trimmed and case-insensitively). One equi-join per kind of scope, so that the
/// planner can hash them; a single join on the three conditions ORed together is a nested loop
/// of every scope with every run (800 ms for 200 tickets and 2,000 new runs).
fn open_items_covering(t: Tables, runs: &str) -> String {
    // Open: neither the scope nor the item resolved. Said as two tests, not as one COALESCE,
    // which the planner cannot estimate: it then took every run of every scoped job (13 ms
    // for a batch of 50 runs instead of 0.3 ms).
    let open = format!(
        "JOIN {item} i ON i.id = s.{fk} WHERE {runs} AND s.resolved_at IS NULL \
         AND i.resolved_at IS NULL",
        item = t.item,
        fk = t.fk,
    );
    format!(
        "SELECT s.{fk} AS item_id, r.id AS run_id FROM job_runs r \
           JOIN {scopes} s ON s.scope_type = 'job' AND s.job_id = r.job_id {open} \
         UNION ALL \
         SELECT s.{fk}, r.id FROM job_runs r JOIN jobs j ON j.id = r.job_id \
           JOIN {scopes} s ON s.scope_type = 'customer' AND s.customer_id = j.customer_id {open} \
         UNION ALL \
         SELECT s.{fk}, r.id FROM job_runs r \
           JOIN {scopes} s ON s.scope_type = 'object' AND s.job_id = r.job_id {open} \
           AND EXISTS (SELECT 1 FROM run_objects o WHERE o.run_id = r.id \
                       AND lower(btrim(o.name)) = lower(btrim(s.object_name)))",
        scopes = t.scopes,
        fk = t.fk,
    )
}

/// SQL condition: an open item of `t` is scoped to job `job` (an alias of `jobs`): the 🎫 / 💬
/// indicator, by explicit join of scope and item.
pub(super) fn open_on_job(t: Tables, job: &str) -> String {
    // Two uncorrelated sets, each built once per query (a hashed subplan), instead of a search
    // of the open scopes for every job: 395 ms → 7 ms for 10,000 jobs and 200 open items.
    // NULLs are kept out of both sets, so the test is true or false, never unknown.
    format!(
        "({job}.id IN (SELECT s.job_id FROM {scopes} s JOIN {item} i ON i.id = s.{fk} \
             WHERE COALESCE(s.resolved_at, i.resolved_at) IS NULL AND s.job_id IS NOT NULL) \
          OR {job}.customer_id IN (SELECT s.customer_id FROM {scopes} s \
             JOIN {item} i ON i.id = s.{fk} \
             WHERE COALESCE(s.resolved_at, i.resolved_at) IS NULL \
               AND s.scope_type = 'customer' AND s.customer_id IS NOT NULL))",
        scopes = t.scopes,
        item = t.item,
        fk = t.fk,
    )
}

/// Stores scopes of item `item_id`.
pub(super) async fn insert(
    conn: &mut PgConnection,
    t: Tables,
    item_id: i64,
    scopes: &[Scope],
) -> Result<Vec<StoredScope>, DbError> {
    let mut stored = Vec::with_capacity(scopes.len());
    for scope in scopes {
        if let Scope::Object { object_name, .. } = scope
            && object_name.trim().is_empty()
        {
            return Err(DbError::Invalid(
                "an object scope needs an object name".into(),
            ));
        }
        let (kind, customer_id, job_id, object_name) = scope.columns();
        let row: StoredScope = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {scopes} ({fk}, scope_type, customer_id, job_id, object_name) \
             VALUES ($1, $2, $3, $4, $5) \
             RETURNING id, scope_type, customer_id, job_id, object_name, resolved_at",
            scopes = t.scopes,
            fk = t.fk,
        )))
        .bind(item_id)
        .bind(kind)
        .bind(customer_id)
        .bind(job_id)
        .bind(object_name)
        .fetch_one(&mut *conn)
        .await?;
        stored.push(row);
    }
    Ok(stored)
}

/// The scopes of item `item_id`, oldest first.
pub(super) async fn of_item(
    ex: impl PgExecutor<'_>,
    t: Tables,
    item_id: i64,
) -> Result<Vec<StoredScope>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, scope_type, customer_id, job_id, object_name, resolved_at FROM {scopes} \
         WHERE {fk} = $1 ORDER BY id",
        scopes = t.scopes,
        fk = t.fk,
    )))
    .bind(item_id)
    .fetch_all(ex)
    .await?)
}

/// Marks scope `scope_id` resolved (kept if already resolved). Returns the item it belongs to.
pub(super) async fn resolve(
    conn: &mut PgConnection,
    t: Tables,
    scope_id: i64,
    now: DateTime<Utc>,
) -> Result<i64, DbError> {
    let item: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "UPDATE {scopes} SET resolved_at = COALESCE(resolved_at, $2) WHERE id = $1 RETURNING {fk}",
        scopes = t.scopes,
        fk = t.fk,
    )))
    .bind(scope_id)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    item.ok_or_else(|| DbError::NotFound(format!("scope {scope_id}")))
}

/// Links item `item_id` to run `run_id`; `false` when the link already existed.
pub(super) async fn link(
    conn: &mut PgConnection,
    t: Tables,
    item_id: i64,
    run_id: i64,
    source: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO {links} ({fk}, job_run_id, link_source) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
        links = t.links,
        fk = t.fk,
    )))
    .bind(item_id)
    .bind(run_id)
    .bind(source)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Links runs `run_ids` to every open item whose scope covers them (propagation, strategy 1).
/// Returns how many links were made.
pub(super) async fn link_open(
    conn: &mut PgConnection,
    t: Tables,
    run_ids: &[i64],
) -> Result<u64, DbError> {
    let done = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO {links} ({fk}, job_run_id, link_source) \
         SELECT DISTINCT c.item_id, c.run_id, 'propagated' FROM ({covering}) c \
         ON CONFLICT DO NOTHING",
        links = t.links,
        fk = t.fk,
        covering = open_items_covering(t, "r.id = ANY($1)"),
    )))
    .bind(run_ids)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// The items to show on run `run_id`: those linked to it, and the open ones whose scope covers
/// it, each once, with `linked` telling which is which. `columns` lists item columns with the
/// alias `i`.
pub(super) fn for_run_sql(t: Tables, columns: &str) -> String {
    format!(
        "WITH hits AS ( \
             SELECT l.{fk} AS item_id, true AS linked FROM {links} l WHERE l.job_run_id = $1 \
             UNION ALL \
             SELECT c.item_id, false FROM ({covering}) c) \
         SELECT {columns}, bool_or(h.linked) AS linked \
         FROM hits h JOIN {item} i ON i.id = h.item_id \
         GROUP BY i.id ORDER BY i.created_at, i.id",
        links = t.links,
        item = t.item,
        fk = t.fk,
        covering = open_items_covering(t, "r.id = $1"),
    )
}

/// Runs linked to item `item_id`, oldest first.
pub(super) async fn linked_runs(
    ex: impl PgExecutor<'_>,
    t: Tables,
    item_id: i64,
) -> Result<Vec<i64>, DbError> {
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT job_run_id FROM {links} WHERE {fk} = $1 ORDER BY job_run_id",
        links = t.links,
        fk = t.fk,
    )))
    .bind(item_id)
    .fetch_all(ex)
    .await?)
}

/// A ticket or remark as the Tickets & Remarks pane lists it: its scopes spelled out with the
/// customer and job names, and how many runs it is linked to.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ListedItem {
    pub id: i64,
    /// The ticket code; `None` for remarks.
    pub code: Option<String>,
    /// The ticket description or the remark body.
    pub text: String,
    pub active_from: chrono::NaiveDate,
    pub autotask_ticket_id: Option<i64>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    /// Tickets only: when the Autotask ticket was found deleted in Autotask.
    pub autotask_deleted_at: Option<DateTime<Utc>>,
    /// One entry per scope: `customer`, `customer › job` or `customer › job › object`, with
    /// `(resolved)` after a scope resolved on its own.
    pub scopes: Vec<String>,
    pub linked_runs: i64,
}

/// Items of `t` for display, open ones first (newest first), resolved ones too when
/// `include_resolved`. `code` and `text` name the item's code and text columns.
pub(super) async fn listed(
    ex: impl PgExecutor<'_>,
    t: Tables,
    code: &str,
    text: &str,
    autotask: &str,
    autotask_deleted: &str,
    include_resolved: bool,
) -> Result<Vec<ListedItem>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT i.id, {code} AS code, {text} AS text, i.active_from, \
                {autotask} AS autotask_ticket_id, i.created_by, i.created_at, i.resolved_at, \
                i.resolved_by, {autotask_deleted} AS autotask_deleted_at, \
                ARRAY(SELECT CASE s.scope_type \
                               WHEN 'customer' THEN sc.name \
                               WHEN 'job' THEN jc.name || ' › ' || j.job_name \
                               ELSE jc.name || ' › ' || j.job_name || ' › ' || s.object_name END \
                             || CASE WHEN s.resolved_at IS NULL THEN '' ELSE ' (resolved)' END \
                      FROM {scopes} s \
                      LEFT JOIN customers sc ON sc.id = s.customer_id \
                      LEFT JOIN jobs j ON j.id = s.job_id \
                      LEFT JOIN customers jc ON jc.id = j.customer_id \
                      WHERE s.{fk} = i.id ORDER BY s.id) AS scopes, \
                (SELECT count(*) FROM {links} l WHERE l.{fk} = i.id) AS linked_runs \
         FROM {item} i WHERE i.resolved_at IS NULL OR $1 \
         ORDER BY i.resolved_at IS NOT NULL, i.created_at DESC, i.id DESC",
        scopes = t.scopes,
        links = t.links,
        item = t.item,
        fk = t.fk,
    )))
    .bind(include_resolved)
    .fetch_all(ex)
    .await?)
}

/// Adds a scope to item `id` and records it; runs created from now on are linked by it.
pub(super) async fn add_audited(
    conn: &mut PgConnection,
    t: Tables,
    id: i64,
    scope: &Scope,
    by: &str,
) -> Result<StoredScope, DbError> {
    let mut tx = conn.begin().await?;
    let stored = insert(&mut tx, t, id, std::slice::from_ref(scope))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| DbError::Invalid("no scope stored".into()))?;
    audit::record(
        &mut *tx,
        by,
        &format!("{}.scope.add", t.noun),
        Some((t.noun, id)),
        json!({ "scope": scope, "scope_id": stored.id }),
    )
    .await?;
    tx.commit().await?;
    Ok(stored)
}

/// Links item `id` to run `run_id` by hand and records it; `false` when it already was.
pub(super) async fn link_audited(
    conn: &mut PgConnection,
    t: Tables,
    id: i64,
    run_id: i64,
    by: &str,
) -> Result<bool, DbError> {
    let mut tx = conn.begin().await?;
    let made = link(&mut tx, t, id, run_id, "manual").await?;
    if made {
        audit::record(
            &mut *tx,
            by,
            &format!("{}.link", t.noun),
            Some((t.noun, id)),
            json!({ "run_id": run_id }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(made)
}

/// Resolves one scope and records it; the item and its other scopes stay open.
pub(super) async fn resolve_audited(
    conn: &mut PgConnection,
    t: Tables,
    scope_id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let mut tx = conn.begin().await?;
    let id = resolve(&mut tx, t, scope_id, now).await?;
    audit::record(
        &mut *tx,
        by,
        &format!("{}.scope.resolve", t.noun),
        Some((t.noun, id)),
        json!({ "scope_id": scope_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

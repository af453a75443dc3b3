//! The Autotask ticket of runs (`job_runs.autotask_ticket_*`) and its internal twin (a `tickets`
//! row whose code is the ticket number): set when a ticket is created or linked, looked up so a
//! job never gets two, and kept in step with Autotask (completed, deleted, renumbered).

use crate::db::scopes::{self, Scope, TICKETS};
use crate::db::tickets::{self, Code, NewTicket, Ticket};
use crate::db::{DbError, audit};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{Connection, PgConnection, PgExecutor};

/// An Autotask ticket as recorded on a run.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RunTicket {
    pub run_id: i64,
    pub autotask_ticket_id: i64,
    pub ticket_number: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub created_by: Option<String>,
}

/// An Autotask ticket the poller has to look at.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Tracked {
    pub autotask_ticket_id: i64,
    pub ticket_number: Option<String>,
}

/// SQL condition: Autotask ticket `r.autotask_ticket_id` is live — neither a run nor its
/// internal ticket marks it deleted in the PSA, and its internal ticket is not resolved (the
/// same rule as propagation). The ticket's own mark is the one that lasts: run columns are
/// overwritten when another ticket goes on the run.
const LIVE: &str = "r.autotask_ticket_id IS NOT NULL AND r.autotask_ticket_deleted_at IS NULL \
     AND NOT EXISTS (SELECT 1 FROM job_runs d WHERE d.autotask_ticket_id = r.autotask_ticket_id \
                     AND d.autotask_ticket_deleted_at IS NOT NULL) \
     AND NOT EXISTS (SELECT 1 FROM tickets t \
                     WHERE (t.autotask_ticket_id = r.autotask_ticket_id \
                            OR t.ticket_code = r.autotask_ticket_number) \
                       AND (t.resolved_at IS NOT NULL OR t.autotask_deleted_at IS NOT NULL))";

/// The job's open Autotask ticket (the newest live one), if any: a new one would be a duplicate.
pub async fn open_ticket_of_job(
    ex: impl PgExecutor<'_>,
    job_id: i64,
) -> Result<Option<RunTicket>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT r.id AS run_id, r.autotask_ticket_id, r.autotask_ticket_number AS ticket_number, \
         r.autotask_ticket_created_at AS created_at, r.autotask_ticket_created_by AS created_by \
         FROM job_runs r WHERE r.job_id = $1 AND {LIVE} \
         ORDER BY r.autotask_ticket_created_at DESC NULLS LAST, r.id DESC LIMIT 1"
    )))
    .bind(job_id)
    .fetch_optional(ex)
    .await?)
}

/// The Autotask ticket recorded on run `run_id`, live or not.
pub async fn of_run(ex: impl PgExecutor<'_>, run_id: i64) -> Result<Option<RunTicket>, DbError> {
    Ok(sqlx::query_as(
        "SELECT id AS run_id, autotask_ticket_id, autotask_ticket_number AS ticket_number, \
         autotask_ticket_created_at AS created_at, autotask_ticket_created_by AS created_by \
         FROM job_runs WHERE id = $1 AND autotask_ticket_id IS NOT NULL",
    )
    .bind(run_id)
    .fetch_optional(ex)
    .await?)
}

/// Every live Autotask ticket on some run or internal ticket, for the poller.
pub async fn to_check(ex: impl PgExecutor<'_>) -> Result<Vec<Tracked>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT ON (autotask_ticket_id) autotask_ticket_id, ticket_number FROM ( \
             SELECT r.autotask_ticket_id, r.autotask_ticket_number AS ticket_number, 1 AS pref \
             FROM job_runs r WHERE {LIVE} \
             UNION ALL \
             SELECT t.autotask_ticket_id, t.ticket_code, 2 FROM tickets t \
             WHERE t.autotask_ticket_id IS NOT NULL AND t.resolved_at IS NULL \
               AND t.autotask_deleted_at IS NULL \
               AND NOT EXISTS (SELECT 1 FROM job_runs d \
                               WHERE d.autotask_ticket_id = t.autotask_ticket_id \
                                 AND d.autotask_ticket_deleted_at IS NOT NULL)) x \
         ORDER BY autotask_ticket_id, pref"
    )))
    .fetch_all(ex)
    .await?)
}

/// What to record when a ticket goes on runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attach<'a> {
    pub job_id: i64,
    pub run_ids: &'a [i64],
    pub autotask_ticket_id: i64,
    pub ticket_number: &'a str,
    /// Text of the internal ticket when one has to be made.
    pub description: &'a str,
    /// When the Autotask ticket was created (or linked) and by whom.
    pub created_at: DateTime<Utc>,
    pub by: &'a str,
    /// `ticket.autotask.create` or `ticket.autotask.link`, for the audit log.
    pub action: &'a str,
}

/// Puts the Autotask ticket on the runs and makes its internal twin cover the job (created with
/// code = ticket number if it does not exist) and link the runs — all in one transaction.
pub async fn attach(conn: &mut PgConnection, a: &Attach<'_>) -> Result<Ticket, DbError> {
    let mut tx = conn.begin().await?;
    sqlx::query(
        "UPDATE job_runs SET autotask_ticket_id = $2, autotask_ticket_number = $3, \
         autotask_ticket_created_at = $4, autotask_ticket_created_by = $5, \
         autotask_ticket_deleted_at = NULL WHERE id = ANY($1) AND job_id = $6",
    )
    .bind(a.run_ids)
    .bind(a.autotask_ticket_id)
    .bind(a.ticket_number)
    .bind(a.created_at)
    .bind(a.by)
    .bind(a.job_id)
    .execute(&mut *tx)
    .await?;
    let ticket = match internal_ticket(&mut *tx, a.autotask_ticket_id, a.ticket_number).await? {
        Some(t) => {
            let covered: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM ticket_scopes WHERE ticket_id = $1 \
                 AND scope_type = 'job' AND job_id = $2 AND resolved_at IS NULL)",
            )
            .bind(t.id)
            .bind(a.job_id)
            .fetch_one(&mut *tx)
            .await?;
            if !covered {
                scopes::insert(&mut tx, TICKETS, t.id, &[Scope::Job { job_id: a.job_id }]).await?;
            }
            t
        }
        None => {
            let new = NewTicket {
                code: Code::External(a.ticket_number.to_string()),
                description: a.description.to_string(),
                autotask_ticket_id: Some(a.autotask_ticket_id),
                scopes: vec![Scope::Job { job_id: a.job_id }],
            };
            tickets::create(&mut tx, &new, a.by, a.created_at).await?
        }
    };
    for run_id in a.run_ids {
        scopes::link(&mut tx, TICKETS, ticket.id, *run_id, "autotask").await?;
    }
    audit::record(
        &mut *tx,
        a.by,
        a.action,
        Some(("ticket", ticket.id)),
        json!({ "autotask_ticket_id": a.autotask_ticket_id, "ticket_number": a.ticket_number,
                "job_id": a.job_id, "run_ids": a.run_ids }),
    )
    .await?;
    tx.commit().await?;
    Ok(ticket)
}

/// The internal twin of an Autotask ticket: same Autotask id, or code equal to its number.
pub async fn internal_ticket(
    ex: impl PgExecutor<'_>,
    autotask_ticket_id: i64,
    ticket_number: &str,
) -> Result<Option<Ticket>, DbError> {
    Ok(sqlx::query_as(
        "SELECT id, ticket_code, description, active_from, autotask_ticket_id, created_by, \
         created_at, resolved_at, resolved_by, autotask_deleted_at FROM tickets \
         WHERE autotask_ticket_id = $1 OR ticket_code = btrim($2) \
         ORDER BY (autotask_ticket_id = $1) DESC NULLS LAST, id LIMIT 1",
    )
    .bind(autotask_ticket_id)
    .bind(ticket_number)
    .fetch_optional(ex)
    .await?)
}

/// The internal twin of an Autotask ticket. A ticket put on runs without its twin (older data)
/// gets one now, from the newest run that carries it; `None` when no run carries it either.
async fn twin(
    tx: &mut PgConnection,
    autotask_ticket_id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Option<Ticket>, DbError> {
    let run: Option<(i64, Option<String>)> = sqlx::query_as(
        "SELECT job_id, autotask_ticket_number FROM job_runs WHERE autotask_ticket_id = $1 \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(autotask_ticket_id)
    .fetch_optional(&mut *tx)
    .await?;
    let number = run.as_ref().and_then(|r| r.1.clone()).unwrap_or_default();
    if let Some(t) = internal_ticket(&mut *tx, autotask_ticket_id, &number).await? {
        return Ok(Some(t));
    }
    match run {
        Some((job_id, Some(number))) if !number.trim().is_empty() => {
            let new = NewTicket {
                code: Code::External(number),
                description: String::new(),
                autotask_ticket_id: Some(autotask_ticket_id),
                scopes: vec![Scope::Job { job_id }],
            };
            Ok(Some(tickets::create(tx, &new, by, now).await?))
        }
        _ => Ok(None),
    }
}

/// The ticket was completed in Autotask (or resolved from here): its internal twin is resolved,
/// so it stops propagating; old runs keep it. Returns the internal ticket id, if there is one.
pub async fn mark_completed(
    conn: &mut PgConnection,
    autotask_ticket_id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, DbError> {
    let mut tx = conn.begin().await?;
    // Made when missing, so that propagation sees the ticket resolved.
    let Some(t) = twin(&mut tx, autotask_ticket_id, by, now).await? else {
        return Ok(None);
    };
    if t.resolved_at.is_none() {
        tickets::resolve(&mut tx, t.id, by, now).await?;
        audit::record(
            &mut *tx,
            by,
            "ticket.autotask.completed",
            Some(("ticket", t.id)),
            json!({ "autotask_ticket_id": autotask_ticket_id }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Some(t.id))
}

/// What recording a deletion changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deleted {
    /// False when everything already said "deleted": nothing written, nothing audited.
    pub changed: bool,
    /// The internal twin, which now carries the state (made when it was missing).
    pub internal_ticket_id: Option<i64>,
}

/// The ticket is gone from Autotask: its internal twin records that (its own state, kept
/// whatever happens to the runs later), every run still carrying it too, and the twin stops
/// covering jobs (it is not "resolved": nobody completed it). Recording it again changes
/// nothing and writes no audit row.
pub async fn mark_deleted(
    conn: &mut PgConnection,
    autotask_ticket_id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Deleted, DbError> {
    let mut tx = conn.begin().await?;
    let runs = sqlx::query(
        "UPDATE job_runs SET autotask_ticket_deleted_at = $2 \
         WHERE autotask_ticket_id = $1 AND autotask_ticket_deleted_at IS NULL",
    )
    .bind(autotask_ticket_id)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // Made when missing, so that the deleted state has a place to live.
    let twin = twin(&mut tx, autotask_ticket_id, by, now)
        .await?
        .map(|t| t.id);
    let mut newly = false;
    if let Some(id) = twin {
        newly = sqlx::query(
            "UPDATE tickets SET autotask_deleted_at = $2, \
             autotask_ticket_id = COALESCE(autotask_ticket_id, $3) \
             WHERE id = $1 AND autotask_deleted_at IS NULL",
        )
        .bind(id)
        .bind(now)
        .bind(autotask_ticket_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        sqlx::query(
            "UPDATE ticket_scopes SET resolved_at = $2 WHERE ticket_id = $1 AND resolved_at IS NULL",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let changed = newly || runs > 0;
    if changed {
        audit::record(
            &mut *tx,
            by,
            "ticket.autotask.deleted",
            twin.map(|id| ("ticket", id)),
            json!({ "autotask_ticket_id": autotask_ticket_id, "runs": runs }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Deleted {
        changed,
        internal_ticket_id: twin,
    })
}

/// Autotask shows another number for the ticket now: runs and the internal ticket follow.
/// Returns true when something changed.
pub async fn sync_number(
    conn: &mut PgConnection,
    autotask_ticket_id: i64,
    number: &str,
    by: &str,
) -> Result<bool, DbError> {
    let number = number.trim();
    if number.is_empty() {
        return Ok(false);
    }
    let mut tx = conn.begin().await?;
    let runs = sqlx::query(
        "UPDATE job_runs SET autotask_ticket_number = $2 \
         WHERE autotask_ticket_id = $1 AND autotask_ticket_number IS DISTINCT FROM $2",
    )
    .bind(autotask_ticket_id)
    .bind(number)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let old: Option<(i64, String)> = sqlx::query_as(
        "UPDATE tickets n SET ticket_code = $2 FROM tickets o \
         WHERE n.id = o.id AND n.autotask_ticket_id = $1 AND n.ticket_code <> $2 \
         RETURNING n.id, o.ticket_code",
    )
    .bind(autotask_ticket_id)
    .bind(number)
    .fetch_optional(&mut *tx)
    .await?;
    if runs == 0 && old.is_none() {
        return Ok(false);
    }
    audit::record(
        &mut *tx,
        by,
        "ticket.autotask.renumbered",
        old.as_ref().map(|(id, _)| ("ticket", *id)),
        json!({ "autotask_ticket_id": autotask_ticket_id, "number": number,
                "old_code": old.map(|(_, c)| c), "runs": runs }),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

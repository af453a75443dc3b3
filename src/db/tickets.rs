//! Internal tickets: a code (`TYYYYMMDD.NNNN`, or the Autotask ticket number), scopes saying which
//! jobs it covers and links saying which runs it is on (DESIGN §5.6). Resolving stops propagation
//! at once; links made before stay as the audit trail.

use super::scopes::{self, Scope, StoredScope, TICKETS};
use super::{DbError, audit, settings};
use crate::domain::ticket_code::{self, TicketCode};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::{Connection, PgConnection, PgExecutor};

/// How often a daily code is recomputed when another session took it first.
const CODE_ATTEMPTS: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Ticket {
    pub id: i64,
    pub ticket_code: String,
    pub description: String,
    pub active_from: NaiveDate,
    pub autotask_ticket_id: Option<i64>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    /// When the poller (or a resolve) found the Autotask ticket gone from Autotask: the ticket
    /// no longer travels to new runs and can only be resolved here.
    pub autotask_deleted_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "i.id, i.ticket_code, i.description, i.active_from, i.autotask_ticket_id, \
                       i.created_by, i.created_at, i.resolved_at, i.resolved_by, \
                       i.autotask_deleted_at";

/// Where a new ticket's code comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// The next free `TYYYYMMDD.NNNN` of the local day.
    Internal,
    /// A code given from outside, e.g. the Autotask ticket number.
    External(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    pub code: Code,
    pub description: String,
    pub autotask_ticket_id: Option<i64>,
    pub scopes: Vec<Scope>,
}

/// A ticket as shown on a run: `linked` when a link puts it there, else it shows because it is
/// open and scoped to the run's job.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RunTicket {
    #[sqlx(flatten)]
    pub ticket: Ticket,
    pub linked: bool,
}

/// Creates a ticket with its scopes. The code's day and `active_from` are the local date of `now`
/// in the configured timezone. Two sessions creating a ticket the same day may compute the same
/// code; the loser recomputes it.
pub async fn create(
    conn: &mut PgConnection,
    new: &NewTicket,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Ticket, DbError> {
    let invalid = |e: ticket_code::TicketCodeError| DbError::Invalid(e.to_string());
    let external = match &new.code {
        Code::Internal => None,
        Code::External(c) => Some(ticket_code::external_code(c).map_err(invalid)?),
    };
    let mut tx = conn.begin().await?;
    let today = now
        .with_timezone(&settings::policy(&mut *tx).await?.timezone)
        .date_naive();
    let mut attempt = 0;
    let ticket = loop {
        attempt += 1;
        let code = match &external {
            Some(c) => c.clone(),
            None => next_code(&mut tx, today).await?,
        };
        // A savepoint, so a lost race leaves the transaction usable for the next attempt.
        let mut sp = tx.begin().await?;
        let inserted: Result<Ticket, DbError> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO tickets AS i (ticket_code, description, active_from, autotask_ticket_id, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
        )))
        .bind(&code)
        .bind(new.description.trim())
        .bind(today)
        .bind(new.autotask_ticket_id)
        .bind(by)
        .bind(now)
        .fetch_one(&mut *sp)
        .await
        .map_err(DbError::from);
        match inserted {
            Ok(t) => {
                sp.commit().await?;
                break t;
            }
            Err(DbError::Duplicate { constraint })
                if external.is_none()
                    && constraint == "tickets_ticket_code_key"
                    && attempt < CODE_ATTEMPTS =>
            {
                sp.rollback().await?;
            }
            Err(e) => return Err(e),
        }
    };
    let stored = scopes::insert(&mut tx, TICKETS, ticket.id, &new.scopes).await?;
    audit::record(
        &mut *tx,
        by,
        "ticket.create",
        Some(("ticket", ticket.id)),
        json!({ "code": ticket.ticket_code, "scopes": new.scopes, "scope_ids":
                stored.iter().map(|s| s.id).collect::<Vec<_>>() }),
    )
    .await?;
    tx.commit().await?;
    Ok(ticket)
}

/// The next internal code of `day`, from the codes stored for that day.
async fn next_code(conn: &mut PgConnection, day: NaiveDate) -> Result<String, DbError> {
    let codes: Vec<String> =
        sqlx::query_scalar("SELECT ticket_code FROM tickets WHERE ticket_code LIKE $1 || '%'")
            .bind(TicketCode::day_prefix(day))
            .fetch_all(&mut *conn)
            .await?;
    TicketCode::next(day, codes.iter().map(String::as_str))
        .map(|c| c.to_string())
        .map_err(|e| DbError::Invalid(e.to_string()))
}

pub async fn get(ex: impl PgExecutor<'_>, id: i64) -> Result<Option<Ticket>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tickets i WHERE i.id = $1"
    )))
    .bind(id)
    .fetch_optional(ex)
    .await?)
}

pub async fn find_by_code(ex: impl PgExecutor<'_>, code: &str) -> Result<Option<Ticket>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tickets i WHERE i.ticket_code = btrim($1)"
    )))
    .bind(code)
    .fetch_optional(ex)
    .await?)
}

/// Unresolved tickets, newest first.
pub async fn list_open(ex: impl PgExecutor<'_>) -> Result<Vec<Ticket>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tickets i WHERE i.resolved_at IS NULL \
         ORDER BY i.created_at DESC, i.id DESC"
    )))
    .fetch_all(ex)
    .await?)
}

/// Tickets for the Tickets & Remarks pane: open ones, and resolved ones too when
/// `include_resolved`, with their scopes by name and their number of linked runs.
pub async fn listed(
    ex: impl PgExecutor<'_>,
    include_resolved: bool,
) -> Result<Vec<scopes::ListedItem>, DbError> {
    scopes::listed(
        ex,
        TICKETS,
        "i.ticket_code",
        "i.description",
        "i.autotask_ticket_id",
        "i.autotask_deleted_at",
        include_resolved,
    )
    .await
}

pub async fn scopes(ex: impl PgExecutor<'_>, ticket_id: i64) -> Result<Vec<StoredScope>, DbError> {
    scopes::of_item(ex, TICKETS, ticket_id).await
}

/// Adds a scope to ticket `ticket_id`; runs created from now on are linked by it.
pub async fn add_scope(
    conn: &mut PgConnection,
    ticket_id: i64,
    scope: &Scope,
    by: &str,
) -> Result<StoredScope, DbError> {
    scopes::add_audited(conn, TICKETS, ticket_id, scope, by).await
}

/// Links ticket `ticket_id` to run `run_id` by hand; `false` when it already was.
pub async fn link_run(
    conn: &mut PgConnection,
    ticket_id: i64,
    run_id: i64,
    by: &str,
) -> Result<bool, DbError> {
    scopes::link_audited(conn, TICKETS, ticket_id, run_id, by).await
}

/// Resolves ticket `ticket_id`: no new run is linked to it from now on, existing links stay.
pub async fn resolve(
    conn: &mut PgConnection,
    ticket_id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Ticket, DbError> {
    let mut tx = conn.begin().await?;
    let ticket: Option<Ticket> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE tickets i SET resolved_at = COALESCE(i.resolved_at, $2), \
         resolved_by = COALESCE(i.resolved_by, $3) WHERE i.id = $1 RETURNING {COLUMNS}"
    )))
    .bind(ticket_id)
    .bind(now)
    .bind(by)
    .fetch_optional(&mut *tx)
    .await?;
    let ticket = ticket.ok_or_else(|| DbError::NotFound(format!("ticket {ticket_id}")))?;
    audit::record(
        &mut *tx,
        by,
        "ticket.resolve",
        Some(("ticket", ticket_id)),
        json!({ "code": ticket.ticket_code }),
    )
    .await?;
    tx.commit().await?;
    Ok(ticket)
}

/// Resolves one scope of a ticket (e.g. one job fixed of a customer-wide problem): that scope stops
/// linking new runs, the ticket and its other scopes stay open.
pub async fn resolve_scope(
    conn: &mut PgConnection,
    scope_id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    scopes::resolve_audited(conn, TICKETS, scope_id, by, now).await
}

/// Tickets to show on run `run_id`: linked ones plus open ones scoped to it, each once. Old runs
/// keep showing the tickets linked to them after those are resolved.
pub async fn for_run(ex: impl PgExecutor<'_>, run_id: i64) -> Result<Vec<RunTicket>, DbError> {
    Ok(
        sqlx::query_as(sqlx::AssertSqlSafe(scopes::for_run_sql(TICKETS, COLUMNS)))
            .bind(run_id)
            .fetch_all(ex)
            .await?,
    )
}

/// Runs ticket `ticket_id` is linked to.
pub async fn linked_runs(ex: impl PgExecutor<'_>, ticket_id: i64) -> Result<Vec<i64>, DbError> {
    scopes::linked_runs(ex, TICKETS, ticket_id).await
}

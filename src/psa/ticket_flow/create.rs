//! Creating the Autotask ticket of a preview, at most once per job.
//!
//! Three guards, in order: a per-job advisory lock (a double submit waits for the first); the
//! database (the job's open ticket); and Autotask itself — every ticket carries a reference line
//! naming the job, so a create whose answer was lost (timeout, crash before storing) is found
//! and adopted instead of repeated.

use super::preview::blocked_reason;
use super::{ExistingTicket, FlowError, TicketPreview};
use crate::db::autotask::defaults;
use crate::db::autotask::mapping;
use crate::db::autotask::run_tickets::{self, Attach};
use crate::db::locks;
use crate::domain::psa_ticket;
use crate::psa::autotask::{AutotaskClient, Filter, NewTicket, Ticket};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use sqlx::PgPool;

/// How far back Autotask is searched for a ticket whose create answer was lost.
const ORPHAN_WINDOW_DAYS: i64 = 7;

/// The ticket on the runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub autotask_ticket_id: i64,
    pub ticket_number: String,
    /// The internal ticket (code = ticket number) scoped to the job.
    pub internal_ticket_id: i64,
    /// True when an earlier attempt had created it in Autotask and it was found, not made.
    pub adopted: bool,
}

/// Creates the ticket of `p` (as the operator edited it) in Autotask and records it: on the
/// preview's runs, as an internal ticket scoped to the job, in the audit log.
pub async fn create(
    pool: &PgPool,
    client: &AutotaskClient,
    p: &TicketPreview,
    operator: &str,
    now: DateTime<Utc>,
) -> Result<Created, FlowError> {
    let lock = locks::acquire_autotask_job(pool, p.job_id).await?;
    let result = create_locked(pool, client, p, operator, now).await;
    if let Err(e) = lock.release().await {
        tracing::warn!(error = %e, "releasing the ticket lock");
    }
    result
}

async fn create_locked(
    pool: &PgPool,
    client: &AutotaskClient,
    p: &TicketPreview,
    operator: &str,
    now: DateTime<Utc>,
) -> Result<Created, FlowError> {
    // The mapping may have changed since the preview was made.
    let m = mapping::get(pool, p.customer_id)
        .await?
        .ok_or_else(|| FlowError::NotFound(format!("customer {}", p.customer_id)))?;
    if let Some(reason) = blocked_reason(&m.customer_name, m.company_id, m.status()) {
        return Err(FlowError::Blocked(reason));
    }
    let company_id = m
        .company_id
        .ok_or_else(|| FlowError::Blocked("no company mapped".into()))?;
    if let Some(t) = run_tickets::open_ticket_of_job(pool, p.job_id).await? {
        return Err(FlowError::AlreadyOpen(ExistingTicket {
            autotask_ticket_id: t.autotask_ticket_id,
            ticket_number: t.ticket_number,
            run_id: t.run_id,
        }));
    }
    let new = new_ticket(p, company_id)?;
    let d = defaults::read(pool).await?;
    if let Some(found) = find_orphan(client, company_id, p.job_id, d.complete_status, now).await? {
        tracing::info!(
            id = found.id,
            job = p.job_id,
            "adopting an Autotask ticket made before"
        );
        return record(pool, p, found, operator, now, true).await;
    }
    let id = match client.create_ticket(&new).await {
        Ok(id) => id,
        Err(e) if e.outcome_unknown() => {
            // It may exist now: look before anyone tries again.
            match find_orphan(client, company_id, p.job_id, d.complete_status, now).await {
                Ok(Some(found)) => return record(pool, p, found, operator, now, true).await,
                _ => return Err(e.into()),
            }
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(id, job = p.job_id, "Autotask ticket created");
    // The create answer holds only the id; the number comes with the ticket.
    let ticket = client.ticket(id).await?.ok_or_else(|| {
        FlowError::NotFound(format!("Autotask ticket {id} right after creating it"))
    })?;
    record(pool, p, ticket, operator, now, false).await
}

/// The ticket to send; the checks Autotask would make, with clearer words.
fn new_ticket(p: &TicketPreview, company_id: i64) -> Result<NewTicket, FlowError> {
    let need = |v: Option<i64>, what: &str| {
        v.ok_or_else(|| FlowError::Incomplete(format!("choose a {what} for the ticket")))
    };
    let title = p.title.trim();
    if title.is_empty() {
        return Err(FlowError::Incomplete("the ticket needs a title".into()));
    }
    Ok(NewTicket {
        company_id,
        title: title.chars().take(psa_ticket::MAX_TITLE).collect(),
        description: psa_ticket::with_reference(&p.description, p.job_id),
        status: need(p.status, "status")?,
        priority: need(p.priority, "priority")?,
        queue_id: need(p.queue_id, "queue")?,
        due: p.due,
        source: p.source,
        issue_type: p.issue_type,
        sub_issue_type: p.issue_type.and(p.sub_issue_type),
    })
}

/// An open ticket of the company, created lately, that carries the job's reference line.
async fn find_orphan(
    client: &AutotaskClient,
    company_id: i64,
    job_id: i64,
    complete_status: i64,
    now: DateTime<Utc>,
) -> Result<Option<Ticket>, FlowError> {
    let since =
        (now - Duration::days(ORPHAN_WINDOW_DAYS)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let candidates: Vec<Ticket> = client
        .query(
            "Tickets",
            &[
                Filter::eq("companyID", company_id),
                Filter::gte("createDate", since),
                Filter::not_eq("status", complete_status),
            ],
            &[
                "id",
                "ticketNumber",
                "title",
                "description",
                "status",
                "createDate",
            ],
        )
        .await?;
    Ok(candidates
        .into_iter()
        .filter(|t| {
            t.description
                .as_deref()
                .is_some_and(|d| psa_ticket::has_reference(d, job_id))
        })
        .max_by_key(|t| t.id))
}

async fn record(
    pool: &PgPool,
    p: &TicketPreview,
    ticket: Ticket,
    operator: &str,
    now: DateTime<Utc>,
    adopted: bool,
) -> Result<Created, FlowError> {
    let number = ticket
        .ticket_number
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("AT{}", ticket.id));
    let mut runs = p.linked_runs.clone();
    if !runs.contains(&p.run_id) {
        runs.push(p.run_id);
    }
    let mut conn = pool.acquire().await?;
    let internal = run_tickets::attach(
        &mut conn,
        &Attach {
            job_id: p.job_id,
            run_ids: &runs,
            autotask_ticket_id: ticket.id,
            ticket_number: &number,
            description: &p.title,
            created_at: now,
            by: operator,
            action: if adopted {
                "ticket.autotask.adopt"
            } else {
                "ticket.autotask.create"
            },
        },
    )
    .await?;
    Ok(Created {
        autotask_ticket_id: ticket.id,
        ticket_number: number,
        internal_ticket_id: internal.id,
        adopted,
    })
}

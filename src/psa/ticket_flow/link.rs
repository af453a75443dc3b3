//! Putting a ticket that already exists in Autotask on runs, instead of making another.

use super::FlowError;
use crate::db::autotask::run_tickets::{self, Attach};
use crate::db::autotask::{defaults, mapping, run_context};
use crate::psa::autotask::AutotaskClient;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Which ticket: by id, or by the number operators see (`T20250303.0001`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketRef {
    Id(i64),
    Number(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linked {
    pub autotask_ticket_id: i64,
    pub ticket_number: String,
    pub internal_ticket_id: i64,
}

/// Links the Autotask ticket to `run_ids` (runs of one job; the first names the job). The
/// ticket must exist, be open, and belong to the customer's company when one is mapped.
pub async fn link_existing(
    pool: &PgPool,
    client: &AutotaskClient,
    run_ids: &[i64],
    ticket: &TicketRef,
    operator: &str,
    now: DateTime<Utc>,
) -> Result<Linked, FlowError> {
    let first = *run_ids
        .first()
        .ok_or_else(|| FlowError::Incomplete("no run to link the ticket to".into()))?;
    let run = run_context::get(pool, first)
        .await?
        .ok_or_else(|| FlowError::NotFound(format!("run {first}")))?;
    let found = match ticket {
        TicketRef::Id(id) => client.ticket(*id).await?,
        TicketRef::Number(n) => client.ticket_by_number(n).await?,
    };
    let t = found.ok_or_else(|| {
        FlowError::NotFound(match ticket {
            TicketRef::Id(id) => format!("Autotask ticket {id}"),
            TicketRef::Number(n) => format!("Autotask ticket {n}"),
        })
    })?;
    let d = defaults::read(pool).await?;
    if t.status == Some(d.complete_status) {
        return Err(FlowError::Blocked(format!(
            "Autotask ticket {} is complete; create a new one instead",
            t.ticket_number.as_deref().unwrap_or("?")
        )));
    }
    let m = mapping::get(pool, run.customer_id).await?;
    if let (Some(company), Some(of_ticket)) = (m.and_then(|m| m.company_id), t.company_id)
        && company != of_ticket
    {
        return Err(FlowError::Blocked(format!(
            "Autotask ticket {} belongs to another company than customer {}",
            t.ticket_number.as_deref().unwrap_or("?"),
            run.customer_name
        )));
    }
    let number = t
        .ticket_number
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("AT{}", t.id));
    let description = t.title.clone().unwrap_or_default();
    let mut conn = pool.acquire().await?;
    let internal = run_tickets::attach(
        &mut conn,
        &Attach {
            job_id: run.job_id,
            run_ids,
            autotask_ticket_id: t.id,
            ticket_number: &number,
            description: &description,
            created_at: now,
            by: operator,
            action: "ticket.autotask.link",
        },
    )
    .await?;
    Ok(Linked {
        autotask_ticket_id: t.id,
        ticket_number: number,
        internal_ticket_id: internal.id,
    })
}

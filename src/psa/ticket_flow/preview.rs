//! The preview of a ticket from a run: everything [`super::create`] would send, editable by the
//! operator, or the reason it cannot be sent.

use super::FlowError;
use crate::db::autotask::mapping::{self, MappingStatus};
use crate::db::autotask::picklists::{self, TICKET};
use crate::db::autotask::{defaults, run_context, run_tickets};
use crate::db::{run_objects, settings};
use crate::domain::psa_ticket::{self, ObjectFact, RunFacts};
use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

/// The job's open Autotask ticket, offered for linking instead of a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingTicket {
    pub autotask_ticket_id: i64,
    pub ticket_number: Option<String>,
    /// The run it was recorded on.
    pub run_id: i64,
}

/// Picklist labels of the chosen values, from the cache (absent when not cached).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Labels {
    pub queue: Option<String>,
    pub priority: Option<String>,
    pub status: Option<String>,
    pub source: Option<String>,
    pub issue_type: Option<String>,
    pub sub_issue_type: Option<String>,
}

/// A ticket about to be created. Title, description and the picklist values may be edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketPreview {
    pub run_id: i64,
    pub job_id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub job_name: String,
    pub company_id: Option<i64>,
    pub company_name: Option<String>,
    pub mapping_status: MappingStatus,
    /// Why the ticket cannot be created (mapping missing or invalid); `None` when it can.
    pub blocked: Option<String>,
    /// Things the operator should know but that do not block (a renamed company). A ticket
    /// without a queue is said by whoever shows the preview: the queue may be chosen there.
    pub warnings: Vec<String>,
    pub title: String,
    pub description: String,
    pub queue_id: Option<i64>,
    pub priority: Option<i64>,
    pub status: Option<i64>,
    pub source: Option<i64>,
    pub issue_type: Option<i64>,
    pub sub_issue_type: Option<i64>,
    pub due: DateTime<Utc>,
    pub labels: Labels,
    /// Runs the ticket goes on: this one and the job's other unreviewed runs without a ticket.
    pub linked_runs: Vec<i64>,
    /// When set, the job has an open ticket: offer [`super::link_existing`] instead.
    pub existing_open_ticket: Option<ExistingTicket>,
}

/// Builds the preview of a ticket for run `run_id` at `now`.
pub async fn preview(
    pool: &PgPool,
    run_id: i64,
    now: DateTime<Utc>,
) -> Result<TicketPreview, FlowError> {
    let run = run_context::get(pool, run_id)
        .await?
        .ok_or_else(|| FlowError::NotFound(format!("run {run_id}")))?;
    let policy = settings::policy(pool).await?;
    let d = defaults::read(pool).await?;
    let facts = run_facts(pool, &run, policy.timezone).await?;
    let mapping = mapping::get(pool, run.customer_id).await?;
    let (company_id, company_name, status) = match &mapping {
        Some(m) => (m.company_id, m.company_name.clone(), m.status()),
        None => (None, None, MappingStatus::Missing),
    };
    let blocked = blocked_reason(&run.customer_name, company_id, status);
    let mut warnings = Vec::new();
    if status == MappingStatus::Renamed {
        warnings.push(format!(
            "The company was renamed in Autotask; it is now {}.",
            company_name.as_deref().unwrap_or("(unknown)")
        ));
    }
    let existing = run_tickets::open_ticket_of_job(pool, run.job_id)
        .await?
        .map(|t| ExistingTicket {
            autotask_ticket_id: t.autotask_ticket_id,
            ticket_number: t.ticket_number,
            run_id: t.run_id,
        });
    let mut linked_runs = run_context::runs_without_ticket(pool, run.job_id).await?;
    if !linked_runs.contains(&run_id) {
        linked_runs.insert(0, run_id);
    }
    // The description covers every run the ticket goes on, oldest first.
    let mut covered = Vec::with_capacity(linked_runs.len());
    for id in &linked_runs {
        if *id == run_id {
            covered.push(facts.clone());
        } else if let Some(other) = run_context::get(pool, *id).await? {
            covered.push(run_facts(pool, &other, policy.timezone).await?);
        }
    }
    covered.sort_by_key(|f| f.run_at);
    let label = |field: &'static str, v: Option<i64>| async move {
        match v {
            Some(v) => picklists::label(pool, TICKET, field, v).await,
            None => Ok(None),
        }
    };
    let labels = Labels {
        queue: label("queueID", d.queue_id).await?,
        priority: label("priority", d.priority).await?,
        status: label("status", d.status).await?,
        source: label("source", d.source).await?,
        issue_type: label("issueType", d.issue_type).await?,
        sub_issue_type: label("subIssueType", d.sub_issue_type).await?,
    };
    Ok(TicketPreview {
        run_id,
        job_id: run.job_id,
        customer_id: run.customer_id,
        customer_name: run.customer_name,
        job_name: run.job_name,
        company_id,
        company_name,
        mapping_status: status,
        blocked,
        warnings,
        title: psa_ticket::title(&facts),
        description: psa_ticket::description_for_runs(&facts, &covered),
        queue_id: d.queue_id,
        priority: d.priority,
        status: d.status,
        source: d.source,
        issue_type: d.issue_type,
        sub_issue_type: d.sub_issue_type,
        due: now + Duration::days(i64::from(d.due_days)),
        labels,
        linked_runs,
        existing_open_ticket: existing,
    })
}

/// What the ticket text is made of for one run: the run, its job and customer, its objects.
async fn run_facts(
    pool: &PgPool,
    run: &run_context::RunContext,
    timezone: chrono_tz::Tz,
) -> Result<RunFacts, FlowError> {
    let objects = run_objects::for_run(pool, run.run_id).await?;
    Ok(RunFacts {
        customer: run.customer_name.clone(),
        job_name: run.job_name.clone(),
        backup_software: run.backup_software.clone(),
        backup_type: run.backup_type.clone(),
        run_at: run.run_at,
        status: run.effective_status.clone(),
        remark: run.remark.clone(),
        message: run.message.clone(),
        objects: objects
            .into_iter()
            .map(|o| ObjectFact {
                name: o.name,
                status: o.status,
                message: o.message,
                override_applied: o.override_applied,
            })
            .collect(),
        timezone,
    })
}

/// Why a ticket for this customer cannot be made, in words the operator can act on.
pub(super) fn blocked_reason(
    customer: &str,
    company_id: Option<i64>,
    status: MappingStatus,
) -> Option<String> {
    match (company_id, status) {
        (None, _) | (_, MappingStatus::Missing) => Some(format!(
            "Customer {customer} is not mapped to an Autotask company; map it in Customers (5)."
        )),
        (Some(id), MappingStatus::Invalid) => Some(format!(
            "The Autotask company {id} of customer {customer} no longer exists or is inactive; \
             fix the mapping in Customers (5)."
        )),
        _ => None,
    }
}

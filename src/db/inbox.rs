//! Inbox operations: approving a waiting mail's job for a customer.

use super::jobs::{self, JobIdentity};
use super::{DbError, audit, customers, mail, runs};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// The customer a job is approved for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerChoice {
    Existing(i64),
    /// Created unless a customer of that name (any letter case) exists, which is used instead.
    New(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approved {
    pub customer_id: i64,
    pub job_id: i64,
    /// Runs created: the approved mail and every other waiting mail of the same job.
    pub runs_created: usize,
}

/// The job identity of a stored, parsed mail.
pub fn identity_of(m: &mail::Mail) -> Option<JobIdentity> {
    Some(JobIdentity::new(
        &m.from_address,
        m.backup_software.as_deref()?,
        m.backup_type.as_deref()?,
        m.job_name.as_deref()?,
    ))
}

/// Approves the job of waiting mail `mail_id` for a customer: creates the job (or reuses the
/// one with that identity) and a run for every waiting mail of that identity. Run it in a
/// transaction so that it happens completely or not at all.
pub async fn approve(
    conn: &mut PgConnection,
    mail_id: i64,
    choice: &CustomerChoice,
    operator: &str,
    now: DateTime<Utc>,
) -> Result<Approved, DbError> {
    let m = mail::get(&mut *conn, mail_id)
        .await?
        .ok_or_else(|| DbError::NotFound(format!("mail {mail_id}")))?;
    if m.deleted_at.is_some() || m.job_id.is_some() {
        return Err(DbError::Task(format!(
            "mail {mail_id} is not waiting in the Inbox"
        )));
    }
    let identity = identity_of(&m).ok_or_else(|| {
        DbError::Task(format!(
            "mail {mail_id} was not recognised by any parser; re-parse it or delete it"
        ))
    })?;
    let customer = match choice {
        CustomerChoice::Existing(id) => customers::get(&mut *conn, *id)
            .await?
            .ok_or_else(|| DbError::NotFound(format!("customer {id}")))?,
        CustomerChoice::New(name) => match customers::find_by_name(&mut *conn, name).await? {
            Some(c) => c,
            None => {
                let c = customers::create(&mut *conn, name).await?;
                audit::record(
                    &mut *conn,
                    operator,
                    "customer.created",
                    Some(("customer", c.id)),
                    serde_json::json!({ "name": c.name }),
                )
                .await?;
                c
            }
        },
    };
    let job = match jobs::find_by_identity(&mut *conn, &identity).await? {
        Some(j) => j,
        None => jobs::create(&mut *conn, customer.id, &identity, m.informational, now).await?,
    };
    let mut runs_created = 0;
    for waiting in mail::waiting_with_identity(&mut *conn, &identity).await? {
        if runs::create_from_mail(&mut *conn, job.id, waiting, now)
            .await?
            .is_some()
        {
            runs_created += 1;
        }
    }
    audit::record(
        &mut *conn,
        operator,
        "job.approved",
        Some(("job", job.id)),
        serde_json::json!({
            "customer": customer.name,
            "mail_id": mail_id,
            "runs_created": runs_created,
        }),
    )
    .await?;
    Ok(Approved {
        customer_id: customer.id,
        job_id: job.id,
        runs_created,
    })
}

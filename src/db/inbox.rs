//! Inbox operations: approving the jobs of waiting mail for a customer, one or many at once, and
//! suggesting that customer.

use super::jobs::{self, JobIdentity};
use super::{DbError, audit, customers, mail, runs};
use crate::domain::customer_suggestion::{self, Candidate, Suggestion};
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
        return Err(DbError::Rejected(format!(
            "mail {mail_id} is not waiting in the Inbox"
        )));
    }
    let identity = identity_of(&m).ok_or_else(|| {
        DbError::Rejected(format!(
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
    if m.job_deleted {
        return Err(DbError::Rejected(format!(
            "the job of mail {mail_id} is deleted: restore it (Jobs, deleted view) to take its mail"
        )));
    }
    let job = match jobs::find_by_identity(&mut *conn, &identity).await? {
        Some(j) => j,
        None => jobs::create(&mut *conn, customer.id, &identity, m.informational, now).await?,
    };
    let waiting: Vec<(i64, i64)> = mail::waiting_with_identity(&mut *conn, &identity)
        .await?
        .into_iter()
        .map(|mail_id| (job.id, mail_id))
        .collect();
    let runs_created = runs::create_from_mails(&mut *conn, &waiting, now)
        .await?
        .len();
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

/// The customer to pre-select when approving waiting mails `mail_ids`: see
/// [`customer_suggestion::suggest`]. Only customers that are not deleted count.
pub async fn suggest_customer(
    conn: &mut PgConnection,
    mail_ids: &[i64],
) -> Result<Option<Suggestion>, DbError> {
    let senders: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT from_address, from_name FROM mail_messages WHERE id = ANY($1)")
            .bind(mail_ids)
            .fetch_all(&mut *conn)
            .await?;
    let mut domains: Vec<String> = senders
        .iter()
        .filter_map(|(a, _)| customer_suggestion::domain_of(a))
        .collect();
    domains.sort();
    domains.dedup();
    let mut names: Vec<String> = senders
        .iter()
        .filter_map(|(_, n)| n.as_ref().map(|n| n.trim().to_string()))
        .filter(|n| !n.is_empty())
        .collect();
    names.sort();
    names.dedup();
    let by_domain = candidates(
        conn,
        "SELECT c.id, c.name, count(*) FROM jobs j JOIN customers c ON c.id = j.customer_id \
         WHERE j.deleted_at IS NULL AND c.deleted_at IS NULL \
           AND split_part(j.from_address, '@', 2) = ANY($1) \
         GROUP BY c.id, c.name ORDER BY c.id",
        &domains,
    )
    .await?;
    let by_name = candidates(
        conn,
        "SELECT c.id, c.name, count(DISTINCT j.id) FROM mail_messages m \
         JOIN jobs j ON j.id = m.job_id JOIN customers c ON c.id = j.customer_id \
         WHERE j.deleted_at IS NULL AND c.deleted_at IS NULL AND m.from_name = ANY($1) \
         GROUP BY c.id, c.name ORDER BY c.id",
        &names,
    )
    .await?;
    Ok(customer_suggestion::suggest(
        &domains, &by_domain, &names, &by_name,
    ))
}

async fn candidates(
    conn: &mut PgConnection,
    sql: &'static str,
    keys: &[String],
) -> Result<Vec<Candidate>, DbError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, String, i64)> =
        sqlx::query_as(sql).bind(keys).fetch_all(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(|(customer_id, customer_name, jobs)| Candidate {
            customer_id,
            customer_name,
            jobs,
        })
        .collect())
}

/// What approving several waiting mails at once did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkApproved {
    /// Jobs created or reused, one per identity.
    pub jobs: usize,
    pub runs_created: usize,
    /// Mails that were no longer waiting (approved with an earlier one of the same job, or by
    /// someone else meanwhile).
    pub skipped: usize,
}

/// Approves the jobs of waiting mails `mail_ids` for one customer in one transaction: every
/// mail's job is created (or reused) and every waiting mail of those jobs becomes a run. A
/// mail already approved along with an earlier one of the same job is skipped; any other error
/// approves nothing.
pub async fn approve_many(
    conn: &mut PgConnection,
    mail_ids: &[i64],
    choice: &CustomerChoice,
    operator: &str,
    now: DateTime<Utc>,
) -> Result<BulkApproved, DbError> {
    use sqlx::Connection;
    let mut tx = conn.begin().await?;
    let mut done = BulkApproved::default();
    let mut choice = choice.clone();
    for id in mail_ids {
        let still_waiting: Option<bool> = sqlx::query_scalar(
            "SELECT job_id IS NULL AND deleted_at IS NULL FROM mail_messages WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if still_waiting != Some(true) {
            done.skipped += 1;
            continue;
        }
        let a = approve(&mut tx, *id, &choice, operator, now).await?;
        // A new customer is created once; the other mails go to it.
        choice = CustomerChoice::Existing(a.customer_id);
        done.jobs += 1;
        done.runs_created += a.runs_created;
    }
    tx.commit().await?;
    Ok(done)
}

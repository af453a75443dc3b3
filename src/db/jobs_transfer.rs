//! Jobs export and import: the job list as a portable document (see
//! [`crate::domain::jobs_document`]), to move an install or to onboard a known job list at once.

use super::jobs::JobIdentity;
use super::{DbError, audit, customers, mail, runs};
use crate::domain::jobs_document::JobEntry;
use crate::domain::schedule::{PinnedSchedule, Schedule};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::types::Json;
use sqlx::{Connection, PgConnection, PgExecutor};

#[derive(sqlx::FromRow)]
struct ExportRow {
    customer: String,
    from_address: String,
    backup_software: String,
    backup_type: String,
    job_name: String,
    archived: bool,
    pinned_schedule: Option<Json<Schedule>>,
    grace_minutes: Option<i32>,
    autotask_company_id: Option<i64>,
}

/// Every job that is not deleted, archived ones included, of customers that are not deleted, by
/// customer and job name.
pub async fn export(ex: impl PgExecutor<'_>) -> Result<Vec<JobEntry>, DbError> {
    let rows: Vec<ExportRow> = sqlx::query_as(
        "SELECT c.name AS customer, j.from_address, j.backup_software, j.backup_type, \
         j.job_name, j.archived_at IS NOT NULL AS archived, j.pinned_schedule, j.grace_minutes, \
         c.autotask_company_id \
         FROM jobs j JOIN customers c ON c.id = j.customer_id \
         WHERE j.deleted_at IS NULL AND c.deleted_at IS NULL \
         ORDER BY lower(c.name), lower(j.job_name), j.id",
    )
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| JobEntry {
            customer: r.customer,
            sender: r.from_address,
            software: r.backup_software,
            backup_type: r.backup_type,
            job_name: r.job_name,
            archived: r.archived,
            pinned_schedule: r.pinned_schedule.map(|s| PinnedSchedule {
                schedule: s.0,
                grace_minutes: r.grace_minutes.and_then(|m| u32::try_from(m).ok()),
            }),
            autotask_company_id: r.autotask_company_id,
        })
        .collect())
}

/// What importing one row did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowOutcome {
    /// A new job; `customer_created` when its customer was new too.
    Created {
        job_id: i64,
        customer_created: bool,
        runs_created: usize,
    },
    /// The job existed. Its waiting mail, if any, was approved; `note` says what in the row was
    /// not applied (another customer, another Autotask company).
    Existing {
        job_id: i64,
        runs_created: usize,
        note: Option<String>,
    },
}

/// Imports one row in its own transaction: finds or creates the customer (by name, any letter
/// case; a new customer gets the row's Autotask company id, to be checked in Customers), finds
/// or creates the job (archived and pinned schedule as the row says), and approves every waiting
/// mail of the job's identity, which become runs. With `dry_run` everything is rolled back and
/// the outcome says what would have happened. An error changes nothing.
pub async fn import_row(
    conn: &mut PgConnection,
    entry: &JobEntry,
    by: &str,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<RowOutcome, DbError> {
    let mut tx = conn.begin().await?;
    let outcome = import_in(&mut tx, entry, by, now).await?;
    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(outcome)
}

async fn import_in(
    conn: &mut PgConnection,
    e: &JobEntry,
    by: &str,
    now: DateTime<Utc>,
) -> Result<RowOutcome, DbError> {
    let identity = JobIdentity::new(&e.sender, &e.software, &e.backup_type, &e.job_name);
    let (customer, customer_created) =
        match customers::find_by_name(&mut *conn, &e.customer).await? {
            Some(c) => (c, false),
            None => {
                let c = customers::create(&mut *conn, &e.customer).await?;
                if let Some(company) = e.autotask_company_id {
                    sqlx::query("UPDATE customers SET autotask_company_id = $2 WHERE id = $1")
                        .bind(c.id)
                        .bind(company)
                        .execute(&mut *conn)
                        .await?;
                }
                audit::record(
                    &mut *conn,
                    by,
                    "customer.create",
                    Some(("customer", c.id)),
                    json!({ "name": c.name, "from": "jobs import" }),
                )
                .await?;
                (c, true)
            }
        };
    let existing = super::jobs::find_by_identity(&mut *conn, &identity).await?;
    let waiting = mail::waiting_with_identity(&mut *conn, &identity).await?;
    let (job_id, created, mut note) = match existing {
        Some(job) => {
            let note = (job.customer_id != customer.id)
                .then(|| "the job belongs to another customer; it was not moved".to_string());
            (job.id, false, note)
        }
        None => {
            let informational: bool = sqlx::query_scalar(
                "SELECT COALESCE(bool_or(informational), false) FROM mail_messages \
                 WHERE id = ANY($1)",
            )
            .bind(&waiting)
            .fetch_one(&mut *conn)
            .await?;
            let job =
                super::jobs::create(&mut *conn, customer.id, &identity, informational, now).await?;
            sqlx::query(
                "UPDATE jobs SET archived_at = $2, pinned_schedule = $3, grace_minutes = $4 \
                 WHERE id = $1",
            )
            .bind(job.id)
            .bind(e.archived.then_some(now))
            .bind(e.pinned_schedule.as_ref().map(|p| Json(&p.schedule)))
            .bind(
                e.pinned_schedule
                    .as_ref()
                    .and_then(|p| p.grace_minutes)
                    .and_then(|m| i32::try_from(m).ok()),
            )
            .execute(&mut *conn)
            .await?;
            (job.id, true, None)
        }
    };
    if !customer_created
        && let Some(company) = e.autotask_company_id
        && customer.autotask_company_id != Some(company)
    {
        note = Some(match note {
            Some(n) => format!("{n}; the customer's Autotask company was kept"),
            None => "the customer's Autotask company was kept".into(),
        });
    }
    let pairs: Vec<(i64, i64)> = waiting
        .into_iter()
        .map(|mail_id| (job_id, mail_id))
        .collect();
    let runs_created = runs::create_from_mails(&mut *conn, &pairs, now)
        .await?
        .len();
    audit::record(
        &mut *conn,
        by,
        if created {
            "job.imported"
        } else {
            "job.import_existing"
        },
        Some(("job", job_id)),
        json!({ "customer": customer.name, "runs_created": runs_created }),
    )
    .await?;
    Ok(if created {
        RowOutcome::Created {
            job_id,
            customer_created,
            runs_created,
        }
    } else {
        RowOutcome::Existing {
            job_id,
            runs_created,
            note,
        }
    })
}

/// One row of an import and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowReport {
    /// 1-based position in the document.
    pub row: usize,
    /// "customer / sender / software / type / job", or what could be read of it.
    pub label: String,
    /// The outcome, or why the row is invalid (it changed nothing).
    pub result: Result<RowOutcome, String>,
}

impl std::fmt::Display for RowReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}: ", self.row)?;
        match &self.result {
            Ok(RowOutcome::Created {
                customer_created,
                runs_created,
                ..
            }) => {
                write!(f, "created   {}", self.label)?;
                if *customer_created {
                    write!(f, " (new customer)")?;
                }
                write!(f, "; {runs_created} waiting mails approved")
            }
            Ok(RowOutcome::Existing {
                runs_created, note, ..
            }) => {
                write!(
                    f,
                    "existing  {}; {runs_created} waiting mails approved",
                    self.label
                )?;
                match note {
                    Some(n) => write!(f, "; {n}"),
                    None => Ok(()),
                }
            }
            Err(why) if self.label.is_empty() => write!(f, "invalid   {why}"),
            Err(why) => write!(f, "invalid   {}: {why}", self.label),
        }
    }
}

/// Counts of an import: created, existing, invalid.
pub fn counts(reports: &[RowReport]) -> (usize, usize, usize) {
    reports
        .iter()
        .fold((0, 0, 0), |(c, e, i), r| match r.result {
            Ok(RowOutcome::Created { .. }) => (c + 1, e, i),
            Ok(RowOutcome::Existing { .. }) => (c, e + 1, i),
            Err(_) => (c, e, i + 1),
        })
}

/// Imports the rows of a read document one by one (see [`import_row`]); an invalid row, or one
/// the database refuses, is reported and changes nothing, and the other rows still count.
pub async fn import_rows(
    conn: &mut PgConnection,
    rows: Vec<Result<JobEntry, String>>,
    by: &str,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Vec<RowReport> {
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.into_iter().enumerate() {
        let report = match row {
            Ok(entry) => RowReport {
                row: i + 1,
                label: format!(
                    "{} / {} / {} / {} / {}",
                    entry.customer, entry.sender, entry.software, entry.backup_type, entry.job_name
                ),
                result: import_row(conn, &entry, by, now, dry_run)
                    .await
                    .map_err(|e| e.to_string()),
            },
            Err(why) => RowReport {
                row: i + 1,
                label: String::new(),
                result: Err(why),
            },
        };
        out.push(report);
    }
    out
}

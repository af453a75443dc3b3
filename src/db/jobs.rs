//! Jobs: one backup job of one customer, identified by sender, software, type and job name.

use super::DbError;
use crate::domain::listing_order;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// What makes two mails belong to one job.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JobIdentity {
    pub from_address: String,
    pub backup_software: String,
    pub backup_type: String,
    pub job_name: String,
}

impl JobIdentity {
    /// Normalises the sender address (lower case, trimmed); the rest is kept as parsed.
    pub fn new(from: &str, software: &str, backup_type: &str, job_name: &str) -> Self {
        JobIdentity {
            from_address: from.trim().to_lowercase(),
            backup_software: software.to_string(),
            backup_type: backup_type.to_string(),
            job_name: job_name.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub customer_id: i64,
    pub from_address: String,
    pub backup_software: String,
    pub backup_type: String,
    pub job_name: String,
    pub informational: bool,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, customer_id, from_address, backup_software, backup_type, job_name, \
                       informational, archived_at, created_at";

/// Creates a job; an existing identity is a [`DbError::Duplicate`].
pub async fn create(
    ex: impl PgExecutor<'_>,
    customer_id: i64,
    identity: &JobIdentity,
    informational: bool,
    created_at: DateTime<Utc>,
) -> Result<Job, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO jobs (customer_id, from_address, backup_software, backup_type, job_name, \
         informational, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    )))
    .bind(customer_id)
    .bind(&identity.from_address)
    .bind(&identity.backup_software)
    .bind(&identity.backup_type)
    .bind(&identity.job_name)
    .bind(informational)
    .bind(created_at)
    .fetch_one(ex)
    .await?)
}

pub async fn get(ex: impl PgExecutor<'_>, id: i64) -> Result<Option<Job>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM jobs WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(ex)
    .await?)
}

/// The job with this identity, archived or not.
pub async fn find_by_identity(
    ex: impl PgExecutor<'_>,
    identity: &JobIdentity,
) -> Result<Option<Job>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM jobs WHERE from_address = $1 AND backup_software = $2 \
         AND backup_type = $3 AND job_name = $4"
    )))
    .bind(&identity.from_address)
    .bind(&identity.backup_software)
    .bind(&identity.backup_type)
    .bind(&identity.job_name)
    .fetch_optional(ex)
    .await?)
}

/// The approved job that new mail of this identity becomes a run of: not archived, not
/// deleted, and its customer not deleted.
pub async fn find_active_by_identity(
    ex: impl PgExecutor<'_>,
    identity: &JobIdentity,
) -> Result<Option<Job>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM jobs j JOIN customers c ON c.id = j.customer_id \
         WHERE j.from_address = $1 AND j.backup_software = $2 AND j.backup_type = $3 \
         AND j.job_name = $4 AND j.archived_at IS NULL AND j.deleted_at IS NULL \
         AND c.deleted_at IS NULL",
        COLUMNS
            .split(", ")
            .map(|c| format!("j.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
    .bind(&identity.from_address)
    .bind(&identity.backup_software)
    .bind(&identity.backup_type)
    .bind(&identity.job_name)
    .fetch_optional(ex)
    .await?)
}

/// The active jobs (not archived or deleted, of a customer not deleted) of many identities at
/// once, by identity; identities without one are left out.
pub async fn find_active_by_identities(
    ex: impl PgExecutor<'_>,
    identities: &[JobIdentity],
) -> Result<std::collections::HashMap<JobIdentity, i64>, DbError> {
    if identities.is_empty() {
        return Ok(Default::default());
    }
    let column = |f: fn(&JobIdentity) -> &str| -> Vec<&str> { identities.iter().map(f).collect() };
    let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
        "SELECT DISTINCT j.from_address, j.backup_software, j.backup_type, j.job_name, j.id \
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(f, s, t, n) \
         JOIN jobs j ON j.from_address = u.f AND j.backup_software = u.s \
                    AND j.backup_type = u.t AND j.job_name = u.n \
         JOIN customers c ON c.id = j.customer_id \
         WHERE j.archived_at IS NULL AND j.deleted_at IS NULL AND c.deleted_at IS NULL",
    )
    .bind(column(|i| &i.from_address))
    .bind(column(|i| &i.backup_software))
    .bind(column(|i| &i.backup_type))
    .bind(column(|i| &i.job_name))
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(from_address, backup_software, backup_type, job_name, id)| {
                let identity = JobIdentity {
                    from_address,
                    backup_software,
                    backup_type,
                    job_name,
                };
                (identity, id)
            },
        )
        .collect())
}

/// A job as overview screens list it: with its customer and schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct JobOverview {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub backup_software: String,
    pub backup_type: String,
    pub job_name: String,
    pub informational: bool,
    pub created_at: DateTime<Utc>,
    pub schedule: super::schedules::JobSchedule,
}

#[derive(sqlx::FromRow)]
struct OverviewRow {
    id: i64,
    customer_id: i64,
    customer_name: String,
    backup_software: String,
    backup_type: String,
    job_name: String,
    informational: bool,
    created_at: DateTime<Utc>,
    learned_schedule: Option<sqlx::types::Json<crate::domain::schedule::Schedule>>,
    schedule_learned_at: Option<DateTime<Utc>>,
    pinned_schedule: Option<sqlx::types::Json<crate::domain::schedule::Schedule>>,
    grace_minutes: Option<i32>,
}

/// Jobs that are not archived or deleted, of customers that are not deleted, by customer and
/// job name.
pub async fn overview(ex: impl PgExecutor<'_>) -> Result<Vec<JobOverview>, DbError> {
    let rows: Vec<OverviewRow> = sqlx::query_as(
        "SELECT j.id, j.customer_id, c.name AS customer_name, j.backup_software, j.backup_type, \
         j.job_name, j.informational, j.created_at, j.learned_schedule, j.schedule_learned_at, \
         j.pinned_schedule, j.grace_minutes \
         FROM jobs j JOIN customers c ON c.id = j.customer_id \
         WHERE j.archived_at IS NULL AND j.deleted_at IS NULL AND c.deleted_at IS NULL",
    )
    .fetch_all(ex)
    .await?;
    let mut jobs: Vec<JobOverview> = rows.into_iter().map(JobOverview::from).collect();
    listing_order::sort(&mut jobs, |_| (), |j| (&j.customer_name, &j.job_name, j.id));
    Ok(jobs)
}

/// A job as the Jobs pane lists it: the overview, whether it is archived, and its last run.
#[derive(Debug, Clone, PartialEq)]
pub struct JobListRow {
    pub job: JobOverview,
    pub archived_at: Option<DateTime<Utc>>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub last_status: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ListRow {
    #[sqlx(flatten)]
    overview: OverviewRow,
    archived_at: Option<DateTime<Utc>>,
    last_run_at: Option<DateTime<Utc>>,
    last_status: Option<String>,
}

impl From<OverviewRow> for JobOverview {
    fn from(r: OverviewRow) -> JobOverview {
        JobOverview {
            id: r.id,
            customer_id: r.customer_id,
            customer_name: r.customer_name,
            backup_software: r.backup_software,
            backup_type: r.backup_type,
            job_name: r.job_name,
            informational: r.informational,
            created_at: r.created_at,
            schedule: super::schedules::JobSchedule {
                job_id: r.id,
                learned: r.learned_schedule.map(|j| j.0),
                learned_at: r.schedule_learned_at,
                pinned: r
                    .pinned_schedule
                    .map(|j| crate::domain::schedule::PinnedSchedule {
                        schedule: j.0,
                        grace_minutes: r.grace_minutes.and_then(|m| u32::try_from(m).ok()),
                    }),
            },
        }
    }
}

/// Every approved job that is not deleted, archived ones included, of customers that are not
/// deleted, with its newest run: by customer and job name.
pub async fn list_with_archived(ex: impl PgExecutor<'_>) -> Result<Vec<JobListRow>, DbError> {
    // The newest run of most jobs is among the last few days' runs, read in one pass of the
    // run_at index; only jobs without a recent run are looked up one by one. The window only
    // decides how the newest run is found, never which it is: 10,000 single lookups took 42 ms
    // of server time at a million runs, this takes 18–30 ms.
    let rows: Vec<ListRow> = sqlx::query_as(
        "WITH recent AS (SELECT DISTINCT ON (job_id) job_id, run_at, effective_status \
             FROM job_runs WHERE run_at >= now() - interval '3 days' \
             ORDER BY job_id, run_at DESC, id DESC) \
         SELECT j.id, j.customer_id, c.name AS customer_name, j.backup_software, j.backup_type, \
         j.job_name, j.informational, j.created_at, j.learned_schedule, j.schedule_learned_at, \
         j.pinned_schedule, j.grace_minutes, j.archived_at, \
         COALESCE(recent.run_at, older.run_at) AS last_run_at, \
         COALESCE(recent.effective_status, older.effective_status) AS last_status \
         FROM jobs j JOIN customers c ON c.id = j.customer_id \
         LEFT JOIN recent ON recent.job_id = j.id \
         LEFT JOIN LATERAL (SELECT r.run_at, r.effective_status FROM job_runs r \
             WHERE recent.job_id IS NULL AND r.job_id = j.id \
             ORDER BY r.run_at DESC, r.id DESC LIMIT 1) older ON true \
         WHERE j.deleted_at IS NULL AND c.deleted_at IS NULL",
    )
    .fetch_all(ex)
    .await?;
    let mut rows: Vec<JobListRow> = rows
        .into_iter()
        .map(|r| JobListRow {
            job: r.overview.into(),
            archived_at: r.archived_at,
            last_run_at: r.last_run_at,
            last_status: r.last_status,
        })
        .collect();
    listing_order::sort(
        &mut rows,
        |_| (),
        |r| (&r.job.customer_name, &r.job.job_name, r.job.id),
    );
    Ok(rows)
}

/// Archives (`archived = true`) or unarchives job `job_id`, audit-logged in the same
/// transaction. Archived jobs get no Missed runs.
/// Returns false when the job already was in that state.
pub async fn set_archived(
    conn: &mut sqlx::PgConnection,
    job_id: i64,
    archived: bool,
    by: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    use sqlx::Connection;
    let mut tx = conn.begin().await?;
    let exists: Option<Option<DateTime<Utc>>> = sqlx::query_scalar(
        "SELECT archived_at FROM jobs WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
    )
    .bind(job_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(current) = exists else {
        return Err(DbError::NotFound(format!("job {job_id}")));
    };
    if current.is_some() == archived {
        return Ok(false);
    }
    sqlx::query("UPDATE jobs SET archived_at = $2 WHERE id = $1")
        .bind(job_id)
        .bind(archived.then_some(now))
        .execute(&mut *tx)
        .await?;
    super::audit::record(
        &mut *tx,
        by,
        if archived {
            "job.archive"
        } else {
            "job.unarchive"
        },
        Some(("job", job_id)),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

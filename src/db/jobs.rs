//! Jobs: one backup job of one customer, identified by sender, software, type and job name.

use super::DbError;
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

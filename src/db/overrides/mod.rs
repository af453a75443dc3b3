//! Override rules as stored, and their effect on runs: evaluated when a run is created, and
//! re-evaluated for every unreviewed run a rule could touch when the rule changes. Reviewed runs
//! are never changed: what an operator signed off stays as it was.

mod evaluate;

pub use evaluate::{apply_to_run, apply_to_runs, draft_from_run, reevaluate};

use super::{DbError, audit};
use crate::domain::overrides::{MatchMode, OverrideDraft, OverrideLevel, OverrideRule};
use crate::domain::status::Status;
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{Connection, PgConnection, PgExecutor};

/// A stored rule with its bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub rule: OverrideRule,
    pub comment: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    level: String,
    backup_software: Option<String>,
    backup_type: Option<String>,
    job_id: Option<i64>,
    object_name: Option<String>,
    match_status: Option<String>,
    match_text: Option<String>,
    match_mode: String,
    treat_as_success: bool,
    valid_from: Option<DateTime<Utc>>,
    valid_until: Option<DateTime<Utc>>,
    comment: Option<String>,
    active: bool,
    created_by: String,
    created_at: DateTime<Utc>,
    updated_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, level, backup_software, backup_type, job_id, object_name, match_status, \
                       match_text, match_mode, treat_as_success, valid_from, valid_until, comment, \
                       active, created_by, created_at, updated_at";

impl Row {
    fn into_override(self) -> Result<Override, DbError> {
        let bad = |what: &str| DbError::Invalid(format!("override {}: {what}", self.id));
        let level = match (self.level.as_str(), self.job_id, &self.object_name) {
            ("global", _, _) => OverrideLevel::Global {
                software: self
                    .backup_software
                    .clone()
                    .ok_or_else(|| bad("no software"))?,
                backup_type: self
                    .backup_type
                    .clone()
                    .ok_or_else(|| bad("no backup type"))?,
            },
            ("job", Some(job_id), _) => OverrideLevel::Job { job_id },
            ("object", Some(job_id), Some(name)) => OverrideLevel::Object {
                job_id,
                object_name: name.clone(),
            },
            _ => return Err(bad("bad level")),
        };
        let match_status = match self.match_status.as_deref() {
            None => None,
            Some(s) => Some(Status::from_db(s).ok_or_else(|| bad("unsupported status"))?),
        };
        let match_mode = MatchMode::from_db(&self.match_mode).ok_or_else(|| bad("bad mode"))?;
        Ok(Override {
            rule: OverrideRule {
                id: self.id,
                level,
                match_status,
                match_text: self.match_text.unwrap_or_default(),
                match_mode,
                valid_from: self.valid_from,
                valid_until: self.valid_until,
                treat_as_success: self.treat_as_success,
                active: self.active,
            },
            comment: self.comment,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Refuses drafts the schema would refuse, with a sentence an operator understands.
fn check(draft: &OverrideDraft) -> Result<(), DbError> {
    let blank = |s: &str| s.trim().is_empty();
    match &draft.level {
        OverrideLevel::Global { software, .. } if blank(software) => {
            return Err(DbError::Invalid(
                "a global override needs a backup software".into(),
            ));
        }
        OverrideLevel::Object { object_name, .. } if blank(object_name) => {
            return Err(DbError::Invalid(
                "an object override needs an object name".into(),
            ));
        }
        _ => {}
    }
    if let (Some(from), Some(until)) = (draft.valid_from, draft.valid_until)
        && until <= from
    {
        return Err(DbError::Invalid(
            "an override must end after it starts".into(),
        ));
    }
    Ok(())
}

/// The level columns (software, type, job, object) of a level.
fn level_columns(level: &OverrideLevel) -> (Option<&str>, Option<&str>, Option<i64>, Option<&str>) {
    match level {
        OverrideLevel::Global {
            software,
            backup_type,
        } => (Some(software.trim()), Some(backup_type.trim()), None, None),
        OverrideLevel::Job { job_id } => (None, None, Some(*job_id), None),
        OverrideLevel::Object {
            job_id,
            object_name,
        } => (None, None, Some(*job_id), Some(object_name.trim())),
    }
}

pub async fn get(ex: impl PgExecutor<'_>, id: i64) -> Result<Option<Override>, DbError> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM overrides WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(ex)
    .await?;
    row.map(Row::into_override).transpose()
}

/// Rules, object rules first, then job and global rules, oldest first within a level.
pub async fn list(
    ex: impl PgExecutor<'_>,
    include_inactive: bool,
) -> Result<Vec<Override>, DbError> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM overrides WHERE active OR $1 \
         ORDER BY CASE level WHEN 'object' THEN 0 WHEN 'job' THEN 1 ELSE 2 END, created_at, id"
    )))
    .bind(include_inactive)
    .fetch_all(ex)
    .await?;
    rows.into_iter().map(Row::into_override).collect()
}

/// A rule as the Overrides pane lists it: with the customer and job names of job and object rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedOverride {
    pub over: Override,
    pub customer_name: Option<String>,
    pub job_name: Option<String>,
}

/// [`list`] with the customer and job names of job and object rules.
pub async fn listed(
    conn: &mut PgConnection,
    include_inactive: bool,
) -> Result<Vec<ListedOverride>, DbError> {
    let rules = list(&mut *conn, include_inactive).await?;
    let job_ids: Vec<i64> = rules
        .iter()
        .filter_map(|o| match &o.rule.level {
            OverrideLevel::Job { job_id } | OverrideLevel::Object { job_id, .. } => Some(*job_id),
            OverrideLevel::Global { .. } => None,
        })
        .collect();
    let names: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT j.id, c.name, j.job_name FROM jobs j JOIN customers c ON c.id = j.customer_id \
         WHERE j.id = ANY($1)",
    )
    .bind(&job_ids)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rules
        .into_iter()
        .map(|over| {
            let job = match &over.rule.level {
                OverrideLevel::Job { job_id } | OverrideLevel::Object { job_id, .. } => {
                    names.iter().find(|n| n.0 == *job_id)
                }
                OverrideLevel::Global { .. } => None,
            };
            ListedOverride {
                customer_name: job.map(|n| n.1.clone()),
                job_name: job.map(|n| n.2.clone()),
                over,
            }
        })
        .collect())
}

/// Creates a rule, re-evaluates the unreviewed runs it could touch and writes the audit entry,
/// all in one transaction.
pub async fn create(
    conn: &mut PgConnection,
    draft: &OverrideDraft,
    comment: Option<&str>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Override, DbError> {
    check(draft)?;
    let (software, backup_type, job_id, object_name) = level_columns(&draft.level);
    let mut tx = conn.begin().await?;
    let row: Row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO overrides (level, backup_software, backup_type, job_id, object_name, \
         match_status, match_text, match_mode, treat_as_success, valid_from, valid_until, comment, \
         created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING {COLUMNS}"
    )))
    .bind(draft.level.as_str())
    .bind(software)
    .bind(backup_type)
    .bind(job_id)
    .bind(object_name)
    .bind(draft.match_status.map(Status::as_str))
    .bind(draft.match_text.trim())
    .bind(draft.match_mode.as_str())
    .bind(draft.treat_as_success)
    .bind(draft.valid_from)
    .bind(draft.valid_until)
    .bind(comment)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let created = row.into_override()?;
    let changed = reevaluate(&mut tx, None, Some(&created.rule)).await?;
    audit::record(
        &mut *tx,
        by,
        "override.create",
        Some(("override", created.rule.id)),
        json!({ "rule": created.rule, "comment": comment, "runs_changed": changed }),
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

/// Replaces the content of rule `id` (its level included) and re-evaluates the unreviewed runs
/// the old or the new rule could touch, in one transaction.
pub async fn edit(
    conn: &mut PgConnection,
    id: i64,
    draft: &OverrideDraft,
    comment: Option<&str>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Override, DbError> {
    check(draft)?;
    let (software, backup_type, job_id, object_name) = level_columns(&draft.level);
    let mut tx = conn.begin().await?;
    let before = lock(&mut tx, id).await?;
    let row: Row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE overrides SET level = $2, backup_software = $3, backup_type = $4, job_id = $5, \
         object_name = $6, match_status = $7, match_text = $8, match_mode = $9, \
         treat_as_success = $10, valid_from = $11, valid_until = $12, comment = $13, \
         updated_at = $14 WHERE id = $1 RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(draft.level.as_str())
    .bind(software)
    .bind(backup_type)
    .bind(job_id)
    .bind(object_name)
    .bind(draft.match_status.map(Status::as_str))
    .bind(draft.match_text.trim())
    .bind(draft.match_mode.as_str())
    .bind(draft.treat_as_success)
    .bind(draft.valid_from)
    .bind(draft.valid_until)
    .bind(comment)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let after = row.into_override()?;
    let changed = reevaluate(&mut tx, Some(&before.rule), Some(&after.rule)).await?;
    audit::record(
        &mut *tx,
        by,
        "override.edit",
        Some(("override", id)),
        json!({ "before": before.rule, "after": after.rule, "runs_changed": changed }),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Switches rule `id` off; the runs it covered are re-evaluated without it. Rules are kept, not
/// deleted, so the audit trail can still name them.
pub async fn deactivate(
    conn: &mut PgConnection,
    id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Override, DbError> {
    Ok(deactivate_counted(conn, id, by, now).await?.0)
}

/// [`deactivate`], also saying how many unreviewed runs changed their effective status.
pub async fn deactivate_counted(
    conn: &mut PgConnection,
    id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(Override, u64), DbError> {
    let mut tx = conn.begin().await?;
    let before = lock(&mut tx, id).await?;
    let row: Row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE overrides SET active = false, updated_at = $2 WHERE id = $1 RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let after = row.into_override()?;
    let changed = reevaluate(&mut tx, Some(&before.rule), Some(&after.rule)).await?;
    audit::record(
        &mut *tx,
        by,
        "override.deactivate",
        Some(("override", id)),
        json!({ "rule": after.rule, "runs_changed": changed }),
    )
    .await?;
    tx.commit().await?;
    Ok((after, changed))
}

/// Reads rule `id` and keeps others from changing it until the transaction ends.
async fn lock(conn: &mut PgConnection, id: i64) -> Result<Override, DbError> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM overrides WHERE id = $1 FOR UPDATE"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.ok_or_else(|| DbError::NotFound(format!("override {id}")))?
        .into_override()
}

//! Override rules as stored, and their effect on runs: evaluated when a run is created, and
//! re-evaluated for every unreviewed run a rule could touch when the rule changes. Reviewed runs
//! are never changed: what an operator signed off stays as it was.

use super::{DbError, audit};
use crate::domain::overrides::{
    self as rules, JobKey, MatchMode, ObjectFacts, OverrideDraft, OverrideLevel, OverrideRule,
    RunFacts,
};
use crate::domain::status::Status;
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{Connection, PgConnection, PgExecutor};
use std::collections::HashMap;

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
    Ok(after)
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

/// Evaluates the rules for a run just created (with its objects) and stores the effective status
/// and the override flags of the run and its objects. Missed runs are left as they are: rules are
/// about what a report said, and a Missed run has no report.
///
/// Validity windows are compared with the run time, not with `now`, so a late report is judged by
/// the rules that held when it ran.
pub async fn apply_to_run(
    conn: &mut PgConnection,
    run_id: i64,
    _now: DateTime<Utc>,
) -> Result<(), DbError> {
    evaluate_runs(conn, &[run_id]).await?;
    Ok(())
}

/// Re-evaluates every unreviewed run that the rule before a change (`None` for a new rule) or after
/// it (`None` for a deleted rule) could touch, in one transaction. Returns how many runs changed.
pub async fn reevaluate(
    conn: &mut PgConnection,
    before: Option<&OverrideRule>,
    after: Option<&OverrideRule>,
) -> Result<u64, DbError> {
    let mut tx = conn.begin().await?;
    let mut ids: Vec<i64> = Vec::new();
    for rule in [before, after].into_iter().flatten() {
        ids.extend(touchable_runs(&mut tx, rule).await?);
    }
    ids.sort_unstable();
    ids.dedup();
    let mut changed = 0;
    // Chunks bound the size of one statement when a global rule touches many runs.
    for chunk in ids.chunks(1000) {
        changed += evaluate_runs(&mut tx, chunk).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// Unreviewed real runs whose job the rule's level covers and whose time lies in its window: the
/// database form of [`OverrideRule::could_touch`].
async fn touchable_runs(conn: &mut PgConnection, rule: &OverrideRule) -> Result<Vec<i64>, DbError> {
    let (software, backup_type, job_id, _) = level_columns(&rule.level);
    Ok(sqlx::query_scalar(
        "SELECT r.id FROM job_runs r JOIN jobs j ON j.id = r.job_id \
         WHERE r.reviewed_at IS NULL AND NOT r.missed \
           AND CASE WHEN $1::bigint IS NOT NULL THEN r.job_id = $1 \
                    ELSE lower(btrim(j.backup_software)) = lower($2) \
                         AND lower(btrim(j.backup_type)) = lower($3) END \
           AND ($4::timestamptz IS NULL OR r.run_at >= $4) \
           AND ($5::timestamptz IS NULL OR r.run_at < $5)",
    )
    .bind(job_id)
    .bind(software)
    .bind(backup_type)
    .bind(rule.valid_from)
    .bind(rule.valid_until)
    .fetch_all(&mut *conn)
    .await?)
}

/// The rules that can apply to runs of a job: its object and job rules and the global rules of
/// its software and type. Rules matching "Missed" are left out: Missed runs are not evaluated.
async fn candidate_rules(
    conn: &mut PgConnection,
    job: &JobKey<'_>,
) -> Result<Vec<OverrideRule>, DbError> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM overrides \
         WHERE active AND match_status IS DISTINCT FROM 'Missed' \
           AND ((level IN ('job', 'object') AND job_id = $1) \
                OR (level = 'global' AND lower(btrim(backup_software)) = lower(btrim($2)) \
                    AND lower(btrim(backup_type)) = lower(btrim($3))))"
    )))
    .bind(job.job_id)
    .bind(job.software)
    .bind(job.backup_type)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| r.into_override().map(|o| o.rule))
        .collect()
}

#[derive(sqlx::FromRow)]
struct RunRow {
    id: i64,
    job_id: i64,
    backup_software: String,
    backup_type: String,
    run_at: DateTime<Utc>,
    parsed_status: String,
    message: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ObjectRow {
    id: i64,
    run_id: i64,
    name: String,
    status: String,
    message: Option<String>,
}

impl RunRow {
    fn job(&self) -> JobKey<'_> {
        JobKey {
            job_id: self.job_id,
            software: &self.backup_software,
            backup_type: &self.backup_type,
        }
    }

    /// The facts evaluation needs; `None` for a status the rules do not speak about.
    fn facts<'a>(&'a self, objects: &'a [ObjectRow]) -> Option<RunFacts<'a>> {
        Some(RunFacts {
            job: self.job(),
            run_time: self.run_at,
            status: Status::from_db(&self.parsed_status)?,
            message: self.message.as_deref(),
            objects: objects
                .iter()
                .map(|o| {
                    Some(ObjectFacts {
                        name: &o.name,
                        status: Status::from_db(&o.status)?,
                        message: o.message.as_deref(),
                    })
                })
                .collect::<Option<Vec<_>>>()?,
        })
    }
}

/// Loads unreviewed real runs among `ids` with their objects, in id order, objects grouped per run.
async fn load_runs(
    conn: &mut PgConnection,
    ids: &[i64],
) -> Result<Vec<(RunRow, Vec<ObjectRow>)>, DbError> {
    let runs: Vec<RunRow> = sqlx::query_as(
        "SELECT r.id, r.job_id, j.backup_software, j.backup_type, r.run_at, r.parsed_status, \
         r.message FROM job_runs r JOIN jobs j ON j.id = r.job_id \
         WHERE r.id = ANY($1) AND r.reviewed_at IS NULL AND NOT r.missed ORDER BY r.id",
    )
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    let objects: Vec<ObjectRow> = sqlx::query_as(
        "SELECT id, run_id, name, status, message FROM run_objects \
         WHERE run_id = ANY($1) ORDER BY run_id, position",
    )
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_run: HashMap<i64, Vec<ObjectRow>> = HashMap::new();
    for o in objects {
        by_run.entry(o.run_id).or_default().push(o);
    }
    Ok(runs
        .into_iter()
        .map(|r| {
            let objs = by_run.remove(&r.id).unwrap_or_default();
            (r, objs)
        })
        .collect())
}

/// Evaluates the unreviewed real runs among `ids` and stores the outcome. Returns how many runs
/// got a different effective status or flag.
async fn evaluate_runs(conn: &mut PgConnection, ids: &[i64]) -> Result<u64, DbError> {
    let runs = load_runs(conn, ids).await?;
    let mut rules_by_job: HashMap<i64, Vec<OverrideRule>> = HashMap::new();
    let (mut run_ids, mut effective, mut flags) = (Vec::new(), Vec::new(), Vec::new());
    let (mut object_ids, mut object_flags) = (Vec::new(), Vec::new());
    for (run, objects) in &runs {
        if let std::collections::hash_map::Entry::Vacant(slot) = rules_by_job.entry(run.job_id) {
            slot.insert(candidate_rules(conn, &run.job()).await?);
        }
        let Some(facts) = run.facts(objects) else {
            continue;
        };
        let job_rules = rules_by_job.get(&run.job_id).map_or(&[][..], Vec::as_slice);
        let outcome = rules::evaluate(&facts, job_rules);
        run_ids.push(run.id);
        effective.push(outcome.effective.as_str());
        flags.push(outcome.overridden);
        object_ids.extend(objects.iter().map(|o| o.id));
        object_flags.extend(outcome.objects);
    }
    let changed = sqlx::query(
        "UPDATE job_runs r SET effective_status = u.effective, override_applied = u.flag \
         FROM unnest($1::bigint[], $2::text[], $3::bool[]) AS u(id, effective, flag) \
         WHERE r.id = u.id AND r.reviewed_at IS NULL \
           AND (r.effective_status, r.override_applied) IS DISTINCT FROM (u.effective, u.flag)",
    )
    .bind(&run_ids)
    .bind(&effective)
    .bind(&flags)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query(
        "UPDATE run_objects o SET override_applied = u.flag \
         FROM unnest($1::bigint[], $2::bool[]) AS u(id, flag) \
         WHERE o.id = u.id AND o.override_applied IS DISTINCT FROM u.flag",
    )
    .bind(&object_ids)
    .bind(&object_flags)
    .execute(&mut *conn)
    .await?;
    Ok(changed)
}

/// The "treat as success" quick path: a rule pre-filled from run `run_id` for the operator to check
/// before [`create`]. A Missed run has no report to take a rule from.
pub async fn draft_from_run(
    conn: &mut PgConnection,
    run_id: i64,
) -> Result<OverrideDraft, DbError> {
    let run: Option<RunRow> = sqlx::query_as(
        "SELECT r.id, r.job_id, j.backup_software, j.backup_type, r.run_at, r.parsed_status, \
         r.message FROM job_runs r JOIN jobs j ON j.id = r.job_id WHERE r.id = $1",
    )
    .bind(run_id)
    .fetch_optional(&mut *conn)
    .await?;
    let run = run.ok_or_else(|| DbError::NotFound(format!("run {run_id}")))?;
    let objects: Vec<ObjectRow> = sqlx::query_as(
        "SELECT id, run_id, name, status, message FROM run_objects \
         WHERE run_id = $1 ORDER BY position",
    )
    .bind(run_id)
    .fetch_all(&mut *conn)
    .await?;
    let facts = run.facts(&objects).ok_or_else(|| {
        DbError::Invalid("a Missed run has no report to build an override from".into())
    })?;
    Ok(rules::draft_from_run(&facts))
}

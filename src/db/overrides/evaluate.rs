//! Evaluation of stored rules on stored runs: at run creation, after a rule change (unreviewed
//! runs only), and the quick-path draft from a run.

use super::{COLUMNS, Row, level_columns};
use crate::db::DbError;
use crate::domain::overrides::{
    self as rules, JobKey, ObjectFacts, OverrideDraft, OverrideRule, RunFacts,
};
use crate::domain::status::Status;
use chrono::{DateTime, Utc};
use sqlx::{Connection, PgConnection};
use std::collections::HashMap;

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
    apply_to_runs(conn, &[run_id], _now).await
}

/// [`apply_to_run`] for many new runs at once (an import batch, an approval).
pub async fn apply_to_runs(
    conn: &mut PgConnection,
    run_ids: &[i64],
    _now: DateTime<Utc>,
) -> Result<(), DbError> {
    // Chunks bound the size of one statement.
    for chunk in run_ids.chunks(1000) {
        evaluate_runs(conn, chunk).await?;
    }
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

/// The rules that can apply to runs of each job: its object and job rules and the global rules
/// of its software and type, for all jobs in two queries. Rules matching "Missed" are left out:
/// Missed runs are not evaluated.
async fn candidate_rules(
    conn: &mut PgConnection,
    jobs: &[JobKey<'_>],
) -> Result<HashMap<i64, Vec<OverrideRule>>, DbError> {
    let ids: Vec<i64> = jobs.iter().map(|j| j.job_id).collect();
    let software: Vec<&str> = jobs.iter().map(|j| j.software).collect();
    let types: Vec<&str> = jobs.iter().map(|j| j.backup_type).collect();
    let pairs: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT u.job_id, o.id FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(job_id, sw, bt) \
         JOIN overrides o ON o.active AND o.match_status IS DISTINCT FROM 'Missed' \
           AND ((o.level IN ('job', 'object') AND o.job_id = u.job_id) \
                OR (o.level = 'global' AND lower(btrim(o.backup_software)) = lower(btrim(u.sw)) \
                    AND lower(btrim(o.backup_type)) = lower(btrim(u.bt)))) \
         ORDER BY u.job_id, o.id",
    )
    .bind(&ids)
    .bind(&software)
    .bind(&types)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_job: HashMap<i64, Vec<OverrideRule>> = HashMap::new();
    if pairs.is_empty() {
        return Ok(by_job);
    }
    let mut rule_ids: Vec<i64> = pairs.iter().map(|&(_, rule)| rule).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM overrides WHERE id = ANY($1)"
    )))
    .bind(&rule_ids)
    .fetch_all(&mut *conn)
    .await?;
    let mut rules: HashMap<i64, OverrideRule> = HashMap::with_capacity(rows.len());
    for row in rows {
        let rule = row.into_override()?.rule;
        rules.insert(rule.id, rule);
    }
    for (job_id, rule_id) in pairs {
        if let Some(rule) = rules.get(&rule_id) {
            by_job.entry(job_id).or_default().push(rule.clone());
        }
    }
    Ok(by_job)
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
    let mut jobs: Vec<JobKey<'_>> = runs.iter().map(|(run, _)| run.job()).collect();
    jobs.sort_unstable_by_key(|j| j.job_id);
    jobs.dedup_by_key(|j| j.job_id);
    let rules_by_job = candidate_rules(conn, &jobs).await?;
    let (mut run_ids, mut effective, mut flags) = (Vec::new(), Vec::new(), Vec::new());
    let (mut object_ids, mut object_flags) = (Vec::new(), Vec::new());
    for (run, objects) in &runs {
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
/// before [`super::create`]. A Missed run has no report to take a rule from.
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

//! Job schedules as stored: the schedule learned from a job's real runs (and when), and the one an
//! operator pinned, with its grace.

use super::{DbError, audit};
use crate::domain::schedule::{self, EffectiveSchedule, PinnedSchedule, Schedule};
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde_json::json;
use sqlx::types::Json;
use sqlx::{Connection, PgConnection, PgExecutor};
use std::collections::HashMap;

/// Runs older than this cannot change what is learned: the learning windows end at the last run
/// within 180 days and reach at most 180 days further back.
const LEARN_LOOKBACK: TimeDelta = TimeDelta::days(400);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSchedule {
    pub job_id: i64,
    pub learned: Option<Schedule>,
    pub learned_at: Option<DateTime<Utc>>,
    pub pinned: Option<PinnedSchedule>,
}

impl JobSchedule {
    /// The schedule missed-run detection uses: pinned beats learned.
    pub fn effective(&self, default_grace: TimeDelta) -> Option<EffectiveSchedule> {
        schedule::effective_schedule(self.pinned.as_ref(), self.learned.as_ref(), default_grace)
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    learned_schedule: Option<Json<Schedule>>,
    schedule_learned_at: Option<DateTime<Utc>>,
    pinned_schedule: Option<Json<Schedule>>,
    grace_minutes: Option<i32>,
}

impl From<Row> for JobSchedule {
    fn from(r: Row) -> JobSchedule {
        JobSchedule {
            job_id: r.id,
            learned: r.learned_schedule.map(|j| j.0),
            learned_at: r.schedule_learned_at,
            pinned: r.pinned_schedule.map(|j| PinnedSchedule {
                schedule: j.0,
                grace_minutes: r.grace_minutes.and_then(|m| u32::try_from(m).ok()),
            }),
        }
    }
}

pub async fn get(ex: impl PgExecutor<'_>, job_id: i64) -> Result<JobSchedule, DbError> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, learned_schedule, schedule_learned_at, pinned_schedule, grace_minutes \
         FROM jobs WHERE id = $1",
    )
    .bind(job_id)
    .fetch_optional(ex)
    .await?;
    row.map(JobSchedule::from)
        .ok_or_else(|| DbError::NotFound(format!("job {job_id}")))
}

/// Learns the schedule of job `job_id` from its real runs (Missed runs, runs dated after `now` and
/// informational jobs never count) at `now` in `tz`, and stores it with the time it was learned. `None` (stored as
/// well) when there is not enough evidence.
pub async fn learn(
    conn: &mut PgConnection,
    job_id: i64,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<Option<Schedule>, DbError> {
    let job: Option<(DateTime<Utc>, bool)> =
        sqlx::query_as("SELECT created_at, informational FROM jobs WHERE id = $1")
            .bind(job_id)
            .fetch_optional(&mut *conn)
            .await?;
    let (created, informational) = job.ok_or_else(|| DbError::NotFound(format!("job {job_id}")))?;
    let learned = if informational {
        None
    } else {
        let runs: Vec<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT run_at FROM job_runs WHERE job_id = $1 AND NOT missed AND run_at >= $2 \
             AND run_at <= $3",
        )
        .bind(job_id)
        .bind(now - LEARN_LOOKBACK)
        .bind(now)
        .fetch_all(&mut *conn)
        .await?;
        let today = now.with_timezone(&tz).date_naive();
        schedule::learn_schedule(&runs, created, tz, today)
    };
    sqlx::query("UPDATE jobs SET learned_schedule = $2, schedule_learned_at = $3 WHERE id = $1")
        .bind(job_id)
        .bind(learned.as_ref().map(Json))
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(learned)
}

/// [`learn`] for many jobs that are not informational, `(job_id, created_at)`: their runs are
/// read a thousand jobs at a time and every schedule of a chunk is stored in one statement, so
/// the first pass of a day at ten thousand jobs is a few queries, not one per job.
pub async fn learn_many(
    conn: &mut PgConnection,
    jobs: &[(i64, DateTime<Utc>)],
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<HashMap<i64, Option<Schedule>>, DbError> {
    let today = now.with_timezone(&tz).date_naive();
    let mut learned = HashMap::with_capacity(jobs.len());
    for chunk in jobs.chunks(1000) {
        let ids: Vec<i64> = chunk.iter().map(|&(id, _)| id).collect();
        // One row per job with its run times as an array: a tenth of the rows to decode.
        let runs: HashMap<i64, Vec<DateTime<Utc>>> = sqlx::query_as(
            "SELECT job_id, array_agg(run_at ORDER BY run_at) FROM job_runs \
             WHERE job_id = ANY($1) AND NOT missed AND run_at >= $2 AND run_at <= $3 \
             GROUP BY job_id",
        )
        .bind(&ids)
        .bind(now - LEARN_LOOKBACK)
        .bind(now)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
        let schedules = learn_on_every_core(chunk, &runs, tz, today);
        let mut stored: Vec<Option<String>> = Vec::with_capacity(chunk.len());
        for (&(id, _), schedule) in chunk.iter().zip(schedules) {
            stored.push(match &schedule {
                Some(s) => {
                    Some(serde_json::to_string(s).map_err(|e| DbError::Invalid(e.to_string()))?)
                }
                None => None,
            });
            learned.insert(id, schedule);
        }
        sqlx::query(
            "UPDATE jobs j SET learned_schedule = u.s::jsonb, schedule_learned_at = $3 \
             FROM unnest($1::bigint[], $2::text[]) AS u(id, s) WHERE j.id = u.id",
        )
        .bind(&ids)
        .bind(&stored)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(learned)
}

/// [`schedule::learn_schedule`] for each of `jobs` (pure work), split over the cores, in order.
fn learn_on_every_core(
    jobs: &[(i64, DateTime<Utc>)],
    runs: &HashMap<i64, Vec<DateTime<Utc>>>,
    tz: Tz,
    today: chrono::NaiveDate,
) -> Vec<Option<Schedule>> {
    let learn = |part: &[(i64, DateTime<Utc>)]| -> Vec<Option<Schedule>> {
        part.iter()
            .map(|(id, created)| {
                let found = runs.get(id).map_or(&[][..], Vec::as_slice);
                schedule::learn_schedule(found, *created, tz, today)
            })
            .collect()
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 || jobs.len() < 64 {
        return learn(jobs);
    }
    let size = jobs.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let parts: Vec<_> = jobs
            .chunks(size)
            .map(|part| scope.spawn(move || learn(part)))
            .collect();
        parts
            .into_iter()
            // A panic in the learner would have panicked on this thread too: pass it on.
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Pins a schedule on job `job_id` (it beats the learned one), with its own grace if given.
pub async fn pin(
    conn: &mut PgConnection,
    job_id: i64,
    pinned: &PinnedSchedule,
    by: &str,
) -> Result<(), DbError> {
    let grace = pinned
        .grace_minutes
        .map(i32::try_from)
        .transpose()
        .map_err(|_| DbError::Invalid("grace is too long".into()))?;
    let mut tx = conn.begin().await?;
    let done =
        sqlx::query("UPDATE jobs SET pinned_schedule = $2, grace_minutes = $3 WHERE id = $1")
            .bind(job_id)
            .bind(Json(&pinned.schedule))
            .bind(grace)
            .execute(&mut *tx)
            .await?;
    if done.rows_affected() == 0 {
        return Err(DbError::NotFound(format!("job {job_id}")));
    }
    audit::record(
        &mut *tx,
        by,
        "schedule.pin",
        Some(("job", job_id)),
        json!({ "schedule": pinned.schedule, "display": pinned.schedule.to_string(),
                "grace_minutes": pinned.grace_minutes }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes the pinned schedule of job `job_id`; the learned one applies again.
pub async fn unpin(conn: &mut PgConnection, job_id: i64, by: &str) -> Result<(), DbError> {
    let mut tx = conn.begin().await?;
    let done =
        sqlx::query("UPDATE jobs SET pinned_schedule = NULL, grace_minutes = NULL WHERE id = $1")
            .bind(job_id)
            .execute(&mut *tx)
            .await?;
    if done.rows_affected() == 0 {
        return Err(DbError::NotFound(format!("job {job_id}")));
    }
    audit::record(
        &mut *tx,
        by,
        "schedule.unpin",
        Some(("job", job_id)),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

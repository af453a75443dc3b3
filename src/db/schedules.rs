//! Job schedules as stored: the schedule learned from a job's real runs (and when), and the one an
//! operator pinned, with its grace.

use super::{DbError, audit};
use crate::domain::schedule::{self, EffectiveSchedule, Learned, PinnedSchedule, Schedule};
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
    /// When the learned schedule was last learned anew (learning the same again writes nothing).
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
/// informational jobs never count) at `now` in `tz`, and stores it as [`store_learned`] does.
/// `None` (stored as well) when there is not enough evidence.
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
    let today = now.with_timezone(&tz).date_naive();
    let learned = if informational {
        Learned {
            schedule: None,
            relearn_on: None,
        }
    } else {
        let runs: Vec<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT run_at FROM job_runs WHERE job_id = $1 AND NOT missed AND run_at >= $2 \
             AND run_at <= $3 ORDER BY run_at",
        )
        .bind(job_id)
        .bind(now - LEARN_LOOKBACK)
        .bind(now)
        .fetch_all(&mut *conn)
        .await?;
        schedule::learn_schedule_lasting(&runs, created, tz, today)
    };
    store_learned(
        conn,
        &[job_id],
        &[stored_text(&learned.schedule)?],
        &[learned.relearn_on],
        tz,
        now,
    )
    .await?;
    Ok(learned.schedule)
}

/// [`learn`] for many jobs that are not informational, `(job_id, created_at)`: their runs are
/// read [`LEARN_CHUNK`] jobs at a time and every schedule of a chunk is stored in one statement,
/// so the first pass of a day at ten thousand jobs is a few queries, not one per job. The work is
/// pipelined: while one chunk is learned on the other threads, the connection stores the chunk
/// before it and reads the chunk after it, so the server and the learning overlap.
pub async fn learn_many(
    conn: &mut PgConnection,
    jobs: &[(i64, DateTime<Utc>)],
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<HashMap<i64, Option<Schedule>>, DbError> {
    let today = now.with_timezone(&tz).date_naive();
    let mut learned = HashMap::with_capacity(jobs.len());
    let chunks: Vec<&[(i64, DateTime<Utc>)]> = jobs.chunks(LEARN_CHUNK).collect();
    let mut next_runs = match chunks.first() {
        Some(first) => Some(runs_to_learn_from(conn, first, now).await?),
        None => None,
    };
    let mut unstored: Option<Unstored> = None;
    for (i, chunk) in chunks.iter().enumerate() {
        let runs = next_runs.take().unwrap_or_default();
        let owned = chunk.to_vec();
        let learning = tokio::task::spawn_blocking(move || {
            let schedules = learn_on_every_core(&owned, &runs, tz, today);
            (owned, schedules)
        });
        if let Some(batch) = unstored.take() {
            batch.store(conn, tz, now).await?;
        }
        if let Some(after) = chunks.get(i + 1) {
            next_runs = Some(runs_to_learn_from(conn, after, now).await?);
        }
        let (owned, lessons) = match learning.await {
            Ok(done) => done,
            // A panic in the learner would have panicked on this task too: pass it on.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => return Err(DbError::Invalid(e.to_string())),
        };
        let mut batch = Unstored::default();
        for ((id, _), lesson) in owned.into_iter().zip(lessons) {
            batch.ids.push(id);
            batch.texts.push(stored_text(&lesson.schedule)?);
            batch.relearn_on.push(lesson.relearn_on);
            learned.insert(id, lesson.schedule);
        }
        unstored = Some(batch);
    }
    if let Some(batch) = unstored {
        batch.store(conn, tz, now).await?;
    }
    Ok(learned)
}

/// Jobs [`learn_many`] reads and learns at a time.
const LEARN_CHUNK: usize = 500;

/// The run times each of `jobs` is learned from, oldest first, one row per job with its times
/// as an array: a hundredth of the rows to decode. They are sorted here: the server reads them
/// newest first from the job's index, and sorting each job's array there cost more than here.
async fn runs_to_learn_from(
    conn: &mut PgConnection,
    jobs: &[(i64, DateTime<Utc>)],
    now: DateTime<Utc>,
) -> Result<HashMap<i64, Vec<DateTime<Utc>>>, DbError> {
    let ids: Vec<i64> = jobs.iter().map(|&(id, _)| id).collect();
    let rows: Vec<(i64, Vec<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT job_id, array_agg(run_at) FROM job_runs \
         WHERE job_id = ANY($1) AND NOT missed AND run_at >= $2 AND run_at <= $3 \
         GROUP BY job_id",
    )
    .bind(&ids)
    .bind(now - LEARN_LOOKBACK)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, mut times)| {
            times.sort_unstable();
            (id, times)
        })
        .collect())
}

/// A learned chunk waiting to be stored.
#[derive(Default)]
struct Unstored {
    ids: Vec<i64>,
    texts: Vec<Option<String>>,
    relearn_on: Vec<Option<chrono::NaiveDate>>,
}

impl Unstored {
    async fn store(
        self,
        conn: &mut PgConnection,
        tz: Tz,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        store_learned(conn, &self.ids, &self.texts, &self.relearn_on, tz, now).await
    }
}

/// A schedule as the JSON text stored, `None` for nothing learned.
fn stored_text(schedule: &Option<Schedule>) -> Result<Option<String>, DbError> {
    schedule
        .as_ref()
        .map(|s| serde_json::to_string(s).map_err(|e| DbError::Invalid(e.to_string())))
        .transpose()
}

/// Stores the schedules learned for `ids` (JSON text, `None` for nothing learned) as of `now`
/// in `tz`, each with the day it is due to be learned again without new runs. A job whose
/// schedule and time zone did not change is left alone, unless its relearning day must come
/// sooner or is due: most jobs learn what they had, and a pass then writes no rows for them (a
/// day nearer than needed only costs an early relearning). So `schedule_learned_at` is when the
/// stored schedule was last learned anew.
async fn store_learned(
    conn: &mut PgConnection,
    ids: &[i64],
    texts: &[Option<String>],
    relearn_on: &[Option<chrono::NaiveDate>],
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE jobs j SET learned_schedule = u.s::jsonb, schedule_learned_at = $4, \
           schedule_relearn_on = u.relearn_on, schedule_learned_tz = $5 \
         FROM unnest($1::bigint[], $2::text[], $3::date[]) AS u(id, s, relearn_on) \
         WHERE j.id = u.id AND ( \
           j.schedule_learned_at IS NULL \
           OR j.learned_schedule IS DISTINCT FROM u.s::jsonb \
           OR j.schedule_learned_tz IS DISTINCT FROM $5 \
           OR j.schedule_relearn_on <= $6 \
           OR (u.relearn_on IS NOT NULL \
               AND (j.schedule_relearn_on IS NULL OR j.schedule_relearn_on > u.relearn_on)))",
    )
    .bind(ids)
    .bind(texts)
    .bind(relearn_on)
    .bind(now)
    .bind(tz.name())
    .bind(now.with_timezone(&tz).date_naive())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// [`schedule::learn_schedule_lasting`] for each of `jobs` (pure work), split over the cores, in
/// order.
fn learn_on_every_core(
    jobs: &[(i64, DateTime<Utc>)],
    runs: &HashMap<i64, Vec<DateTime<Utc>>>,
    tz: Tz,
    today: chrono::NaiveDate,
) -> Vec<Learned> {
    let learn = |part: &[(i64, DateTime<Utc>)]| -> Vec<Learned> {
        part.iter()
            .map(|(id, created)| {
                let found = runs.get(id).map_or(&[][..], Vec::as_slice);
                schedule::learn_schedule_lasting(found, *created, tz, today)
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

//! Missed runs: synthetic runs for expected slots that passed without a report, created for every
//! eligible job, and removed again (while unreviewed) when a late real run satisfies their slot.

use super::{DbError, overrides, propagation, runs, schedules, settings};
use crate::domain::missed::{self as slots, BACKFILL_DAYS, Slot};
use crate::domain::schedule::{PinnedSchedule, Schedule};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use sqlx::types::Json;
use sqlx::{Connection, PgConnection};
use std::collections::{HashMap, HashSet};

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Missed runs created.
    pub created: usize,
    /// Unreviewed Missed runs removed because a real run satisfies their slot.
    pub removed: usize,
    /// Jobs the pass could not handle, with the reason; the other jobs were still handled.
    pub failed: Vec<(i64, String)>,
}

#[derive(sqlx::FromRow)]
struct EligibleJob {
    id: i64,
    /// When the job's first report came: its first real run or the first mail of its identity
    /// still waiting in the Inbox, whichever is earlier; its creation when it has neither. History
    /// imported before approval counts, so this is often long before the approval.
    existed_from: DateTime<Utc>,
    created_at: DateTime<Utc>,
    schedule_learned_at: Option<DateTime<Utc>>,
    schedule_relearn_on: Option<NaiveDate>,
    schedule_learned_tz: Option<String>,
    learned_schedule: Option<Json<Schedule>>,
    pinned_schedule: Option<Json<Schedule>>,
    grace_minutes: Option<i32>,
}

impl EligibleJob {
    fn schedule(&self) -> schedules::JobSchedule {
        schedules::JobSchedule {
            job_id: self.id,
            learned: self.learned_schedule.as_ref().map(|j| j.0.clone()),
            learned_at: self.schedule_learned_at,
            pinned: self.pinned_schedule.as_ref().map(|j| PinnedSchedule {
                schedule: j.0.clone(),
                grace_minutes: self.grace_minutes.and_then(|m| u32::try_from(m).ok()),
            }),
        }
    }

    /// The schedule was never learned, or its runs changed since (`changed`), or it was learned
    /// in another time zone, or the day came from which the same runs may teach another one.
    fn stale(&self, tz: Tz, today: NaiveDate, changed: &HashSet<i64>) -> bool {
        self.schedule_learned_at.is_none()
            || changed.contains(&self.id)
            || self.schedule_learned_tz.as_deref() != Some(tz.name())
            || self.schedule_relearn_on.is_some_and(|on| on <= today)
    }
}

/// One pass over every job that can miss a run: not archived, not deleted, not informational,
/// of an active customer. Relearns a schedule when the job's runs changed, when the time zone
/// changed, or on the day from which the same runs may teach another schedule
/// ([`Learned::relearn_on`](crate::domain::schedule::Learned)); removes unreviewed Missed
/// runs that real runs now satisfy, and creates the Missed runs of the last [`BACKFILL_DAYS`] days
/// (never before the job's first report, however late it was approved). Runs dated after `now`
/// satisfy nothing yet. Creation is idempotent: a slot that has a Missed run, reviewed or not,
/// gets no second one. Every new Missed run goes through override evaluation and propagation
/// like a run from mail.
///
/// All jobs are handled together in a few set-based statements and one transaction; when that
/// fails, each job is tried in its own transaction, so one bad job costs only itself (it is
/// listed in [`PassReport::failed`]).
pub async fn run_pass(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<PassReport, DbError> {
    let policy = settings::policy(&mut *conn).await?;
    let jobs = eligible_jobs(conn, now).await?;
    let grace = TimeDelta::minutes(i64::from(policy.missed_grace_minutes));
    let tz = policy.timezone;
    let changes = schedule_changes(conn, &jobs, tz, now).await?;
    let mut tx = conn.begin().await?;
    match pass_all(&mut tx, &jobs, &changes, tz, grace, now).await {
        Ok(report) => {
            tx.commit().await?;
            return Ok(report);
        }
        Err(e) => {
            tx.rollback().await?;
            tracing::warn!(error = %e, "missed-run pass failed as a whole; one job at a time");
        }
    }
    let mut report = PassReport::default();
    for job in jobs {
        let mut tx = conn.begin().await?;
        match pass_all(
            &mut tx,
            std::slice::from_ref(&job),
            &changes,
            tz,
            grace,
            now,
        )
        .await
        {
            Ok(one) => {
                tx.commit().await?;
                report.created += one.created;
                report.removed += one.removed;
            }
            Err(e) => {
                tx.rollback().await?;
                tracing::warn!(job_id = job.id, error = %e, "missed-run pass failed for a job");
                report.failed.push((job.id, e.to_string()));
            }
        }
    }
    Ok(report)
}

async fn eligible_jobs(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> Result<Vec<EligibleJob>, DbError> {
    Ok(sqlx::query_as(
        "WITH waiting AS ( \
           SELECT from_address, backup_software, backup_type, job_name, \
             min(received_at) AS first_at \
           FROM mail_messages WHERE job_id IS NULL AND deleted_at IS NULL AND received_at <= $1 \
           GROUP BY from_address, backup_software, backup_type, job_name) \
         SELECT j.id, j.created_at, j.schedule_learned_at, j.schedule_relearn_on, \
           j.schedule_learned_tz, j.learned_schedule, \
           j.pinned_schedule, j.grace_minutes, \
           COALESCE(LEAST( \
             (SELECT min(r.run_at) FROM job_runs r \
               WHERE r.job_id = j.id AND NOT r.missed AND r.run_at <= $1), \
             w.first_at), \
             j.created_at) AS existed_from \
         FROM jobs j JOIN customers c ON c.id = j.customer_id \
         LEFT JOIN waiting w ON w.from_address = j.from_address \
           AND w.backup_software = j.backup_software AND w.backup_type = j.backup_type \
           AND w.job_name = j.job_name \
         WHERE j.archived_at IS NULL AND j.deleted_at IS NULL AND NOT j.informational \
           AND c.active AND c.deleted_at IS NULL ORDER BY j.id",
    )
    .bind(now)
    .fetch_all(&mut *conn)
    .await?)
}

/// The entries of the queue of jobs whose runs changed (`job_schedule_changes`) that concern
/// `jobs`, by job. Entries of jobs the pass skips (archived, deleted, of an inactive customer)
/// leave the queue now and mark the job's schedule due for relearning, so it is learned afresh
/// when the job counts again; entries of jobs that are gone just leave.
async fn schedule_changes(
    conn: &mut PgConnection,
    jobs: &[EligibleJob],
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<HashMap<i64, Vec<i64>>, DbError> {
    let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT id, job_id FROM job_schedule_changes")
        .fetch_all(&mut *conn)
        .await?;
    let eligible: HashSet<i64> = jobs.iter().map(|j| j.id).collect();
    let mut changes: HashMap<i64, Vec<i64>> = HashMap::new();
    let (mut skipped_entries, mut skipped_jobs) = (Vec::new(), Vec::new());
    for (id, job_id) in rows {
        if eligible.contains(&job_id) {
            changes.entry(job_id).or_default().push(id);
        } else {
            skipped_entries.push(id);
            skipped_jobs.push(job_id);
        }
    }
    if !skipped_entries.is_empty() {
        let mut tx = conn.begin().await?;
        sqlx::query("UPDATE jobs SET schedule_relearn_on = $2 WHERE id = ANY($1)")
            .bind(&skipped_jobs)
            .bind(now.with_timezone(&tz).date_naive())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM job_schedule_changes WHERE id = ANY($1)")
            .bind(&skipped_entries)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(changes)
}

/// The pass for `jobs`, in the caller's transaction: learn stale schedules (and take the jobs
/// learned off the queue of `changes`), remove satisfied Missed runs, create the missing ones.
async fn pass_all(
    conn: &mut PgConnection,
    jobs: &[EligibleJob],
    changes: &HashMap<i64, Vec<i64>>,
    tz: Tz,
    grace: TimeDelta,
    now: DateTime<Utc>,
) -> Result<PassReport, DbError> {
    let today = now.with_timezone(&tz).date_naive();
    let changed: HashSet<i64> = changes.keys().copied().collect();
    let stale: Vec<(i64, DateTime<Utc>)> = jobs
        .iter()
        .filter(|j| j.stale(tz, today, &changed))
        .map(|j| (j.id, j.created_at))
        .collect();
    let mut relearned = schedules::learn_many(conn, &stale, tz, now).await?;
    // The entries read before learning; entries written since stay for the next pass.
    let done: Vec<i64> = stale
        .iter()
        .filter_map(|(id, _)| changes.get(id))
        .flatten()
        .copied()
        .collect();
    if !done.is_empty() {
        sqlx::query("DELETE FROM job_schedule_changes WHERE id = ANY($1)")
            .bind(&done)
            .execute(&mut *conn)
            .await?;
    }
    let ids: Vec<i64> = jobs.iter().map(|j| j.id).collect();
    // Real runs that can satisfy a slot of the back-fill period.
    let since = now - TimeDelta::days(i64::try_from(BACKFILL_DAYS).unwrap_or(7) + 2);
    let rows: Vec<(i64, DateTime<Utc>)> = sqlx::query_as(
        "SELECT job_id, run_at FROM job_runs WHERE job_id = ANY($1) AND NOT missed \
           AND run_at >= $2 AND run_at <= $3 ORDER BY job_id, run_at",
    )
    .bind(&ids)
    .bind(since)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    let mut open = open_missed(conn, &ids).await?;
    let mut report = PassReport::default();
    // Catches real runs created while a Missed run for their slot was being created (or written
    // by a client that did not stand the Missed run down).
    report.removed += stand_down(conn, &mut open, &rows).await?;
    let mut real: HashMap<i64, Vec<DateTime<Utc>>> = HashMap::new();
    for (job_id, run_at) in rows {
        real.entry(job_id).or_default().push(run_at);
    }
    let (mut slot_jobs, mut slot_dates, mut expected) = (Vec::new(), Vec::new(), Vec::new());
    for job in jobs {
        let mut schedule = job.schedule();
        if let Some(learned) = relearned.remove(&job.id) {
            schedule.learned = learned;
        }
        let Some(effective) = schedule.effective(grace) else {
            continue;
        };
        let runs = real.get(&job.id).map_or(&[][..], Vec::as_slice);
        // Slots whose Missed run is still open are not offered again (the insert would skip
        // them anyway, at the cost of thousands of conflicts a pass).
        let existing = open.get(&job.id).map_or(&[][..], Vec::as_slice);
        for slot in slots::missed_slots(&effective, false, job.existed_from, runs, tz, now) {
            if existing.iter().any(|s| s.date == slot.date) {
                continue;
            }
            slot_jobs.push(job.id);
            slot_dates.push(slot.date);
            expected.push(slot.expected);
        }
    }
    let created = runs::insert_missed_many(&mut *conn, &slot_jobs, &slot_dates, &expected).await?;
    overrides::apply_to_runs(conn, &created, now).await?;
    propagation::on_new_runs(conn, &created).await?;
    report.created = created.len();
    Ok(report)
}

/// Stands down the unreviewed Missed runs that the new runs `run_ids` satisfy (see
/// [`stand_down`]), in run order. Missed runs among them satisfy nothing, and neither does a run
/// dated in the future by the database's clock until its time has come; the next pass handles it
/// then. Returns how many were removed.
pub(super) async fn stand_down_for_new_runs(
    conn: &mut PgConnection,
    run_ids: &[i64],
) -> Result<usize, DbError> {
    let real: Vec<(i64, DateTime<Utc>)> = sqlx::query_as(
        "SELECT job_id, run_at FROM job_runs WHERE id = ANY($1) AND NOT missed \
           AND run_at <= now() ORDER BY id",
    )
    .bind(run_ids)
    .fetch_all(&mut *conn)
    .await?;
    if real.is_empty() {
        return Ok(0);
    }
    let jobs: Vec<i64> = real.iter().map(|&(job, _)| job).collect();
    let mut open = open_missed(conn, &jobs).await?;
    stand_down(conn, &mut open, &real).await
}

/// Removes the unreviewed Missed runs that the real runs `runs` (job, time) satisfy: each run,
/// in the order given, takes the slot [`slots::satisfied_slot`] picks among the job's slots still
/// in `open`, and all of them go in one statement. Slots taken leave `open`. Returns how many
/// Missed runs were removed.
///
/// A slot's expected instant is the Missed run's own time, computed from the job's effective
/// schedule and time zone when it was created: a schedule learned again since then must not let a
/// late run miss the slot it was late for.
async fn stand_down(
    conn: &mut PgConnection,
    open: &mut HashMap<i64, Vec<Slot>>,
    runs: &[(i64, DateTime<Utc>)],
) -> Result<usize, DbError> {
    let (mut jobs, mut dates) = (Vec::new(), Vec::new());
    for &(job_id, run_at) in runs {
        if let Some(slots_of_job) = open.get_mut(&job_id)
            && let Some(slot) = slots::satisfied_slot(run_at, slots_of_job)
        {
            slots_of_job.retain(|s| s.date != slot.date);
            jobs.push(job_id);
            dates.push(slot.date);
        }
    }
    if jobs.is_empty() {
        return Ok(0);
    }
    // Through the function: an operator's login may not delete runs, only this stand-down.
    let dropped: Vec<bool> = sqlx::query_scalar(
        "SELECT backupchecks_drop_missed_slot(u.job_id, u.slot) \
         FROM unnest($1::bigint[], $2::date[]) AS u(job_id, slot)",
    )
    .bind(&jobs)
    .bind(&dates)
    .fetch_all(&mut *conn)
    .await?;
    Ok(dropped.into_iter().filter(|d| *d).count())
}

/// The slots of the unreviewed Missed runs of `jobs`, by job. Read by job id and matched here,
/// not in a correlated subquery: right after a pass created thousands of Missed runs the
/// planner's statistics do not know them yet, and it then compared every new run with every
/// Missed run.
async fn open_missed(
    conn: &mut PgConnection,
    jobs: &[i64],
) -> Result<HashMap<i64, Vec<Slot>>, DbError> {
    let mut jobs = jobs.to_vec();
    jobs.sort_unstable();
    jobs.dedup();
    let rows: Vec<(i64, NaiveDate, DateTime<Utc>)> = sqlx::query_as(
        "SELECT job_id, slot_date, run_at FROM job_runs WHERE job_id = ANY($1) AND missed \
         AND reviewed_at IS NULL",
    )
    .bind(&jobs)
    .fetch_all(&mut *conn)
    .await?;
    let mut open: HashMap<i64, Vec<Slot>> = HashMap::new();
    for (job, date, expected) in rows {
        open.entry(job).or_default().push(Slot { date, expected });
    }
    Ok(open)
}

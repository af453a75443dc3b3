//! The review rules against a real database: overrides, tickets and remarks, propagation, missed
//! runs and their scheduler, review and the Run Checks queue.

mod batch;
mod missed;
mod overrides;
mod propagation;
mod queue;
mod scheduler;
mod tickets;

use backupchecks::db::{
    customers, jobs, overrides as db_overrides, propagation as prop, run_objects, runs,
};
use backupchecks::domain::schedule::{PinnedSchedule, Schedule};
use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use sqlx::PgPool;

/// A fixed instant in March 2025 (UTC, the default timezone).
pub fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, day, hour, minute, 0)
        .single()
        .expect("valid test time")
}

pub async fn customer(pool: &PgPool, name: &str) -> i64 {
    customers::create(pool, name).await.unwrap().id
}

/// A Veeam backup job of `customer`, created at `created`.
pub async fn job(pool: &PgPool, customer: i64, name: &str, created: DateTime<Utc>) -> i64 {
    job_of(pool, customer, "Veeam", "Backup Job", name, false, created).await
}

pub async fn job_of(
    pool: &PgPool,
    customer: i64,
    software: &str,
    backup_type: &str,
    name: &str,
    informational: bool,
    created: DateTime<Utc>,
) -> i64 {
    let id = jobs::JobIdentity::new("backup@acme.example", software, backup_type, name);
    jobs::create(pool, customer, &id, informational, created)
        .await
        .unwrap()
        .id
}

/// An object of a report: name, status, message.
pub type Obj<'a> = (&'a str, &'a str, Option<&'a str>);

/// Creates a run the way the mail pipeline does: run and objects, override evaluation and
/// propagation, in one transaction.
pub async fn mail_run(
    pool: &PgPool,
    job_id: i64,
    run_at: DateTime<Utc>,
    status: &str,
    message: Option<&str>,
    objects: &[Obj<'_>],
) -> i64 {
    let mut tx = pool.begin().await.unwrap();
    let run_id = runs::insert(
        &mut *tx,
        &runs::NewRun {
            job_id,
            mail_id: None,
            run_at,
            parsed_status: status.into(),
            effective_status: status.into(),
            override_applied: false,
            message: message.map(str::to_string),
            source_type: "mail",
        },
    )
    .await
    .unwrap();
    // As the pipeline copies a mail's objects to its run: in report order, positions 0, 1, ...
    for (position, (name, status, message)) in (0i32..).zip(objects) {
        sqlx::query(
            "INSERT INTO run_objects (run_id, position, name, object_type, status, message) \
             VALUES ($1, $2, $3, 'VM', $4, $5)",
        )
        .bind(run_id)
        .bind(position)
        .bind(name)
        .bind(status)
        .bind(message)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    db_overrides::apply_to_run(&mut tx, run_id, run_at)
        .await
        .unwrap();
    prop::on_new_run(&mut tx, run_id).await.unwrap();
    tx.commit().await.unwrap();
    run_id
}

pub async fn run(pool: &PgPool, run_id: i64) -> runs::Run {
    sqlx::query_as(
        "SELECT id, job_id, mail_id, run_at, parsed_status, effective_status, override_applied, \
         message, missed, slot_date, reviewed_at, reviewed_by FROM job_runs WHERE id = $1",
    )
    .bind(run_id)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Effective status of a run.
pub async fn effective(pool: &PgPool, run_id: i64) -> String {
    run(pool, run_id).await.effective_status
}

/// Override flags of a run's objects, in report order.
pub async fn object_flags(pool: &PgPool, run_id: i64) -> Vec<bool> {
    run_objects::for_run(pool, run_id)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.override_applied)
        .collect()
}

/// Missed runs of a job as (slot date, reviewed), oldest first.
pub async fn missed_slots(pool: &PgPool, job_id: i64) -> Vec<(chrono::NaiveDate, bool)> {
    sqlx::query_as(
        "SELECT slot_date, reviewed_at IS NOT NULL FROM job_runs \
         WHERE job_id = $1 AND missed ORDER BY slot_date",
    )
    .bind(job_id)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Pins a daily schedule at `hh:mm` (UTC) with the default grace.
pub async fn pin_daily(pool: &PgPool, job_id: i64, hour: u32, minute: u32) {
    let time = NaiveTime::from_hms_opt(hour, minute, 0).unwrap();
    let pinned = PinnedSchedule {
        schedule: Schedule::Daily { time },
        grace_minutes: None,
    };
    let mut conn = pool.acquire().await.unwrap();
    backupchecks::db::schedules::pin(&mut conn, job_id, &pinned, "ann")
        .await
        .unwrap();
}

/// Audit actions, oldest first.
pub async fn audit_actions(pool: &PgPool) -> Vec<String> {
    let mut entries = backupchecks::db::audit::recent(pool, 1000).await.unwrap();
    entries.reverse();
    entries.into_iter().map(|e| e.action).collect()
}

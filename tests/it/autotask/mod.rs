//! Autotask against the stand-in server: the client contract, tickets from runs and their
//! propagation, the poller, company mappings and picklists.

mod client;
mod flow;
mod mapping;
mod poller;

use crate::support::autotask::{ACME, MockAutotask, QUEUE_MONITORING};
use crate::support::mail::generic_with_objects;
use backupchecks::db::autotask::{mapping as db_mapping, run_tickets};
use backupchecks::db::inbox::{self, CustomerChoice};
use backupchecks::db::settings::{self, keys};
use backupchecks::ingest::pipeline::{Incoming, Outcome, ingest_one};
use chrono::{DateTime, TimeZone, Utc};
use sqlx::PgPool;

/// The fake's clock starts here too.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 8, 0, 0).unwrap()
}

pub fn day(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, d, h, 0, 0).unwrap()
}

/// `Sun, 02 Mar 2025 22:05:00 +0000` style date of day `d` of March 2025.
pub fn mail_date(d: u32) -> String {
    Utc.with_ymd_and_hms(2025, 3, d, 22, 5, 0)
        .unwrap()
        .to_rfc2822()
}

const SENDER: &str = "cron@host1.example";

fn incoming(raw: Vec<u8>) -> Incoming {
    Incoming {
        source: "folder",
        source_id: None,
        received_at: None,
        raw,
    }
}

/// A job "nightly" of customer Acme, approved from a failed report of 2 March with two failing
/// objects. Returns (customer, job, run).
pub async fn failed_job(pool: &PgPool) -> (i64, i64, i64) {
    failed_job_named(pool, "Acme", "nightly").await
}

pub async fn failed_job_named(pool: &PgPool, customer: &str, job: &str) -> (i64, i64, i64) {
    let raw = generic_with_objects(
        &format!("first-{job}@x"),
        SENDER,
        job,
        "Failed",
        &mail_date(2),
        &[
            ("/srv", "failed", "disk full"),
            ("/etc", "failed", "io error"),
        ],
    );
    let out = ingest_one(pool, &incoming(raw), now()).await.unwrap();
    let Outcome::Waiting { mail_id } = out else {
        panic!("{out:?}")
    };
    let mut tx = pool.begin().await.unwrap();
    let approved = inbox::approve(
        &mut tx,
        mail_id,
        &CustomerChoice::New(customer.into()),
        "ann",
        now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let run_id: i64 = sqlx::query_scalar("SELECT id FROM job_runs WHERE mail_id = $1")
        .bind(mail_id)
        .fetch_one(pool)
        .await
        .unwrap();
    (approved.customer_id, approved.job_id, run_id)
}

/// A report of `job` on day `d` that becomes a run at once (the job is approved).
pub async fn mail_run(pool: &PgPool, job: &str, d: u32, status: &str) -> i64 {
    let raw = generic_with_objects(
        &format!("{job}-{d}-{status}@x"),
        SENDER,
        job,
        status,
        &mail_date(d),
        &[],
    );
    match ingest_one(pool, &incoming(raw), now()).await.unwrap() {
        Outcome::Run { run_id, .. } => run_id,
        other => panic!("{other:?}"),
    }
}

/// Maps the customer to Acme Corporation and sets a default queue.
pub async fn map_and_configure(pool: &PgPool, customer_id: i64) {
    let mut conn = pool.acquire().await.unwrap();
    db_mapping::set(
        &mut conn,
        customer_id,
        ACME,
        "Acme Corporation",
        "ann",
        now(),
    )
    .await
    .unwrap();
    settings::set(pool, keys::AUTOTASK_QUEUE_ID, &QUEUE_MONITORING, "ann")
        .await
        .unwrap();
}

/// The Autotask ticket id on a run.
pub async fn ticket_on(pool: &PgPool, run_id: i64) -> Option<i64> {
    run_tickets::of_run(pool, run_id)
        .await
        .unwrap()
        .map(|t| t.autotask_ticket_id)
}

/// A started mock with a client for it.
pub async fn mock() -> (MockAutotask, backupchecks::psa::autotask::AutotaskClient) {
    let m = MockAutotask::start().await;
    let c = m.client();
    (m, c)
}

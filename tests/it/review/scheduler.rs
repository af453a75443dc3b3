//! The missed-run scheduler task: a pass at start, on demand and after imports, under the
//! advisory lock so two schedulers on one database never run a pass at the same time.

use super::*;
use crate::support::db::TestDb;
use backupchecks::clock::Clock;
use backupchecks::db::locks::{self, Service};
use backupchecks::services::harness::ServiceHandle;
use backupchecks::services::missed_runs::{self, Event};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

async fn next(rx: &mut mpsc::UnboundedReceiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("an event within 30 s")
        .expect("the scheduler is running")
}

/// Waits for the end of one pass: `Some(created)` when it ran, `None` when it was skipped.
async fn pass(rx: &mut mpsc::UnboundedReceiver<Event>) -> Option<usize> {
    match next(rx).await {
        Event::Skipped => None,
        Event::Started => match next(rx).await {
            Event::Finished { created, .. } => Some(created),
            other => panic!("expected Finished, got {other:?}"),
        },
        other => panic!("expected Started or Skipped, got {other:?}"),
    }
}

fn start(t: &TestDb) -> (ServiceHandle, mpsc::UnboundedReceiver<Event>) {
    let clock: Clock = Arc::new(|| at(20, 12, 0));
    let (tx, rx) = mpsc::unbounded_channel();
    let handle = missed_runs::spawn(t.pool.clone(), clock, missed_runs::INTERVAL, tx);
    (handle, rx)
}

async fn missed_count(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM job_runs WHERE missed")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn runs_at_start_on_demand_and_after_an_import_then_stops() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let j = job(&t.pool, c, "Daily VMs", at(1, 0, 0)).await;
    pin_daily(&t.pool, j, 22, 0).await;
    let (handle, mut rx) = start(&t);
    assert_eq!(pass(&mut rx).await, Some(7));
    handle.run_now();
    assert_eq!(pass(&mut rx).await, Some(0));
    // A report of the 19th came in with the import: its Missed run is gone, and stays gone.
    mail_run(&t.pool, j, at(19, 22, 10), "Success", None, &[]).await;
    handle.run_now();
    assert_eq!(pass(&mut rx).await, Some(0));
    assert_eq!(missed_count(&t.pool).await, 6);
    handle.stop().await;
    assert!(
        rx.recv().await.is_none(),
        "the task ended and dropped its sender"
    );
}

#[tokio::test]
async fn two_schedulers_on_one_database_never_run_a_pass_at_the_same_time() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    for name in ["A", "B", "C"] {
        let j = job(&t.pool, c, name, at(1, 0, 0)).await;
        pin_daily(&t.pool, j, 22, 0).await;
    }
    // Another process leads: both schedulers skip their start-up pass and create nothing.
    let other = locks::acquire(&t.pool, Service::MissedRuns).await.unwrap();
    let (first, mut rx1) = start(&t);
    let (second, mut rx2) = start(&t);
    assert_eq!(pass(&mut rx1).await, None);
    assert_eq!(pass(&mut rx2).await, None);
    assert_eq!(missed_count(&t.pool).await, 0);
    other.release().await.unwrap();

    // Both asked at once: each pass runs or is skipped, and the work is done exactly once.
    first.run_now();
    second.run_now();
    let (a, b) = tokio::join!(pass(&mut rx1), pass(&mut rx2));
    assert!(a.is_some() || b.is_some(), "at least one pass ran");
    assert_eq!(a.unwrap_or(0) + b.unwrap_or(0), 21);
    assert_eq!(missed_count(&t.pool).await, 21);
    first.stop().await;
    second.stop().await;
}

#[tokio::test]
async fn a_pass_that_fails_in_an_outage_is_tried_again_soon_not_at_the_next_interval() {
    use backupchecks::services::backoff::Backoff;
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let j = job(&t.pool, c, "Daily VMs", at(1, 0, 0)).await;
    pin_daily(&t.pool, j, 22, 0).await;
    t.refuse_connections().await;
    let clock: Clock = Arc::new(|| at(20, 12, 0));
    let (tx, mut rx) = mpsc::unbounded_channel();
    // An interval far longer than the test: only the retry can bring the second pass.
    let handle = missed_runs::spawn_with(
        t.pool.clone(),
        clock,
        Duration::from_secs(3600),
        tx,
        Backoff::new(Duration::from_millis(200), Duration::from_millis(400)),
    );
    assert!(matches!(next(&mut rx).await, Event::Failed { .. }));
    t.allow_connections().await;
    let created = loop {
        match next(&mut rx).await {
            Event::Finished { created, .. } => break created,
            Event::Failed { .. } | Event::Started | Event::Skipped => {}
        }
    };
    assert_eq!(created, 7);
    handle.stop().await;
}

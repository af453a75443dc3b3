//! The poller: completed, deleted and renumbered tickets; chunks of at most 200 ids with a
//! per-id fallback; the background task with "run now" and its lock.

use super::*;
use crate::support::db::TestDb;
use backupchecks::db::locks::{self, Service};
use backupchecks::db::tickets;
use backupchecks::psa::ticket_flow;
use backupchecks::psa::ticket_sync;
use backupchecks::services::autotask_poller::{self, Event};
use std::sync::Arc;
use std::time::Duration;

async fn ticket_for(
    t: &TestDb,
    c: &backupchecks::psa::autotask::AutotaskClient,
    job: &str,
) -> (i64, i64, ticket_flow::Created) {
    let (customer, job_id, run) = failed_job_named(&t.pool, &format!("Customer {job}"), job).await;
    map_and_configure(&t.pool, customer).await;
    let p = ticket_flow::preview(&t.pool, run, now()).await.unwrap();
    let created = ticket_flow::create(&t.pool, c, &p, "ann", now())
        .await
        .unwrap();
    (job_id, run, created)
}

async fn audit_count(t: &TestDb, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(&t.pool)
        .await
        .unwrap()
}

/// A deleted ticket is found once. Putting a new Autotask ticket on the same run overwrites the
/// run's ticket columns; the deleted state lives on the ticket, so later passes neither ask
/// Autotask about it again nor write another audit row.
#[tokio::test]
async fn a_deleted_ticket_is_recorded_once_even_after_a_new_ticket_goes_on_its_run() {
    let t = TestDb::new().await;
    let (m, c) = mock().await;
    let (_, run, a) = ticket_for(&t, &c, "alpha").await;
    m.state().delete_ticket(a.autotask_ticket_id);
    let r = ticket_sync::poll(&t.pool, &c, day(4, 8)).await.unwrap();
    assert_eq!((r.checked, r.deleted), (1, 1));

    // A new ticket for the same run: allowed (the old one is gone), and it takes the run over.
    let p = ticket_flow::preview(&t.pool, run, day(4, 9)).await.unwrap();
    let b = ticket_flow::create(&t.pool, &c, &p, "ann", day(4, 9))
        .await
        .unwrap();
    assert_ne!(a.autotask_ticket_id, b.autotask_ticket_id);
    assert_eq!(ticket_on(&t.pool, run).await, Some(b.autotask_ticket_id));

    for pass in 0..3 {
        let r = ticket_sync::poll(&t.pool, &c, day(4, 10 + pass))
            .await
            .unwrap();
        assert_eq!(
            (r.checked, r.deleted),
            (1, 0),
            "pass {pass}: only the new ticket"
        );
    }
    assert_eq!(audit_count(&t, "ticket.autotask.deleted").await, 1);
    let ia = tickets::get(&t.pool, a.internal_ticket_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ia.autotask_deleted_at,
        Some(day(4, 8)),
        "first detection kept"
    );
    assert_eq!(ia.resolved_at, None, "deleted is not resolved");
    let listed = tickets::listed(&t.pool, false).await.unwrap();
    let row = listed
        .iter()
        .find(|i| i.id == a.internal_ticket_id)
        .unwrap();
    assert_eq!(
        row.autotask_deleted_at,
        Some(day(4, 8)),
        "the list shows the state"
    );

    // Recording it again (a resolve that finds it gone) changes nothing and audits nothing.
    let mut conn = t.pool.acquire().await.unwrap();
    let again = backupchecks::db::autotask::run_tickets::mark_deleted(
        &mut conn,
        a.autotask_ticket_id,
        "ann",
        day(5, 8),
    )
    .await
    .unwrap();
    assert!(!again.changed);
    assert_eq!(audit_count(&t, "ticket.autotask.deleted").await, 1);
}

#[tokio::test]
async fn completed_deleted_and_renumbered_tickets_are_followed() {
    let t = TestDb::new().await;
    let (m, c) = mock().await;
    let (_, run_a, a) = ticket_for(&t, &c, "alpha").await;
    let (_, run_b, b) = ticket_for(&t, &c, "beta").await;
    let (_, run_c, cc) = ticket_for(&t, &c, "gamma").await;
    {
        let mut s = m.state();
        s.complete_ticket(a.autotask_ticket_id);
        s.delete_ticket(b.autotask_ticket_id);
        s.renumber_ticket(cc.autotask_ticket_id, "T20250303.0999");
    }
    let r = ticket_sync::poll(&t.pool, &c, day(4, 8)).await.unwrap();
    assert_eq!(
        (r.checked, r.resolved, r.deleted, r.renumbered),
        (3, 1, 1, 1)
    );
    assert!(!r.per_id_fallback);

    let ia = tickets::get(&t.pool, a.internal_ticket_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ia.resolved_by.as_deref(), Some(ticket_sync::ACTOR));
    let deleted_at: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT autotask_ticket_deleted_at FROM job_runs WHERE id = $1")
            .bind(run_b)
            .fetch_one(&t.pool)
            .await
            .unwrap();
    assert_eq!(deleted_at, Some(day(4, 8)));
    let ib = tickets::get(&t.pool, b.internal_ticket_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ib.resolved_at, None, "deleted is not resolved");
    let ic = tickets::get(&t.pool, cc.internal_ticket_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ic.ticket_code, "T20250303.0999");
    let number: Option<String> =
        sqlx::query_scalar("SELECT autotask_ticket_number FROM job_runs WHERE id = $1")
            .bind(run_c)
            .fetch_one(&t.pool)
            .await
            .unwrap();
    assert_eq!(number.as_deref(), Some("T20250303.0999"));

    // New runs: only the renumbered ticket still travels; nothing is linked by the others.
    let (na, nb, nc) = (
        mail_run(&t.pool, "alpha", 4, "Failed").await,
        mail_run(&t.pool, "beta", 4, "Failed").await,
        mail_run(&t.pool, "gamma", 4, "Failed").await,
    );
    assert_eq!(ticket_on(&t.pool, na).await, None);
    assert_eq!(ticket_on(&t.pool, nb).await, None);
    assert_eq!(ticket_on(&t.pool, nc).await, Some(cc.autotask_ticket_id));
    assert!(tickets::for_run(&t.pool, nb).await.unwrap().is_empty());
    assert_eq!(
        ticket_on(&t.pool, run_a).await,
        Some(a.autotask_ticket_id),
        "old run keeps it"
    );

    let r = ticket_sync::poll(&t.pool, &c, day(4, 9)).await.unwrap();
    assert_eq!(
        (r.checked, r.resolved, r.deleted, r.renumbered),
        (1, 0, 0, 0)
    );
}

#[tokio::test]
async fn many_tickets_are_asked_for_in_chunks_of_200_and_one_by_one_when_in_is_refused() {
    let t = TestDb::new().await;
    let (m, c) = mock().await;
    let (_customer, job, _run) = failed_job(&t.pool).await;
    {
        let mut s = m.state();
        for i in 0..450 {
            s.add_ticket(ACME, &format!("t{i}"), "d");
        }
    }
    // 450 runs, each with one of those tickets (ids 7001.., numbers T20250303.0001..).
    sqlx::query(
        "INSERT INTO job_runs (job_id, run_at, parsed_status, effective_status, \
         autotask_ticket_id, autotask_ticket_number, autotask_ticket_created_at) \
         SELECT $1, $2, 'Failed', 'Failed', 7000 + g, 'T20250303.' || lpad(g::text, 4, '0'), $2 \
         FROM generate_series(1, 450) g",
    )
    .bind(job)
    .bind(now())
    .execute(&t.pool)
    .await
    .unwrap();
    {
        let mut s = m.state();
        for id in [7001, 7222, 7450] {
            s.delete_ticket(id);
        }
    }
    let r = ticket_sync::poll(&t.pool, &c, day(4, 8)).await.unwrap();
    assert_eq!((r.checked, r.deleted, r.renumbered), (450, 3, 0));
    let sizes: Vec<usize> = m.state().seen.iter().filter_map(|s| s.in_list).collect();
    assert_eq!(sizes, [200, 200, 50]);

    m.state().in_refused = true;
    let gets = m.state().count("GET Tickets/*");
    let r = ticket_sync::poll(&t.pool, &c, day(4, 9)).await.unwrap();
    assert!(r.per_id_fallback);
    assert_eq!((r.checked, r.deleted), (447, 0));
    assert_eq!(m.state().count("GET Tickets/*") - gets, 447);
}

#[tokio::test]
async fn the_task_polls_at_start_and_on_demand_and_skips_while_another_process_polls() {
    let t = TestDb::new().await;
    let (m, c) = mock().await;
    let (_, _, created) = ticket_for(&t, &c, "alpha").await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let clock: backupchecks::clock::Clock = Arc::new(|| day(4, 8));
    let handle = autotask_poller::spawn(t.pool.clone(), Arc::new(m.client()), clock, tx);
    assert_eq!(next(&mut rx).await, Event::Started);
    let Event::Finished(r) = next(&mut rx).await else {
        panic!()
    };
    assert_eq!((r.checked, r.resolved), (1, 0));

    m.state().complete_ticket(created.autotask_ticket_id);
    handle.run_now();
    assert_eq!(next(&mut rx).await, Event::Started);
    let Event::Finished(r) = next(&mut rx).await else {
        panic!()
    };
    assert_eq!(r.resolved, 1);
    // The pass refreshed the picklist cache as well.
    assert_eq!(m.state().count("GET Tickets/entityInformation/fields"), 1);

    // The task lets go of the lock right after the pass.
    let mut other = None;
    for _ in 0..250 {
        other = locks::try_acquire(&t.pool, Service::AutotaskPoller)
            .await
            .unwrap();
        if other.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let other = other.expect("free between passes");
    handle.run_now();
    assert_eq!(next(&mut rx).await, Event::Skipped);
    other.release().await.unwrap();
    handle.stop().await;
}

async fn next(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("an event")
        .expect("channel open")
}

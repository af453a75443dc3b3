//! Tickets from runs: the ticket follows every new run of the job (mail or missed) until it is
//! completed in Autotask; never two tickets for one job; never an emptied description.

use super::*;
use crate::support::autotask::{Fault, STATUS_COMPLETE};
use crate::support::db::TestDb;
use backupchecks::db::autotask::mapping::MappingStatus;
use backupchecks::db::{missed, tickets};
use backupchecks::domain::psa_ticket;
use backupchecks::psa::autotask::AutotaskError;
use backupchecks::psa::ticket_flow::{self, FlowError, TicketRef};
use backupchecks::psa::ticket_sync;
use std::time::Duration;

async fn missed_runs(pool: &PgPool, job_id: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM job_runs WHERE job_id = $1 AND missed ORDER BY slot_date")
        .bind(job_id)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_ticket_is_on_every_new_run_until_completed_in_autotask_and_old_runs_keep_it() {
    let t = TestDb::new().await;
    let (m, c) = mock().await;
    let (customer, job, first) = failed_job(&t.pool).await;
    map_and_configure(&t.pool, customer).await;

    let p = ticket_flow::preview(&t.pool, first, now()).await.unwrap();
    assert_eq!(p.blocked, None);
    assert_eq!(p.existing_open_ticket, None);
    assert_eq!(p.company_id, Some(ACME));
    assert_eq!(p.title, "Backup Failed: nightly (Acme) 2025-03-02");
    assert!(
        p.description.starts_with(
            "Objects with problems:\n- /srv (Failed): disk full\n- /etc (Failed): io error"
        ),
        "{}",
        p.description
    );
    assert_eq!(p.linked_runs, vec![first]);
    assert_eq!(p.queue_id, Some(QUEUE_MONITORING));

    let created = ticket_flow::create(&t.pool, &c, &p, "ann", now())
        .await
        .unwrap();
    assert!(!created.adopted);
    {
        let s = m.state();
        assert_eq!(s.tickets.len(), 1);
        let stored = s.ticket(created.autotask_ticket_id).unwrap();
        assert_eq!(stored["companyID"], ACME);
        assert_eq!(stored["queueID"], QUEUE_MONITORING);
        let description = stored["description"].as_str().unwrap();
        assert!(description.starts_with("Objects with problems:"));
        assert!(psa_ticket::has_reference(description, job));
        assert_eq!(
            s.ticket_number(created.autotask_ticket_id).as_deref(),
            Some(created.ticket_number.as_str())
        );
    }
    assert_eq!(
        ticket_on(&t.pool, first).await,
        Some(created.autotask_ticket_id)
    );
    let internal = tickets::find_by_code(&t.pool, &created.ticket_number)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(internal.id, created.internal_ticket_id);
    assert_eq!(
        internal.autotask_ticket_id,
        Some(created.autotask_ticket_id)
    );

    // A new report of the job, and Missed runs for the two nights without one.
    let second = mail_run(&t.pool, "nightly", 3, "Failed").await;
    crate::review::pin_daily(&t.pool, job, 22, 5).await;
    let mut conn = t.pool.acquire().await.unwrap();
    missed::run_pass(&mut conn, day(6, 8)).await.unwrap();
    let missed = missed_runs(&t.pool, job).await;
    assert_eq!(missed.len(), 2, "4 and 5 March");
    for run in std::iter::once(second).chain(missed.iter().copied()) {
        assert_eq!(
            ticket_on(&t.pool, run).await,
            Some(created.autotask_ticket_id)
        );
    }
    let mut on = vec![first, second];
    on.extend(&missed);
    on.sort();
    assert_eq!(
        tickets::linked_runs(&t.pool, internal.id).await.unwrap(),
        on
    );

    // Completed in Autotask: the poller resolves it and it stops propagating.
    m.state().complete_ticket(created.autotask_ticket_id);
    let report = ticket_sync::poll(&t.pool, &c, day(6, 9)).await.unwrap();
    assert_eq!((report.checked, report.resolved), (1, 1));
    let later = mail_run(&t.pool, "nightly", 6, "Failed").await;
    assert_eq!(ticket_on(&t.pool, later).await, None);
    assert!(
        !tickets::linked_runs(&t.pool, internal.id)
            .await
            .unwrap()
            .contains(&later)
    );
    for run in &on {
        assert_eq!(
            ticket_on(&t.pool, *run).await,
            Some(created.autotask_ticket_id),
            "old run {run}"
        );
    }
    let p = ticket_flow::preview(&t.pool, later, day(7, 8))
        .await
        .unwrap();
    assert_eq!(
        p.existing_open_ticket, None,
        "a completed ticket is no longer open"
    );
    assert_eq!(p.linked_runs, vec![later]);
}

#[tokio::test]
async fn a_double_submit_makes_one_ticket_and_the_second_is_told_to_link() {
    let t = TestDb::new().await;
    let (m, c) = mock().await;
    let (customer, _job, run) = failed_job(&t.pool).await;
    map_and_configure(&t.pool, customer).await;
    let p = ticket_flow::preview(&t.pool, run, now()).await.unwrap();

    let (a, b) = tokio::join!(
        ticket_flow::create(&t.pool, &c, &p, "ann", now()),
        ticket_flow::create(&t.pool, &c, &p, "bob", now()),
    );
    let (ok, refused) = match (a, b) {
        (Ok(x), Err(e)) | (Err(e), Ok(x)) => (x, e),
        other => panic!("expected one success: {other:?}"),
    };
    let FlowError::AlreadyOpen(existing) = refused else {
        panic!("{refused:?}")
    };
    assert_eq!(existing.autotask_ticket_id, ok.autotask_ticket_id);
    assert_eq!(m.state().tickets.len(), 1);
    assert_eq!(m.state().count("POST Tickets"), 1);

    // A retry much later with the same preview: still one ticket, and the preview says so.
    let again = ticket_flow::create(&t.pool, &c, &p, "ann", now()).await;
    assert!(matches!(again, Err(FlowError::AlreadyOpen(_))), "{again:?}");
    let p = ticket_flow::preview(&t.pool, run, now()).await.unwrap();
    assert_eq!(
        p.existing_open_ticket.map(|e| e.autotask_ticket_id),
        Some(ok.autotask_ticket_id)
    );
    assert_eq!(m.state().tickets.len(), 1);
}

#[tokio::test]
async fn a_create_whose_answer_timed_out_is_found_not_repeated() {
    let t = TestDb::new().await;
    let m = MockAutotask::start().await;
    let mut options = m.options();
    options.request_timeout = Some(Duration::from_millis(400));
    let c = m.client_with(&m.config(), options);
    let (customer, _job, run) = failed_job(&t.pool).await;
    map_and_configure(&t.pool, customer).await;
    let p = ticket_flow::preview(&t.pool, run, now()).await.unwrap();

    // Autotask makes the ticket but the answer comes after the client gave up.
    m.state()
        .inject("POST Tickets", 1, Fault::Slow(Duration::from_secs(2)));
    let created = ticket_flow::create(&t.pool, &c, &p, "ann", now())
        .await
        .unwrap();
    assert!(created.adopted, "found by its reference line");
    assert_eq!(m.state().tickets.len(), 1);
    assert_eq!(m.state().count("POST Tickets"), 1, "never sent twice");
    assert_eq!(
        ticket_on(&t.pool, run).await,
        Some(created.autotask_ticket_id)
    );

    // Worse: the answer times out and Autotask is unreachable for the look-up right after. The
    // operator sees the error; the retry finds the ticket instead of making a second one.
    let t3 = TestDb::new().await;
    let m3 = MockAutotask::start().await;
    let mut options = m3.options();
    options.request_timeout = Some(Duration::from_millis(400));
    let c3 = m3.client_with(&m3.config(), options);
    let (customer, _job, run3) = failed_job(&t3.pool).await;
    map_and_configure(&t3.pool, customer).await;
    let p3 = ticket_flow::preview(&t3.pool, run3, now()).await.unwrap();
    {
        let mut s = m3.state();
        s.inject("POST Tickets", 1, Fault::Slow(Duration::from_secs(2)));
        // The look-up before the create passes; the one after it finds Autotask down.
        s.inject_after("POST Tickets/query", 1, 4, Fault::Unavailable);
    }
    let e = ticket_flow::create(&t3.pool, &c3, &p3, "ann", now())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, FlowError::Autotask(a) if a.outcome_unknown()),
        "{e:?}"
    );
    assert_eq!(ticket_on(&t3.pool, run3).await, None);
    let retried = ticket_flow::create(&t3.pool, &c3, &p3, "ann", now())
        .await
        .unwrap();
    assert!(retried.adopted);
    assert_eq!(m3.state().tickets.len(), 1);
    assert_eq!(m3.state().count("POST Tickets"), 1);
    assert_eq!(
        ticket_on(&t3.pool, run3).await,
        Some(retried.autotask_ticket_id)
    );

    // A ticket created before a crash (stored in Autotask, never recorded here) is adopted too.
    let m2 = MockAutotask::start().await;
    let c2 = m2.client();
    let t2 = TestDb::new().await;
    let (customer, job2, run2) = failed_job(&t2.pool).await;
    map_and_configure(&t2.pool, customer).await;
    let orphan = m2.state().add_ticket(
        ACME,
        "Backup Failed: nightly",
        &psa_ticket::with_reference("made before the crash", job2),
    );
    let p = ticket_flow::preview(&t2.pool, run2, now()).await.unwrap();
    let adopted = ticket_flow::create(&t2.pool, &c2, &p, "ann", now())
        .await
        .unwrap();
    assert!(adopted.adopted);
    assert_eq!(adopted.autotask_ticket_id, orphan);
    assert_eq!(m2.state().count("POST Tickets"), 0, "nothing new created");
    assert_eq!(ticket_on(&t2.pool, run2).await, Some(orphan));
}

#[tokio::test]
async fn an_adopted_ticket_must_carry_the_jobs_reference_and_be_open() {
    let t = TestDb::new().await;
    let (m, c) = mock().await;
    let (customer, job, run) = failed_job(&t.pool).await;
    map_and_configure(&t.pool, customer).await;
    {
        let mut s = m.state();
        s.add_ticket(ACME, "other job", &psa_ticket::with_reference("x", job + 1));
        let done = s.add_ticket(ACME, "completed", &psa_ticket::with_reference("x", job));
        s.complete_ticket(done);
        s.add_ticket(
            GLOBEX_ID,
            "other company",
            &psa_ticket::with_reference("x", job),
        );
    }
    let p = ticket_flow::preview(&t.pool, run, now()).await.unwrap();
    let created = ticket_flow::create(&t.pool, &c, &p, "ann", now())
        .await
        .unwrap();
    assert!(!created.adopted);
    assert_eq!(m.state().tickets.len(), 4);
}

const GLOBEX_ID: i64 = crate::support::autotask::GLOBEX;

#[tokio::test]
async fn no_ticket_without_a_valid_mapping_and_a_rename_does_not_block() {
    let t = TestDb::new().await;
    let (m, c) = mock().await;
    let (customer, _job, run) = failed_job(&t.pool).await;

    let p = ticket_flow::preview(&t.pool, run, now()).await.unwrap();
    assert_eq!(p.mapping_status, MappingStatus::Missing);
    assert!(
        p.blocked
            .as_deref()
            .unwrap()
            .contains("not mapped to an Autotask company")
    );
    let e = ticket_flow::create(&t.pool, &c, &p, "ann", now())
        .await
        .unwrap_err();
    assert!(matches!(e, FlowError::Blocked(_)), "{e:?}");

    map_and_configure(&t.pool, customer).await;
    backupchecks::db::autotask::mapping::record_check(
        &t.pool,
        customer,
        MappingStatus::Invalid,
        None,
        now(),
    )
    .await
    .unwrap();
    let p = ticket_flow::preview(&t.pool, run, now()).await.unwrap();
    assert!(p.blocked.as_deref().unwrap().contains("no longer exists"));
    // A preview made while the mapping was fine is re-checked at create.
    let mut stale = p.clone();
    stale.blocked = None;
    let e = ticket_flow::create(&t.pool, &c, &stale, "ann", now())
        .await
        .unwrap_err();
    assert!(matches!(e, FlowError::Blocked(_)), "{e:?}");
    assert_eq!(m.state().count("POST Tickets"), 0);

    backupchecks::db::autotask::mapping::record_check(
        &t.pool,
        customer,
        MappingStatus::Renamed,
        Some("Acme Holding"),
        now(),
    )
    .await
    .unwrap();
    let p = ticket_flow::preview(&t.pool, run, now()).await.unwrap();
    assert_eq!(p.blocked, None);
    assert!(p.warnings[0].contains("renamed"), "{:?}", p.warnings);
    assert_eq!(p.company_name.as_deref(), Some("Acme Holding"));
    ticket_flow::create(&t.pool, &c, &p, "ann", now())
        .await
        .unwrap();
}

#[tokio::test]
async fn an_existing_ticket_is_linked_instead_and_then_blocks_a_new_one() {
    let t = TestDb::new().await;
    let (m, c) = mock().await;
    let (customer, _job, run) = failed_job(&t.pool).await;
    map_and_configure(&t.pool, customer).await;
    let (id, number) = {
        let mut s = m.state();
        let id = s.add_ticket(
            ACME,
            "Backups failing at Acme",
            "Opened by the service desk.",
        );
        (id, s.ticket_number(id).unwrap())
    };
    let linked = ticket_flow::link_existing(
        &t.pool,
        &c,
        &[run],
        &TicketRef::Number(number.clone()),
        "ann",
        now(),
    )
    .await
    .unwrap();
    assert_eq!(
        (linked.autotask_ticket_id, linked.ticket_number.as_str()),
        (id, number.as_str())
    );
    assert_eq!(ticket_on(&t.pool, run).await, Some(id));

    let next = mail_run(&t.pool, "nightly", 3, "Failed").await;
    assert_eq!(ticket_on(&t.pool, next).await, Some(id));
    let p = ticket_flow::preview(&t.pool, next, now()).await.unwrap();
    assert_eq!(
        p.existing_open_ticket
            .as_ref()
            .map(|e| e.autotask_ticket_id),
        Some(id)
    );
    let e = ticket_flow::create(&t.pool, &c, &p, "ann", now())
        .await
        .unwrap_err();
    assert!(e.to_string().contains(&number), "{e}");

    // Another company's ticket, or an unknown one, is refused.
    let other = m.state().add_ticket(GLOBEX_ID, "x", "y");
    let e = ticket_flow::link_existing(&t.pool, &c, &[next], &TicketRef::Id(other), "ann", now())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("another company"), "{e}");
    let e = ticket_flow::link_existing(&t.pool, &c, &[next], &TicketRef::Id(999_999), "ann", now())
        .await
        .unwrap_err();
    assert!(matches!(e, FlowError::NotFound(_)), "{e:?}");
}

#[tokio::test]
async fn resolve_completes_with_a_note_on_a_put_only_tenant_and_keeps_the_description() {
    let t = TestDb::new().await;
    let (m, c) = mock().await;
    m.state().patch_refused = true;
    let (customer, _job, run) = failed_job(&t.pool).await;
    map_and_configure(&t.pool, customer).await;
    let p = ticket_flow::preview(&t.pool, run, now()).await.unwrap();
    let created = ticket_flow::create(&t.pool, &c, &p, "ann", now())
        .await
        .unwrap();
    let before = m
        .state()
        .ticket(created.autotask_ticket_id)
        .unwrap()
        .clone();

    let r = ticket_flow::resolve(
        &t.pool,
        &c,
        created.autotask_ticket_id,
        None,
        "ann",
        day(4, 8),
    )
    .await
    .unwrap();
    assert!(!r.deleted && !r.already_complete && r.note_error.is_none());
    {
        let s = m.state();
        let after = s.ticket(created.autotask_ticket_id).unwrap();
        assert_eq!(after["status"], STATUS_COMPLETE);
        assert_eq!(after["description"], before["description"]);
        for field in ["title", "queueID", "priority", "companyID", "dueDateTime"] {
            assert_eq!(after[field], before[field], "{field} kept");
        }
        assert_eq!(s.count("PATCH Tickets"), 1, "tried once");
        assert_eq!(s.count("PUT Tickets"), 1);
        assert_eq!(s.notes.len(), 1);
        assert!(
            s.notes[0].1["description"]
                .as_str()
                .unwrap()
                .contains("Resolved by ann")
        );
    }
    let internal = tickets::get(&t.pool, created.internal_ticket_id)
        .await
        .unwrap()
        .unwrap();
    assert!(internal.resolved_at.is_some());
    let next = mail_run(&t.pool, "nightly", 4, "Failed").await;
    assert_eq!(ticket_on(&t.pool, next).await, None);

    // The client remembers the refusal: the next update goes straight to PUT.
    let mut changes = serde_json::Map::new();
    changes.insert("priority".into(), serde_json::json!(1));
    changes.insert("description".into(), serde_json::json!("   "));
    c.update_ticket(created.autotask_ticket_id, &changes)
        .await
        .unwrap();
    let s = m.state();
    assert_eq!(s.count("PATCH Tickets"), 1);
    assert_eq!(s.count("PUT Tickets"), 2);
    assert_eq!(
        s.ticket(created.autotask_ticket_id).unwrap()["description"],
        before["description"],
        "a blank description is never sent"
    );
}

#[tokio::test]
async fn resolving_a_ticket_deleted_in_autotask_records_the_deletion() {
    let t = TestDb::new().await;
    let (m, c) = mock().await;
    let (customer, _job, run) = failed_job(&t.pool).await;
    map_and_configure(&t.pool, customer).await;
    let p = ticket_flow::preview(&t.pool, run, now()).await.unwrap();
    let created = ticket_flow::create(&t.pool, &c, &p, "ann", now())
        .await
        .unwrap();
    m.state().delete_ticket(created.autotask_ticket_id);
    let r = ticket_flow::resolve(
        &t.pool,
        &c,
        created.autotask_ticket_id,
        Some("fixed"),
        "ann",
        now(),
    )
    .await
    .unwrap();
    assert!(r.deleted);
    assert_eq!(r.internal_ticket_id, Some(created.internal_ticket_id));
    // Deleted is its own state, and the ticket the operator asked to resolve is closed here.
    let internal = tickets::get(&t.pool, created.internal_ticket_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(internal.autotask_deleted_at, Some(now()));
    assert_eq!(internal.resolved_at, Some(now()));
    assert_eq!(internal.resolved_by.as_deref(), Some("ann"));
    let open: Vec<i64> = tickets::listed(&t.pool, false)
        .await
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    assert!(
        !open.contains(&created.internal_ticket_id),
        "no longer open"
    );
    let next = mail_run(&t.pool, "nightly", 3, "Failed").await;
    assert_eq!(ticket_on(&t.pool, next).await, None);
    assert!(
        !tickets::linked_runs(&t.pool, created.internal_ticket_id)
            .await
            .unwrap()
            .contains(&next)
    );
}

/// A ticket made from the newest of three failing runs goes on all three, and its description
/// tells about each of them, not only the run the cursor was on.
#[tokio::test]
async fn the_description_covers_every_run_the_ticket_goes_on() {
    let t = TestDb::new().await;
    let (_m, _c) = mock().await;
    let (customer, _job, first) = failed_job(&t.pool).await;
    map_and_configure(&t.pool, customer).await;
    let second = mail_run(&t.pool, "nightly", 3, "Failed").await;
    let third = mail_run(&t.pool, "nightly", 4, "Warning").await;

    let p = ticket_flow::preview(&t.pool, third, now()).await.unwrap();

    assert_eq!(p.linked_runs.len(), 3, "{:?}", p.linked_runs);
    for run in [first, second, third] {
        assert!(p.linked_runs.contains(&run));
    }
    let d = &p.description;
    assert!(d.contains("This ticket covers 3 runs:"), "{d}");
    assert!(
        d.contains("disk full") && d.contains("io error"),
        "the first run's objects: {d}"
    );
    assert_eq!(d.matches("\n- ").count(), 3, "one line per run: {d}");
}

/// `t r` reads the ticket from Autotask once: the update re-sends what that read returned.
#[tokio::test]
async fn resolve_reads_the_ticket_once() {
    let t = TestDb::new().await;
    let (m, c) = mock().await;
    let (customer, _job, run) = failed_job(&t.pool).await;
    map_and_configure(&t.pool, customer).await;
    let p = ticket_flow::preview(&t.pool, run, now()).await.unwrap();
    let created = ticket_flow::create(&t.pool, &c, &p, "ann", now())
        .await
        .unwrap();
    let route = format!("GET Tickets/{}", created.autotask_ticket_id);
    let before = m.state().count(&route);

    ticket_flow::resolve(&t.pool, &c, created.autotask_ticket_id, None, "ann", now())
        .await
        .unwrap();

    let s = m.state();
    assert_eq!(s.count(&route) - before, 1, "one read");
    assert_eq!(
        s.ticket(created.autotask_ticket_id).unwrap()["status"],
        STATUS_COMPLETE
    );
}

#[tokio::test]
async fn a_validation_error_is_shown_in_autotasks_words_and_nothing_is_recorded() {
    let t = TestDb::new().await;
    let (m, c) = mock().await;
    let (customer, _job, run) = failed_job(&t.pool).await;
    map_and_configure(&t.pool, customer).await;
    let mut p = ticket_flow::preview(&t.pool, run, now()).await.unwrap();
    p.queue_id = Some(99);
    let e = ticket_flow::create(&t.pool, &c, &p, "ann", now())
        .await
        .unwrap_err();
    let FlowError::Autotask(AutotaskError::Api { status, .. }) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(*status, 500);
    assert!(
        e.to_string()
            .contains("Value 99 is not a valid picklist value for field queueID"),
        "{e}"
    );
    assert_eq!(
        m.state().count("POST Tickets"),
        1,
        "a validation error is not retried"
    );
    assert_eq!(ticket_on(&t.pool, run).await, None);

    p.queue_id = None;
    let e = ticket_flow::create(&t.pool, &c, &p, "ann", now())
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "choose a queue for the ticket");
}

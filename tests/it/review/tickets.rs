//! Tickets and remarks: codes, display on a run (links plus open scoped, once each) and the job
//! indicators.

use super::*;
use crate::support::db::TestDb;
use backupchecks::db::indicators::{self, JobIndicators};
use backupchecks::db::remarks::{self, NewRemark};
use backupchecks::db::scopes::Scope;
use backupchecks::db::tickets::{self, Code, NewTicket};
use backupchecks::db::{DbError, settings};
use std::time::{Duration, Instant};

pub fn ticket(code: Code, scopes: Vec<Scope>) -> NewTicket {
    NewTicket {
        code,
        description: "Backups fail since the NAS update".into(),
        autotask_ticket_id: None,
        scopes,
    }
}

pub fn remark(scopes: Vec<Scope>) -> NewRemark {
    NewRemark {
        body: "Customer replaces the NAS next week".into(),
        scopes,
    }
}

#[tokio::test]
async fn internal_codes_are_a_daily_sequence_in_local_time() {
    let t = TestDb::new().await;
    settings::set(
        &t.pool,
        settings::keys::TIMEZONE,
        &"Europe/Amsterdam",
        "ann",
    )
    .await
    .unwrap();
    let mut conn = t.pool.acquire().await.unwrap();
    let new = ticket(Code::Internal, vec![]);
    // 23:30 UTC on the 9th is already the 10th in Amsterdam.
    let a = tickets::create(&mut conn, &new, "ann", at(9, 23, 30))
        .await
        .unwrap();
    let b = tickets::create(&mut conn, &new, "ann", at(10, 8, 0))
        .await
        .unwrap();
    let c = tickets::create(&mut conn, &new, "ann", at(11, 8, 0))
        .await
        .unwrap();
    assert_eq!(a.ticket_code, "T20250310.0001");
    assert_eq!(b.ticket_code, "T20250310.0002");
    assert_eq!(c.ticket_code, "T20250311.0001");
    assert_eq!(
        a.active_from,
        chrono::NaiveDate::from_ymd_opt(2025, 3, 10).unwrap()
    );

    // An Autotask number of the same shape is kept, and the sequence goes past it.
    let ext = ticket(Code::External(" T20250311.0007 ".into()), vec![]);
    let e = tickets::create(&mut conn, &ext, "ann", at(11, 9, 0))
        .await
        .unwrap();
    assert_eq!(e.ticket_code, "T20250311.0007");
    let d = tickets::create(&mut conn, &new, "ann", at(11, 10, 0))
        .await
        .unwrap();
    assert_eq!(d.ticket_code, "T20250311.0008");

    let err = tickets::create(&mut conn, &ext, "ann", at(11, 11, 0))
        .await
        .unwrap_err();
    assert!(err.is_duplicate(), "{err}");
    let bad = ticket(Code::External("two words".into()), vec![]);
    let err = tickets::create(&mut conn, &bad, "ann", at(11, 11, 0))
        .await
        .unwrap_err();
    assert!(matches!(err, DbError::Invalid(_)), "{err}");
    assert_eq!(
        tickets::find_by_code(&t.pool, "T20250311.0008")
            .await
            .unwrap()
            .map(|t| t.id),
        Some(d.id)
    );
}

/// Waits until some session of this database waits for a lock held by another.
async fn wait_for_lock_waiter(pool: &sqlx::PgPool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        if waiting > 0 {
            return;
        }
        assert!(Instant::now() < deadline, "no session ever waited");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_code_taken_by_a_concurrent_session_is_recomputed() {
    let t = TestDb::new().await;
    let new = ticket(Code::Internal, vec![]);
    let mut first = t.pool.begin().await.unwrap();
    let a = tickets::create(&mut first, &new, "ann", at(10, 8, 0))
        .await
        .unwrap();
    assert_eq!(a.ticket_code, "T20250310.0001");

    // The second session cannot see the uncommitted code, takes the same one and waits for the
    // first to finish; when it commits, the second must compute the next code, not fail.
    let pool = t.pool.clone();
    let second = tokio::spawn(async move {
        let mut conn = pool.acquire().await.unwrap();
        let new = ticket(Code::Internal, vec![]);
        tickets::create(&mut conn, &new, "bob", at(10, 8, 1)).await
    });
    wait_for_lock_waiter(&t.pool).await;
    first.commit().await.unwrap();
    let b = second.await.unwrap().unwrap();
    assert_eq!(b.ticket_code, "T20250310.0002");
}

#[tokio::test]
async fn a_run_shows_linked_and_open_scoped_tickets_once_each() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let j = job(&t.pool, c, "Daily VMs", at(1, 0, 0)).await;
    let mut conn = t.pool.acquire().await.unwrap();
    let early = tickets::create(
        &mut conn,
        &ticket(Code::Internal, vec![Scope::Job { job_id: j }]),
        "ann",
        at(2, 8, 0),
    )
    .await
    .unwrap();
    let r = mail_run(&t.pool, j, at(2, 22, 0), "Failed", None, &[]).await;
    // Created after the run: not linked, yet shown because it is open and scoped to the job.
    let later = tickets::create(
        &mut conn,
        &ticket(Code::Internal, vec![Scope::Customer { customer_id: c }]),
        "ann",
        at(3, 8, 0),
    )
    .await
    .unwrap();
    // Linked by hand and scoped: still one entry.
    assert!(
        tickets::link_run(&mut conn, later.id, r, "ann")
            .await
            .unwrap()
    );
    assert!(
        !tickets::link_run(&mut conn, later.id, r, "ann")
            .await
            .unwrap()
    );
    let third = tickets::create(
        &mut conn,
        &ticket(Code::Internal, vec![Scope::Job { job_id: j }]),
        "ann",
        at(3, 9, 0),
    )
    .await
    .unwrap();

    let shown: Vec<(i64, bool)> = tickets::for_run(&t.pool, r)
        .await
        .unwrap()
        .into_iter()
        .map(|rt| (rt.ticket.id, rt.linked))
        .collect();
    assert_eq!(
        shown,
        vec![(early.id, true), (later.id, true), (third.id, false)]
    );

    // Resolved: the linked ones stay on the run, the open-scoped one disappears.
    for id in [early.id, later.id, third.id] {
        tickets::resolve(&mut conn, id, "ann", at(4, 8, 0))
            .await
            .unwrap();
    }
    let shown: Vec<i64> = tickets::for_run(&t.pool, r)
        .await
        .unwrap()
        .into_iter()
        .map(|rt| rt.ticket.id)
        .collect();
    assert_eq!(shown, vec![early.id, later.id]);

    // Remarks follow the same rules.
    let rm = remarks::create(
        &mut conn,
        &remark(vec![Scope::Job { job_id: j }]),
        "ann",
        at(4, 9, 0),
    )
    .await
    .unwrap();
    let shown = remarks::for_run(&t.pool, r).await.unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!((shown[0].remark.id, shown[0].linked), (rm.id, false));
    remarks::link_run(&mut conn, rm.id, r, "ann").await.unwrap();
    remarks::resolve(&mut conn, rm.id, "ann", at(4, 10, 0))
        .await
        .unwrap();
    let shown = remarks::for_run(&t.pool, r).await.unwrap();
    assert_eq!((shown[0].remark.id, shown[0].linked), (rm.id, true));
    let err = remarks::create(
        &mut conn,
        &NewRemark {
            body: "  ".into(),
            scopes: vec![],
        },
        "ann",
        at(4, 11, 0),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DbError::Invalid(_)), "{err}");
}

fn flags(list: &[JobIndicators], job: i64) -> (bool, bool) {
    list.iter()
        .find(|i| i.job_id == job)
        .map(|i| (i.has_open_ticket, i.has_open_remark))
        .unwrap_or_else(|| panic!("no indicators for job {job}"))
}

#[tokio::test]
async fn indicators_show_open_scoped_tickets_and_remarks_only() {
    let t = TestDb::new().await;
    let acme = customer(&t.pool, "Acme").await;
    let other = customer(&t.pool, "Globex").await;
    let a = job(&t.pool, acme, "A", at(1, 0, 0)).await;
    let b = job(&t.pool, acme, "B", at(1, 0, 0)).await;
    let g = job(&t.pool, other, "G", at(1, 0, 0)).await;
    let mut conn = t.pool.acquire().await.unwrap();
    let tk = tickets::create(
        &mut conn,
        &ticket(
            Code::Internal,
            vec![Scope::Object {
                job_id: a,
                object_name: "vm1".into(),
            }],
        ),
        "ann",
        at(2, 8, 0),
    )
    .await
    .unwrap();
    let rm = remarks::create(
        &mut conn,
        &remark(vec![Scope::Customer { customer_id: acme }]),
        "ann",
        at(2, 8, 0),
    )
    .await
    .unwrap();
    // Only jobs with an open item are listed: the job under neither is left out.
    let open = indicators::with_open_items(&t.pool).await.unwrap();
    assert_eq!(flags(&open, a), (true, true));
    assert_eq!(flags(&open, b), (false, true));
    assert!(indicators::find(&open, g).is_none());
    assert!(open.windows(2).all(|w| w[0].job_id < w[1].job_id));

    // Resolving the only scope is enough, as is resolving the item itself.
    let scope = tickets::scopes(&t.pool, tk.id).await.unwrap()[0].id;
    tickets::resolve_scope(&mut conn, scope, "ann", at(3, 8, 0))
        .await
        .unwrap();
    remarks::resolve(&mut conn, rm.id, "ann", at(3, 8, 0))
        .await
        .unwrap();
    assert!(
        indicators::with_open_items(&t.pool)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        tickets::get(&t.pool, tk.id)
            .await
            .unwrap()
            .unwrap()
            .resolved_at
            .is_none()
    );

    let actions = audit_actions(&t.pool).await;
    for want in [
        "ticket.create",
        "remark.create",
        "ticket.scope.resolve",
        "remark.resolve",
    ] {
        assert!(actions.iter().any(|a| a == want), "{want}: {actions:?}");
    }
}

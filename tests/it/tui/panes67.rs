//! Tickets & Remarks (pane 6) and Overrides (pane 7): snapshots, resolving tickets and remarks,
//! deactivating an override, all against the database.

use super::*;
use backupchecks::db::review;
use backupchecks::db::scopes::Scope;
use backupchecks::tui::app::{Overlay, Pending};

async fn both(a: &mut App, name: &str) {
    a.toasts.clear();
    insta::assert_snapshot!(format!("{name}_80x24"), screen(a, 80, 24));
    insta::assert_snapshot!(format!("{name}_160x48"), screen(a, 160, 48));
}

async fn tab(a: &mut App) {
    key(a, KeyCode::Tab, KeyModifiers::NONE).await;
}

/// An Autotask ticket on every job of Bakker & Zn.
async fn autotask_ticket(t: &TestDb) {
    let bakker = db::customers::find_by_name(&t.pool, "bakker & zn")
        .await
        .unwrap()
        .unwrap();
    let mut conn = t.pool.acquire().await.unwrap();
    db::tickets::create(
        &mut conn,
        &db::tickets::NewTicket {
            code: db::tickets::Code::External("T20261119.0042".into()),
            description: "NAS backups fail after the DSM update".into(),
            autotask_ticket_id: Some(4242),
            scopes: vec![Scope::Customer {
                customer_id: bakker.id,
            }],
        },
        "bob",
        now(),
    )
    .await
    .unwrap();
}

/// A ticket, a remark and an override on the failing Acme job, from Run Checks keys.
async fn from_run_checks(a: &mut App) -> i64 {
    let run = a.run_checks.current_run().unwrap().id;
    keys(a, "tn\n").await;
    keys(a, "mVendor case 12345 open for the snapshot timeout").await;
    key(a, KeyCode::Char('s'), KeyModifiers::CONTROL).await;
    keys(a, "o\n").await;
    assert!(a.overlay.is_none(), "{}", toasts(a));
    run
}

#[tokio::test]
async fn tickets_remarks_and_overrides_snapshots() {
    let t = fixture().await;
    autotask_ticket(&t).await;
    let mut a = app(&t);
    ready(&mut a).await;
    from_run_checks(&mut a).await;
    keys(&mut a, "6").await;
    both(&mut a, "tickets").await;
    tab(&mut a).await;
    both(&mut a, "remarks").await;
    keys(&mut a, "7").await;
    both(&mut a, "overrides").await;
    keys(&mut a, "x").await;
    both(&mut a, "confirm_deactivate").await;
}

/// A ticket deleted in Autotask shows as Deleted, not open, and `x` closes it here without
/// going to Autotask (this seat has no Autotask configured at all).
#[tokio::test]
async fn a_ticket_deleted_in_autotask_shows_deleted_and_resolves_here() {
    let t = fixture().await;
    autotask_ticket(&t).await;
    let mut conn = t.pool.acquire().await.unwrap();
    let deleted =
        db::autotask::run_tickets::mark_deleted(&mut conn, 4242, "autotask-poller", now())
            .await
            .unwrap();
    assert!(deleted.changed);
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "6").await;
    let item = a.tickets.current().unwrap().clone();
    assert_eq!(item.code.as_deref(), Some("T20261119.0042"));
    let text = screen(&mut a, 160, 48);
    assert!(text.contains("deleted 20 Nov"), "{text}");
    assert!(text.contains("deleted in Autotask"), "{text}");
    assert!(!text.contains("AT open"), "{text}");

    keys(&mut a, "x").await;
    match &a.overlay {
        Some(Overlay::Confirm {
            question,
            then: Pending::ResolveTicket { .. },
        }) => assert!(question.contains("resolved here only"), "{question}"),
        _ => panic!("expected a local resolve: {}", toasts(&a)),
    }
    keys(&mut a, "y").await;
    let stored = db::tickets::get(&t.pool, item.id).await.unwrap().unwrap();
    assert!(stored.resolved_at.is_some(), "{}", toasts(&a));
    assert!(a.tickets.tickets.is_empty(), "no longer open");
}

#[tokio::test]
async fn resolving_from_pane_6_stops_the_ticket_and_remark_indicators() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    from_run_checks(&mut a).await;
    let q = review::queue(&t.pool, None).await.unwrap();
    let acme = q.iter().find(|r| r.customer_name == "Acme Dental").unwrap();
    assert!(acme.has_open_ticket && acme.has_open_remark);

    keys(&mut a, "6").await;
    assert_eq!(a.tickets.tickets.len(), 1);
    let ticket = a.tickets.current().unwrap().clone();
    let code = ticket.code.clone().unwrap();
    assert_eq!(ticket.scopes, ["Acme Dental › Daily VM Backup"]);
    assert_eq!(ticket.linked_runs, 1);
    keys(&mut a, "y").await;
    assert!(toasts(&a).contains(&format!("copied {code}")));

    // Resolve the ticket: asked first, then stored.
    keys(&mut a, "x").await;
    assert!(matches!(
        &a.overlay,
        Some(Overlay::Confirm {
            then: Pending::ResolveTicket { .. },
            ..
        })
    ));
    keys(&mut a, "y").await;
    let stored = db::tickets::get(&t.pool, ticket.id).await.unwrap().unwrap();
    assert!(stored.resolved_at.is_some());
    assert_eq!(stored.resolved_by.as_deref(), Some("ann"));
    assert!(a.tickets.tickets.is_empty(), "open tickets only");
    keys(&mut a, "i").await;
    assert_eq!(a.tickets.tickets.len(), 1, "resolved ones on request");
    assert!(screen(&mut a, 80, 24).contains("resolved 20 Nov"));
    keys(&mut a, "i").await;

    // Resolve the remark.
    tab(&mut a).await;
    let remark = a.tickets.current().unwrap().clone();
    assert!(remark.text.starts_with("Vendor case 12345"));
    keys(&mut a, "/vendor").await;
    keys(&mut a, "\n").await;
    assert_eq!(a.tickets.visible().len(), 1);
    keys(&mut a, "xy").await;
    let stored = db::remarks::get(&t.pool, remark.id).await.unwrap().unwrap();
    assert!(stored.resolved_at.is_some());

    // The queue no longer shows 🎫 or 💬 for the job.
    let q = review::queue(&t.pool, None).await.unwrap();
    let acme = q.iter().find(|r| r.customer_name == "Acme Dental").unwrap();
    assert!(!acme.has_open_ticket && !acme.has_open_remark);
    keys(&mut a, "3").await;
    let row = a.run_checks.current_job().unwrap();
    assert!(!row.has_open_ticket && !row.has_open_remark);
    // The queue line of the job (the run detail beside it keeps its links as the audit trail).
    let shown = screen(&mut a, 160, 48);
    let line = shown.lines().find(|l| l.contains("▶ Acme Dental")).unwrap();
    let queue = line.split("││").next().unwrap();
    assert!(!queue.contains('🎫') && !queue.contains('💬'), "{queue}");
}

#[tokio::test]
async fn an_autotask_ticket_is_resolved_through_autotask() {
    let t = fixture().await;
    autotask_ticket(&t).await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "6").await;
    assert!(screen(&mut a, 80, 24).contains("AT"));
    keys(&mut a, "x").await;
    let Some(Overlay::Confirm { question, then }) = &a.overlay else {
        panic!("no confirmation")
    };
    assert!(question.contains("Complete in Autotask"), "{question}");
    assert!(matches!(
        then,
        Pending::ResolveAutotask {
            autotask_id: 4242,
            ..
        }
    ));
    // Without Autotask configured nothing changes here.
    keys(&mut a, "y").await;
    assert!(toasts(&a).contains("Autotask is not configured"));
    assert!(a.tickets.current().unwrap().resolved_at.is_none());
}

#[tokio::test]
async fn deactivating_an_override_from_pane_7_restores_the_parsed_status() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    let run = a.run_checks.current_run().unwrap().id;
    keys(&mut a, "o\n").await;
    let r = db::runs::get(&t.pool, run).await.unwrap().unwrap();
    assert_eq!(r.effective_status, "Success (override)");

    keys(&mut a, "7").await;
    assert_eq!(a.overrides.rows.len(), 1);
    assert!(screen(&mut a, 80, 24).contains("Acme Dental › Daily VM Backup"));
    keys(&mut a, "/nothing-like-this").await;
    assert!(a.overrides.current().is_none());
    keys(&mut a, "\u{1b}").await;
    assert!(a.overrides.current().is_some());
    keys(&mut a, "x").await;
    assert!(matches!(
        &a.overlay,
        Some(Overlay::Confirm {
            then: Pending::DeactivateOverride(_),
            ..
        })
    ));
    keys(&mut a, "y").await;
    assert!(
        toasts(&a).contains("1 run changed status"),
        "{}",
        toasts(&a)
    );
    let r = db::runs::get(&t.pool, run).await.unwrap().unwrap();
    assert_eq!(r.effective_status, r.parsed_status);
    assert_eq!(r.effective_status, "Failed");
    assert!(a.overrides.rows.is_empty(), "active ones only");
    keys(&mut a, "i").await;
    assert_eq!(a.overrides.rows.len(), 1);
    assert!(!a.overrides.rows[0].over.rule.active);
    keys(&mut a, "x").await;
    assert!(a.overlay.is_none());
    assert!(toasts(&a).contains("inactive already"));
}

#[tokio::test]
async fn enter_shows_the_jobs_of_a_ticket_or_override_in_run_checks() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    assert_eq!(
        a.run_checks.current_job().unwrap().customer_name,
        "Acme Dental"
    );
    from_run_checks(&mut a).await;
    keys(&mut a, "6\n").await;
    assert_eq!(a.pane, backupchecks::tui::panes::Pane::RunChecks);
    assert_eq!(a.run_checks.jobs.filter, "Acme Dental Daily VM Backup");
    assert_eq!(a.run_checks.visible().len(), 1);
    keys(&mut a, "\u{1b}7\n").await;
    assert_eq!(a.run_checks.jobs.filter, "Acme Dental Daily VM Backup");
    assert_eq!(
        a.run_checks.current_job().unwrap().job_name,
        "Daily VM Backup"
    );
}

//! The Autotask ticket of a run from Run Checks against the stand-in Autotask: preview, send
//! (once, even with a double Enter), copy, resolve; blocked without a mapping; a seat without
//! Autotask says so.

use super::*;
use crate::support::autotask::{ACME, MockAutotask, QUEUE_MONITORING, STATUS_COMPLETE};
use backupchecks::db::autotask::mapping as db_mapping;
use backupchecks::db::settings::{self, keys};
use backupchecks::psa::autotask::fake::USERNAME;
use backupchecks::psa::picklist_cache;
use backupchecks::tui::app::{Overlay, Pending};
use backupchecks::tui::panes::settings::ConfigSummary;

/// The app with the stand-in Autotask as its client, the picklists fetched.
pub async fn autotask_app(t: &TestDb) -> (MockAutotask, App) {
    let m = MockAutotask::start().await;
    m.state().now = now();
    let client = Arc::new(m.client());
    picklist_cache::refresh(&t.pool, &client, now())
        .await
        .unwrap();
    let mut a = app(t);
    a.services.autotask = Some(client);
    a.services.autotask_config = Some((m.config(), m.options()));
    a.settings.config = ConfigSummary {
        autotask_configured: true,
        autotask_environment: "production".into(),
        autotask_user: Some(USERNAME.into()),
        autotask_secret: true,
        autotask_integration_code: true,
        autotask_fixed_url: true,
        graph_configured: false,
    };
    (m, a)
}

/// Maps Acme Dental to the fake's Acme Corporation and sets a default queue.
pub async fn map_acme(t: &TestDb) -> i64 {
    let c = db::customers::find_by_name(&t.pool, "Acme Dental")
        .await
        .unwrap()
        .unwrap();
    let mut conn = t.pool.acquire().await.unwrap();
    db_mapping::set(&mut conn, c.id, ACME, "Acme Corporation", "ann", now())
        .await
        .unwrap();
    settings::set(&t.pool, keys::AUTOTASK_QUEUE_ID, &QUEUE_MONITORING, "ann")
        .await
        .unwrap();
    c.id
}

fn preview_open(a: &App) -> bool {
    matches!(a.overlay, Some(Overlay::TicketPreview(_)))
}

/// Tickets are for problem runs: on a run that succeeded, `t a` asks before it prepares one.
#[tokio::test]
async fn a_ticket_for_a_successful_run_is_only_prepared_after_a_yes() {
    let t = fixture().await;
    let (_m, mut a) = autotask_app(&t).await;
    ready(&mut a).await;
    keys(&mut a, "G").await;
    a.settle().await;
    let run = a.run_checks.current_run().unwrap().clone();
    assert_eq!(run.effective_status, "Success");
    keys(&mut a, "ta").await;
    assert!(!preview_open(&a));
    match &a.overlay {
        Some(Overlay::Confirm {
            question,
            then: Pending::AutotaskPreview(id),
        }) => {
            assert_eq!(*id, run.id);
            assert!(question.contains("This run succeeded"), "{question}");
        }
        _ => panic!("expected a question first: {}", toasts(&a)),
    }
    keys(&mut a, "n").await;
    assert!(a.overlay.is_none() && !preview_open(&a));
    keys(&mut a, "ta").await;
    keys(&mut a, "y").await;
    assert!(preview_open(&a), "{}", toasts(&a));
}

#[tokio::test]
async fn ticket_preview_snapshots() {
    let t = fixture().await;
    map_acme(&t).await;
    let (_m, mut a) = autotask_app(&t).await;
    ready(&mut a).await;
    keys(&mut a, "ta").await;
    assert!(preview_open(&a), "{}", toasts(&a));
    a.toasts.clear();
    insta::assert_snapshot!("autotask_preview_80x24", screen(&mut a, 80, 24));
    insta::assert_snapshot!("autotask_preview_160x48", screen(&mut a, 160, 48));
}

#[tokio::test]
async fn without_a_default_queue_the_preview_chooses_one_and_keeps_it_as_the_default() {
    let t = fixture().await;
    let acme = db::customers::find_by_name(&t.pool, "Acme Dental")
        .await
        .unwrap()
        .unwrap();
    let mut conn = t.pool.acquire().await.unwrap();
    db_mapping::set(&mut conn, acme.id, ACME, "Acme Corporation", "ann", now())
        .await
        .unwrap();
    drop(conn);
    let (m, mut a) = autotask_app(&t).await;
    ready(&mut a).await;
    keys(&mut a, "ta").await;
    assert!(preview_open(&a), "{}", toasts(&a));
    assert!(screen(&mut a, 160, 48).contains("No queue: none is set as the default"));
    // f: the fields; Enter on the first, the queue; then its values from the cached picklist.
    keys(&mut a, "f\n").await;
    let Some(Overlay::Choose(c)) = &a.overlay else {
        panic!("no choice of queues")
    };
    let at = c
        .options
        .iter()
        .position(|(v, _)| *v == Some(QUEUE_MONITORING))
        .expect("the monitoring queue is listed");
    for _ in 0..at.saturating_sub(c.cursor) {
        keys(&mut a, "j").await;
    }
    // d: for this ticket, and as the default of the next ones.
    keys(&mut a, "d").await;
    assert!(preview_open(&a), "{}", toasts(&a));
    let s = screen(&mut a, 160, 48);
    assert!(!s.contains("No queue:"), "{s}");
    let defaults = backupchecks::db::autotask::defaults::read(&t.pool)
        .await
        .unwrap();
    assert_eq!(defaults.queue_id, Some(QUEUE_MONITORING));
    keys(&mut a, "\n").await;
    assert!(!preview_open(&a), "{}", toasts(&a));
    let s = m.state();
    let (_, ticket) = s.tickets.iter().next().expect("a ticket was created");
    assert_eq!(ticket["queueID"], QUEUE_MONITORING);
}

#[tokio::test]
async fn a_ticket_from_a_failed_run_is_sent_once_shows_on_the_run_and_resolves_in_autotask() {
    let t = fixture().await;
    map_acme(&t).await;
    let (m, mut a) = autotask_app(&t).await;
    ready(&mut a).await;
    let run = a.run_checks.current_run().unwrap().id;
    keys(&mut a, "ta").await;
    assert!(preview_open(&a));
    // The description can be edited before sending.
    keys(&mut a, "e").await;
    key(&mut a, KeyCode::End, KeyModifiers::CONTROL).await;
    keys(&mut a, " Checked by ann.").await;
    keys(&mut a, "\u{1b}").await;
    // Two Enters before anything comes back: one create.
    a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    a.settle().await;
    assert!(!preview_open(&a), "{}", toasts(&a));
    let (id, number, description) = {
        let s = m.state();
        assert_eq!(s.count("POST Tickets"), 1);
        assert_eq!(s.tickets.len(), 1);
        let (id, ticket) = s.tickets.iter().next().unwrap();
        (
            *id,
            s.ticket_number(*id).unwrap(),
            ticket["description"].as_str().unwrap().to_string(),
        )
    };
    assert!(description.contains("Checked by ann."), "{description}");
    assert!(toasts(&a).contains(&format!("Autotask ticket {number} created")));
    // The run's detail shows it and y copies it.
    let d = a.run_checks.detail.clone().unwrap();
    assert_eq!(d.run.id, run);
    assert_eq!(d.ticket_code(), Some(number.as_str()));
    assert!(screen(&mut a, 160, 48).contains(&format!("{number} (Autotask, open)")));
    keys(&mut a, "y").await;
    assert!(toasts(&a).contains(&format!("copied {number}")));

    // Asking again offers the open ticket instead of a second one.
    keys(&mut a, "ta").await;
    assert!(screen(&mut a, 80, 24).contains("l links it"));
    keys(&mut a, "\n\u{1b}").await;
    assert_eq!(m.state().count("POST Tickets"), 1);

    // Resolve: Complete (and a note) in Autotask, resolved here.
    keys(&mut a, "tr").await;
    assert!(screen(&mut a, 160, 48).contains("Complete in Autotask"));
    keys(&mut a, "y").await;
    assert_eq!(m.state().ticket(id).unwrap()["status"], STATUS_COMPLETE);
    assert_eq!(m.state().notes.len(), 1);
    let tickets = db::tickets::for_run(&t.pool, run).await.unwrap();
    assert!(tickets[0].ticket.resolved_at.is_some());
    assert!(toasts(&a).contains("completed in Autotask and resolved"));
}

#[tokio::test]
async fn the_preview_is_blocked_for_an_unmapped_customer() {
    let t = fixture().await;
    let (m, mut a) = autotask_app(&t).await;
    ready(&mut a).await;
    keys(&mut a, "ta").await;
    let Some(Overlay::TicketPreview(d)) = &a.overlay else {
        panic!("no preview: {}", toasts(&a))
    };
    assert!(
        d.preview.blocked.as_deref().unwrap().contains("not mapped"),
        "{:?}",
        d.preview.blocked
    );
    let text = screen(&mut a, 80, 24);
    assert!(text.contains("Cannot send"), "{text}");
    keys(&mut a, "\n").await;
    assert_eq!(m.state().count("POST Tickets"), 0);
    assert!(toasts(&a).contains("Customers (5)"));
}

#[tokio::test]
async fn without_autotask_the_menu_says_it_is_not_configured() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "t").await;
    assert!(screen(&mut a, 80, 24).contains("Autotask: not configured"));
    keys(&mut a, "a").await;
    assert!(a.overlay.is_none());
    assert!(toasts(&a).contains("autotask.username"));
}

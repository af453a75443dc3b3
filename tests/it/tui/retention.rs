//! Retention in the interface: a mail whose raw source retention dropped says so in the Inbox
//! detail and in the pager, re-parse skips it with the reason, and `R` in Activity asks for a
//! pass (admins only) whose counts land in the task log.

use super::{app, fixture, keys, now, ready, screen, seat, toasts};
use backupchecks::db::retention::{self, PassReport, Rules};
use backupchecks::domain::roles::Role;
use backupchecks::services::retention::Event;
use backupchecks::tui::action::Action;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[tokio::test]
async fn a_mail_without_its_raw_source_says_so_and_is_not_parsed_again() {
    let t = fixture().await;
    let rules = Rules {
        raw_days: Some(1),
        deleted_days: None,
    };
    // Two days on, everything received before yesterday loses its raw source.
    let later = now() + chrono::TimeDelta::days(2);
    let r = retention::run_pass(&t.pool, rules, later, 1000, &|| false)
        .await
        .unwrap();
    assert!(r.raw_dropped > 0);
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "1").await;
    let shown = screen(&mut a, 160, 48);
    assert!(
        shown.contains("raw source removed by retention on 2026-11-22"),
        "{shown}"
    );

    keys(&mut a, "E").await;
    let pager = a.pager.take().expect("the pager opens");
    assert!(
        pager.contains("raw source removed by retention on 2026-11-22"),
        "{pager}"
    );

    a.toasts.clear();
    keys(&mut a, "p").await;
    let said = toasts(&a);
    assert!(
        said.contains("skipped") && said.contains("raw source removed by retention"),
        "{said}"
    );
}

#[tokio::test]
async fn r_in_activity_runs_retention_for_an_admin_only_and_the_pass_is_logged() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "8").await;
    // No retention in this session: said so.
    keys(&mut a, "R").await;
    assert!(
        toasts(&a).contains("retention does not run"),
        "{}",
        toasts(&a)
    );

    let asked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&asked);
    a.services.retention_now = Some(Box::new(move || {
        counter.fetch_add(1, Ordering::SeqCst);
    }));
    a.toasts.clear();
    keys(&mut a, "R").await;
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert!(toasts(&a).contains("retention started"), "{}", toasts(&a));

    a.update(Action::RetentionEvent(Event::Finished(PassReport {
        raw_dropped: 1200,
        mails_deleted: 35,
        batches: 3,
        ..PassReport::default()
    })));
    let logged: Vec<String> = a.activity.tasks.iter().map(|e| e.text.clone()).collect();
    assert!(
        logged.iter().any(|t| t
            == "finished: raw source of 1200 mails dropped, 35 deleted mails removed for good"),
        "{logged:?}"
    );

    a.set_seat(seat(Role::Operator));
    a.toasts.clear();
    keys(&mut a, "R").await;
    assert_eq!(asked.load(Ordering::SeqCst), 1, "an operator may not");
    assert!(toasts(&a).contains("not available"), "{}", toasts(&a));
}

//! The interface follows the seat's role: what a role may not use is not on the tab bar, in the
//! help or on the hint line, and its keys say so instead of acting; `:role` switches roles and
//! the database follows.

use super::{app, fixture, keys, last_toast, ready, screen, seat};
use crate::support::db::TestLogin;
use backupchecks::config::Secret;
use backupchecks::db::Database;
use backupchecks::domain::roles::Role;
use backupchecks::tui::app::{App, Seat};
use backupchecks::tui::panes::Pane;

#[tokio::test]
async fn a_viewer_sees_no_run_checks_and_no_key_that_changes_anything() {
    let t = fixture().await;
    let mut a = app(&t);
    a.set_seat(seat(Role::Viewer));
    ready(&mut a).await;
    assert_eq!(a.pane, Pane::DailyJobs, "a viewer starts where it may look");
    let s = screen(&mut a, 160, 30);
    let top = s.lines().next().unwrap().to_string();
    assert!(!top.contains("Run Checks"), "{top}");
    assert!(top.contains("Inbox") && top.contains("Daily Jobs"), "{top}");
    assert!(top.contains("viewer"), "{top}");

    // The number key of Run Checks says why instead of going there.
    keys(&mut a, "3").await;
    assert_eq!(a.pane, Pane::DailyJobs);
    assert!(
        last_toast(&a).contains("not available to the viewer role"),
        "{}",
        last_toast(&a)
    );

    // Inbox: no approve or delete on the hint line, and `a` opens nothing.
    keys(&mut a, "1").await;
    let s = screen(&mut a, 160, 30);
    let hints = s.lines().last().unwrap().to_string();
    assert!(
        !hints.contains("approve") && !hints.contains("delete"),
        "{hints}"
    );
    keys(&mut a, "a").await;
    assert!(a.overlay.is_none(), "approve opened for a viewer");
    assert!(last_toast(&a).contains(":approve is not available"));

    // Help lists only what the role may use.
    keys(&mut a, "?").await;
    let s = screen(&mut a, 160, 48);
    assert!(!s.contains("approve (marked mails too)"), "{s}");
    assert!(s.contains("filter"));
    keys(&mut a, "\u{1b}").await;

    // Activity: the task log only; the audit log is not loaded (the database would refuse it).
    keys(&mut a, "8").await;
    let s = screen(&mut a, 160, 30);
    assert!(s.contains("the audit log is for admins"), "{s}");
    assert!(a.activity.entries.is_empty());
}

#[tokio::test]
async fn an_operator_reviews_but_cannot_change_settings_or_read_the_audit_log() {
    let t = fixture().await;
    let mut a = app(&t);
    a.set_seat(seat(Role::Operator));
    ready(&mut a).await;
    assert_eq!(a.pane, Pane::RunChecks);
    let s = screen(&mut a, 160, 30);
    assert!(s.lines().last().unwrap().contains("review"), "{s}");
    keys(&mut a, "9").await;
    keys(&mut a, "\n").await;
    assert!(a.overlay.is_none(), "a setting opened for editing");
    assert!(last_toast(&a).contains("not available to the operator role"));
}

#[tokio::test]
async fn role_switches_from_the_command_line_and_the_database_follows() {
    let t = fixture().await;
    let login = TestLogin::new(&["backupchecks_operator", "backupchecks_viewer"]).await;
    let db = Database::open_url(&Secret::new(t.url_as(&login.name)))
        .await
        .unwrap();
    let mut a = App::new(
        db.pool().clone(),
        backupchecks::tui::theme::Theme::default(),
        "ann".into(),
        chrono_tz::UTC,
        std::sync::Arc::new(super::now),
    );
    a.set_seat(Seat {
        login: db.login().clone(),
        role: db.role(),
        switch: Some(db.active_role().clone()),
    });
    ready(&mut a).await;
    assert_eq!(a.seat.role, Role::Operator);
    keys(&mut a, ":role viewer\n").await;
    assert_eq!(a.seat.role, Role::Viewer, "{}", last_toast(&a));
    assert_ne!(a.pane, Pane::RunChecks);
    let acting: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(acting, "backupchecks_viewer");
    // A role the login does not have is refused with its roles named.
    keys(&mut a, ":role admin\n").await;
    assert_eq!(a.seat.role, Role::Viewer);
    assert!(
        last_toast(&a).contains("roles: viewer, operator"),
        "{}",
        last_toast(&a)
    );
    keys(&mut a, ":role operator\n").await;
    assert_eq!(a.seat.role, Role::Operator);
    let acting: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(acting, login.name);
    drop(a);
    db.close().await.unwrap();
}

#[tokio::test]
async fn a_reporter_sees_the_reports_and_nothing_else() {
    let t = fixture().await;
    let mut a = app(&t);
    a.set_seat(seat(Role::Reporter));
    ready(&mut a).await;
    assert_eq!(a.pane, Pane::Reports, "a reporter starts in Reports");
    let s = screen(&mut a, 160, 30);
    let top = s.lines().next().unwrap().to_string();
    assert!(top.contains("0 Reports"), "{top}");
    for other in ["Inbox", "Daily Jobs", "Run Checks", "Customers", "Settings"] {
        assert!(
            !top.contains(other),
            "{other} on a reporter's tab bar: {top}"
        );
    }
    keys(&mut a, "1").await;
    assert_eq!(a.pane, Pane::Reports);
    // The fixture's runs are in November 2026; the pane opens on the month before.
    assert!(s.contains("October 2026") || s.contains("2026-10"), "{s}");
    keys(&mut a, "]").await;
    let s = screen(&mut a, 160, 30);
    assert!(
        s.contains("Acme Dental") && s.contains("Bakker & Zn"),
        "{s}"
    );
    assert!(s.contains('█'), "a success-rate bar:\n{s}");
    assert!(s.lines().last().unwrap().contains("x write"), "{s}");
}

//! The Reports pane's report schedules: Tab shows them with their deliveries, a reporter only
//! looks, an admin settles a delivery whose outcome is unknown; `o` without `$BROWSER` says so.

use super::{app, fixture, key, keys, ready, screen, seat};
use backupchecks::db::report_schedules::{self as db, NewSchedule, State};
use backupchecks::domain::report_schedule::Cadence;
use backupchecks::domain::roles::Role;
use backupchecks::reports::Format;
use backupchecks::tui::app::{App, Overlay};
use backupchecks::tui::panes::Pane;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

fn last_toast(a: &App) -> String {
    a.toasts.last().map(|t| t.text.clone()).unwrap_or_default()
}

/// A monthly schedule whose October delivery to ops@ has an unknown outcome.
async fn with_unknown_delivery(t: &crate::support::db::TestDb) -> i64 {
    let mut conn = t.pool.acquire().await.unwrap();
    let s = db::add(
        &mut conn,
        &NewSchedule {
            name: "Monthly to the team".into(),
            cadence: Cadence::Monthly(1),
            hour: 6,
            customers: Vec::new(),
            formats: vec![Format::Pdf, Format::Csv],
            recipients: vec!["ops@msp.example".into()],
            to_customers: false,
        },
        "ann",
    )
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO report_deliveries (schedule_id, period_from, period_to, part, state, \
           recipients, attempts, last_error) \
         VALUES ($1, '2026-10-01', '2026-10-31', 'internal', 'unknown', '{ops@msp.example}', 1, \
           'no answer from Microsoft Graph')",
    )
    .bind(s.id)
    .execute(&t.pool)
    .await
    .unwrap();
    s.id
}

#[tokio::test]
async fn tab_shows_the_schedules_and_an_admin_settles_an_unknown_delivery() {
    let t = fixture().await;
    with_unknown_delivery(&t).await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "0").await;
    assert_eq!(a.pane, Pane::Reports);
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    let s = screen(&mut a, 160, 40);
    assert!(s.contains("Report schedules · 1 to settle"), "{s}");
    assert!(
        s.contains("Monthly to the team") && s.contains("monthly:1 06:00"),
        "{s}"
    );
    assert!(s.contains("2026-10-01 unknown"), "{s}");
    assert!(s.contains("no answer from Microsoft Graph"), "{s}");
    assert!(s.lines().last().unwrap().contains("R run"), "{s}");
    a.toasts.clear();
    insta::assert_snapshot!("report_schedules_120x30", screen(&mut a, 120, 30));

    // S: asked, then recorded as sent.
    keys(&mut a, "S").await;
    assert!(
        matches!(a.overlay, Some(Overlay::Confirm { .. })),
        "{}",
        last_toast(&a)
    );
    keys(&mut a, "y").await;
    ready(&mut a).await;
    let d = &db::deliveries(&t.pool, None, 1).await.unwrap()[0];
    assert_eq!(d.state, State::Sent);
    let s = screen(&mut a, 160, 40);
    assert!(s.contains("2026-10-01 sent"), "{s}");
    assert!(!s.contains("to settle"), "{s}");

    // R without a scheduler in this seat says where to run it.
    keys(&mut a, "R").await;
    assert!(
        a.toasts
            .iter()
            .any(|t| t.text.contains("report schedule run-now")),
        "{:?}",
        a.toasts
    );

    // Tab: back to the report.
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    let s = screen(&mut a, 160, 40);
    assert!(s.contains("Reports — October 2026"), "{s}");
}

#[tokio::test]
async fn a_reporter_sees_the_schedules_but_cannot_settle_or_remove() {
    let t = fixture().await;
    with_unknown_delivery(&t).await;
    let mut a = app(&t);
    a.set_seat(seat(Role::Reporter));
    ready(&mut a).await;
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    let s = screen(&mut a, 160, 40);
    assert!(s.contains("Monthly to the team"), "{s}");
    let hints = s.lines().last().unwrap().to_string();
    assert!(
        !hints.contains("R run") && !hints.contains("s resend"),
        "{hints}"
    );
    keys(&mut a, "sSd").await;
    assert!(
        a.overlay.is_none(),
        "a reporter was asked to change a schedule"
    );
    let d = &db::deliveries(&t.pool, None, 1).await.unwrap()[0];
    assert_eq!(d.state, State::Unknown);
}

#[tokio::test]
async fn o_without_browser_says_so() {
    // The test environment has no $BROWSER; if it has one, this test is not about it.
    if std::env::var("BROWSER").is_ok_and(|b| !b.trim().is_empty()) {
        return;
    }
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "0o").await;
    assert!(
        last_toast(&a).contains("$BROWSER is not set"),
        "{:?}",
        a.toasts
    );
    assert!(a.browser.is_none());
}

/// The scheduler's pass in Activity's task log: a mail not sent and a mail maybe sent are
/// error lines of their own, with what to do.
#[tokio::test]
async fn activity_shows_mails_not_sent_and_maybe_sent_as_errors() {
    use backupchecks::services::report_scheduler::{Event, PassReport};
    use backupchecks::tui::action::Action;
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    a.update(Action::ReportEvent(Event::Finished(PassReport {
        generated: 2,
        sent: 1,
        failed: vec!["Monthly / Acme 2026-11-01: sending as x denied (HTTP 403)".into()],
        unknown: vec!["Monthly / internal 2026-11-01 (delivery 7): no answer".into()],
        notes: vec!["Monthly: customer Beta has no contact address".into()],
    })));
    let lines: Vec<(String, bool)> = a
        .activity
        .tasks
        .iter()
        .filter(|e| e.task == "reports")
        .map(|e| (e.text.clone(), e.failed))
        .collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].0.starts_with("not sent: Monthly / Acme") && lines[0].1);
    assert!(lines[1].0.contains("delivery 7") && lines[1].0.contains("s resends") && lines[1].1);
    assert!(!lines[2].1 && lines[2].0.contains("no contact address"));
    assert_eq!(lines[3], ("2 generated, 1 mailed".to_string(), false));
}

/// `@` in Customers: the contact address for the customer's own report, checked, saved, and
/// cleared with an empty field.
#[tokio::test]
async fn at_in_customers_sets_the_report_contact() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "5").await;
    assert_eq!(a.pane, Pane::Customers);
    let name = a.customers_pane.current().map(|c| c.name.clone()).unwrap();
    keys(&mut a, "@not an address\n").await;
    assert!(
        matches!(a.overlay, Some(Overlay::Input(_))),
        "a bad address was taken"
    );
    assert!(
        a.toasts
            .iter()
            .any(|t| t.text.contains("is not a mail address")),
        "{:?}",
        a.toasts
    );
    keys(&mut a, "\u{1b}@it@example.com\n").await;
    ready(&mut a).await;
    let contact: Option<String> =
        sqlx::query_scalar("SELECT contact_email FROM customers WHERE name = $1")
            .bind(&name)
            .fetch_one(&t.pool)
            .await
            .unwrap();
    assert_eq!(contact.as_deref(), Some("it@example.com"));
    assert_eq!(
        a.customers_pane
            .current()
            .and_then(|c| c.contact_email.clone()),
        Some("it@example.com".into())
    );
    // Cleared: the field comes pre-filled; Ctrl-u empties it.
    keys(&mut a, "@").await;
    key(&mut a, KeyCode::Char('u'), KeyModifiers::CONTROL).await;
    keys(&mut a, "\n").await;
    ready(&mut a).await;
    let contact: Option<String> =
        sqlx::query_scalar("SELECT contact_email FROM customers WHERE name = $1")
            .bind(&name)
            .fetch_one(&t.pool)
            .await
            .unwrap();
    assert_eq!(contact, None);
}

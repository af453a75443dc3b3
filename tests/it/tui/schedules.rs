//! The Reports pane's report schedules: Tab shows them with their deliveries, a reporter only
//! looks, an admin adds a schedule with the form and settles a delivery whose outcome is
//! unknown; `o` without `$BROWSER` says so.

use super::{app, fixture, key, keys, last_toast, ready, screen, seat};
use backupchecks::db::report_schedules::{self as db, NewSchedule, State};
use backupchecks::domain::report_schedule::Cadence;
use backupchecks::domain::roles::Role;
use backupchecks::reports::Format;
use backupchecks::tui::app::{App, Overlay};
use backupchecks::tui::panes::Pane;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

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
    assert!(!hints.contains("a add"), "{hints}");
    keys(&mut a, "?").await;
    let help = screen(&mut a, 100, 60);
    assert!(
        help.contains("Reports: schedules") && !help.contains("add a schedule"),
        "{help}"
    );
    keys(&mut a, "\u{1b}").await;
    keys(&mut a, "sSd").await;
    assert!(
        a.overlay.is_none(),
        "a reporter was asked to change a schedule"
    );
    // a: no form, and the reason.
    keys(&mut a, "a").await;
    assert!(a.overlay.is_none(), "a reporter got the schedule form");
    assert!(
        last_toast(&a).contains(":add_schedule is not available to the"),
        "{:?}",
        a.toasts
    );
    assert_eq!(db::list(&t.pool).await.unwrap().len(), 1);
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

/// Ctrl-u empties the pre-filled field under the cursor; then `text` is typed and Tab goes on.
async fn replace(a: &mut App, text: &str) {
    key(a, KeyCode::Char('u'), KeyModifiers::CONTROL).await;
    keys(a, text).await;
    key(a, KeyCode::Tab, KeyModifiers::NONE).await;
}

fn form_error(a: &App) -> Option<String> {
    match &a.overlay {
        Some(Overlay::Schedule(form)) => form.error.clone(),
        _ => None,
    }
}

/// `a` in the schedules: the form, filled in, stores the schedule with the fields typed,
/// audited as the command line's add, and the list shows it at once.
#[tokio::test]
async fn an_admin_adds_a_schedule_with_the_form() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "0").await;
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    let s = screen(&mut a, 160, 40);
    assert!(s.contains("No report schedules: a adds one"), "{s}");
    assert!(s.lines().last().unwrap().contains("a add"), "{s}");
    // The help, from the keymap: the pane's key and the form's keys.
    keys(&mut a, "?").await;
    let help = screen(&mut a, 100, 60);
    assert!(help.contains("Reports: schedules"), "{help}");
    assert!(help.contains("a               add a schedule"), "{help}");
    keys(&mut a, "\u{1b}").await;
    assert!(a.overlay.is_none());
    keys(&mut a, "a").await;
    assert!(
        matches!(a.overlay, Some(Overlay::Schedule(_))),
        "{}",
        last_toast(&a)
    );
    keys(&mut a, "Weekly for Acme").await;
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    replace(&mut a, "weekly:mon").await;
    replace(&mut a, "7").await;
    replace(&mut a, "acme dental").await;
    replace(&mut a, "csv, pdf").await;
    replace(&mut a, "ops@msp.example, boss@msp.example").await;
    key(&mut a, KeyCode::Right, KeyModifiers::NONE).await;
    insta::assert_snapshot!("report_schedule_form_120x30", screen(&mut a, 120, 30));
    keys(&mut a, "\n").await;
    ready(&mut a).await;
    assert!(a.overlay.is_none(), "{:?}", form_error(&a));
    assert!(
        last_toast(&a).contains("schedule Weekly for Acme added"),
        "{:?}",
        a.toasts
    );

    let stored = db::list(&t.pool).await.unwrap();
    assert_eq!(stored.len(), 1);
    let s = &stored[0];
    assert_eq!(s.name, "Weekly for Acme");
    assert_eq!(s.cadence, Cadence::Weekly(chrono::Weekday::Mon));
    assert_eq!(s.hour, 7);
    let acme: i64 = sqlx::query_scalar("SELECT id FROM customers WHERE name = 'Acme Dental'")
        .fetch_one(&t.pool)
        .await
        .unwrap();
    assert_eq!(s.customer_ids, Some(vec![acme]));
    assert_eq!(s.formats, vec![Format::Csv, Format::Pdf]);
    assert_eq!(s.recipients, vec!["ops@msp.example", "boss@msp.example"]);
    assert!(s.to_customers);
    let audited: Vec<(String, String)> = sqlx::query_as(
        "SELECT operator, details->>'cadence' FROM audit_log \
         WHERE action = 'report_schedule.add' AND entity_id = $1",
    )
    .bind(s.id)
    .fetch_all(&t.pool)
    .await
    .unwrap();
    assert_eq!(audited, vec![("ann".to_string(), "weekly:mon".to_string())]);

    let shown = screen(&mut a, 160, 40);
    assert!(
        shown.contains("Weekly for Acme") && shown.contains("weekly:mon 07:00"),
        "{shown}"
    );
    assert!(shown.contains("csv+pdf"), "{shown}");
}

/// What `report schedule add` refuses, the form refuses too, and stays open with the reason
/// until the fields are right; nothing is stored meanwhile.
#[tokio::test]
async fn the_form_refuses_what_the_command_line_refuses_and_stays_open() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "0").await;
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    keys(&mut a, "a").await;

    // No name.
    keys(&mut a, "\n").await;
    assert_eq!(form_error(&a).as_deref(), Some("a schedule needs a name"));
    keys(&mut a, "Monthly").await;
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;

    // Day 32: the cursor goes to the row at fault.
    replace(&mut a, "monthly:32").await;
    keys(&mut a, "\n").await;
    let e = form_error(&a).unwrap_or_default();
    assert!(e.contains("bad schedule `monthly:32`"), "{e}");
    let s = screen(&mut a, 120, 30);
    assert!(s.contains("✖ bad schedule `monthly:32`"), "{s}");
    match &a.overlay {
        Some(Overlay::Schedule(form)) => assert_eq!(form.field, 1),
        _ => panic!("the form closed"),
    }
    replace(&mut a, "monthly:31").await;

    // Hour 24.
    replace(&mut a, "24").await;
    keys(&mut a, "\n").await;
    assert!(
        form_error(&a)
            .unwrap_or_default()
            .contains("hour `24` is not 0–23")
    );
    replace(&mut a, "23").await;

    // An unknown format.
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    replace(&mut a, "pdf, docx").await;
    keys(&mut a, "\n").await;
    assert_eq!(
        form_error(&a).as_deref(),
        Some("`docx` is not one of pdf, html, csv, md, json")
    );
    replace(&mut a, "pdf").await;

    // A bad address.
    replace(&mut a, "ops@msp.example, not an address").await;
    keys(&mut a, "\n").await;
    assert_eq!(
        form_error(&a).as_deref(),
        Some("“not an address” is not a mail address")
    );
    replace(&mut a, "ops@msp.example").await;

    // An unknown customer: refused by the database, the form kept.
    for _ in 0..3 {
        key(&mut a, KeyCode::BackTab, KeyModifiers::NONE).await;
    }
    replace(&mut a, "Nobody BV").await;
    keys(&mut a, "\n").await;
    ready(&mut a).await;
    assert!(
        form_error(&a)
            .unwrap_or_default()
            .contains("not added: no customer named “Nobody BV”"),
        "{:?} {:?}",
        form_error(&a),
        a.toasts
    );
    assert!(db::list(&t.pool).await.unwrap().is_empty());

    // A name in use: the same.
    db::add(
        &mut t.pool.acquire().await.unwrap(),
        &NewSchedule {
            name: "Monthly".into(),
            cadence: Cadence::Monthly(1),
            hour: 6,
            customers: Vec::new(),
            formats: vec![Format::Pdf],
            recipients: Vec::new(),
            to_customers: false,
        },
        "bob",
    )
    .await
    .unwrap();
    key(&mut a, KeyCode::BackTab, KeyModifiers::NONE).await;
    replace(&mut a, "").await;
    keys(&mut a, "\n").await;
    ready(&mut a).await;
    assert_eq!(
        form_error(&a).as_deref(),
        Some("not added: a schedule with that name exists already")
    );

    // Esc leaves without adding.
    keys(&mut a, "\u{1b}").await;
    assert!(a.overlay.is_none());
    assert_eq!(db::list(&t.pool).await.unwrap().len(), 1);
}

//! The terminal interface on a real database: snapshots of every pane and dialog at 80×24 and
//! 160×48 with a fixed clock and data, and key sequences that drive the real flows.

mod autotask;
mod command_line;
mod customers;
mod daily;
mod deletion;
mod feedback;
mod flows;
mod loads;
mod looks;
mod navigation;
mod panes48;
mod panes67;
mod parsers;
mod retention;
mod roles;
mod schedules;
mod scroll;
mod snapshots;
mod text_fields;

use crate::support::db::TestDb;
use crate::support::mail::{generic, generic_with_objects};
use backupchecks::db::{self, inbox::CustomerChoice};
use backupchecks::ingest::pipeline::{Incoming, ingest_one};
use backupchecks::tui::app::App;
use backupchecks::tui::theme::Theme;
use backupchecks::tui::view;
use chrono::{DateTime, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The newest toast's text, or nothing.
fn last_toast(a: &App) -> String {
    a.toasts.last().map(|t| t.text.clone()).unwrap_or_default()
}

/// Every toast on screen, oldest first.
fn toasts(a: &App) -> String {
    a.toasts
        .iter()
        .map(|t| t.text.clone())
        .collect::<Vec<_>>()
        .join(" | ")
}
use std::sync::Arc;

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap()
}

fn date(day: u32, hour: u32) -> String {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 5, 0)
        .unwrap()
        .to_rfc2822()
}

pub async fn ingest(t: &TestDb, raw: Vec<u8>) -> i64 {
    let incoming = Incoming {
        source: "folder",
        source_id: None,
        received_at: None,
        raw,
    };
    ingest_one(&t.pool, &incoming, now())
        .await
        .unwrap()
        .mail_id()
}

async fn approve(t: &TestDb, mail_id: i64, customer: &str) {
    let mut tx = t.pool.begin().await.unwrap();
    db::inbox::approve(
        &mut tx,
        mail_id,
        &CustomerChoice::New(customer.into()),
        "ann",
        now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// Two customers with three approved jobs (one failing with objects, one warning, one fine),
/// a new job and an unrecognised mail waiting in the Inbox.
pub async fn fixture() -> TestDb {
    let t = TestDb::new().await;
    let mut first = None;
    for day in 17..=19 {
        let status = if day == 19 { "Failed" } else { "Success" };
        let objs: &[(&str, &str, &str)] = if day == 19 {
            &[
                ("DC01", "ok", ""),
                ("SQL01", "failed", "Failed to create VM snapshot (timeout)"),
                ("FS01", "ok", ""),
            ]
        } else {
            &[("DC01", "ok", ""), ("SQL01", "ok", ""), ("FS01", "ok", "")]
        };
        let id = ingest(
            &t,
            generic_with_objects(
                &format!("acme-{day}@x"),
                "veeam@acme.example",
                "Daily VM Backup",
                status,
                &date(day, 22),
                objs,
            ),
        )
        .await;
        first.get_or_insert(id);
    }
    approve(&t, first.unwrap(), "Acme Dental").await;
    let id = ingest(
        &t,
        generic(
            "bakker-1@x",
            "nas@bakker.example",
            "PC-FINANCE01",
            "Warning",
            &date(19, 12),
        ),
    )
    .await;
    approve(&t, id, "Bakker & Zn").await;
    let id = ingest(
        &t,
        generic(
            "bakker-2@x",
            "nas@bakker.example",
            "File Server",
            "Success",
            &date(19, 23),
        ),
    )
    .await;
    approve(&t, id, "Bakker & Zn").await;
    ingest(
        &t,
        generic(
            "new-1@x",
            "veeam@vandijk.example",
            "Offsite Copy",
            "Warning",
            &date(20, 5),
        ),
    )
    .await;
    ingest(
        &t,
        b"From: news@vendor.example\r\nSubject: Your newsletter\r\nDate: Fri, 20 Nov 2026 06:00:00 +0000\r\nMessage-ID: <n@x>\r\n\r\nFive tips.\r\n"
            .to_vec(),
    )
    .await;
    t
}

pub fn app(t: &TestDb) -> App {
    let mut a = App::new(
        t.pool.clone(),
        Theme::default(),
        "ann".into(),
        chrono_tz::UTC,
        Arc::new(now),
    );
    a.services.import_now = None;
    a
}

/// Loads everything the app asks for and forgets the toasts (they would differ per run order).
pub async fn ready(a: &mut App) {
    a.reload();
    a.settle().await;
}

pub async fn keys(a: &mut App, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\u{1b}' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        a.on_key(KeyEvent::new(code, KeyModifiers::NONE));
        a.settle().await;
    }
}

pub async fn key(a: &mut App, code: KeyCode, modifiers: KeyModifiers) {
    a.on_key(KeyEvent::new(code, modifiers));
    a.settle().await;
}

pub fn render(a: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::draw(f, a)).unwrap();
    term
}

pub fn screen(a: &mut App, w: u16, h: u16) -> String {
    render(a, w, h).backend().to_string()
}

/// A seat of the login `ann` acting as `role` (nothing follows its role switch).
pub fn seat(role: backupchecks::domain::roles::Role) -> backupchecks::tui::app::Seat {
    backupchecks::tui::app::Seat {
        login: backupchecks::domain::roles::Login {
            name: "ann".into(),
            groups: vec![role],
            ..Default::default()
        },
        role,
        switch: None,
    }
}

//! Frame render time of Run Checks and the Inbox with 10,000 rows (criterion). Drawing must stay
//! cheap however long the lists get: only visible rows are laid out.

// A benchmark aborts on a setup error; a panic with its message is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use backupchecks::db::mail::Mail;
use backupchecks::db::review::QueueRow;
use backupchecks::tui::app::App;
use backupchecks::tui::panes::Pane;
use backupchecks::tui::theme::Theme;
use backupchecks::tui::view;
use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;

const ROWS: usize = 10_000;

fn app() -> App {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let _guard = rt.enter();
    // A pool that never connects: drawing never touches the database.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .connect_lazy("postgres://bench@127.0.0.1:1/none")
        .expect("lazy pool");
    let now = Utc
        .with_ymd_and_hms(2026, 11, 20, 8, 0, 0)
        .single()
        .expect("time");
    let mut a = App::new(
        pool,
        Theme::default(),
        "bench".into(),
        chrono_tz::UTC,
        Arc::new(move || now),
    );
    let rows: Vec<QueueRow> = (0..ROWS as i64)
        .map(|i| QueueRow {
            job_id: i,
            customer_id: i % 300,
            customer_name: format!("Customer {}", i % 300),
            backup_software: "Veeam".into(),
            backup_type: "Backup Job".into(),
            job_name: format!("Job number {i}"),
            unreviewed: 3,
            failed: i % 3,
            missed: i % 2,
            warning: 1,
            unknown: 0,
            success_override: 0,
            success: 1,
            newest_run_at: now,
            has_open_ticket: i % 7 == 0,
            has_open_remark: i % 11 == 0,
            worst_rank: 0,
        })
        .collect();
    a.run_checks.set_rows(rows);
    a.run_checks.jobs.cursor = ROWS / 2;
    let mails: Vec<Mail> = (0..ROWS as i64)
        .map(|i| Mail {
            id: i,
            source: "graph".into(),
            internet_message_id: None,
            from_address: format!("nas{i}@customer.example"),
            from_name: None,
            subject: format!("Backup task {i} completed"),
            received_at: now,
            location: "inbox".into(),
            parser_name: Some("synology_abb".into()),
            backup_software: Some("Synology".into()),
            backup_type: Some("Active Backup for Business".into()),
            job_name: Some(format!("PC-{i}")),
            parsed_status: Some("Success".into()),
            parse_message: None,
            informational: false,
            parse_error: None,
            unparsed_reason: None,
            job_id: None,
            deleted_at: None,
            job_deleted: false,
            raw_dropped_at: None,
        })
        .collect();
    a.inbox.set_rows(
        mails,
        false,
        backupchecks::db::mail::WaitingCounts {
            waiting: ROWS as i64,
            unparsed: 0,
        },
    );
    a.inbox.list.cursor = ROWS / 2;
    a
}

fn bench(c: &mut Criterion) {
    let mut a = app();
    for (name, pane, w, h) in [
        ("run_checks_10k_160x48", Pane::RunChecks, 160, 48),
        ("run_checks_10k_80x24", Pane::RunChecks, 80, 24),
        ("inbox_10k_160x48", Pane::Inbox, 160, 48),
    ] {
        a.pane = pane;
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        c.bench_function(name, |b| {
            b.iter(|| {
                term.draw(|f| view::draw(f, &mut a)).expect("draw");
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

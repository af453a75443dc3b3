//! Frame render time of Run Checks, the Inbox and Daily Jobs with 10,000 rows (criterion). Drawing must stay
//! cheap however long the lists get: only visible rows are laid out.

// A benchmark aborts on a setup error; a panic with its message is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use backupchecks::db::jobs::JobOverview;
use backupchecks::db::mail::Mail;
use backupchecks::db::review::QueueRow;
use backupchecks::db::runs::RunPoint;
use backupchecks::db::schedules::JobSchedule;
use backupchecks::domain::run_status::RunStatus;
use backupchecks::tui::app::App;
use backupchecks::tui::panes::Pane;
use backupchecks::tui::panes::daily::DailyGrid;
use backupchecks::tui::theme::Theme;
use backupchecks::tui::view;
use chrono::{TimeDelta, TimeZone, Utc};
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
    a.daily.set_grid(daily_grid(now));
    a.daily.list.cursor = ROWS / 2;
    a
}

/// 10,000 jobs and a week of five runs a day each, as Daily Jobs loads them.
fn daily_grid(now: chrono::DateTime<Utc>) -> DailyGrid {
    let jobs: Vec<JobOverview> = (0..ROWS as i64)
        .map(|i| JobOverview {
            id: i,
            customer_id: i % 300,
            customer_name: format!("Customer {}", i % 300),
            backup_software: "Veeam".into(),
            backup_type: "Backup Job".into(),
            job_name: format!("Job number {i}"),
            informational: false,
            created_at: now - TimeDelta::days(90),
            schedule: JobSchedule {
                job_id: i,
                learned: None,
                learned_at: None,
                pinned: None,
            },
        })
        .collect();
    let mut points = Vec::new();
    for day in 0..7 {
        for i in 0..ROWS as i64 {
            points.push(RunPoint {
                job_id: i,
                run_at: now - TimeDelta::days(day) - TimeDelta::minutes(i % 600),
                status: Some(RunStatus::ALL[(i % 4) as usize]),
            });
        }
    }
    points.sort_by_key(|p| (p.run_at, p.job_id));
    let today = now.date_naive();
    DailyGrid::new(
        today,
        today,
        jobs,
        Vec::new(),
        points,
        TimeDelta::minutes(60),
        chrono_tz::UTC,
    )
}

fn bench(c: &mut Criterion) {
    let mut a = app();
    for (name, pane, w, h) in [
        ("run_checks_10k_160x48", Pane::RunChecks, 160, 48),
        ("run_checks_10k_80x24", Pane::RunChecks, 80, 24),
        ("inbox_10k_160x48", Pane::Inbox, 160, 48),
        ("daily_10k_160x48", Pane::DailyJobs, 160, 48),
    ] {
        a.pane = pane;
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        c.bench_function(name, |b| {
            b.iter(|| {
                term.draw(|f| view::draw(f, &mut a)).expect("draw");
            })
        });
        // A cursor move and the frame that shows it (alternating down and up).
        let mut down = true;
        c.bench_function(&format!("{name}_cursor_move"), |b| {
            b.iter(|| {
                let list = match pane {
                    Pane::RunChecks => &mut a.run_checks.jobs,
                    Pane::Inbox => &mut a.inbox.list,
                    _ => &mut a.daily.list,
                };
                list.cursor = if down {
                    list.cursor + 1
                } else {
                    list.cursor - 1
                };
                down = !down;
                term.draw(|f| view::draw(f, &mut a)).expect("draw");
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

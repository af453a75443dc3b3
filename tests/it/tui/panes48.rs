//! The Jobs (4) and Activity (8) panes: snapshots, pinning and unpinning a schedule, archiving
//! a job, opening a job in Run Checks, the audit log and the background-task log.

use super::*;
use backupchecks::domain::schedule::Schedule;
use backupchecks::services::importer::{ImportEvent, ImportSummary};
use backupchecks::services::missed_runs;
use backupchecks::tui::action::Action;
use backupchecks::tui::app::ToastLevel;
use backupchecks::tui::panes::Pane;
use chrono::{NaiveTime, Weekday};

async fn both(a: &mut App, name: &str) {
    a.toasts.clear();
    insta::assert_snapshot!(format!("{name}_80x24"), screen(a, 80, 24));
    insta::assert_snapshot!(format!("{name}_160x48"), screen(a, 160, 48));
}

/// The screen without toasts (they cover the right side of the rows).
fn plain(a: &mut App, w: u16, h: u16) -> String {
    a.toasts.clear();
    screen(a, w, h)
}

/// Audit times come from the database clock: fixed here so that snapshots are stable.
async fn fix_audit_times(t: &TestDb) {
    sqlx::query("UPDATE audit_log SET at = $1 + id * interval '1 minute'")
        .bind(now() - chrono::TimeDelta::hours(2))
        .execute(&t.pool)
        .await
        .unwrap();
}

fn imported() -> ImportSummary {
    ImportSummary {
        listed: 4,
        imported: 3,
        runs: 2,
        waiting: 1,
        ..ImportSummary::default()
    }
}

async fn job_id(t: &TestDb, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM jobs WHERE job_name = $1")
        .bind(name)
        .fetch_one(&t.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn jobs_and_activity_snapshots() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "4").await;
    both(&mut a, "jobs").await;
    keys(&mut a, "p").await;
    both(&mut a, "pin_form").await;
    fix_audit_times(&t).await;
    keys(&mut a, "\u{1b}8").await;
    both(&mut a, "activity_audit").await;
    a.update(Action::ImportEvent(ImportEvent::Started {
        source: "folder".into(),
    }));
    a.update(Action::ImportEvent(ImportEvent::Finished(imported())));
    a.update(Action::MissedEvent(missed_runs::Event::Failed {
        message: "database went away".into(),
    }));
    a.settle().await;
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    both(&mut a, "activity_tasks").await;
}

#[tokio::test]
async fn pin_and_unpin_a_schedule() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "4").await;
    let id = a.jobs.current().unwrap().job.id;
    keys(&mut a, "p").await;
    // Days: clear what is pre-filled, then a range and a day.
    key(&mut a, KeyCode::Up, KeyModifiers::NONE).await;
    for _ in 0..20 {
        key(&mut a, KeyCode::Backspace, KeyModifiers::NONE).await;
    }
    keys(&mut a, "Mon-Wed, Fri").await;
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    for _ in 0..10 {
        key(&mut a, KeyCode::Backspace, KeyModifiers::NONE).await;
    }
    keys(&mut a, "21:30").await;
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    keys(&mut a, "60\n").await;
    assert!(a.overlay.is_none());
    let s = db::schedules::get(&t.pool, id).await.unwrap();
    let p = s.pinned.expect("pinned");
    let time = NaiveTime::from_hms_opt(21, 30, 0).unwrap();
    assert_eq!(
        p.schedule,
        Schedule::weekly(
            [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Fri],
            time
        )
    );
    assert_eq!(p.grace_minutes, Some(60));
    let screen = plain(&mut a, 80, 24);
    assert!(
        screen.contains("Weekly: Mon, Tue, Wed, Fri 21:30 (pinned) · grace 60 min"),
        "{screen}"
    );
    let wide = plain(&mut a, 160, 48);
    assert!(wide.contains("Weekly: Mon, Tue, Wed, Fri 21:30"), "{wide}");

    // A time that is not HH:MM keeps the form open with an error.
    keys(&mut a, "p").await;
    for _ in 0..10 {
        key(&mut a, KeyCode::Backspace, KeyModifiers::NONE).await;
    }
    keys(&mut a, "9pm\n").await;
    assert!(a.overlay.is_some());
    let form = plain(&mut a, 120, 30);
    assert!(form.contains("✖") && form.contains("HH:MM"), "{form}");
    keys(&mut a, "\u{1b}").await;

    keys(&mut a, "P").await;
    assert_eq!(db::schedules::get(&t.pool, id).await.unwrap().pinned, None);
    let actions: Vec<String> = db::audit::recent(&t.pool, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions[..2], ["schedule.unpin", "schedule.pin"]);
}

#[tokio::test]
async fn archive_and_unarchive_a_job() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    let id = job_id(&t, "PC-FINANCE01").await;
    keys(&mut a, "4/finance\n").await;
    assert_eq!(a.jobs.current().unwrap().job.id, id);
    keys(&mut a, "a").await;
    assert!(a.overlay.is_some(), "archiving asks first");
    keys(&mut a, "y").await;
    let job = db::jobs::get(&t.pool, id).await.unwrap().unwrap();
    assert!(job.archived_at.is_some());
    // Out of the list, and in the archived jobs (A), where it can be unarchived.
    assert!(
        a.jobs.current().is_none(),
        "the filter finds no job that is not archived"
    );
    let screen = plain(&mut a, 80, 24);
    assert!(screen.contains("1 archived: A"), "{screen}");
    keys(&mut a, "A").await;
    assert_eq!(a.jobs.current().unwrap().job.id, id);
    let screen = plain(&mut a, 80, 24);
    assert!(screen.contains("Jobs — archived (1)"), "{screen}");

    // Run Checks still loads its queue and reviews.
    keys(&mut a, "\u{1b}3").await;
    assert!(a.toasts.iter().all(|t| t.level != ToastLevel::Error));
    assert!(!a.run_checks.rows.is_empty());
    let before = a.run_checks.unreviewed_total();
    keys(&mut a, "R").await;
    assert!(a.run_checks.unreviewed_total() < before);

    keys(&mut a, "4/finance\na").await;
    keys(&mut a, "y").await;
    let job = db::jobs::get(&t.pool, id).await.unwrap().unwrap();
    assert!(job.archived_at.is_none());
    let actions: Vec<String> = db::audit::recent(&t.pool, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&"job.archive".to_string()));
    assert_eq!(actions[0], "job.unarchive");
}

#[tokio::test]
async fn enter_opens_the_job_in_run_checks() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "4j").await;
    let id = a.jobs.current().unwrap().job.id;
    keys(&mut a, "\n").await;
    assert_eq!(a.pane, Pane::RunChecks);
    assert!(a.run_checks.include_reviewed);
    assert_eq!(a.run_checks.current_job().map(|j| j.job_id), Some(id));
}

#[tokio::test]
async fn activity_lists_a_review_done_with_keys() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "\nr").await;
    keys(&mut a, "8").await;
    let top = a.activity.entries.first().expect("an audit entry");
    assert_eq!(top.action, "review.runs");
    assert_eq!(top.operator.as_deref(), Some("ann"));
    let screen = plain(&mut a, 80, 24);
    assert!(screen.contains("review.runs"), "{screen}");
    // The filter narrows the log.
    keys(&mut a, "/approved\n").await;
    let screen = plain(&mut a, 80, 24);
    assert!(!screen.contains("review.runs"), "{screen}");
    assert!(screen.contains("job.approved"), "{screen}");
}

#[tokio::test]
async fn background_events_show_in_the_task_log() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    a.update(Action::ImportEvent(ImportEvent::Finished(imported())));
    a.update(Action::MissedEvent(missed_runs::Event::Finished {
        created: 2,
        removed: 0,
    }));
    a.update(Action::ImportEvent(ImportEvent::Failed(
        "mailbox \u{1b}[31mlocked".into(),
    )));
    a.settle().await;
    keys(&mut a, "8").await;
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    let screen = plain(&mut a, 160, 48);
    assert!(screen.contains("finished: imported 3"), "{screen}");
    assert!(screen.contains("2 Missed runs created"), "{screen}");
    // Sanitised: the escape sequence never reaches the terminal.
    assert!(screen.contains("failed: mailbox locked"), "{screen}");
    assert_eq!(a.activity.tasks.len(), 3);
    // Newest first.
    assert!(a.activity.visible().first() == Some(&2));
    for i in 0..250 {
        a.update(Action::MissedEvent(missed_runs::Event::Finished {
            created: i,
            removed: 0,
        }));
    }
    a.settle().await;
    assert_eq!(a.activity.tasks.len(), 200);
}

#[tokio::test]
async fn enter_on_an_audit_entry_about_a_job_opens_it_in_jobs() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    let id = job_id(&t, "File Server").await;
    keys(&mut a, "8").await;
    // Newest first: the approval of File Server, the last job of the fixture.
    assert_eq!(a.activity.entries[0].entity_id, Some(id));
    keys(&mut a, "\n").await;
    assert_eq!(a.pane, Pane::Jobs);
    assert_eq!(a.jobs.current().map(|r| r.job.id), Some(id));
}

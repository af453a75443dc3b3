//! Loads of what the cursor shows: a newer one supersedes the running one.

use super::*;

#[tokio::test]
async fn moving_the_cursor_again_aborts_the_detail_load_still_running() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    // The runs of the failing Acme job (three runs), newest first.
    keys(&mut a, "3\n").await;
    for _ in 0..2 {
        a.on_key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE));
    }
    let (mut cancelled, mut applied) = (0, 0);
    while let Some(done) = a.tasks.join_next().await {
        match done {
            Err(e) if e.is_cancelled() => cancelled += 1,
            done => {
                applied += 1;
                a.finished(done);
            }
        }
    }
    assert_eq!((cancelled, applied), (1, 1), "only the newest load ran");
    let detail = a.run_checks.detail.as_ref().map(|d| d.run.id);
    assert_eq!(detail, a.run_checks.current_run().map(|r| r.id));
    assert!(a.toasts.is_empty(), "an aborted load is no error");
}

#[tokio::test]
async fn the_inbox_counts_unparsed_mail_beyond_the_loaded_page() {
    let t = fixture().await;
    // A newer, recognised mail: with a page of one row, the unparsed newsletter is not loaded.
    ingest(
        &t,
        generic(
            "new-2@x",
            "veeam@vandijk.example",
            "Offsite Copy",
            "Success",
            &date(20, 7),
        ),
    )
    .await;
    let mut a = app(&t);
    a.inbox.limit = 1;
    ready(&mut a).await;
    assert_eq!(a.inbox.rows.len(), 1);
    assert_eq!((a.inbox.waiting, a.inbox.unparsed), (3, 1));
    keys(&mut a, "1").await;
    let s = screen(&mut a, 160, 48);
    assert!(s.contains("Inbox — 3 waiting (1 unparsed)"), "{s}");
}

#[tokio::test]
async fn the_inbox_filter_searches_every_waiting_mail_not_only_the_loaded_page() {
    let t = fixture().await;
    let mut a = app(&t);
    a.inbox.limit = 1;
    ready(&mut a).await;
    keys(&mut a, "1").await;
    // The page holds the newest mail only (the newsletter); the Offsite Copy report is older.
    assert_eq!(a.inbox.rows.len(), 1);
    assert!(a.inbox.rows[0].subject.contains("newsletter"));
    keys(&mut a, "/offsite").await;
    a.settle().await;
    let subjects: Vec<&str> = a.inbox.rows.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(subjects.len(), 1, "{subjects:?}");
    assert!(subjects[0].contains("Offsite Copy"), "{subjects:?}");
    assert_eq!(a.inbox.current().map(|m| m.id), Some(a.inbox.rows[0].id));
    // Clearing the filter brings the page back.
    a.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    a.settle().await;
    assert!(a.inbox.rows[0].subject.contains("newsletter"));
}

#[tokio::test]
async fn a_pane_out_of_sight_for_a_while_releases_its_rows_and_loads_them_on_the_next_visit() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "2").await;
    a.settle().await;
    assert!(a.daily.grid.is_some());
    keys(&mut a, "4").await;
    a.settle().await;
    let now = std::time::Instant::now();
    // A glance away keeps the rows...
    a.release_hidden(now);
    assert!(a.daily.grid.is_some(), "released too soon");
    // ...a while away releases them, but not those of the pane on screen.
    a.release_hidden(now + backupchecks::tui::panes::pane::RELEASE_AFTER);
    assert!(
        a.daily.grid.is_none(),
        "Daily Jobs kept its rows out of sight"
    );
    assert!(a.jobs.data.is_some(), "the pane on screen lost its rows");
    keys(&mut a, "2").await;
    a.settle().await;
    assert!(a.daily.grid.is_some(), "the next visit loads them again");
    let s = screen(&mut a, 160, 48);
    assert!(s.contains("Daily Jobs —"), "{s}");
}

//! Long lists: the scroll window follows the list when it shrinks, and says how many rows are
//! hidden above and below, so a review queue never hides a row unannounced.

use super::*;
use backupchecks::db::review;
use backupchecks::db::scopes::Scope;

/// `n` jobs of their own customers, one Success run each on 19 Nov; the first `reviewed` of them
/// (in queue order) already reviewed.
async fn many_jobs(n: usize, reviewed: usize) -> TestDb {
    let t = TestDb::new().await;
    for i in 0..n {
        let id = ingest(
            &t,
            generic(
                &format!("job-{i}@x"),
                &format!("nas@c{i:02}.example"),
                &format!("Job {i:02}"),
                "Success",
                &date(19, 12),
            ),
        )
        .await;
        approve(&t, id, &format!("Customer {i:02}")).await;
    }
    let queue = review::queue(&t.pool, None).await.unwrap();
    let ids: Vec<i64> = queue.iter().take(reviewed).map(|r| r.job_id).collect();
    let mut conn = t.pool.acquire().await.unwrap();
    review::review_jobs(&mut conn, &ids, "ann", now())
        .await
        .unwrap();
    t
}

/// The job names the list shows, top to bottom.
fn listed_jobs(screen: &str) -> Vec<String> {
    screen
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|w| w[0] == "Job" && w[1].parse::<u32>().is_ok())
        .map(|w| format!("Job {}", w[1]))
        .collect()
}

#[tokio::test]
async fn a_queue_that_shrinks_under_the_cursor_shows_every_row_again() {
    let t = many_jobs(30, 26).await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "3").await;
    assert_eq!(listed_jobs(&screen(&mut a, 80, 24)).len(), 4);
    // Include reviewed, go to the last row, leave reviewed runs out again.
    keys(&mut a, "iG").await;
    a.toasts.clear();
    let long = screen(&mut a, 80, 24);
    assert!(long.contains("more above"), "{long}");
    keys(&mut a, "i").await;
    a.toasts.clear();
    let short = screen(&mut a, 80, 24);
    assert_eq!(
        listed_jobs(&short).len(),
        4,
        "all four jobs left to review are on screen:\n{short}"
    );
    assert!(!short.contains("more above"), "{short}");
    assert_eq!(a.run_checks.jobs.offset, 0);
}

#[tokio::test]
async fn a_long_queue_says_how_many_jobs_are_above_and_below() {
    let t = many_jobs(30, 0).await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "3").await;
    let top = screen(&mut a, 80, 24);
    let shown = listed_jobs(&top).len();
    assert!(shown < 30, "{top}");
    assert!(
        top.contains(&format!("↓ {} more below", 30 - shown)),
        "{top}"
    );
    keys(&mut a, "G").await;
    let bottom = screen(&mut a, 80, 24);
    assert!(
        bottom.contains(&format!("↑ {} more above", 30 - shown)),
        "{bottom}"
    );
    assert!(!bottom.contains("more below"), "{bottom}");
    // Halfway, both; in ASCII mode without arrows.
    a.theme.ascii = true;
    for _ in 0..20 {
        keys(&mut a, "k").await;
    }
    let middle = screen(&mut a, 80, 24);
    assert!(
        middle.contains("^ ") && middle.contains(" more above - v "),
        "{middle}"
    );
}

#[tokio::test]
async fn the_runs_of_a_job_say_how_many_are_above_and_below() {
    let t = TestDb::new().await;
    let mut first = None;
    for day in 11..=19 {
        let id = ingest(
            &t,
            generic(
                &format!("r-{day}@x"),
                "nas@acme.example",
                "Nightly",
                "Failed",
                &date(day, 22),
            ),
        )
        .await;
        first.get_or_insert(id);
    }
    approve(&t, first.unwrap(), "Acme Dental").await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "3\n").await;
    let top = screen(&mut a, 80, 24);
    assert!(top.contains("Runs to review  ↓ 3 more below"), "{top}");
    for _ in 0..8 {
        keys(&mut a, "j").await;
    }
    let bottom = screen(&mut a, 80, 24);
    assert!(
        bottom.contains("Runs to review  ↑ 3 more above"),
        "{bottom}"
    );
    assert!(
        bottom.contains("11 Nov 22:05"),
        "the oldest run is on screen"
    );
}

/// The screen down to the bottom border of the first box (the list, not the detail under it).
fn first_box(screen: &str) -> &str {
    screen.split('└').next().unwrap_or(screen)
}

/// Goes to the end of a long list and back to the middle, checking the notes on its border.
async fn assert_notes_on(a: &mut App, pane: &str, count: fn(&str) -> usize, len: usize) {
    keys(a, pane).await;
    a.toasts.clear();
    let top = screen(a, 80, 24);
    let shown = count(&top);
    assert!(shown > 0 && shown < len, "{top}");
    assert!(
        top.contains(&format!("↓ {} more below", len - shown)),
        "{top}"
    );
    assert!(!top.contains("more above"), "{top}");
    keys(a, "G").await;
    let bottom = screen(a, 80, 24);
    assert!(
        bottom.contains(&format!("↑ {} more above", len - shown)),
        "{bottom}"
    );
    assert!(!bottom.contains("more below"), "{bottom}");
    keys(a, &"k".repeat(shown + 2)).await;
    let middle = screen(a, 80, 24);
    assert!(middle.contains(" more above · ↓ "), "{middle}");
}

#[tokio::test]
async fn a_long_jobs_list_says_how_many_jobs_are_above_and_below() {
    let t = many_jobs(30, 0).await;
    let mut a = app(&t);
    ready(&mut a).await;
    assert_notes_on(&mut a, "4", |s| listed_jobs(first_box(s)).len(), 30).await;
}

/// Rows of the list (the first box on screen) that contain `needle`.
fn rows_with(screen: &str, needle: &str) -> usize {
    first_box(screen)
        .lines()
        .filter(|l| l.contains(needle))
        .count()
}

/// `n` open tickets on the customer of the only job.
async fn many_tickets(n: usize) -> TestDb {
    let t = many_jobs(1, 0).await;
    let customer = db::customers::find_by_name(&t.pool, "customer 00")
        .await
        .unwrap()
        .unwrap();
    let mut conn = t.pool.acquire().await.unwrap();
    for i in 0..n {
        db::tickets::create(
            &mut conn,
            &db::tickets::NewTicket {
                code: db::tickets::Code::Internal,
                description: format!("Ticket {i:02}"),
                autotask_ticket_id: None,
                scopes: vec![Scope::Customer {
                    customer_id: customer.id,
                }],
            },
            "ann",
            now(),
        )
        .await
        .unwrap();
    }
    t
}

#[tokio::test]
async fn a_long_ticket_list_says_how_many_tickets_are_above_and_below() {
    let t = many_tickets(30).await;
    let mut a = app(&t);
    ready(&mut a).await;
    assert_notes_on(&mut a, "6", |s| rows_with(s, "T20261120."), 30).await;
}

#[tokio::test]
async fn a_long_override_list_says_how_many_overrides_are_above_and_below() {
    use backupchecks::domain::overrides::{MatchMode, OverrideDraft, OverrideLevel};
    let t = many_jobs(30, 0).await;
    let jobs: Vec<i64> = sqlx::query_scalar("SELECT id FROM jobs ORDER BY id")
        .fetch_all(&t.pool)
        .await
        .unwrap();
    let mut conn = t.pool.acquire().await.unwrap();
    for (i, job_id) in jobs.into_iter().enumerate() {
        let draft = OverrideDraft {
            level: OverrideLevel::Job { job_id },
            match_status: None,
            match_text: format!("case {i:02}"),
            match_mode: MatchMode::Contains,
            valid_from: None,
            valid_until: None,
            treat_as_success: true,
        };
        db::overrides::create(&mut conn, &draft, None, "ann", now())
            .await
            .unwrap();
    }
    let mut a = app(&t);
    ready(&mut a).await;
    assert_notes_on(&mut a, "7", |s| rows_with(s, "\"case "), 30).await;
}

#[tokio::test]
async fn a_long_audit_log_says_how_many_entries_are_above_and_below() {
    let t = many_jobs(30, 0).await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "8").await;
    let len = a.activity.visible().len();
    assert!(len >= 30, "every approval is in the audit log: {len}");
    assert_notes_on(&mut a, "8", |s| rows_with(s, "ann ("), len).await;
}

#[tokio::test]
async fn a_long_inbox_says_how_many_mails_are_above_and_below() {
    let t = TestDb::new().await;
    for i in 0..30 {
        let mail = generic(
            &format!("new-{i}@x"),
            &format!("nas@c{i:02}.example"),
            &format!("Job {i:02}"),
            "Success",
            &date(19, 12),
        );
        ingest(&t, mail).await;
    }
    let mut a = app(&t);
    ready(&mut a).await;
    assert_notes_on(&mut a, "1", |s| rows_with(s, "nas@c"), 30).await;
}

#[tokio::test]
async fn a_long_daily_grid_says_how_many_jobs_are_above_and_below() {
    let t = many_jobs(30, 0).await;
    let mut a = app(&t);
    ready(&mut a).await;
    // Every job has its Success of 19 Nov on screen.
    assert_notes_on(&mut a, "2", |s| rows_with(s, "✔"), 30).await;
}

/// The Daily Jobs cursor is the selected day of the cursor job: that one cell is highlighted,
/// not the whole row.
#[tokio::test]
async fn the_daily_cursor_highlights_only_the_selected_day() {
    use ratatui::style::Modifier;
    let t = many_jobs(3, 0).await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "2").await;
    let term = render(&mut a, 80, 24);
    let buf = term.backend().buffer();
    let reversed: Vec<&str> = (0..80)
        .map(|x| &buf[(x, 3)])
        .filter(|c| c.modifier.contains(Modifier::REVERSED))
        .map(|c| c.symbol())
        .collect();
    assert_eq!(reversed, vec!["·"], "only today's cell of the first job");
}

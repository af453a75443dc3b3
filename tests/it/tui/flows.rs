//! Key sequences driving the real flows against the database.

use super::*;
use backupchecks::db::review;

async fn queue_unreviewed(t: &TestDb) -> i64 {
    review::queue(&t.pool, None)
        .await
        .unwrap()
        .iter()
        .map(|r| r.unreviewed)
        .sum()
}

#[tokio::test]
async fn approve_from_the_inbox_with_a_new_customer() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "1").await;
    assert_eq!(a.inbox.waiting, 2);
    // The newest waiting mail is the unparsed newsletter; the Offsite Copy mail is next.
    let pos = a
        .inbox
        .rows
        .iter()
        .position(|m| m.job_name.as_deref() == Some("Offsite Copy"))
        .unwrap();
    for _ in 0..pos {
        keys(&mut a, "j").await;
    }
    keys(&mut a, "aVan Dijk").await;
    assert!(screen(&mut a, 80, 24).contains("Enter creates customer \"Van Dijk\""));
    keys(&mut a, "\n").await;
    assert!(
        toasts(&a).contains("approved: 1 run created"),
        "{}",
        toasts(&a)
    );
    assert_eq!(a.inbox.waiting, 1);
    assert!(
        db::customers::find_by_name(&t.pool, "van dijk")
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn approving_unparsed_mail_explains_why_not() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "1").await;
    let pos = a
        .inbox
        .rows
        .iter()
        .position(|m| m.parsed_status.is_none())
        .unwrap();
    for _ in 0..pos {
        keys(&mut a, "j").await;
    }
    keys(&mut a, "a").await;
    assert!(a.overlay.is_none());
    assert!(toasts(&a).contains("not recognised"), "{}", toasts(&a));
}

#[tokio::test]
async fn review_a_run_then_undo() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    let before = queue_unreviewed(&t).await;
    // Worst first: the failed Acme job is on top.
    assert_eq!(
        a.run_checks.current_job().unwrap().job_name,
        "Daily VM Backup"
    );
    keys(&mut a, "r").await;
    assert_eq!(queue_unreviewed(&t).await, before - 1);
    assert!(toasts(&a).contains("reviewed 1 run · u to undo"));
    keys(&mut a, "u").await;
    assert_eq!(queue_unreviewed(&t).await, before);
    keys(&mut a, "R").await;
    assert_eq!(queue_unreviewed(&t).await, before - 3, "the whole job");
}

#[tokio::test]
async fn bulk_review_of_marked_jobs_asks_first() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "  r").await;
    assert!(screen(&mut a, 80, 24).contains("marked jobs?"));
    // The failed and the warning job are marked: the question says so.
    assert!(
        screen(&mut a, 160, 48).contains("Among them: 1 failed, 1 with warnings."),
        "{}",
        screen(&mut a, 160, 48)
    );
    keys(&mut a, "\u{1b}").await;
    assert_eq!(queue_unreviewed(&t).await, 5, "Esc said no");
    keys(&mut a, "r").await;
    keys(&mut a, "y").await;
    assert_eq!(queue_unreviewed(&t).await, 1, "two jobs reviewed, one left");
}

#[tokio::test]
async fn a_remark_is_saved_and_shows_on_the_job() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "mSQL01 snapshot issue, vendor case open").await;
    key(&mut a, KeyCode::Char('s'), KeyModifiers::CONTROL).await;
    assert!(a.overlay.is_none());
    let q = review::queue(&t.pool, None).await.unwrap();
    assert!(q[0].has_open_remark);
    assert!(screen(&mut a, 160, 48).contains("SQL01 snapshot issue"));
}

#[tokio::test]
async fn override_from_a_failed_run_turns_it_into_success_override() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    let run = a.run_checks.current_run().unwrap().id;
    keys(&mut a, "o").await;
    let screen_text = screen(&mut a, 160, 48);
    assert!(
        screen_text.contains("Failed to create VM snapshot"),
        "pre-filled from the object"
    );
    keys(&mut a, "\n").await;
    let r = db::runs::get(&t.pool, run).await.unwrap().unwrap();
    assert_eq!(r.effective_status, "Success (override)");
    assert_eq!(r.parsed_status, "Failed", "the parsed status stays visible");
}

#[tokio::test]
async fn an_override_keeps_why_it_was_made_and_ends_when_asked() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "o").await;
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    keys(&mut a, "known NAS issue").await;
    key(&mut a, KeyCode::Tab, KeyModifiers::NONE).await;
    // A wrong end is said next to its row, and the form stays open.
    keys(&mut a, "next week\n").await;
    let s = screen(&mut a, 160, 48);
    assert!(s.contains("✖ a date as 2027-01-31"), "{s}");
    assert!(matches!(
        a.overlay,
        Some(backupchecks::tui::app::Overlay::Override(_))
    ));
    for _ in 0.."next week".len() {
        key(&mut a, KeyCode::Backspace, KeyModifiers::NONE).await;
    }
    keys(&mut a, "30\n").await;
    assert!(a.overlay.is_none());
    let mut conn = t.pool.acquire().await.unwrap();
    let rules = db::overrides::listed(&mut conn, false).await.unwrap();
    assert_eq!(rules.len(), 1);
    let o = &rules[0].over;
    assert_eq!(o.comment.as_deref(), Some("known NAS issue"));
    assert_eq!(
        o.rule.valid_until,
        Some(now() + chrono::TimeDelta::days(30))
    );
}

#[tokio::test]
async fn ctrl_u_replaces_the_prefilled_override_text_in_one_key() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "o").await;
    key(&mut a, KeyCode::Char('u'), KeyModifiers::CONTROL).await;
    keys(&mut a, "VM snapshot").await;
    key(&mut a, KeyCode::Char('w'), KeyModifiers::CONTROL).await;
    keys(&mut a, "snapshot\n").await;
    let mut conn = t.pool.acquire().await.unwrap();
    let rules = db::overrides::listed(&mut conn, false).await.unwrap();
    assert_eq!(rules[0].over.rule.match_text, "VM snapshot");
}

#[tokio::test]
async fn a_new_ticket_is_linked_and_y_copies_its_number() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "tn\n").await;
    let d = a.run_checks.detail.clone().unwrap();
    let code = d.ticket_code().unwrap().to_string();
    assert!(code.starts_with("T20261120."), "{code}");
    keys(&mut a, "y").await;
    assert!(toasts(&a).contains(&format!("copied {code}")));
    let q = review::queue(&t.pool, None).await.unwrap();
    assert!(q[0].has_open_ticket);
    // Resolve through the menu.
    keys(&mut a, "try").await;
    let tickets = db::tickets::for_run(&t.pool, d.run.id).await.unwrap();
    assert!(tickets[0].ticket.resolved_at.is_some());
}

#[tokio::test]
async fn y_offers_every_ticket_of_the_run_newest_first_and_the_hint_names_the_newest() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "tn\n").await;
    let older = a.run_checks.detail.clone().unwrap().tickets[0]
        .ticket
        .ticket_code
        .clone();
    keys(&mut a, "tn\n").await;
    let d = a.run_checks.detail.clone().unwrap();
    assert_eq!(d.tickets.len(), 2, "both tickets show on the run");
    let newer = d
        .tickets
        .iter()
        .map(|t| t.ticket.ticket_code.clone())
        .find(|c| *c != older)
        .unwrap();
    assert!(screen(&mut a, 160, 48).contains(&format!("copy {newer}")));
    a.toasts.clear();
    // Two tickets: `y` asks which, the newest first, so Enter copies what the hint named.
    keys(&mut a, "y").await;
    let s = screen(&mut a, 160, 48);
    assert!(s.contains("Copy which ticket number?"), "{s}");
    let (at_newer, at_older) = (s.find(&newer).unwrap(), s.rfind(&older).unwrap());
    assert!(at_newer < at_older, "newest first:\n{s}");
    keys(&mut a, "\n").await;
    assert!(
        toasts(&a).contains(&format!("copied {newer}")),
        "{}",
        toasts(&a)
    );
    a.toasts.clear();
    keys(&mut a, "yj\n").await;
    assert!(
        toasts(&a).contains(&format!("copied {older}")),
        "{}",
        toasts(&a)
    );
}

#[tokio::test]
async fn q_backs_out_to_run_checks_and_asks_before_losing_the_undo_history() {
    use backupchecks::tui::panes::Pane;
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    // Nothing to lose yet: q from another pane goes to Run Checks, q there quits.
    keys(&mut a, "4q").await;
    assert_eq!(a.pane, Pane::RunChecks);
    assert!(!a.quit);
    // A review makes an undo history: q asks first, n keeps the session.
    keys(&mut a, "\nr").await;
    keys(&mut a, "qq").await;
    assert!(!a.quit, "asked first");
    assert!(screen(&mut a, 120, 30).contains("undo history (1 review) will be lost"));
    keys(&mut a, "n").await;
    assert!(!a.quit);
    keys(&mut a, "qy").await;
    assert!(a.quit);
}

#[tokio::test]
async fn enter_on_a_job_with_nothing_to_review_opens_that_job_not_the_previous_one() {
    use backupchecks::tui::panes::Pane;
    let t = fixture().await;
    // Every run of the fine job is reviewed: it is not in the plain queue.
    let job: i64 = sqlx::query_scalar("SELECT id FROM jobs WHERE job_name = 'Daily VM Backup'")
        .fetch_one(&t.pool)
        .await
        .unwrap();
    let mut conn = t.pool.acquire().await.unwrap();
    review::review_job(&mut conn, job, "ann", now())
        .await
        .unwrap();
    drop(conn);
    let mut a = app(&t);
    ready(&mut a).await;
    assert!(a.run_checks.rows.iter().all(|r| r.job_id != job));
    let before = a.run_checks.current_job().map(|j| j.job_id);
    assert_ne!(before, Some(job));
    // Jobs pane: filter to that job, Enter opens it in Run Checks.
    keys(&mut a, "4/Daily VM\n\n").await;
    assert_eq!(a.pane, Pane::RunChecks);
    assert_eq!(a.run_checks.current_job().map(|j| j.job_id), Some(job));
    assert!(a.run_checks.include_reviewed);
    let d = a.run_checks.detail.as_ref().expect("the job's run");
    assert_eq!(d.run.job_id, job, "the detail is of the job asked for");
}

#[tokio::test]
async fn after_a_job_is_reviewed_the_worst_remaining_job_is_next() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    let worst = a.run_checks.current_job().map(|j| j.job_id);
    // The second job (a warning) is reviewed whole; the row below it would slide under the
    // cursor, but the worst job, above, is next.
    keys(&mut a, "j").await;
    let second = a.run_checks.current_job().map(|j| j.job_id);
    assert_ne!(second, worst);
    keys(&mut a, "R").await;
    if a.overlay.is_some() {
        keys(&mut a, "y").await;
    }
    assert!(a.run_checks.rows.iter().all(|r| Some(r.job_id) != second));
    assert_eq!(a.run_checks.current_job().map(|j| j.job_id), worst);
    assert_eq!(a.run_checks.mail_scroll, 0);
}

#[tokio::test]
async fn filter_narrows_the_queue_and_esc_clears_it() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "/bakker").await;
    assert_eq!(a.run_checks.visible().len(), 2);
    keys(&mut a, "\n").await;
    assert_eq!(a.run_checks.visible().len(), 2, "Enter keeps the filter");
    keys(&mut a, "\u{1b}").await;
    assert_eq!(a.run_checks.visible().len(), 3);
}

#[tokio::test]
async fn the_command_line_runs_commands_and_rejects_unknown_ones() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, ":inbox\n").await;
    assert_eq!(a.pane, backupchecks::tui::panes::Pane::Inbox);
    keys(&mut a, ":frobnicate\n").await;
    assert!(toasts(&a).contains("unknown command :frobnicate"));
    keys(&mut a, ":q\n").await;
    assert!(a.quit);
}

#[tokio::test]
async fn text_from_mail_cannot_move_the_cursor_or_change_colours() {
    let t = fixture().await;
    let evil = generic_with_objects(
        "evil@x",
        "veeam@acme.example",
        "Daily VM Backup",
        "Failed",
        &date(19, 23),
        &[(
            "VM\u{1b}[2J01",
            "failed",
            "boom\u{1b}]52;c;aGk=\u{7}\u{1b}[31m red",
        )],
    );
    ingest(&t, evil).await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "\n\n").await;
    let term = render(&mut a, 160, 48);
    let buf = term.backend().buffer();
    for cell in buf.content() {
        assert!(
            !cell.symbol().chars().any(|c| c.is_control()),
            "control character reached the screen: {:?}",
            cell.symbol()
        );
    }
    assert!(term.backend().to_string().contains("boom"));
}

#[tokio::test]
async fn statuses_read_without_colour_and_in_ascii() {
    let t = fixture().await;
    let mut a = app(&t);
    a.theme = Theme::new(true, true);
    ready(&mut a).await;
    keys(&mut a, "\n").await;
    let text = screen(&mut a, 160, 48);
    assert!(text.contains("FAIL Failed"), "{text}");
    let term = render(&mut a, 160, 48);
    for cell in term.backend().buffer().content() {
        assert_eq!(
            cell.fg,
            ratatui::style::Color::Reset,
            "NO_COLOR means no colours"
        );
    }
}

#[tokio::test]
async fn reparse_all_from_the_command_line_reports_progress_and_the_result() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    *a.progress.lock().unwrap() = Some(("re-parsing".into(), 3, 10));
    assert!(screen(&mut a, 160, 48).contains("re-parsing [###.......] 3/10"));
    *a.progress.lock().unwrap() = None;
    keys(&mut a, ":reparse\n").await;
    assert!(screen(&mut a, 80, 24).contains("Re-parse all mail"));
    keys(&mut a, "y").await;
    assert!(
        toasts(&a).contains("re-parsed 2: 0 became runs, 1 waiting, 1 unparsed"),
        "{}",
        toasts(&a)
    );
    assert!(a.progress().is_none());
}

#[tokio::test]
async fn an_unreachable_database_shows_on_the_top_line_and_never_crashes() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    assert!(screen(&mut a, 120, 24).contains("db ok"));
    t.pool.close().await;
    keys(&mut a, "3").await;
    let s = screen(&mut a, 80, 24);
    assert!(s.contains("db unreachable"), "{s}");
    assert!(!a.quit);
    keys(&mut a, "jkr").await;
    assert!(!a.quit, "keys still work");
}

#[tokio::test]
async fn a_database_outage_is_marked_on_the_first_failed_call_and_said_once_readably() {
    use backupchecks::tui::app::ToastLevel;
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    a.toasts.clear();
    keys(&mut a, "3").await;
    assert!(screen(&mut a, 120, 24).contains("db ok"));
    t.refuse_connections().await;
    // Opening another pane is the first call to fail: the top line says so at once.
    keys(&mut a, "4").await;
    let s = screen(&mut a, 120, 30);
    assert!(s.contains("db unreachable"), "{s}");
    let errors: Vec<String> = a
        .toasts
        .iter()
        .filter(|t| t.level == ToastLevel::Error)
        .map(|t| t.text.clone())
        .collect();
    assert_eq!(errors.len(), 1, "one cause, said once: {errors:?}");
    assert!(
        errors[0].starts_with("database unavailable: "),
        "{errors:?}"
    );
    assert!(!errors[0].contains("at line"), "{errors:?}");
    // More failing loads add nothing.
    keys(&mut a, "23").await;
    assert_eq!(
        a.toasts
            .iter()
            .filter(|t| t.level == ToastLevel::Error)
            .count(),
        1,
        "{}",
        toasts(&a)
    );
    // A review that cannot happen says so.
    a.toasts.clear();
    keys(&mut a, "r").await;
    assert!(
        toasts(&a).contains("not reviewed: database unavailable"),
        "{}",
        toasts(&a)
    );
    // Esc dismisses the error before it expires; the pane stays.
    keys(&mut a, "\u{1b}").await;
    assert!(a.toasts.is_empty(), "{}", toasts(&a));
    t.allow_connections().await;
    ready(&mut a).await;
    assert!(screen(&mut a, 120, 24).contains("db ok"));
}

#[tokio::test]
async fn bulk_approval_of_marked_mails_with_the_suggested_customer() {
    let t = fixture().await;
    // Two more jobs of Acme Dental's domain wait in the Inbox.
    for (id, job) in [
        ("acme-new-1@x", "Offsite Copy"),
        ("acme-new-2@x", "Config Backup"),
    ] {
        ingest(
            &t,
            generic(id, "veeam@acme.example", job, "Success", &date(20, 3)),
        )
        .await;
    }
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "1").await;
    assert_eq!(a.inbox.waiting, 4);
    let acme_rows: Vec<usize> = a
        .inbox
        .rows
        .iter()
        .enumerate()
        .filter(|(_, m)| m.from_address == "veeam@acme.example")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(acme_rows.len(), 2);
    // Mark both with Space (it moves down), then approve.
    keys(&mut a, "g").await;
    for _ in 0..acme_rows[0] {
        keys(&mut a, "j").await;
    }
    keys(&mut a, " ").await;
    for _ in acme_rows[0] + 1..acme_rows[1] {
        keys(&mut a, "j").await;
    }
    keys(&mut a, " ").await;
    assert_eq!(a.inbox.list.marks.len(), 2);
    keys(&mut a, "a").await;
    let shown = screen(&mut a, 80, 24);
    assert!(
        shown.contains("Approve 2 marked mails, 2 jobs for"),
        "{shown}"
    );
    assert!(
        shown.contains("suggested: sender domain acme.example matches 1 approved job"),
        "{shown}"
    );
    assert!(shown.contains("★ Acme Dental"), "{shown}");
    keys(&mut a, "\n").await;
    assert!(
        toasts(&a).contains("approved 2 jobs: 2 runs created"),
        "{}",
        toasts(&a)
    );
    assert_eq!(a.inbox.waiting, 2);
    let acme = db::customers::find_by_name(&t.pool, "Acme Dental")
        .await
        .unwrap()
        .unwrap();
    let jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE customer_id = $1")
        .bind(acme.id)
        .fetch_one(&t.pool)
        .await
        .unwrap();
    assert_eq!(jobs, 3);
}

#[tokio::test]
async fn mark_all_and_approve_to_a_new_customer_leaves_unrecognised_mail_out() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "1*").await;
    assert_eq!(a.inbox.list.marks.len(), 2);
    keys(&mut a, "a").await;
    assert!(
        toasts(&a).contains("1 unrecognised mail left out"),
        "{}",
        toasts(&a)
    );
    // No customer has vandijk.example jobs: nothing is suggested, a name creates one.
    let shown = screen(&mut a, 80, 24);
    assert!(!shown.contains("suggested:"), "{shown}");
    keys(&mut a, "Van Dijk\n").await;
    assert!(
        toasts(&a).contains("approved: 1 run created"),
        "{}",
        toasts(&a)
    );
    assert_eq!(a.inbox.waiting, 1);
}

#[tokio::test]
async fn mail_dated_in_the_future_is_kept_and_flagged_in_the_inbox_and_the_run() {
    let t = fixture().await;
    // The sender's clock is a day ahead: the report claims tomorrow 22:05.
    let id = ingest(
        &t,
        generic(
            "ahead-1@x",
            "nas@ahead.example",
            "Clock Ahead",
            "Success",
            &date(21, 22),
        ),
    )
    .await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "1").await;
    assert_eq!(a.inbox.waiting, 3);
    let shown = screen(&mut a, 160, 48);
    assert!(shown.contains("21 Nov 22:05!"), "{shown}");
    assert!(
        !shown.contains("20 Nov 05:05!"),
        "only the mail ahead is flagged: {shown}"
    );
    let pos = a.inbox.rows.iter().position(|m| m.id == id).unwrap();
    keys(&mut a, "g").await;
    for _ in 0..pos {
        keys(&mut a, "j").await;
    }
    a.settle().await;
    let shown = screen(&mut a, 160, 48);
    assert!(shown.contains("dated in the future"), "{shown}");

    // Approved, it is a run like any other, flagged in the run detail.
    approve(&t, id, "Ahead Ltd").await;
    ready(&mut a).await;
    keys(&mut a, "3").await;
    let pos = a
        .run_checks
        .visible()
        .iter()
        .position(|i| a.run_checks.rows[*i].job_name == "Clock Ahead")
        .unwrap();
    keys(&mut a, "g").await;
    for _ in 0..pos {
        keys(&mut a, "j").await;
    }
    keys(&mut a, "\n\n").await;
    let shown = screen(&mut a, 160, 48);
    assert!(shown.contains("dated in the future"), "{shown}");
}

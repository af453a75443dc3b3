//! The Feedback pane and the capture key: the screen captured from Run Checks into a new item,
//! votes by two logins, a reply, a status change by an admin, deleting and removing for good,
//! attachment limits, and a capture shown again as it was.

use super::{app, fixture, key, keys, last_toast, ready, render, screen};
use crate::support::db::{TestDb, TestLogin};
use backupchecks::domain::roles::{Login, Role};
use backupchecks::tui::app::{App, Overlay, Seat};
use backupchecks::tui::panes::Pane;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

async fn ctrl(a: &mut App, c: char) {
    key(a, KeyCode::Char(c), KeyModifiers::CONTROL).await;
}

async fn tab(a: &mut App) {
    key(a, KeyCode::Tab, KeyModifiers::NONE).await;
}

/// The interface of a real login acting as `role`.
async fn seat_of(t: &TestDb, login: &TestLogin, role: Role) -> App {
    let mut a = App::new(
        t.pool_as(&login.name).await,
        backupchecks::tui::theme::Theme::default(),
        login.name.clone(),
        chrono_tz::UTC,
        std::sync::Arc::new(super::now),
    );
    a.services.import_now = None;
    a.set_seat(Seat {
        login: Login {
            name: login.name.clone(),
            groups: vec![role],
            ..Login::default()
        },
        role,
        switch: None,
    });
    ready(&mut a).await;
    a
}

/// Fixes the times the database stamped, so that the screens are the same on every run.
async fn fix_times(t: &TestDb) {
    sqlx::query(
        "UPDATE feedback_items SET created_at = '2026-11-20 08:00Z', updated_at = '2026-11-20 08:00Z'",
    )
    .execute(&t.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE feedback_replies SET created_at = '2026-11-20 08:05Z'")
        .execute(&t.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn capture_vote_reply_status_delete_and_purge_across_three_seats() {
    let t = fixture().await;
    let ann = TestLogin::new(&["backupchecks_operator"]).await;
    let bob = TestLogin::new(&["backupchecks_viewer"]).await;
    let boss = TestLogin::new(&["backupchecks_admin"]).await;
    let mut a = seat_of(&t, &ann, Role::Operator).await;
    assert_eq!(a.pane, Pane::RunChecks);
    screen(&mut a, 80, 24);

    // Ctrl-p in Run Checks: the form opens with the screen and the context attached.
    ctrl(&mut a, 'p').await;
    let Some(Overlay::Feedback(form)) = &a.overlay else {
        panic!("no feedback form")
    };
    let capture = form.capture.clone().expect("the screen is attached");
    assert_eq!(capture.media_type, "application/x-backupchecks-screen");
    assert_eq!(form.context.pane, "Run Checks");
    assert!(
        form.context.row.contains("Acme Dental › Daily VM Backup"),
        "{:?}",
        form.context
    );
    assert_eq!(form.context.size, "80×24");
    keys(&mut a, "Failed runs need the object").await;
    tab(&mut a).await;
    keys(&mut a, "SQL01 should show first.").await;
    ctrl(&mut a, 's').await;
    assert!(a.overlay.is_none(), "saved and closed");
    assert!(
        last_toast(&a).contains("saved with 1 attachment"),
        "{}",
        last_toast(&a)
    );

    // The item in the Feedback pane, the operator's vote.
    keys(&mut a, ":feedback\n").await;
    assert_eq!(a.pane, Pane::Feedback);
    let s = screen(&mut a, 120, 30);
    assert!(s.contains("Failed runs need the object"), "{s}");
    assert!(s.contains("bug"), "{s}");
    keys(&mut a, "v").await;
    assert_eq!(a.feedback.current().map(|i| i.votes), Some(1));

    // A viewer votes too and replies; the status is not theirs to change.
    let mut b = seat_of(&t, &bob, Role::Viewer).await;
    keys(&mut b, ":feedback\n").await;
    assert_eq!(b.pane, Pane::Feedback);
    keys(&mut b, "v").await;
    assert_eq!(
        b.feedback.current().map(|i| (i.votes, i.voted)),
        Some((2, true))
    );
    keys(&mut b, "rSeen it too\n").await;
    keys(&mut b, "s").await;
    assert!(b.overlay.is_none());
    assert!(last_toast(&b).contains("not available to the viewer role"));
    // Nor may the viewer delete the operator's item.
    keys(&mut b, "d").await;
    assert!(b.overlay.is_none());
    assert!(
        last_toast(&b).contains("only its author"),
        "{}",
        last_toast(&b)
    );

    // The admin plans it.
    let mut c = seat_of(&t, &boss, Role::Admin).await;
    keys(&mut c, ":feedback\n").await;
    keys(&mut c, "s").await;
    assert!(matches!(c.overlay, Some(Overlay::Choose(_))));
    keys(&mut c, "j\n").await;
    assert!(last_toast(&c).contains("planned"), "{}", last_toast(&c));

    // The operator's pane follows (here by reload; NOTIFY triggers the same in a running seat).
    a.reload();
    a.settle().await;
    keys(&mut a, "\n").await;
    let s = screen(&mut a, 120, 40);
    assert!(s.contains("planned · 2 votes (yours among them)"), "{s}");
    assert!(s.contains("Seen it too"), "{s}");
    assert!(s.contains("screen capture"), "{s}");
    assert!(s.contains("pane Run Checks"), "{s}");

    // The author deletes it (soft), the admin removes it for good.
    keys(&mut a, "\u{1b}dy").await;
    assert!(last_toast(&a).contains("deleted"), "{}", last_toast(&a));
    assert!(a.feedback.items.is_empty());
    c.reload();
    c.settle().await;
    keys(&mut c, "D").await;
    assert_eq!(c.feedback.items.len(), 1);
    keys(&mut c, "Xy").await;
    assert!(
        last_toast(&c).contains("removed for good"),
        "{}",
        last_toast(&c)
    );
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM feedback_attachments")
        .fetch_one(&t.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    // The operator never sees X: only an admin removes for good.
    keys(&mut a, "X").await;
    assert!(last_toast(&a).contains("not available to the operator role"));
}

#[tokio::test]
async fn a_file_over_the_limit_or_of_a_refused_type_keeps_the_form_open_with_its_text() {
    let t = fixture().await;
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.log");
    std::fs::write(&big, vec![b'x'; 2048]).unwrap();
    let exe = dir.path().join("tool.exe");
    std::fs::write(&exe, b"MZ").unwrap();
    let small = dir.path().join("small.txt");
    std::fs::write(&small, b"the log line").unwrap();
    let mut a = app(&t);
    ready(&mut a).await;
    // An admin sets the limit in Settings: 1 KB.
    keys(&mut a, "9/feedback file limit\n\n").await;
    key(&mut a, KeyCode::Char('u'), KeyModifiers::CONTROL).await;
    keys(&mut a, "1\n").await;
    assert!(
        last_toast(&a).contains("Feedback file limit saved"),
        "{}",
        last_toast(&a)
    );

    keys(&mut a, ":feedback\nn").await;
    keys(&mut a, "Importer log").await;
    tab(&mut a).await;
    tab(&mut a).await;
    keys(&mut a, &big.display().to_string()).await;
    ctrl(&mut a, 's').await;
    let Some(Overlay::Feedback(form)) = &a.overlay else {
        panic!("the form closed on a refused file")
    };
    let e = form.error.clone().unwrap_or_default();
    assert!(e.contains("over the limit of 1.0 KB"), "{e}");
    assert_eq!(form.title.as_str(), "Importer log", "nothing typed is lost");
    a.toasts.clear();
    // The temporary folder's name differs per run.
    let shown = screen(&mut a, 80, 24).replace(&dir.path().display().to_string(), "/tmp/DIR");
    insta::assert_snapshot!("feedback_form_refused_80x24", shown);

    key(&mut a, KeyCode::Char('u'), KeyModifiers::CONTROL).await;
    keys(&mut a, &exe.display().to_string()).await;
    ctrl(&mut a, 's').await;
    let Some(Overlay::Feedback(form)) = &a.overlay else {
        panic!("the form closed on a refused type")
    };
    let e = form.error.clone().unwrap_or_default();
    assert!(e.contains("unknown file type"), "{e}");

    key(&mut a, KeyCode::Char('u'), KeyModifiers::CONTROL).await;
    keys(&mut a, &small.display().to_string()).await;
    ctrl(&mut a, 's').await;
    assert!(a.overlay.is_none());
    assert!(
        last_toast(&a).contains("with 1 attachment"),
        "{}",
        last_toast(&a)
    );

    // `a` attaches another file, refused over the limit with a clear error.
    keys(&mut a, "a").await;
    keys(&mut a, &format!("{}\n", big.display())).await;
    assert!(
        last_toast(&a).contains("over the limit"),
        "{}",
        last_toast(&a)
    );

    // The attachment saves back to a file; an existing file is not replaced.
    let out = dir.path().join("copy.txt");
    keys(&mut a, "\nw").await;
    key(&mut a, KeyCode::Char('u'), KeyModifiers::CONTROL).await;
    keys(&mut a, &format!("{}\n", out.display())).await;
    assert_eq!(std::fs::read(&out).unwrap(), b"the log line");
    keys(&mut a, "w").await;
    key(&mut a, KeyCode::Char('u'), KeyModifiers::CONTROL).await;
    keys(&mut a, &format!("{}\n", out.display())).await;
    assert!(last_toast(&a).contains("not saved"), "{}", last_toast(&a));
}

#[tokio::test]
async fn a_capture_shown_again_matches_the_screen_it_was_taken_from() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    let before = render(&mut a, 80, 24).backend().buffer().clone();
    ctrl(&mut a, 'p').await;
    insta::assert_snapshot!("feedback_capture_form_80x24", screen(&mut a, 80, 24));
    keys(&mut a, "Run Checks as it was").await;
    ctrl(&mut a, 's').await;
    fix_times(&t).await;
    keys(&mut a, ":feedback\n").await;
    a.toasts.clear();
    insta::assert_snapshot!("feedback_list_80x24", screen(&mut a, 80, 24));
    keys(&mut a, "\n").await;
    insta::assert_snapshot!("feedback_detail_80x24", screen(&mut a, 80, 24));
    keys(&mut a, "\n").await;
    assert!(
        a.feedback.capture.is_some(),
        "Enter on the capture shows it"
    );
    // 82×27: the top line, the capture's title line, the 80×24 capture and the hint line.
    let term = render(&mut a, 82, 27);
    let shown = term.backend().buffer();
    for y in 0..24u16 {
        for x in 0..80u16 {
            assert_eq!(
                shown.cell((x, y + 2)),
                before.cell((x, y)),
                "cell {x},{y} differs"
            );
        }
    }
    insta::assert_snapshot!("feedback_capture_shown_82x27", screen(&mut a, 82, 27));
    // It scrolls; Esc goes back to the item, then to the list.
    keys(&mut a, "jj").await;
    key(&mut a, KeyCode::Right, KeyModifiers::NONE).await;
    assert_eq!(a.feedback.capture.as_ref().map(|c| c.scroll), Some((8, 2)));
    keys(&mut a, "\u{1b}").await;
    assert!(a.feedback.capture.is_none() && a.feedback.open.is_some());
    keys(&mut a, "\u{1b}").await;
    assert!(a.feedback.open.is_none());
}

#[tokio::test]
async fn the_capture_key_over_a_popup_brings_the_popup_back_and_is_in_the_help() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "m").await;
    assert!(matches!(a.overlay, Some(Overlay::Remark(_))));
    keys(&mut a, "half a remark").await;
    screen(&mut a, 100, 30);
    ctrl(&mut a, 'p').await;
    assert!(matches!(a.overlay, Some(Overlay::Feedback(_))));
    // Nothing typed in the form: one Esc closes it.
    keys(&mut a, "\u{1b}").await;
    let Some(Overlay::Remark(r)) = &a.overlay else {
        panic!("the remark editor did not come back")
    };
    assert_eq!(r.text.lines().join(""), "half a remark");
    keys(&mut a, "\u{1b}\u{1b}").await;
    keys(&mut a, "?").await;
    let s = screen(&mut a, 100, 60);
    assert!(
        s.contains("Ctrl-p") && s.contains("capture the screen"),
        "{s}"
    );
}

#[tokio::test]
async fn another_seats_vote_reaches_an_open_feedback_pane_through_notify() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, ":feedback\nn").await;
    keys(&mut a, "One vote away").await;
    ctrl(&mut a, 's').await;
    assert_eq!(a.feedback.items.len(), 1);
    let id = a.feedback.items[0].id;

    // This seat listens as the interface does; another login votes.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let pool = t.pool.clone();
    let listener = tokio::spawn(async move {
        backupchecks::db::notify::listen(&pool, |table| tx.send(table.to_string()).is_ok()).await
    });
    let bob = TestLogin::new(&["backupchecks_viewer"]).await;
    let other = t.pool_as(&bob.name).await;
    let mut heard = None;
    for _ in 0..50 {
        if backupchecks::db::feedback::toggle_vote(&other, "bob", id)
            .await
            .unwrap()
            && let Ok(Some(table)) =
                tokio::time::timeout(std::time::Duration::from_millis(200), rx.recv()).await
        {
            heard = Some(table);
            break;
        }
    }
    listener.abort();
    assert_eq!(heard.as_deref(), Some("feedback_votes"));
    a.update(backupchecks::tui::action::Action::DataChanged);
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert!(a.tick(), "a reload after the change");
    a.settle().await;
    assert_eq!(a.feedback.items[0].votes, 1);
    assert!(!a.feedback.items[0].voted, "the vote is the other login's");
}

#[tokio::test]
async fn a_capture_of_a_hostile_mail_carries_no_escape_sequence() {
    let t = fixture().await;
    super::ingest(
        &t,
        b"From: evil@x.example\r\nSubject: Backup \x1b]52;c;aGk=\x07done \x1b[2J\x1b[31mred\r\nDate: Fri, 20 Nov 2026 06:30:00 +0000\r\nMessage-ID: <evil@x>\r\n\r\nok\r\n"
            .to_vec(),
    )
    .await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "1").await;
    let s = screen(&mut a, 120, 30);
    assert!(s.contains("evil@x.exam"), "{s}");
    ctrl(&mut a, 'p').await;
    keys(&mut a, "Subject looks odd").await;
    ctrl(&mut a, 's').await;
    let data: Vec<u8> = sqlx::query_scalar("SELECT data FROM feedback_attachments")
        .fetch_one(&t.pool)
        .await
        .unwrap();
    assert!(
        !data.contains(&0x1b) && !data.contains(&0x07),
        "raw bytes ride along"
    );
    let text = String::from_utf8(data).unwrap();
    assert!(
        !text.contains("\\u001b") && !text.contains("\\u0007"),
        "escaped ones too"
    );
    let screen = backupchecks::tui::screen_capture::decode(text.as_bytes()).unwrap();
    let shown = backupchecks::tui::screen_capture::text(&screen);
    assert!(
        shown.contains("evil@x.exam") && shown.contains("Backup"),
        "{shown}"
    );
}

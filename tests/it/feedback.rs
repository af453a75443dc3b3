//! Feedback in the database: authors set by PostgreSQL, one vote per login, who may change and
//! delete what, attachment limits, the audit log, notifications and the `feedback` command.

use crate::support::db::{TestDb, TestLogin};
use backupchecks::db::{DbError, audit, feedback, settings};
use backupchecks::domain::feedback::{Context, Kind, SCREEN_TYPE, Status};
use sqlx::PgPool;

fn item(title: &str) -> feedback::NewItem {
    feedback::NewItem {
        kind: Kind::Idea,
        title: title.into(),
        body: "The grid should show the ticket number.".into(),
        context: Context {
            pane: "Daily Jobs".into(),
            version: "1.0".into(),
            ..Context::default()
        },
    }
}

fn text_file(name: &str, bytes: usize) -> feedback::NewAttachment {
    feedback::NewAttachment {
        name: name.into(),
        media_type: "text/plain".into(),
        data: vec![b'x'; bytes],
    }
}

async fn sqlstate(pool: &PgPool, sql: &str) -> Option<String> {
    match sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(pool)
        .await
    {
        Ok(_) => None,
        Err(sqlx::Error::Database(d)) => d.code().map(|c| c.to_string()),
        Err(e) => panic!("{sql}: {e}"),
    }
}

#[tokio::test]
async fn every_role_posts_as_itself_one_vote_each_and_only_admins_decide() {
    let t = TestDb::new().await;
    let viewer = TestLogin::new(&["backupchecks_viewer"]).await;
    let reporter = TestLogin::new(&["backupchecks_reporter"]).await;
    let admin = TestLogin::new(&["backupchecks_admin"]).await;
    let vp = t.pool_as(&viewer.name).await;
    let rp = t.pool_as(&reporter.name).await;
    let ap = t.pool_as(&admin.name).await;

    // A viewer writes an item; the author is the login whatever the client sends.
    let id = feedback::create(&vp, "claims to be bob", &item("Show ticket numbers"), &[])
        .await
        .unwrap();
    let forged = sqlstate(
        &vp,
        "INSERT INTO feedback_items (kind, title, author) VALUES ('bug', 'x', 'someone')",
    )
    .await;
    assert_eq!(forged.as_deref(), Some("42501"), "author is not writable");
    let i = feedback::get(&vp, id).await.unwrap();
    assert_eq!(i.author, viewer.name);
    assert_eq!(i.operator.as_deref(), Some("claims to be bob"));
    assert_eq!(i.status, Status::Open);

    // Two logins vote; a second vote of the same login takes it back.
    assert!(feedback::toggle_vote(&vp, "v", id).await.unwrap());
    assert!(feedback::toggle_vote(&rp, "r", id).await.unwrap());
    assert_eq!(feedback::get(&vp, id).await.unwrap().votes, 2);
    assert!(!feedback::toggle_vote(&rp, "r", id).await.unwrap());
    let i = feedback::get(&rp, id).await.unwrap();
    assert_eq!((i.votes, i.voted), (1, false));
    assert!(feedback::get(&vp, id).await.unwrap().voted);
    // Nobody takes back another's vote: the row is not theirs.
    let gone = sqlx::query("DELETE FROM feedback_votes")
        .execute(&rp)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(gone, 0);

    // Replies from any role.
    feedback::reply(&rp, "r", id, "Yes, and the date too.")
        .await
        .unwrap();
    assert!(matches!(
        feedback::reply(&rp, "r", id, "  ").await,
        Err(DbError::Invalid(_))
    ));

    // Only an admin changes the status.
    let e = feedback::set_status(&vp, "v", id, Status::Done)
        .await
        .unwrap_err();
    assert!(backupchecks::db::roles::is_permission_denied(&e), "{e}");
    feedback::set_status(&ap, "boss", id, Status::Planned)
        .await
        .unwrap();
    assert_eq!(
        feedback::get(&vp, id).await.unwrap().status,
        Status::Planned
    );

    // Another login may not delete it; its author may; nobody but an admin removes it.
    let e = feedback::set_deleted(&rp, "r", id, true).await.unwrap_err();
    assert!(e.to_string().contains("only its author"), "{e}");
    let e = feedback::purge(&ap, "boss", id).await.unwrap_err();
    assert!(e.to_string().contains("only after it was deleted"), "{e}");
    feedback::set_deleted(&vp, "v", id, true).await.unwrap();
    // A deleted item takes no votes or replies.
    assert!(feedback::toggle_vote(&rp, "r", id).await.is_err());
    let e = feedback::purge(&vp, "v", id).await.unwrap_err();
    assert!(backupchecks::db::roles::is_permission_denied(&e), "{e}");
    assert!(feedback::list(&vp, false).await.unwrap().is_empty());
    assert_eq!(feedback::list(&vp, true).await.unwrap().len(), 1);
    feedback::purge(&ap, "boss", id).await.unwrap();
    assert!(feedback::list(&ap, true).await.unwrap().is_empty());
    let left: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM feedback_votes) + (SELECT count(*) FROM feedback_replies)",
    )
    .fetch_one(&t.pool)
    .await
    .unwrap();
    assert_eq!(left, 0, "votes and replies went with it");

    // Every change is in the audit log, named by the login.
    let actions: Vec<(String, String)> = audit::recent(&t.pool, 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action.starts_with("feedback."))
        .map(|e| (e.action, e.db_user))
        .rev()
        .collect();
    let names: Vec<&str> = actions.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        names,
        [
            "feedback.create",
            "feedback.vote",
            "feedback.vote",
            "feedback.unvote",
            "feedback.reply",
            "feedback.status",
            "feedback.delete",
            "feedback.purge"
        ]
    );
    assert_eq!(actions[0].1, viewer.name);
    assert_eq!(actions[5].1, admin.name);
}

#[tokio::test]
async fn attachments_obey_the_size_limit_and_types_of_the_settings_in_every_client() {
    let t = TestDb::new().await;
    settings::set(
        &t.pool,
        settings::keys::FEEDBACK_ATTACHMENT_MAX_KB,
        &1,
        "admin",
    )
    .await
    .unwrap();
    let id = feedback::create(&t.pool, "ann", &item("Limits"), &[])
        .await
        .unwrap();
    feedback::attach(&t.pool, "ann", id, &text_file("a.txt", 1024))
        .await
        .unwrap();
    let e = feedback::attach(&t.pool, "ann", id, &text_file("b.txt", 1025))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("over the limit of 1.0 KB"), "{e}");
    let png = feedback::NewAttachment {
        name: "c.exe".into(),
        media_type: "application/x-msdownload".into(),
        data: vec![1, 2, 3],
    };
    let e = feedback::attach(&t.pool, "ann", id, &png)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not allowed"), "{e}");
    // A client that skips the program's check meets the database's.
    let direct = sqlstate(
        &t.pool,
        &format!(
            "INSERT INTO feedback_attachments (item_id, name, media_type, data) \
             VALUES ({id}, 'big.txt', 'text/plain', decode(repeat('78', 2000), 'hex'))"
        ),
    )
    .await;
    assert_eq!(direct.as_deref(), Some("23514"));
    let direct = sqlstate(
        &t.pool,
        &format!(
            "INSERT INTO feedback_attachments (item_id, name, media_type, data) \
             VALUES ({id}, 'x.bin', 'application/octet-stream', '\\x00')"
        ),
    )
    .await;
    assert_eq!(direct.as_deref(), Some("23514"));
    // A capture is always a known type; the size is the stored one.
    let shot = feedback::NewAttachment {
        name: "screen".into(),
        media_type: SCREEN_TYPE.into(),
        data: b"{}".to_vec(),
    };
    feedback::attach(&t.pool, "ann", id, &shot).await.unwrap();
    let d = feedback::detail(&t.pool, id).await.unwrap();
    let sizes: Vec<(String, i32)> = d
        .attachments
        .iter()
        .map(|a| (a.name.clone(), a.size))
        .collect();
    assert_eq!(sizes, [("a.txt".into(), 1024), ("screen".into(), 2)]);
    // A failed attachment of a new item leaves no item behind.
    let before = feedback::list(&t.pool, false).await.unwrap().len();
    assert!(
        feedback::create(
            &t.pool,
            "ann",
            &item("Too big"),
            &[text_file("d.txt", 4096)]
        )
        .await
        .is_err()
    );
    assert_eq!(feedback::list(&t.pool, false).await.unwrap().len(), before);
}

#[tokio::test]
async fn a_change_to_feedback_is_announced_to_every_seat() {
    let t = TestDb::new().await;
    let mut listener = sqlx::postgres::PgListener::connect_with(&t.pool)
        .await
        .unwrap();
    listener
        .listen(backupchecks::db::notify::CHANNEL)
        .await
        .unwrap();
    let id = feedback::create(&t.pool, "ann", &item("Announced"), &[])
        .await
        .unwrap();
    feedback::toggle_vote(&t.pool, "ann", id).await.unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let n = tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv())
            .await
            .expect("a notification")
            .unwrap();
        if n.payload().starts_with("feedback") {
            seen.push(n.payload().to_string());
        }
    }
    assert_eq!(seen, ["feedback_items", "feedback_votes"]);
}

fn cli(t: &TestDb, logs: &std::path::Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_backupchecks"));
    c.env_remove("BACKUPCHECKS_CONFIG")
        .env("DATABASE_URL", t.url())
        .env("BACKUPCHECKS_LOG_FILE", logs.join("log"));
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feedback_command_lists_shows_and_exports_markdown() {
    let t = TestDb::new().await;
    let logs = tempfile::tempdir().unwrap();
    let mut screen = ratatui::buffer::Buffer::empty(ratatui::layout::Rect::new(0, 0, 20, 2));
    screen.set_string(
        0,
        0,
        "Run Checks \u{1b}[2J",
        ratatui::style::Style::default(),
    );
    let shot = feedback::NewAttachment {
        name: "Run Checks screen".into(),
        media_type: SCREEN_TYPE.into(),
        data: backupchecks::tui::screen_capture::encode(&screen),
    };
    let first = feedback::create(&t.pool, "ann", &item("Show ticket numbers"), &[shot])
        .await
        .unwrap();
    let second = feedback::create(&t.pool, "ann", &item("Done already"), &[])
        .await
        .unwrap();
    feedback::toggle_vote(&t.pool, "ann", first).await.unwrap();
    feedback::reply(&t.pool, "ann", first, "Agreed.")
        .await
        .unwrap();
    feedback::set_status(&t.pool, "ann", second, Status::Done)
        .await
        .unwrap();

    let out = cli(&t, logs.path())
        .args(["feedback", "list"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("#{first}")) && stdout.contains("1 vote "),
        "{stdout}"
    );
    assert!(
        !stdout.contains("Done already"),
        "done items only with --all: {stdout}"
    );
    let out = cli(&t, logs.path())
        .args(["feedback", "list", "--all"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Done already"));

    let out = cli(&t, logs.path())
        .args(["feedback", "show", &first.to_string()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("## #"), "{stdout}");
    assert!(stdout.contains("context: pane Daily Jobs"), "{stdout}");
    assert!(stdout.contains("```text\nRun Checks"), "{stdout}");
    assert!(stdout.contains("Agreed."), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "no escape sequence: {stdout:?}");

    let out = cli(&t, logs.path())
        .args(["feedback", "show", "9999"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no feedback item 9999"));

    let file = logs.path().join("feedback.md");
    let out = cli(&t, logs.path())
        .args(["feedback", "export", "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(&file).unwrap();
    assert!(md.starts_with("# Feedback (2 items)"), "{md}");
    assert!(
        md.find("Show ticket numbers") < md.find("Done already"),
        "votes first"
    );
}

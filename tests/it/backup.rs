//! `db dump` and `db restore`: a dump restored into a fresh database gives identical row counts
//! in every table and a working interface; a database with data is not restored over without
//! --force.

use crate::support::db::TestDb;
use backupchecks::db::backup::{self, Endpoint};
use backupchecks::db::embedded::binaries::find_bindir;
use backupchecks::db::{self, DbError};

async fn counts(t: &TestDb) -> Vec<(String, i64)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(&t.pool)
    .await
    .unwrap();
    let mut out = Vec::new();
    for table in tables {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM \"{table}\""
        )))
        .fetch_one(&t.pool)
        .await
        .unwrap();
        out.push((table, n));
    }
    out
}

#[tokio::test]
async fn a_dump_restores_into_a_fresh_database_with_identical_row_counts() {
    let source = crate::tui::fixture().await;
    let bindir = find_bindir().expect("PostgreSQL server binaries");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backupchecks.dump");
    let from = Endpoint::from_url(&source.url(), None).unwrap();
    backup::dump(&bindir, &from, &file).unwrap();
    assert!(std::fs::metadata(&file).unwrap().len() > 0);

    let target = TestDb::new().await;
    let to = Endpoint::from_url(&target.url(), None).unwrap();
    backup::restore(&bindir, &to, &target.pool, &file, false)
        .await
        .unwrap();
    let before = counts(&source).await;
    assert!(before.iter().any(|(t, n)| t == "job_runs" && *n > 0));
    assert_eq!(counts(&target).await, before);

    // The interface works on the restored database.
    let mut a = crate::tui::app(&target);
    crate::tui::ready(&mut a).await;
    assert_eq!(a.run_checks.rows.len(), {
        let mut b = crate::tui::app(&source);
        crate::tui::ready(&mut b).await;
        b.run_checks.rows.len()
    });
    assert!(a.toasts.iter().all(|t| !t.text.contains("failed")));

    // Not over data without --force; with it, replaced whole.
    db::customers::create(&target.pool, "Extra").await.unwrap();
    let e = backup::restore(&bindir, &to, &target.pool, &file, false)
        .await
        .unwrap_err();
    assert!(matches!(e, DbError::Rejected(_)), "{e}");
    backup::restore(&bindir, &to, &target.pool, &file, true)
        .await
        .unwrap();
    assert_eq!(counts(&target).await, before);
}

#[test]
fn the_last_dump_is_recorded_beside_the_cluster() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(backup::last_dump(dir.path()), None);
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T03:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    backup::record_dump(dir.path(), at).unwrap();
    assert_eq!(backup::last_dump(dir.path()), Some(at));
}

/// The built program with no configuration of its own, writing its log into `dir`.
fn bin(dir: &std::path::Path) -> std::process::Command {
    let config = dir.join("empty.toml");
    if !config.exists() {
        std::fs::write(&config, "").unwrap();
    }
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_backupchecks"));
    c.env_remove("DATABASE_URL")
        .env_remove("BACKUPCHECKS_DATABASE_URL")
        .env("BACKUPCHECKS_LOG_FILE", dir.join("log"))
        .env("BACKUPCHECKS_CONFIG", config);
    c
}

/// Runs `cmd`; its exit status and everything it printed.
fn run(cmd: &mut std::process::Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The `last dump` line of `doctor`.
fn last_dump_line(text: &str) -> String {
    text.lines()
        .find(|l| l.trim_start().starts_with("last dump"))
        .unwrap_or_else(|| panic!("no last dump line in:\n{text}"))
        .to_string()
}

#[test]
fn doctor_stops_warning_once_the_embedded_cluster_is_dumped_and_warns_again_when_it_is_old() {
    use std::os::unix::fs::PermissionsExt;
    // A cluster root the `postgres` user can reach when tests run as root.
    let tmp = tempfile::Builder::new()
        .prefix("bc-dump-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let root = tmp.path().join("cluster");
    let doctor = || {
        run(bin(tmp.path())
            .env("BACKUPCHECKS_DATABASE_DATA_DIR", &root)
            .arg("doctor"))
    };

    let (_, text) = doctor();
    assert!(last_dump_line(&text).contains("WARNING: never"), "{text}");

    let file = tmp.path().join("bc.dump");
    let (ok, text) = run(bin(tmp.path())
        .env("BACKUPCHECKS_DATABASE_DATA_DIR", &root)
        .args(["db", "dump", "--out"])
        .arg(&file));
    assert!(ok, "{text}");
    assert!(std::fs::metadata(&file).unwrap().len() > 0);

    let (ok, text) = doctor();
    assert!(ok, "{text}");
    let line = last_dump_line(&text);
    assert!(!line.contains("WARNING"), "{text}");
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert!(line.contains(&today), "{line}");

    // A dump from ten days ago is a warning again.
    let old = chrono::Utc::now() - chrono::TimeDelta::days(10);
    let stamp = backup::stamp_file(&root);
    assert!(stamp.exists(), "db dump writes {}", stamp.display());
    backup::record_dump(&root, old).unwrap();
    let (_, text) = doctor();
    assert!(
        last_dump_line(&text).contains("WARNING: 10 days ago"),
        "{text}"
    );
}

/// Row counts of every table of the database at `url`.
async fn counts_at(pool: &sqlx::PgPool) -> Vec<(String, i64)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = Vec::new();
    for table in tables {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM \"{table}\""
        )))
        .fetch_one(pool)
        .await
        .unwrap();
        out.push((table, n));
    }
    out
}

#[tokio::test]
async fn the_demo_database_dumped_and_restored_through_the_program_works_the_same() {
    let source = TestDb::new().await;
    // Seeded for the moment the interface below believes it is.
    let now = crate::tui::now();
    backupchecks::demo::seed(&source.pool, now, chrono_tz::UTC, |_, _| {})
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.dump");
    let (ok, text) = run(bin(dir.path())
        .env("BACKUPCHECKS_DATABASE_URL", source.url())
        .args(["db", "dump", "--out"])
        .arg(&file));
    assert!(ok, "{text}");

    let target = TestDb::new().await;
    let restore = |force: bool| {
        let mut c = bin(dir.path());
        c.env("BACKUPCHECKS_DATABASE_URL", target.url())
            .args(["db", "restore"])
            .arg(&file);
        if force {
            c.arg("--force");
        }
        run(&mut c)
    };
    let (ok, text) = restore(false);
    assert!(ok, "{text}");
    let before = counts_at(&source.pool).await;
    assert!(
        before
            .iter()
            .any(|(t, n)| t == "mail_messages" && *n > 1000),
        "{before:?}"
    );
    assert_eq!(counts_at(&target.pool).await, before);

    // Not over data without --force; with it, replaced whole.
    db::customers::create(&target.pool, "Extra").await.unwrap();
    let (ok, text) = restore(false);
    assert!(!ok, "restored over data without --force: {text}");
    assert!(text.contains("--force"), "{text}");
    assert_ne!(counts_at(&target.pool).await, before);
    let (ok, text) = restore(true);
    assert!(ok, "{text}");
    assert_eq!(counts_at(&target.pool).await, before);

    // The restored database passes doctor and every pane of the interface loads on it.
    let (ok, text) = run(bin(dir.path())
        .env("BACKUPCHECKS_DATABASE_URL", target.url())
        .arg("doctor"));
    assert!(ok, "{text}");
    assert!(text.contains("(up to date)"), "{text}");
    let mut a = crate::tui::app(&target);
    crate::tui::ready(&mut a).await;
    for pane in ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"] {
        crate::tui::keys(&mut a, pane).await;
        a.settle().await;
        let screen = crate::tui::screen(&mut a, 160, 48);
        assert!(!screen.contains("loading…"), "pane {pane}:\n{screen}");
    }
    assert!(
        a.toasts.iter().all(|t| !t.text.contains("failed")),
        "{:?}",
        a.toasts.iter().map(|t| &t.text).collect::<Vec<_>>()
    );
    assert!(!a.run_checks.rows.is_empty());
}

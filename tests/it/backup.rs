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

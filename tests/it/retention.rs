//! Retention: the raw source of old mail is dropped after N days (and not before), deleted mail
//! is removed for good N days after deleting (mail that is not deleted never), reviewed runs and
//! the audit log stay as they were, nothing happens while no period is set, and only an admin
//! changes the periods.

use crate::support::db::{TestDb, TestLogin};
use crate::support::mail::generic_with_objects;
use backupchecks::db::mail::Source;
use backupchecks::db::retention::{self, PassReport, Rules};
use backupchecks::db::settings::{self, keys};
use backupchecks::db::{self, DbError, inbox::CustomerChoice};
use backupchecks::ingest::pipeline::{Incoming, ingest_one};
use backupchecks::ingest::reparse;
use backupchecks::services::backoff::Backoff;
use backupchecks::services::retention as service;
use chrono::{DateTime, Duration, TimeZone, Utc};
use sqlx::PgPool;
use std::sync::Arc;
use tokio::sync::mpsc;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

fn days_ago(d: i64) -> DateTime<Utc> {
    now() - Duration::days(d)
}

/// A mail of job `job` received `age` days before [`now`]; returns its id.
async fn ingest(pool: &PgPool, msgid: &str, job: &str, age: i64) -> i64 {
    let at = days_ago(age);
    let raw = generic_with_objects(
        msgid,
        "backup@acme.example",
        job,
        "Failed",
        &at.to_rfc2822(),
        &[("C:", "Failed", "disk full")],
    );
    let incoming = Incoming {
        source: "folder",
        source_id: None,
        received_at: Some(at),
        raw,
    };
    ingest_one(pool, &incoming, at).await.unwrap().mail_id()
}

async fn pass(pool: &PgPool, rules: Rules, at: DateTime<Utc>, batch: i64) -> PassReport {
    retention::run_pass(pool, rules, at, batch, &|| false)
        .await
        .unwrap()
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn raw_kept(pool: &PgPool, id: i64) -> bool {
    sqlx::query_scalar("SELECT raw_eml IS NOT NULL FROM mail_messages WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn soft_delete(pool: &PgPool, id: i64, age: i64) {
    sqlx::query("UPDATE mail_messages SET deleted_at = $2, location = 'deleted' WHERE id = $1")
        .bind(id)
        .bind(days_ago(age))
        .execute(pool)
        .await
        .unwrap();
}

/// Everything retention must leave alone, as text: the audit log and the reviewed runs.
async fn untouchables(pool: &PgPool) -> (Vec<String>, Vec<String>) {
    let audit = sqlx::query_scalar(
        "SELECT concat_ws('|', id, at, operator, action, details::text) FROM audit_log ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let reviewed = sqlx::query_scalar(
        "SELECT concat_ws('|', id, job_id, mail_id, run_at, effective_status, reviewed_at, \
         reviewed_by, remark) FROM job_runs WHERE reviewed_at IS NOT NULL ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    (audit, reviewed)
}

#[tokio::test]
async fn raw_source_goes_after_n_days_and_not_before() {
    let t = TestDb::new().await;
    let old = ingest(&t.pool, "old@x", "Nightly", 31).await;
    let young = ingest(&t.pool, "young@x", "Nightly", 29).await;
    let rules = Rules {
        raw_days: Some(30),
        deleted_days: None,
    };

    let r = pass(&t.pool, rules, now(), 1000).await;
    assert_eq!((r.raw_dropped, r.mails_deleted, r.batches), (1, 0, 1));
    assert!(!raw_kept(&t.pool, old).await);
    assert!(raw_kept(&t.pool, young).await);
    // The row, its parse result and its stored text stay.
    let m = db::mail::get(&t.pool, old).await.unwrap().unwrap();
    assert_eq!(m.raw_dropped_at, Some(now()));
    assert_eq!(m.parsed_status.as_deref(), Some("Failed"));
    assert_eq!(
        count(&t.pool, "SELECT count(*) FROM mail_messages").await,
        2
    );

    // The viewers say what happened rather than showing nothing.
    let src = db::mail::source(&t.pool, old).await.unwrap().unwrap();
    assert!(matches!(src, Source::Dropped { .. }), "{src:?}");
    let shown = backupchecks::tui::pager::for_source(&src, true).unwrap();
    assert!(
        shown.contains("raw source removed by retention on 2026-11-20"),
        "{shown}"
    );
    let text = backupchecks::tui::pager::detail_text(&src);
    assert!(text.starts_with("[raw source removed by retention on 2026-11-20"));
    assert!(
        text.contains("disk full") || text.contains("Nightly"),
        "{text}"
    );

    // Re-parse skips it with a word why; the other mail is re-parsed as before.
    match reparse::reparse_one(&t.pool, old, now()).await {
        Err(DbError::Rejected(m)) => {
            assert!(m.contains("raw source removed by retention"), "{m}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let s = reparse::reparse_unapproved(&t.pool, now(), |_, _| {})
        .await
        .unwrap();
    assert_eq!((s.total, s.skipped_no_source, s.failed), (1, 1, 0));

    // A second pass the same day finds nothing; two days later the younger mail goes too.
    assert_eq!(pass(&t.pool, rules, now(), 1000).await.raw_dropped, 0);
    let later = pass(&t.pool, rules, now() + Duration::days(2), 1000).await;
    assert_eq!(later.raw_dropped, 1);
    assert!(!raw_kept(&t.pool, young).await);

    // Each batch and each pass that did something is in the audit log.
    assert_eq!(
        count(
            &t.pool,
            "SELECT count(*) FROM audit_log WHERE operator = 'retention' AND action = 'mail.raw_drop'"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &t.pool,
            "SELECT count(*) FROM audit_log WHERE action = 'retention.pass'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn deleted_mail_goes_after_n_days_and_reviewed_runs_and_the_audit_log_stay() {
    let t = TestDb::new().await;
    // A job with two runs: one reviewed, one not; both their mails deleted long ago.
    let first = ingest(&t.pool, "run-1@x", "Nightly", 40).await;
    let mut tx = t.pool.begin().await.unwrap();
    db::inbox::approve(
        &mut tx,
        first,
        &CustomerChoice::New("Acme".into()),
        "owner",
        days_ago(40),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let second = ingest(&t.pool, "run-2@x", "Nightly", 39).await;
    sqlx::query(
        "UPDATE job_runs SET reviewed_at = $2, reviewed_by = 'ann', remark = 'seen' \
         WHERE mail_id = $1",
    )
    .bind(first)
    .bind(days_ago(38))
    .execute(&t.pool)
    .await
    .unwrap();
    soft_delete(&t.pool, first, 30).await;
    soft_delete(&t.pool, second, 30).await;
    // Waiting mail: three deleted long ago, one deleted recently, one never deleted.
    let mut gone = Vec::new();
    for i in 0..3 {
        let id = ingest(&t.pool, &format!("old-{i}@x"), "Other", 20).await;
        soft_delete(&t.pool, id, 10).await;
        gone.push(id);
    }
    let recent = ingest(&t.pool, "recent@x", "Other", 20).await;
    soft_delete(&t.pool, recent, 5).await;
    let live = ingest(&t.pool, "live@x", "Other", 400).await;

    let runs_before = count(&t.pool, "SELECT count(*) FROM job_runs").await;
    let before = untouchables(&t.pool).await;
    assert_eq!(before.1.len(), 1, "one reviewed run");

    let rules = Rules {
        raw_days: None,
        deleted_days: Some(7),
    };
    // One mail per transaction: four batches (three waiting mails and the unreviewed run's).
    let r = pass(&t.pool, rules, now(), 1).await;
    assert_eq!(
        (r.mails_deleted, r.kept_reviewed, r.batches, r.raw_dropped),
        (4, 1, 4, 0)
    );

    let exists = |id: i64| {
        let pool = t.pool.clone();
        async move {
            count(
                &pool,
                &format!("SELECT count(*) FROM mail_messages WHERE id = {id}"),
            )
            .await
                == 1
        }
    };
    for id in &gone {
        assert!(!exists(*id).await, "mail {id} removed");
    }
    assert!(!exists(second).await, "the unreviewed run's mail removed");
    assert!(exists(first).await, "the reviewed run's mail stays");
    assert!(exists(recent).await, "deleted 5 days ago: stays");
    assert!(exists(live).await, "not deleted: never removed");
    assert!(raw_kept(&t.pool, live).await, "no raw period: raw kept");

    // Runs keep their rows (the unreviewed one loses only its link); the audit log and the
    // reviewed run are exactly as they were, with retention's own entries added after them.
    assert_eq!(
        count(&t.pool, "SELECT count(*) FROM job_runs").await,
        runs_before
    );
    let after = untouchables(&t.pool).await;
    assert_eq!(after.1, before.1);
    assert_eq!(after.0[..before.0.len()], before.0[..]);
    assert_eq!(
        count(
            &t.pool,
            "SELECT count(*) FROM audit_log WHERE operator = 'retention' AND action = 'mail.purge'"
        )
        .await,
        4
    );

    // Nothing more to do the next time; the kept mail is still counted.
    let again = pass(&t.pool, rules, now(), 1).await;
    assert_eq!((again.mails_deleted, again.kept_reviewed), (0, 1));
}

#[tokio::test]
async fn with_no_period_set_nothing_happens() {
    let t = TestDb::new().await;
    let old = ingest(&t.pool, "old@x", "Nightly", 900).await;
    let deleted = ingest(&t.pool, "deleted@x", "Nightly", 900).await;
    soft_delete(&t.pool, deleted, 800).await;
    let audit = count(&t.pool, "SELECT count(*) FROM audit_log").await;

    let policy = settings::policy(&t.pool).await.unwrap();
    let rules = Rules::from_policy(&policy);
    assert!(rules.is_off());
    assert_eq!(policy.retention_interval_hours, 24);

    // The service itself, as a seat or the daemon starts it: its first pass runs at once.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let clock: backupchecks::clock::Clock = Arc::new(now);
    let handle = service::spawn_with(t.pool.clone(), clock, 2, tx, Backoff::default());
    let report = loop {
        let ev = tokio::time::timeout(std::time::Duration::from_secs(30), rx.recv())
            .await
            .unwrap()
            .unwrap();
        match ev {
            service::Event::Finished(r) => break r,
            service::Event::Failed { message } => panic!("{message}"),
            _ => {}
        }
    };
    handle.stop().await;
    assert!(report.off);
    assert_eq!(
        service::describe(&report),
        "off: no retention period is set (Settings)"
    );
    assert!(raw_kept(&t.pool, old).await);
    assert_eq!(
        count(&t.pool, "SELECT count(*) FROM mail_messages").await,
        2
    );
    assert_eq!(
        count(&t.pool, "SELECT count(*) FROM audit_log").await,
        audit
    );
}

#[tokio::test]
async fn the_service_applies_the_settings_and_a_stop_ends_a_pass_between_batches() {
    let t = TestDb::new().await;
    for i in 0..5 {
        ingest(&t.pool, &format!("m{i}@x"), "Nightly", 60).await;
    }
    settings::set(&t.pool, keys::RETENTION_RAW_DAYS, &30, "root")
        .await
        .unwrap();

    // Asked to stop after the first batch of two: the pass ends there, the rest waits.
    let batches = std::sync::atomic::AtomicUsize::new(0);
    let stop = || batches.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= 1;
    let rules = Rules::from_policy(&settings::policy(&t.pool).await.unwrap());
    let r = retention::run_pass(&t.pool, rules, now(), 2, &stop)
        .await
        .unwrap();
    assert_eq!((r.raw_dropped, r.stopped), (2, true));

    let (tx, mut rx) = mpsc::unbounded_channel();
    let clock: backupchecks::clock::Clock = Arc::new(now);
    let handle = service::spawn_with(t.pool.clone(), clock, 2, tx, Backoff::default());
    let report = loop {
        match tokio::time::timeout(std::time::Duration::from_secs(30), rx.recv())
            .await
            .unwrap()
            .unwrap()
        {
            service::Event::Finished(r) => break r,
            service::Event::Failed { message } => panic!("{message}"),
            _ => {}
        }
    };
    handle.stop().await;
    assert_eq!((report.raw_dropped, report.batches), (3, 2));
    assert_eq!(
        service::describe(&report),
        "finished: raw source of 3 mails dropped, 0 deleted mails removed for good"
    );
    assert_eq!(
        count(
            &t.pool,
            "SELECT count(*) FROM mail_messages WHERE raw_eml IS NOT NULL"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn only_an_admin_changes_the_retention_periods() {
    let t = TestDb::new().await;
    for group in ["backupchecks_viewer", "backupchecks_operator"] {
        let login = TestLogin::new(&[group]).await;
        let pool = t.pool_as(&login.name).await;
        let mut conn = pool.acquire().await.unwrap();
        for key in [
            keys::RETENTION_RAW_DAYS,
            keys::RETENTION_DELETED_DAYS,
            keys::RETENTION_INTERVAL_HOURS,
        ] {
            let e = settings::change(&mut conn, key, &serde_json::json!(1), "ann").await;
            assert!(e.is_err(), "{group} changed {key}");
        }
        drop(conn);
        pool.close().await;
    }
    assert_eq!(
        Rules::from_policy(&settings::policy(&t.pool).await.unwrap()),
        Rules::default()
    );

    let admin = TestLogin::new(&["backupchecks_admin"]).await;
    let pool = t.pool_as(&admin.name).await;
    let mut conn = pool.acquire().await.unwrap();
    settings::change(
        &mut conn,
        keys::RETENTION_DELETED_DAYS,
        &serde_json::json!(90),
        "root",
    )
    .await
    .unwrap();
    drop(conn);
    pool.close().await;
    let p = settings::policy(&t.pool).await.unwrap();
    assert_eq!(p.retention_deleted_days, Some(90));
    assert_eq!(
        count(
            &t.pool,
            "SELECT count(*) FROM audit_log WHERE action = 'setting.change' \
             AND details->>'key' = 'retention_deleted_days'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn the_daemon_runs_retention_as_the_settings_say() {
    let t = TestDb::new().await;
    let old = ingest(&t.pool, "old@x", "Nightly", 60).await;
    settings::set(&t.pool, keys::RETENTION_RAW_DAYS, &30, "root")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.toml"), "").unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_backupchecks"))
        .arg("daemon")
        .env_remove("DATABASE_URL")
        .env("BACKUPCHECKS_DATABASE_URL", t.url())
        .env("BACKUPCHECKS_CONFIG", dir.path().join("empty.toml"))
        .env("BACKUPCHECKS_LOG_FILE", dir.path().join("log"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while raw_kept(&t.pool, old).await && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!raw_kept(&t.pool, old).await, "{text}");
    assert!(text.contains("retention every 24 h"), "{text}");
    let log = std::fs::read_to_string(dir.path().join("log")).unwrap_or_default();
    assert!(
        log.contains("retention finished: raw source of 1 mail dropped"),
        "{log}"
    );
}

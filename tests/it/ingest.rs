//! The import pipeline, the folder source and the importer cycle against real PostgreSQL.

use crate::support::db::TestDb;
use crate::support::mail::{generic, generic_with_objects};
use backupchecks::db::{self, inbox::CustomerChoice};
use backupchecks::ingest::folder::FolderSource;
use backupchecks::ingest::pipeline::{Incoming, Outcome, ingest_one};
use backupchecks::ingest::{MailSource, SourceError, SourceMessage, reparse};
use backupchecks::services::importer::{self, ImportSummary};
use chrono::{DateTime, TimeZone, Utc};
use sqlx::PgPool;
use std::collections::HashSet;
use std::path::Path;
use tokio::sync::watch;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap()
}

fn incoming(raw: Vec<u8>) -> Incoming {
    Incoming {
        source: "folder",
        source_id: None,
        received_at: None,
        raw,
    }
}

const DATE: &str = "Thu, 19 Nov 2026 22:05:00 +0000";

async fn counts(pool: &PgPool) -> (i64, i64, i64, i64) {
    let q = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    (
        q("SELECT count(*) FROM mail_messages").await,
        q("SELECT count(*) FROM mail_objects").await,
        q("SELECT count(*) FROM job_runs").await,
        q("SELECT count(*) FROM run_objects").await,
    )
}

#[tokio::test]
async fn new_job_waits_approval_turns_all_its_mail_into_runs_and_later_mail_skips_the_inbox() {
    let t = TestDb::new().await;
    let a = ingest_one(
        &t.pool,
        &incoming(generic(
            "a@x",
            "Cron@Host1.example",
            "nightly",
            "Success",
            DATE,
        )),
        now(),
    )
    .await
    .unwrap();
    let Outcome::Waiting { mail_id } = a else {
        panic!("{a:?}")
    };
    let b = ingest_one(
        &t.pool,
        &incoming(generic_with_objects(
            "b@x",
            "cron@host1.example",
            "nightly",
            "Failed",
            "Fri, 20 Nov 2026 22:05:00 +0000",
            &[("/srv", "failed", "disk full"), ("/etc", "ok", "")],
        )),
        now(),
    )
    .await
    .unwrap();
    assert!(matches!(b, Outcome::Waiting { .. }), "{b:?}");
    // Another job's mail is not swept along.
    ingest_one(
        &t.pool,
        &incoming(generic(
            "c@x",
            "cron@host1.example",
            "weekly",
            "Success",
            DATE,
        )),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(db::mail::waiting_count(&t.pool).await.unwrap(), 3);

    let mut tx = t.pool.begin().await.unwrap();
    let approved = db::inbox::approve(
        &mut tx,
        mail_id,
        &CustomerChoice::New("Acme".into()),
        "ann",
        now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(approved.runs_created, 2, "both waiting mails of the job");
    assert_eq!(db::mail::waiting_count(&t.pool).await.unwrap(), 1);
    let runs = db::runs::for_job(&t.pool, approved.job_id).await.unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].parsed_status, "Failed", "newest first, status kept");
    assert_eq!(
        runs[0].run_at,
        Utc.with_ymd_and_hms(2026, 11, 20, 22, 5, 0).unwrap()
    );
    let objects = db::run_objects::for_run(&t.pool, runs[0].id).await.unwrap();
    assert_eq!(objects.len(), 2);
    assert_eq!(objects[0].message.as_deref(), Some("disk full"));

    // From now on the job's mail becomes a run at once.
    let c = ingest_one(
        &t.pool,
        &incoming(generic(
            "d@x",
            "cron@host1.example",
            "nightly",
            "Warning",
            DATE,
        )),
        now(),
    )
    .await
    .unwrap();
    assert!(matches!(c, Outcome::Run { .. }), "{c:?}");
    assert_eq!(db::mail::waiting_count(&t.pool).await.unwrap(), 1);

    // Approving with an existing name in another case reuses that customer.
    let other = db::mail::waiting(&t.pool, 10, 0).await.unwrap();
    let mut tx = t.pool.begin().await.unwrap();
    let again = db::inbox::approve(
        &mut tx,
        other[0].id,
        &CustomerChoice::New("ACME".into()),
        "ann",
        now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(again.customer_id, approved.customer_id);
    assert_eq!(db::customers::list(&t.pool).await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_same_mail_twice_is_stored_once_and_makes_one_run() {
    let t = TestDb::new().await;
    let raw = generic("same@x", "cron@h.example", "j", "Success", DATE);
    let first = ingest_one(&t.pool, &incoming(raw.clone()), now())
        .await
        .unwrap();
    let second = ingest_one(&t.pool, &incoming(raw.clone()), now())
        .await
        .unwrap();
    assert_eq!(
        second,
        Outcome::Duplicate {
            mail_id: first.mail_id()
        }
    );
    // Without a Message-ID, the source id recognises it.
    let no_id: Vec<u8> = String::from_utf8(raw)
        .unwrap()
        .replace("Message-ID: <same@x>\r\n", "")
        .into_bytes();
    let with_source = |raw: Vec<u8>| Incoming {
        source: "graph",
        source_id: Some("AAMk1".into()),
        received_at: None,
        raw,
    };
    let a = ingest_one(&t.pool, &with_source(no_id.clone()), now())
        .await
        .unwrap();
    let b = ingest_one(&t.pool, &with_source(no_id), now())
        .await
        .unwrap();
    assert_eq!(
        b,
        Outcome::Duplicate {
            mail_id: a.mail_id()
        }
    );
    assert_eq!(counts(&t.pool).await.0, 2);
}

#[tokio::test]
async fn malformed_mail_is_stored_with_its_reason_and_shown_in_the_inbox() {
    let t = TestDb::new().await;
    let cases: Vec<Vec<u8>> = vec![
        Vec::new(),
        vec![0, 159, 146, 150, 0, 255, 1, 2],
        b"From: a@b.example\r\nSubject: [backupchecks] half".to_vec(),
        b"From: someone@example.com\r\nSubject: lunch?\r\n\r\nsee you at noon\0".to_vec(),
    ];
    for raw in cases {
        let o = ingest_one(&t.pool, &incoming(raw), now()).await.unwrap();
        assert!(matches!(o, Outcome::Unparsed { .. }), "{o:?}");
        let m = db::mail::get(&t.pool, o.mail_id()).await.unwrap().unwrap();
        assert!(
            m.unparsed_reason.is_some() || m.parse_error.is_some(),
            "{m:?}"
        );
        assert!(
            db::mail::raw(&t.pool, o.mail_id()).await.unwrap().is_some(),
            "raw bytes kept"
        );
    }
    assert_eq!(db::mail::waiting_count(&t.pool).await.unwrap(), 4);
}

#[tokio::test]
async fn delete_and_restore_and_reparse() {
    let t = TestDb::new().await;
    let o = ingest_one(
        &t.pool,
        &incoming(generic("r@x", "cron@h.example", "j", "Success", DATE)),
        now(),
    )
    .await
    .unwrap();
    let id = o.mail_id();
    assert_eq!(
        db::mail::soft_delete(&t.pool, &[id], now()).await.unwrap(),
        1
    );
    assert_eq!(db::mail::waiting_count(&t.pool).await.unwrap(), 0);
    assert_eq!(db::mail::deleted(&t.pool, 10, 0).await.unwrap().len(), 1);
    assert_eq!(db::mail::restore(&t.pool, &[id]).await.unwrap(), 1);
    assert_eq!(db::mail::waiting_count(&t.pool).await.unwrap(), 1);

    // Approve the job through a second mail, then pretend an older parser had failed on the
    // first: re-parsing turns it into a run of the now-known job.
    let o2 = ingest_one(
        &t.pool,
        &incoming(generic("r2@x", "cron@h.example", "j", "Success", DATE)),
        now(),
    )
    .await
    .unwrap();
    let mut conn = t.pool.acquire().await.unwrap();
    let unparsed = db::mail::ParseResult {
        unparsed_reason: Some("no parser recognised this mail".into()),
        ..Default::default()
    };
    db::mail::set_parse_result(&mut conn, id, &unparsed, now())
        .await
        .unwrap();
    drop(conn);
    let mut tx = t.pool.begin().await.unwrap();
    let approved = db::inbox::approve(
        &mut tx,
        o2.mail_id(),
        &CustomerChoice::New("Beta".into()),
        "ann",
        now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        approved.runs_created, 1,
        "the unparsed mail is not swept along"
    );
    let mut seen = Vec::new();
    let s = reparse::reparse_unapproved(&t.pool, now(), |d, n| seen.push((d, n)))
        .await
        .unwrap();
    assert_eq!(s.runs_created, 1);
    assert_eq!(seen.last(), Some(&(1, 1)));
    assert_eq!(
        db::runs::for_job(&t.pool, approved.job_id)
            .await
            .unwrap()
            .len(),
        2
    );
}

fn write_mails(dir: &Path, n: usize) {
    for i in 0..n {
        let raw = generic(
            &format!("m{i}@x"),
            "cron@h.example",
            "folder job",
            "Success",
            DATE,
        );
        std::fs::write(dir.join(format!("{i:03}.eml")), raw).unwrap();
    }
}

async fn cycle<S: MailSource>(
    pool: &PgPool,
    source: &mut S,
    stop: &watch::Receiver<bool>,
) -> ImportSummary {
    importer::run_cycle(pool, source, &now, &mut |_, _| {}, stop)
        .await
        .unwrap()
}

#[tokio::test]
async fn importing_a_folder_twice_yields_the_same_database_as_once() {
    let t = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    write_mails(dir.path(), 7);
    std::fs::write(dir.path().join("notes.txt"), "not mail").unwrap();
    let (_stop_tx, stop) = watch::channel(false);
    let mut source = FolderSource::new(dir.path());
    let s = cycle(&t.pool, &mut source, &stop).await;
    assert_eq!((s.listed, s.imported, s.waiting), (7, 7, 7));
    let once = counts(&t.pool).await;
    // Everything moved to processed/; put it back and import again.
    let processed = dir.path().join("processed");
    assert_eq!(std::fs::read_dir(&processed).unwrap().count(), 7);
    assert!(
        dir.path().join("notes.txt").exists(),
        "other files are left alone"
    );
    for e in std::fs::read_dir(&processed).unwrap() {
        let p = e.unwrap().path();
        std::fs::rename(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    let s = cycle(&t.pool, &mut source, &stop).await;
    assert_eq!((s.imported, s.duplicates), (0, 7));
    assert_eq!(counts(&t.pool).await, once);
}

#[tokio::test]
async fn a_message_id_of_any_length_is_stored_once() {
    let t = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    // Far beyond what a btree row can hold (~2.7 kB), in the characters a Message-ID may use.
    let long_id = format!("{}@reports.example", "a1b2-c3d4.".repeat(1200));
    let raw = generic(&long_id, "cron@h.example", "long id job", "Success", DATE);
    std::fs::write(dir.path().join("long.eml"), &raw).unwrap();
    let (_stop_tx, stop) = watch::channel(false);
    let mut source = FolderSource::new(dir.path());
    let s = cycle(&t.pool, &mut source, &stop).await;
    assert_eq!((s.imported, s.failed), (1, 0), "{s}");
    let stored: String = sqlx::query_scalar("SELECT internet_message_id FROM mail_messages")
        .fetch_one(&t.pool)
        .await
        .unwrap();
    assert!(stored.contains(&long_id[..200]) && stored.len() >= long_id.len());
    // The same mail again, from another file name with other content bytes: a duplicate.
    let mut again = raw.clone();
    again.extend_from_slice(b"\n");
    std::fs::write(dir.path().join("again.eml"), again).unwrap();
    let s = cycle(&t.pool, &mut source, &stop).await;
    assert_eq!((s.imported, s.duplicates, s.failed), (0, 1, 0), "{s}");
}

#[tokio::test]
async fn an_oversize_mail_is_stored_with_its_headers_and_the_reason() {
    let t = TestDb::new().await;
    db::settings::set(&t.pool, db::settings::keys::MAX_MAIL_MB, &1, "test")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut raw = generic("huge@x", "cron@h.example", "huge job", "Success", DATE);
    raw.extend(std::iter::repeat_n(b'x', 3 * 1024 * 1024));
    std::fs::write(dir.path().join("huge.eml"), &raw).unwrap();
    write_mails(dir.path(), 1);
    let (_stop_tx, stop) = watch::channel(false);
    let mut source = FolderSource::new(dir.path());
    let s = cycle(&t.pool, &mut source, &stop).await;
    assert_eq!((s.imported, s.unparsed, s.failed), (2, 1, 0), "{s}");
    let (subject, reason, stored): (String, String, i32) = sqlx::query_as(
        "SELECT subject, unparsed_reason, length(raw_eml) FROM mail_messages \
         WHERE internet_message_id LIKE '%huge@x%'",
    )
    .fetch_one(&t.pool)
    .await
    .unwrap();
    assert_eq!(subject, "[backupchecks] huge job");
    assert!(
        reason.starts_with("too large") && reason.contains("max_mail_mb"),
        "{reason}"
    );
    assert!(
        stored < 4096,
        "only the header block is kept: {stored} bytes"
    );
    assert!(
        dir.path().join("processed/huge.eml").exists(),
        "the file itself is kept"
    );
    // Seen again, it is recognised by its Message-ID.
    std::fs::write(dir.path().join("huge2.eml"), &raw).unwrap();
    let s = cycle(&t.pool, &mut source, &stop).await;
    assert_eq!(s.duplicates, 1, "{s}");
}

#[tokio::test]
async fn maildir_new_and_cur_are_imported() {
    let t = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    for sub in ["new", "cur"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
    }
    std::fs::write(
        dir.path().join("new/1700000000.M1P1.host"),
        generic("n@x", "a@b.example", "j", "Success", DATE),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("cur/1700000001.M2P1.host:2,S"),
        generic("c@x", "a@b.example", "j", "Success", DATE),
    )
    .unwrap();
    let (_tx, stop) = watch::channel(false);
    let s = cycle(&t.pool, &mut FolderSource::new(dir.path()), &stop).await;
    assert_eq!(s.imported, 2);
}

/// A folder source that fails on chosen messages, to model unreadable files and a crash
/// between storing and moving.
struct Flaky<S> {
    inner: S,
    unreadable: HashSet<String>,
    refuse_moves: bool,
}

impl<S: MailSource> MailSource for Flaky<S> {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn stored_id(&self, msg: &SourceMessage, raw: &[u8]) -> String {
        self.inner.stored_id(msg, raw)
    }
    async fn list(&mut self) -> Result<Vec<SourceMessage>, SourceError> {
        self.inner.list().await
    }
    async fn fetch(&mut self, msg: &SourceMessage) -> Result<Vec<u8>, SourceError> {
        if self.unreadable.iter().any(|u| msg.id.ends_with(u.as_str())) {
            return Err(SourceError::Message {
                id: msg.id.clone(),
                message: "permission denied".into(),
            });
        }
        self.inner.fetch(msg).await
    }
    async fn mark_processed(&mut self, msg: &SourceMessage) -> Result<(), SourceError> {
        if self.refuse_moves {
            return Err(SourceError::Message {
                id: msg.id.clone(),
                message: "crashed".into(),
            });
        }
        self.inner.mark_processed(msg).await
    }
}

#[tokio::test]
async fn an_unreadable_file_is_reported_and_left_in_place() {
    let t = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    write_mails(dir.path(), 3);
    let mut source = Flaky {
        inner: FolderSource::new(dir.path()),
        unreadable: HashSet::from(["001.eml".to_string()]),
        refuse_moves: false,
    };
    let (_tx, stop) = watch::channel(false);
    let s = cycle(&t.pool, &mut source, &stop).await;
    assert_eq!((s.imported, s.failed), (2, 1));
    assert!(dir.path().join("001.eml").exists());
}

#[tokio::test]
async fn a_crash_between_store_and_move_neither_loses_nor_duplicates() {
    let t = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    write_mails(dir.path(), 4);
    let (_tx, stop) = watch::channel(false);
    let mut crashing = Flaky {
        inner: FolderSource::new(dir.path()),
        unreadable: HashSet::new(),
        refuse_moves: true,
    };
    let s = cycle(&t.pool, &mut crashing, &stop).await;
    assert_eq!((s.imported, s.not_moved), (4, 4));
    let after_crash = counts(&t.pool).await;
    let s = cycle(&t.pool, &mut FolderSource::new(dir.path()), &stop).await;
    assert_eq!(
        (s.imported, s.duplicates),
        (0, 4),
        "recognised, and moved this time"
    );
    assert_eq!(counts(&t.pool).await, after_crash);
    assert_eq!(
        std::fs::read_dir(dir.path().join("processed"))
            .unwrap()
            .count(),
        4
    );
}

#[tokio::test]
async fn a_stopped_cycle_ends_between_batches_and_the_next_one_finishes() {
    let t = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let n = importer::BATCH + 5;
    write_mails(dir.path(), n);
    let (stop_tx, stop) = watch::channel(false);
    let mut source = FolderSource::new(dir.path());
    // Ask to stop as soon as the first batch is done.
    let s = importer::run_cycle(
        &t.pool,
        &mut source,
        &now,
        &mut |done, _| {
            if done > 0 {
                let _ = stop_tx.send(true);
            }
        },
        &stop,
    )
    .await
    .unwrap();
    assert_eq!(s.imported, importer::BATCH);
    let (_tx2, go) = watch::channel(false);
    let s = cycle(&t.pool, &mut source, &go).await;
    assert_eq!((s.imported, s.duplicates), (5, 0));
    assert_eq!(counts(&t.pool).await.0, n as i64);
}

#[tokio::test]
async fn two_importers_racing_on_one_database_store_each_mail_once() {
    let t = TestDb::new().await;
    // Two machines see the same mails (say, two copies of the same export).
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_mails(a.path(), 30);
    write_mails(b.path(), 30);
    let (_tx, stop) = watch::channel(false);
    let (pool_a, pool_b) = (t.pool.clone(), t.pool.clone());
    let (stop_a, stop_b) = (stop.clone(), stop.clone());
    let pa = a.path().to_path_buf();
    let pb = b.path().to_path_buf();
    let ja = tokio::spawn(async move { cycle(&pool_a, &mut FolderSource::new(pa), &stop_a).await });
    let jb = tokio::spawn(async move { cycle(&pool_b, &mut FolderSource::new(pb), &stop_b).await });
    let (sa, sb) = (ja.await.unwrap(), jb.await.unwrap());
    assert_eq!(sa.imported + sb.imported, 30);
    assert_eq!(sa.duplicates + sb.duplicates, 30);
    assert_eq!(counts(&t.pool).await.0, 30);
}

#[test]
fn the_import_command_prints_a_summary_and_moves_the_files() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write_mails(dir.path(), 2);
    // The command runs on its own embedded cluster, reachable by `postgres` when run as root.
    let data = tempfile::Builder::new()
        .prefix("bc-imp-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(data.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_backupchecks"))
        .args(["import", "--once", "--from-dir"])
        .arg(dir.path())
        .env_remove("BACKUPCHECKS_CONFIG")
        .env_remove("DATABASE_URL")
        .env_remove("BACKUPCHECKS_DATABASE_URL")
        .env("BACKUPCHECKS_DATABASE_DATA_DIR", data.path().join("c"))
        .env("BACKUPCHECKS_LOG_FILE", data.path().join("log"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("imported 2 (runs 0, waiting in Inbox 2"),
        "{text}"
    );
    assert!(text.contains("missed runs: 0 created, 0 removed"), "{text}");
    assert_eq!(
        std::fs::read_dir(dir.path().join("processed"))
            .unwrap()
            .count(),
        2
    );
}

#[tokio::test]
async fn the_importer_task_imports_on_demand_reports_events_and_stops() {
    use backupchecks::services::importer::ImportEvent;
    let t = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    write_mails(dir.path(), 3);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let path = dir.path().to_path_buf();
    let handle = importer::spawn(
        t.pool.clone(),
        move || Ok(FolderSource::new(&path)),
        tx,
        now,
    );
    // Automatic import is off by default: nothing happens until asked.
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(200), rx.recv())
            .await
            .is_err(),
        "no cycle without an interval or a request"
    );
    handle.run_now();
    let mut finished = None;
    while let Some(ev) = rx.recv().await {
        if let ImportEvent::Finished(s) = ev {
            finished = Some(s);
            break;
        }
        assert!(!matches!(ev, ImportEvent::Failed(_)), "{ev:?}");
    }
    assert_eq!(finished.map(|s| s.imported), Some(3));
    handle.stop().await;
}

#[tokio::test]
async fn the_importer_service_outlives_a_database_outage_and_imports_afterwards() {
    use backupchecks::services::backoff::Backoff;
    use backupchecks::services::importer::ImportEvent;
    use std::time::Duration;
    let t = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let path = dir.path().to_path_buf();
    t.refuse_connections().await;
    let handle = importer::spawn_with(
        t.pool.clone(),
        move || Ok(FolderSource::new(&path)),
        tx,
        now,
        Backoff::new(Duration::from_millis(100), Duration::from_millis(400)),
    );
    handle.run_now();
    let failed = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match rx.recv().await {
                Some(ImportEvent::Failed(e)) => break e,
                Some(_) => {}
                None => panic!("the importer stopped"),
            }
        }
    })
    .await
    .expect("the outage is reported");
    assert!(failed.contains("trying again"), "{failed}");
    // The database comes back and mail arrives; nobody asks for an import.
    t.allow_connections().await;
    write_mails(dir.path(), 2);
    let finished = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            match rx.recv().await {
                Some(ImportEvent::Finished(s)) if s.imported > 0 => break s,
                Some(_) => {}
                None => panic!("the importer stopped"),
            }
        }
    })
    .await
    .expect("the importer tried again by itself after the outage");
    assert_eq!(finished.imported, 2);
    handle.stop().await;
}

#[tokio::test]
async fn a_waiting_importer_says_that_another_import_is_running() {
    use backupchecks::db::locks;
    let t = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    write_mails(dir.path(), 1);
    let other = locks::acquire(&t.pool, locks::Service::Importer)
        .await
        .unwrap();
    let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let (pool, path, h) = (t.pool.clone(), dir.path().to_path_buf(), heard.clone());
    let job = tokio::spawn(async move {
        let (_tx, stop) = watch::channel(false);
        let notice = move |text: &str| h.lock().unwrap().push(text.to_string());
        importer::run_cycle_noting(
            &pool,
            &mut FolderSource::new(&path),
            &now,
            &mut |_, _| {},
            &notice,
            &stop,
        )
        .await
        .unwrap()
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while heard.lock().unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "no notice");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        heard.lock().unwrap().as_slice(),
        [importer::WAITING_FOR_OTHER]
    );
    other.release().await.unwrap();
    assert_eq!(job.await.unwrap().imported, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_command_waits_for_the_database_and_lists_failed_files() {
    let t = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    write_mails(dir.path(), 2);
    // A FIFO named like mail: not a regular file, so it is reported and left alone.
    nix::unistd::mkfifo(&dir.path().join("pipe.eml"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    t.refuse_connections().await;
    let logs = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_backupchecks"))
        .args(["import", "--once", "--from-dir"])
        .arg(dir.path())
        .env_remove("BACKUPCHECKS_CONFIG")
        .env("DATABASE_URL", t.url())
        .env("BACKUPCHECKS_LOG_FILE", logs.path().join("log"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // It says it waits (read on a thread: the pipe stays open while the command runs).
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let first = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("a line while waiting");
    assert!(first.contains("waiting for the database"), "{first}");
    t.allow_connections().await;
    let out = child.wait_with_output().unwrap();
    let rest: Vec<String> = rx.iter().collect();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("imported 2"), "{stdout} {rest:?}");
    let failed: Vec<&String> = rest.iter().filter(|l| l.starts_with("failed: ")).collect();
    assert_eq!(failed.len(), 1, "{rest:?}");
    assert!(
        failed[0].contains("pipe.eml") && failed[0].contains("not a regular file"),
        "{failed:?}"
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed file makes the exit non-zero"
    );
    assert!(dir.path().join("pipe.eml").exists());
}

mod graph {
    //! Full import cycles from the fake Microsoft Graph mailbox into PostgreSQL.

    use super::*;
    use crate::support::graph::{FakeGraph, PROCESSED};
    use backupchecks::ingest::graph::{GraphOptions, GraphSource};

    fn source(g: &FakeGraph) -> GraphSource {
        GraphSource::with_options(
            &g.config(),
            "Inbox",
            "Inbox/Processed",
            GraphOptions::default(),
        )
        .unwrap()
    }

    fn fill(g: &FakeGraph, n: usize) {
        for i in 0..n {
            g.add_message(
                crate::support::graph::INBOX,
                &format!("2026-11-19T22:{:02}:00Z", i % 60),
                &format!("Backup report {i}"),
            );
        }
    }

    fn each_moved_once(g: &FakeGraph) {
        let s = g.state();
        for m in &s.messages {
            assert_eq!(m.moves, 1, "{} moved once", m.internet_id);
            assert_eq!(m.folder, PROCESSED);
        }
    }

    #[tokio::test]
    async fn a_full_cycle_with_throttling_token_expiry_and_a_broken_message() {
        let t = TestDb::new().await;
        let g = FakeGraph::start().await;
        fill(&g, 6);
        g.state().messages[2].mime = vec![0xff, 0xfe, 0, 1, 2, 3];
        g.throttle("/messages", 1, 429, Some(1));
        g.state().expire_tokens_at = Some(6);
        let (_tx, stop) = watch::channel(false);
        let s = cycle(&t.pool, &mut source(&g), &stop).await;
        assert_eq!((s.listed, s.imported, s.failed), (6, 6, 0), "{s:?}");
        assert!(
            s.unparsed >= 1,
            "the broken message is stored as unparsed: {s:?}"
        );
        each_moved_once(&g);
        assert_eq!(counts(&t.pool).await.0, 6);
        // The next cycle finds nothing left to do.
        let s = cycle(&t.pool, &mut source(&g), &stop).await;
        assert_eq!((s.listed, s.imported), (0, 0));
    }

    /// The importer task of the interface: while Graph stalls, each retry reaches the event
    /// stream (the progress line), and the cycle ends with a clear failure after a bounded
    /// number of attempts instead of minutes of silence.
    #[tokio::test]
    async fn a_stalled_mailbox_reports_each_retry_and_gives_up() {
        use backupchecks::ingest::graph::GraphTimeouts;
        use backupchecks::services::importer::ImportEvent;
        let t = TestDb::new().await;
        let g = FakeGraph::start().await;
        fill(&g, 3);
        g.stall("$value", 1000, std::time::Duration::from_secs(60));
        let config = g.config();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let handle = importer::spawn(
            t.pool.clone(),
            move || {
                GraphSource::with_options(
                    &config,
                    "Inbox",
                    "Inbox/Processed",
                    GraphOptions {
                        timeouts: Some(GraphTimeouts::all(std::time::Duration::from_millis(300))),
                        max_backoff: std::time::Duration::from_millis(10),
                        ..GraphOptions::default()
                    },
                )
            },
            tx,
            now,
        );
        handle.run_now();
        let mut retries = Vec::new();
        let failure = loop {
            match rx.recv().await.expect("the importer reports an outcome") {
                ImportEvent::Retrying(text) => retries.push(text),
                ImportEvent::Failed(text) => break text,
                ImportEvent::Finished(s) => panic!("a stalled mailbox cannot finish: {s:?}"),
                _ => {}
            }
        };
        assert_eq!(retries.len(), 2, "{retries:?}");
        assert!(
            retries.iter().all(|r| r.contains("mail download")),
            "{retries:?}"
        );
        assert!(
            failure.contains("did not answer the mail download"),
            "{failure}"
        );
        assert_eq!(
            g.state().stalled,
            3,
            "only the first message was tried: the source is down"
        );
        assert_eq!(counts(&t.pool).await.0, 0);
        handle.stop().await;
    }

    #[tokio::test]
    async fn a_crash_between_store_and_move_is_repaired_by_the_next_cycle() {
        let t = TestDb::new().await;
        let g = FakeGraph::start().await;
        fill(&g, 5);
        let (_tx, stop) = watch::channel(false);
        let mut crashing = Flaky {
            inner: source(&g),
            unreadable: HashSet::new(),
            refuse_moves: true,
        };
        let s = cycle(&t.pool, &mut crashing, &stop).await;
        assert_eq!((s.imported, s.not_moved), (5, 5));
        let s = cycle(&t.pool, &mut source(&g), &stop).await;
        assert_eq!((s.imported, s.duplicates), (0, 5));
        each_moved_once(&g);
        assert_eq!(counts(&t.pool).await.0, 5);
    }

    #[tokio::test]
    async fn two_importers_on_one_mailbox_and_one_database_store_and_move_each_mail_once() {
        let t = TestDb::new().await;
        let g = FakeGraph::start().await;
        fill(&g, 12);
        let (_tx, stop) = watch::channel(false);
        let (mut a, mut b) = (source(&g), source(&g));
        let (pa, pb) = (t.pool.clone(), t.pool.clone());
        let (sa, sb) = (stop.clone(), stop.clone());
        let ja = tokio::spawn(async move { cycle(&pa, &mut a, &sa).await });
        let jb = tokio::spawn(async move { cycle(&pb, &mut b, &sb).await });
        let (ra, rb) = (ja.await.unwrap(), jb.await.unwrap());
        assert_eq!(ra.imported + rb.imported, 12);
        assert_eq!(
            ra.duplicates + rb.duplicates,
            0,
            "the loser waited, then found nothing"
        );
        each_moved_once(&g);
        assert_eq!(counts(&t.pool).await.0, 12);
    }
}

#[test]
fn the_daemon_imports_at_start_and_stops_cleanly_on_sigterm() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write_mails(dir.path(), 3);
    let data = tempfile::Builder::new()
        .prefix("bc-dmn-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(data.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_backupchecks"))
        .args(["daemon", "--from-dir"])
        .arg(dir.path())
        .env_remove("BACKUPCHECKS_CONFIG")
        .env_remove("DATABASE_URL")
        .env_remove("BACKUPCHECKS_DATABASE_URL")
        .env("BACKUPCHECKS_DATABASE_DATA_DIR", data.path().join("c"))
        .env("BACKUPCHECKS_LOG_FILE", data.path().join("log"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let processed = dir.path().join("processed");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::read_dir(&processed)
        .map(|d| d.count())
        .unwrap_or(0)
        < 3
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the daemon did not import"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("mail import once"), "{err}");
    // The embedded cluster was stopped by its last user.
    let cluster = backupchecks::db::embedded::EmbeddedCluster::new(
        &data.path().join("c"),
        backupchecks::db::embedded::Tuning::default(),
    )
    .unwrap();
    assert_eq!(
        cluster.state(),
        backupchecks::db::embedded::ClusterState::Stopped
    );
}

#[tokio::test]
async fn approving_unrecognised_or_imported_mail_is_rejected_in_plain_words() {
    let t = TestDb::new().await;
    let o = ingest_one(
        &t.pool,
        &incoming(b"From: someone@example.com\r\nSubject: lunch?\r\n\r\nnoon".to_vec()),
        now(),
    )
    .await
    .unwrap();
    let mut tx = t.pool.begin().await.unwrap();
    let e = db::inbox::approve(
        &mut tx,
        o.mail_id(),
        &CustomerChoice::New("Acme".into()),
        "ann",
        now(),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, db::DbError::Rejected(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "mail {} was not recognised by any parser; re-parse it or delete it",
            o.mail_id()
        )
    );
    drop(tx);

    let run = ingest_one(
        &t.pool,
        &incoming(generic("r@x", "cron@h.example", "j", "Success", DATE)),
        now(),
    )
    .await
    .unwrap();
    let mut tx = t.pool.begin().await.unwrap();
    db::inbox::approve(
        &mut tx,
        run.mail_id(),
        &CustomerChoice::New("Acme".into()),
        "ann",
        now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let e = reparse::reparse_one(&t.pool, run.mail_id(), now())
        .await
        .unwrap_err();
    assert!(matches!(e, db::DbError::Rejected(_)), "{e:?}");
    assert!(
        e.to_string().ends_with("only Inbox mail is re-parsed"),
        "{e}"
    );
}

//! Jobs export and import against a real database: the documented shape, created / existing /
//! invalid per row, waiting mail approved, dry runs, a round trip, the command and `:jobs-import`.

use crate::support::db::TestDb;
use crate::support::mail::generic;
use backupchecks::db::{self, jobs_transfer};
use backupchecks::domain::jobs_document;
use backupchecks::ingest::pipeline::{Incoming, ingest_one};
use chrono::{DateTime, TimeZone, Utc};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap()
}

async fn waiting_mail(t: &TestDb, msgid: &str, from: &str, job: &str, day: u32) -> i64 {
    let date = Utc
        .with_ymd_and_hms(2026, 11, day, 22, 5, 0)
        .unwrap()
        .to_rfc2822();
    let incoming = Incoming {
        source: "folder",
        source_id: None,
        received_at: None,
        raw: generic(msgid, from, job, "Success", &date),
    };
    ingest_one(&t.pool, &incoming, now())
        .await
        .unwrap()
        .mail_id()
}

const DOCUMENT: &str = r#"{"format": "backupchecks-jobs", "version": 1, "jobs": [
  {"customer": "Acme Dental", "sender": "Backup@Acme.example", "software": "ScriptBackup",
   "backup_type": "Archive", "job_name": "nightly", "archived": false,
   "pinned_schedule": {"schedule": {"kind": "daily", "time": "22:00:00"}, "grace_minutes": 60},
   "autotask_company_id": 174},
  {"customer": "Acme Dental", "sender": "backup@acme.example", "software": "ScriptBackup",
   "backup_type": "Archive", "job_name": "weekly"},
  {"customer": "Bad Row Inc", "sender": "not an address", "software": "ScriptBackup",
   "backup_type": "Archive", "job_name": "broken"},
  {"customer": "Bakker", "sender": "nas@bakker.example", "software": "ScriptBackup",
   "backup_type": "Archive", "job_name": "old", "archived": true}
]}"#;

async fn job_count(t: &TestDb) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM jobs")
        .fetch_one(&t.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn import_creates_customers_and_jobs_approves_waiting_mail_and_skips_a_bad_row() {
    let t = TestDb::new().await;
    for day in 17..=19 {
        waiting_mail(
            &t,
            &format!("n{day}@x"),
            "backup@acme.example",
            "nightly",
            day,
        )
        .await;
    }
    assert_eq!(db::mail::waiting_count(&t.pool).await.unwrap(), 3);
    let rows = jobs_document::read(DOCUMENT).unwrap();
    let mut conn = t.pool.acquire().await.unwrap();

    // A dry run says what would happen and changes nothing.
    let dry = jobs_transfer::import_rows(&mut conn, rows.clone(), "ann", now(), true).await;
    assert_eq!(jobs_transfer::counts(&dry), (3, 0, 1));
    assert_eq!(job_count(&t).await, 0);
    assert_eq!(db::mail::waiting_count(&t.pool).await.unwrap(), 3);
    assert!(db::customers::list(&t.pool).await.unwrap().is_empty());

    let reports = jobs_transfer::import_rows(&mut conn, rows.clone(), "ann", now(), false).await;
    let lines: Vec<String> = reports.iter().map(ToString::to_string).collect();
    assert_eq!(jobs_transfer::counts(&reports), (3, 0, 1), "{lines:#?}");
    assert!(
        lines[0].starts_with("row 1: created   Acme Dental / Backup@Acme.example")
            && lines[0].ends_with("(new customer); 3 waiting mails approved"),
        "{}",
        lines[0]
    );
    assert!(
        lines[2].starts_with("row 3: invalid") && lines[2].contains("not a mail address"),
        "{}",
        lines[2]
    );
    // The waiting mail became runs of the new job.
    assert_eq!(db::mail::waiting_count(&t.pool).await.unwrap(), 0);
    let acme = db::customers::find_by_name(&t.pool, "acme dental")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acme.autotask_company_id, Some(174));
    let identity =
        db::jobs::JobIdentity::new("backup@acme.example", "ScriptBackup", "Archive", "nightly");
    let job = db::jobs::find_by_identity(&t.pool, &identity)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.customer_id, acme.id);
    assert_eq!(db::runs::for_job(&t.pool, job.id).await.unwrap().len(), 3);
    let pinned = db::schedules::get(&t.pool, job.id)
        .await
        .unwrap()
        .pinned
        .unwrap();
    assert_eq!(pinned.schedule.to_string(), "Daily");
    assert_eq!(pinned.grace_minutes, Some(60));
    // The archived row is archived; the bad row made no customer.
    let old = db::jobs::find_by_identity(
        &t.pool,
        &db::jobs::JobIdentity::new("nas@bakker.example", "ScriptBackup", "Archive", "old"),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(old.archived_at.is_some());
    assert!(
        db::customers::find_by_name(&t.pool, "Bad Row Inc")
            .await
            .unwrap()
            .is_none()
    );

    // Again: everything exists; new waiting mail of a known job is approved too.
    waiting_mail(&t, "w20@x", "backup@acme.example", "weekly", 20).await;
    let again = jobs_transfer::import_rows(&mut conn, rows, "ann", now(), false).await;
    assert_eq!(jobs_transfer::counts(&again), (0, 3, 1));
    let audit: Vec<String> = db::audit::recent(&t.pool, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(audit.iter().any(|a| a == "job.imported"), "{audit:?}");
}

#[tokio::test]
async fn an_export_imports_into_a_fresh_database_as_the_same_jobs() {
    let t = TestDb::new().await;
    let rows = jobs_document::read(DOCUMENT).unwrap();
    let mut conn = t.pool.acquire().await.unwrap();
    jobs_transfer::import_rows(&mut conn, rows, "ann", now(), false).await;
    let exported = jobs_transfer::export(&t.pool).await.unwrap();
    assert_eq!(exported.len(), 3);
    let text = jobs_document::write(exported.clone());
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["format"], "backupchecks-jobs");
    assert_eq!(value["version"], 1);
    let keys: Vec<&str> = value["jobs"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "customer",
        "sender",
        "software",
        "backup_type",
        "job_name",
        "archived",
        "pinned_schedule",
        "autotask_company_id",
    ] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }

    let fresh = TestDb::new().await;
    let mut conn = fresh.pool.acquire().await.unwrap();
    let reports = jobs_transfer::import_rows(
        &mut conn,
        jobs_document::read(&text).unwrap(),
        "ann",
        now(),
        false,
    )
    .await;
    assert_eq!(jobs_transfer::counts(&reports), (3, 0, 0));
    assert_eq!(jobs_transfer::export(&fresh.pool).await.unwrap(), exported);
}

#[tokio::test]
async fn jobs_import_from_the_command_line_of_the_interface() {
    use crate::tui::{app, keys, ready};
    let t = TestDb::new().await;
    waiting_mail(&t, "n1@x", "backup@acme.example", "nightly", 19).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jobs.json");
    std::fs::write(&file, DOCUMENT).unwrap();
    let mut a = app(&t);
    ready(&mut a).await;
    assert_eq!(a.inbox.waiting, 1);
    keys(&mut a, &format!(":jobs-import {}\n", file.display())).await;
    let toasts: Vec<String> = a.toasts.iter().map(|t| t.text.clone()).collect();
    assert!(
        toasts.iter().any(
            |t| t.contains("jobs import: created 3, existing 0, invalid 1") && t.contains("row 3")
        ),
        "{toasts:?}"
    );
    assert_eq!(a.inbox.waiting, 0);
    let out = dir.path().join("export.json");
    keys(&mut a, &format!(":jobs-export {}\n", out.display())).await;
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(jobs_document::read(&written).unwrap().len(), 3);
    // Without a file name the command says what it needs.
    keys(&mut a, ":jobs-export\n").await;
    let toasts: Vec<String> = a.toasts.iter().map(|t| t.text.clone()).collect();
    assert!(
        toasts.iter().any(|t| t.contains("needs a file name")),
        "{toasts:?}"
    );
}

/// Runs the program on its own embedded cluster under `data`.
fn backupchecks(data: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_backupchecks"))
        .args(args)
        .env_remove("BACKUPCHECKS_CONFIG")
        .env_remove("DATABASE_URL")
        .env_remove("BACKUPCHECKS_DATABASE_URL")
        .env("BACKUPCHECKS_DATABASE_DATA_DIR", data.join("c"))
        .env("BACKUPCHECKS_LOG_FILE", data.join("log"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn first_install_from_the_command_line_history_then_job_list_then_missed_runs() {
    use std::os::unix::fs::PermissionsExt;
    let data = tempfile::Builder::new()
        .prefix("bc-jobs-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(data.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    // Twenty days of a daily job's history at 22:00 UTC (the schedule the job list pins), up to
    // now; the reports of three and five days ago never came. Today's report is there once its
    // time has come, so the outcome does not depend on the time of day the test runs.
    let mails = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let today = now.date_naive();
    let mut written = 0;
    for k in (0..=20u64).filter(|k| ![3, 5].contains(k)) {
        let at = (today - chrono::Days::new(k))
            .and_hms_opt(22, 0, 0)
            .unwrap()
            .and_utc();
        if at > now {
            continue;
        }
        written += 1;
        std::fs::write(
            mails.path().join(format!("{k:02}.eml")),
            generic(
                &format!("h{k}@x"),
                "backup@acme.example",
                "nightly",
                "Success",
                &at.to_rfc2822(),
            ),
        )
        .unwrap();
    }
    let dir = mails.path().to_str().unwrap();
    let (ok, out) = backupchecks(data.path(), &["import", "--once", "--from-dir", dir]);
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!("waiting in Inbox {written}")),
        "{out}"
    );
    assert!(out.contains("missed runs: 0 created"), "{out}");

    let list = data.path().join("jobs.json");
    std::fs::write(&list, DOCUMENT).unwrap();
    let list = list.to_str().unwrap();
    let (ok, out) = backupchecks(data.path(), &["jobs", "import", list, "--dry-run"]);
    assert!(!ok, "an invalid row makes the exit code non-zero: {out}");
    assert!(
        out.contains("dry run, nothing changed: created 3, existing 0, invalid 1"),
        "{out}"
    );
    let (_, out) = backupchecks(data.path(), &["jobs", "import", list]);
    assert!(out.contains("row 1: created   Acme Dental"), "{out}");
    assert!(
        out.contains(&format!("{written} waiting mails approved")),
        "{out}"
    );
    assert!(out.contains("row 3: invalid"), "{out}");

    // The next import cycle (nothing new) ends with the missed-run check: the two lost reports.
    let (ok, out) = backupchecks(data.path(), &["import", "--once", "--from-dir", dir]);
    assert!(ok, "{out}");
    assert!(out.contains("missed runs: 2 created, 0 removed"), "{out}");

    let export = data.path().join("export.json");
    let (ok, out) = backupchecks(
        data.path(),
        &["jobs", "export", "--out", export.to_str().unwrap()],
    );
    assert!(ok, "{out}");
    let rows = jobs_document::read(&std::fs::read_to_string(&export).unwrap()).unwrap();
    assert_eq!(rows.len(), 3);
}

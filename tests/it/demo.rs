//! The demo: generated mails parse as intended, seeding gives a realistic morning through the
//! real pipeline, deterministically, and the simulated mailbox delivers on schedule.

use crate::support::db::TestDb;
use backupchecks::config::DatabaseConfig;
use backupchecks::db::review::{self, QueueRow};
use backupchecks::db::{self, Database, remarks, runs, tickets};
use backupchecks::demo::{self, Catalogue, DemoMailbox, Intended, SeedSummary};
use backupchecks::domain::run_status::RunStatus;
use backupchecks::ingest::MailSource;
use backupchecks::parsers::{ParseOutcome, parse_raw};
use backupchecks::services::importer;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Mutex};

const TZ: Tz = chrono_tz::Europe::Amsterdam;

/// A Wednesday morning.
fn now() -> DateTime<Utc> {
    TZ.with_ymd_and_hms(2026, 3, 18, 8, 30, 0)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn every_generated_mail_parses_as_intended() {
    let cat = Catalogue::standard();
    let mails = demo::history(&cat, now(), TZ);
    assert!(mails.len() > 1400, "{}", mails.len());
    let mut unparsed = 0;
    for m in &mails {
        let outcome = parse_raw(&m.raw);
        let raw = String::from_utf8_lossy(&m.raw);
        match (&m.intended, &outcome) {
            (
                Intended::Report {
                    software,
                    backup_type,
                    job_name,
                    status,
                    objects,
                    ..
                },
                ParseOutcome::Parsed { report, .. },
            ) => {
                let got = (
                    report.software.as_str(),
                    report.backup_type.as_str(),
                    report.job_name.as_str(),
                    report.status,
                );
                assert_eq!(
                    got,
                    (*software, *backup_type, job_name.as_str(), *status),
                    "{raw}"
                );
                let parsed: Vec<_> = report
                    .objects
                    .iter()
                    .map(|o| (o.name.clone(), o.status))
                    .collect();
                assert_eq!(&parsed, objects, "{raw}");
            }
            (Intended::Unparsed, ParseOutcome::Unparsed { .. }) => unparsed += 1,
            _ => panic!("{:?} parsed as {outcome:?}:\n{raw}", m.intended),
        }
    }
    assert_eq!(unparsed, 3);
}

fn row(q: &[QueueRow], job_id: i64) -> &QueueRow {
    q.iter()
        .find(|r| r.job_id == job_id)
        .unwrap_or_else(|| panic!("job {job_id} not in the queue"))
}

async fn seeded(t: &TestDb) -> SeedSummary {
    let mut last = (0, 0);
    let s = demo::seed(&t.pool, now(), TZ, |done, total| last = (done, total))
        .await
        .unwrap();
    assert_eq!(last, (s.mails, s.mails), "progress ends at the total");
    s
}

#[tokio::test]
async fn seeding_gives_a_realistic_morning() {
    let t = TestDb::new().await;
    let s = seeded(&t).await;
    let c = s.counts;
    assert_eq!(c.customers, 10);
    assert!((44..=50).contains(&c.jobs), "{c:?}");
    assert_eq!(s.waiting_jobs, 4);
    assert_eq!(c.inbox_unparsed, 3);
    assert!((6..=20).contains(&c.inbox_waiting), "{c:?}");
    assert!(c.missed_runs >= 1, "{c:?}");
    assert_eq!(c.open_tickets, 1);
    assert_eq!(c.open_remarks, 1);
    assert_eq!(c.overrides, 2);
    assert!((60..=200).contains(&c.unreviewed_runs), "{c:?}");

    let q = review::queue(&t.pool, None).await.unwrap();
    assert_eq!(q[0].worst(), RunStatus::Failed, "worst first");
    let failing = row(&q, s.failing_job_id);
    assert!(failing.failed >= 2, "{failing:?}");
    assert!(failing.has_open_ticket, "🎫 on the failing job");
    assert_eq!(failing.customer_name, "Meridian Architects");
    let silent = row(&q, s.silent_job_id);
    assert!(silent.missed >= 1, "{silent:?}");
    let flaky = row(&q, s.flaky_job_id);
    assert!(flaky.has_open_remark, "💬 on the flaky job");

    // The ticket is linked to the failed runs since it was opened.
    let ticket = tickets::find_by_code(&t.pool, &s.ticket_code)
        .await
        .unwrap()
        .unwrap();
    assert!(s.ticket_code.starts_with("T20260316."), "{}", s.ticket_code);
    let linked = tickets::linked_runs(&t.pool, ticket.id).await.unwrap();
    assert!(linked.len() >= 3, "{linked:?}");
    assert_eq!(remarks::list_open(&t.pool).await.unwrap().len(), 1);

    // Overridden known warning; nothing older than two days left to review.
    let cbt_job = q
        .iter()
        .find(|r| r.job_name == "Daily VM Backup")
        .expect("the CBT job has unreviewed runs");
    let newest = runs::for_job(&t.pool, cbt_job.job_id).await.unwrap();
    assert_eq!(newest[0].parsed_status, "Warning");
    assert!(newest[0].override_applied, "{:?}", newest[0]);
    let old: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM job_runs WHERE reviewed_at IS NULL AND run_at < $1",
    )
    .bind(now() - TimeDelta::hours(48))
    .fetch_one(&t.pool)
    .await
    .unwrap();
    assert_eq!(old, 0);
    let tz: Option<String> = db::settings::get(&t.pool, db::settings::keys::TIMEZONE)
        .await
        .unwrap();
    assert_eq!(tz.as_deref(), Some("Europe/Amsterdam"));
}

#[tokio::test]
async fn seeding_is_deterministic() {
    let (a, b) = (TestDb::new().await, TestDb::new().await);
    let (sa, sb) = (seeded(&a).await, seeded(&b).await);
    assert_eq!(sa.counts, sb.counts);
    assert_eq!(sa.ticket_code, sb.ticket_code);
    let digest = |pool: sqlx::PgPool| async move {
        let rows: Vec<(String, DateTime<Utc>, String, bool)> = sqlx::query_as(
            "SELECT j.job_name, r.run_at, r.effective_status, r.reviewed_at IS NULL \
             FROM job_runs r JOIN jobs j ON j.id = r.job_id ORDER BY 1, 2, 3",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        rows
    };
    assert_eq!(digest(a.pool.clone()).await, digest(b.pool.clone()).await);
}

/// A clock the test moves by hand.
fn manual_clock(start: DateTime<Utc>) -> (Arc<Mutex<DateTime<Utc>>>, impl Fn() -> DateTime<Utc>) {
    let t = Arc::new(Mutex::new(start));
    let reader = t.clone();
    (t, move || *reader.lock().unwrap())
}

#[tokio::test]
async fn the_mailbox_delivers_a_report_every_twenty_seconds_oldest_first() {
    let start = now();
    let (clock, read) = manual_clock(start);
    let mut mailbox = DemoMailbox::new(TZ, start, read);
    assert_eq!(mailbox.kind(), "demo");
    assert!(mailbox.list().await.unwrap().is_empty(), "nothing at start");
    assert_eq!(mailbox.next_delivery(), start + TimeDelta::seconds(20));
    *clock.lock().unwrap() = start + TimeDelta::seconds(19);
    assert!(mailbox.list().await.unwrap().is_empty());
    *clock.lock().unwrap() = start + TimeDelta::seconds(65);
    let listed = mailbox.list().await.unwrap();
    assert_eq!(listed.len(), 3);
    let times: Vec<_> = listed.iter().map(|m| m.received_at.unwrap()).collect();
    assert_eq!(
        times,
        [20, 40, 60].map(|s| start + TimeDelta::seconds(s)).to_vec(),
        "oldest first"
    );
    let mut ids = std::collections::HashSet::new();
    for msg in &listed {
        let raw = mailbox.fetch(msg).await.unwrap();
        match parse_raw(&raw) {
            ParseOutcome::Parsed { report, .. } => assert!(ids.insert(report.job_name)),
            other => panic!("{other:?}"),
        }
    }
    mailbox.mark_processed(&listed[0]).await.unwrap();
    let left = mailbox.list().await.unwrap();
    assert_eq!(left, listed[1..].to_vec(), "moved once processed");
    // A message not delivered yet cannot be fetched.
    let early = backupchecks::ingest::SourceMessage {
        id: "demo-9".into(),
        received_at: None,
    };
    assert!(mailbox.fetch(&early).await.is_err());
}

#[tokio::test]
async fn the_importer_drains_the_mailbox_into_runs_and_the_inbox() {
    let t = TestDb::new().await;
    seeded(&t).await;
    let start = now();
    let (clock, read) = manual_clock(start);
    let mut mailbox = DemoMailbox::new(TZ, start, read);
    *clock.lock().unwrap() = start + TimeDelta::minutes(10);
    let (_stop_tx, stop) = tokio::sync::watch::channel(false);
    let later = start + TimeDelta::minutes(10);
    let summary = importer::run_cycle(&t.pool, &mut mailbox, &move || later, &mut |_, _| {}, &stop)
        .await
        .unwrap();
    assert_eq!(summary.imported, 30, "{summary}");
    assert_eq!(summary.runs + summary.waiting, 30, "{summary}");
    assert!(summary.runs >= 20, "{summary}");
    assert!(mailbox.list().await.unwrap().is_empty());
    let again = importer::run_cycle(&t.pool, &mut mailbox, &move || later, &mut |_, _| {}, &stop)
        .await
        .unwrap();
    assert_eq!(again.listed, 0);
}

#[tokio::test]
async fn the_demo_database_is_recreated_beside_the_real_one() {
    let tmp = tempfile::Builder::new()
        .prefix("bc-demo-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let cfg = DatabaseConfig {
        data_dir: Some(tmp.path().join("c")),
        ..Default::default()
    };
    let real = Database::open(&cfg).await.unwrap();
    // Every connection of the program plans without JIT (the pane queries are interactive).
    let jit: String = sqlx::query_scalar("SHOW jit")
        .fetch_one(real.pool())
        .await
        .unwrap();
    assert_eq!(jit, "off");
    db::customers::create(real.pool(), "Real customer")
        .await
        .unwrap();
    let first = demo::open_demo_database(&cfg).await.unwrap();
    db::customers::create(first.pool(), "Demo leftover")
        .await
        .unwrap();
    first.close().await.unwrap();
    let second = demo::open_demo_database(&cfg).await.unwrap();
    assert!(db::customers::list(second.pool()).await.unwrap().is_empty());
    let names: Vec<String> = db::customers::list(real.pool())
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["Real customer"]);
    let current: String = sqlx::query_scalar("SELECT current_database()::text")
        .fetch_one(second.pool())
        .await
        .unwrap();
    assert_eq!(current, "backupchecks_demo");
    second.close().await.unwrap();
    real.close().await.unwrap();
}

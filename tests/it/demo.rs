//! The demo: generated mails parse as intended, seeding gives a realistic morning through the
//! real pipeline, deterministically, and the simulated mailbox delivers on schedule.

use crate::support::db::TestDb;
use backupchecks::db::review::{self, QueueRow};
use backupchecks::db::{self, remarks, runs, tickets};
use backupchecks::demo::{self, Catalogue, Intended, SeedSummary};
use backupchecks::domain::run_status::RunStatus;
use backupchecks::parsers::{ParseOutcome, parse_raw};
use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

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
    .bind(now() - chrono::TimeDelta::hours(48))
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

//! The run path for many mails at once (an import batch, an approval) against the same mails one
//! at a time: two jobs set up alike, with an open ticket, an open remark, an override, an Autotask
//! ticket on an earlier run and a Missed run that one of the mails satisfies, must end up with
//! the same runs, links and flags.

use super::tickets::{remark, ticket};
use super::*;
use crate::support::db::TestDb;
use crate::support::mail::generic_with_objects;
use backupchecks::db::scopes::Scope;
use backupchecks::db::{overrides, remarks, tickets};
use backupchecks::domain::overrides::{MatchMode, OverrideDraft, OverrideLevel};
use backupchecks::ingest::pipeline::{self, Incoming, Outcome};

/// A ScriptBackup job of `sender` with everything the run path has to apply.
async fn set_up(pool: &PgPool, customer: i64, sender: &str) -> i64 {
    let identity = jobs::JobIdentity::new(sender, "ScriptBackup", "Archive", "Nightly");
    let j = jobs::create(pool, customer, &identity, false, at(1, 0, 0))
        .await
        .unwrap()
        .id;
    let mut conn = pool.acquire().await.unwrap();
    tickets::create(
        &mut conn,
        &ticket(tickets::Code::Internal, vec![Scope::Job { job_id: j }]),
        "ann",
        at(1, 8, 0),
    )
    .await
    .unwrap();
    remarks::create(
        &mut conn,
        &remark(vec![Scope::Object {
            job_id: j,
            object_name: "vm1".into(),
        }]),
        "ann",
        at(1, 8, 0),
    )
    .await
    .unwrap();
    overrides::create(
        &mut conn,
        &OverrideDraft {
            level: OverrideLevel::Object {
                job_id: j,
                object_name: "vm2".into(),
            },
            match_status: None,
            match_text: "snapshot".into(),
            match_mode: MatchMode::Contains,
            valid_from: None,
            valid_until: None,
            treat_as_success: true,
        },
        None,
        "ann",
        at(1, 9, 0),
    )
    .await
    .unwrap();
    let earlier = mail_run(pool, j, at(1, 22, 0), "Failed", None, &[]).await;
    sqlx::query(
        "UPDATE job_runs SET autotask_ticket_id = 77, autotask_ticket_number = 'T20250301.0077', \
         autotask_ticket_created_at = $2, autotask_ticket_created_by = 'ann' WHERE id = $1",
    )
    .bind(earlier)
    .bind(at(2, 8, 0))
    .execute(pool)
    .await
    .unwrap();
    runs::insert_missed(pool, j, at(4, 0, 0).date_naive(), at(4, 22, 0))
        .await
        .unwrap();
    j
}

/// A day's report: day of March, status, objects.
type Report<'a> = (u32, &'a str, &'a [(&'a str, &'a str, &'a str)]);

/// The same five reports for a job of `sender`.
fn mails(sender: &str) -> Vec<Incoming> {
    let days: [Report<'_>; 5] = [
        (
            2,
            "Failed",
            &[("vm1", "Failed", "disk full"), ("vm2", "Success", "")],
        ),
        (3, "Warning", &[("vm2", "Warning", "snapshot removed late")]),
        (
            4,
            "Success",
            &[("vm1", "Success", ""), ("vm2", "Success", "")],
        ),
        (5, "Failed", &[("vm2", "Failed", "snapshot failed")]),
        (6, "Success", &[]),
    ];
    days.iter()
        .map(|(day, status, objects)| Incoming {
            source: "folder",
            source_id: None,
            received_at: Some(at(*day, 22, 5)),
            raw: generic_with_objects(
                &format!("{day}.{sender}"),
                sender,
                "Nightly",
                status,
                &format!("{day:02} Mar 2025 22:05:00 +0000"),
                objects,
            ),
        })
        .collect()
}

/// Everything the run path decides about a job's runs, in time order, without ids.
async fn outcome(
    pool: &PgPool,
    job_id: i64,
) -> Vec<(
    String,
    String,
    bool,
    bool,
    Option<String>,
    i64,
    i64,
    Vec<bool>,
)> {
    sqlx::query_as(
        "SELECT r.run_at::text, r.effective_status, r.override_applied, r.missed, \
                r.autotask_ticket_number, \
                (SELECT count(*) FROM ticket_job_runs l WHERE l.job_run_id = r.id), \
                (SELECT count(*) FROM remark_job_runs l WHERE l.job_run_id = r.id), \
                ARRAY(SELECT o.override_applied FROM run_objects o WHERE o.run_id = r.id \
                      ORDER BY o.position) \
         FROM job_runs r WHERE r.job_id = $1 ORDER BY r.run_at, r.missed",
    )
    .bind(job_id)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_batch_of_mails_gets_the_runs_that_one_mail_at_a_time_gets() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let batched = set_up(&t.pool, c, "a@acme.example").await;
    let single = set_up(&t.pool, c, "b@acme.example").await;

    let results = pipeline::ingest_batch(&t.pool, &mails("a@acme.example"), at(7, 8, 0)).await;
    assert!(
        results.iter().all(|r| matches!(r, Ok(Outcome::Run { .. }))),
        "{results:?}"
    );
    for m in mails("b@acme.example") {
        let one = pipeline::ingest_one(&t.pool, &m, at(7, 8, 0))
            .await
            .unwrap();
        assert!(matches!(one, Outcome::Run { .. }), "{one:?}");
    }

    let a = outcome(&t.pool, batched).await;
    assert_eq!(a, outcome(&t.pool, single).await);
    // And what both should be: the Missed run of the 4th made way for the report of the 4th,
    // the override covers vm2's snapshot failure only, every run has the job's ticket and
    // Autotask ticket, and the remark only runs that report vm1.
    let missed: Vec<_> = a.iter().filter(|r| r.3).collect();
    assert!(missed.is_empty(), "{a:?}");
    let reports: Vec<_> = a.iter().skip(1).collect();
    let statuses: Vec<&str> = reports.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(
        statuses,
        [
            "Failed",
            "Success (override)",
            "Success",
            "Success (override)",
            "Success"
        ]
    );
    assert!(
        reports
            .iter()
            .all(|r| r.4.as_deref() == Some("T20250301.0077"))
    );
    assert!(reports.iter().all(|r| r.5 == 1));
    let remark_links: Vec<i64> = reports.iter().map(|r| r.6).collect();
    assert_eq!(remark_links, [1, 0, 1, 0, 0]);
}

#[tokio::test]
async fn approving_many_waiting_mails_creates_every_run_once() {
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let batch: Vec<Incoming> = (0..300u32)
        .map(|i| Incoming {
            source: "folder",
            source_id: None,
            received_at: Some(at(1, 0, 0) + chrono::TimeDelta::hours(i64::from(i))),
            raw: generic_with_objects(
                &format!("w{i}@acme"),
                "c@acme.example",
                "Hourly",
                if i % 10 == 0 { "Failed" } else { "Success" },
                "01 Mar 2025 00:00:00 +0000",
                &[("db", "Success", "")],
            ),
        })
        .collect();
    let stored = pipeline::ingest_batch(&t.pool, &batch, at(14, 0, 0)).await;
    let first = match stored[0] {
        Ok(Outcome::Waiting { mail_id }) => mail_id,
        ref other => panic!("{other:?}"),
    };
    let mut tx = t.pool.begin().await.unwrap();
    let done = backupchecks::db::inbox::approve(
        &mut tx,
        first,
        &backupchecks::db::inbox::CustomerChoice::Existing(c),
        "ann",
        at(14, 0, 0),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(done.runs_created, 300);
    let (runs, objects, failed, waiting): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM job_runs WHERE job_id = $1), \
                (SELECT count(*) FROM run_objects o JOIN job_runs r ON r.id = o.run_id \
                 WHERE r.job_id = $1), \
                (SELECT count(*) FROM job_runs WHERE job_id = $1 AND effective_status = 'Failed'), \
                (SELECT count(*) FROM mail_messages WHERE job_id IS NULL AND deleted_at IS NULL)",
    )
    .bind(done.job_id)
    .fetch_one(&t.pool)
    .await
    .unwrap();
    assert_eq!((runs, objects, failed, waiting), (300, 300, 30, 0));
    // Runs are numbered in the order of their reports.
    let ordered: bool = sqlx::query_scalar(
        "SELECT bool_and(ok) FROM (SELECT run_at >= lag(run_at, 1, run_at) OVER (ORDER BY id) \
         AS ok FROM job_runs WHERE job_id = $1) x",
    )
    .bind(done.job_id)
    .fetch_one(&t.pool)
    .await
    .unwrap();
    assert!(ordered);
}

#[tokio::test]
async fn schedules_learned_together_are_those_learned_one_by_one() {
    use backupchecks::db::schedules;
    let t = TestDb::new().await;
    let c = customer(&t.pool, "Acme").await;
    let daily = job(&t.pool, c, "Daily", at(1, 0, 0)).await;
    let weekdays = job(&t.pool, c, "Weekdays", at(1, 0, 0)).await;
    let quiet = job(&t.pool, c, "Quiet", at(1, 0, 0)).await;
    for day in 1..=27 {
        mail_run(&t.pool, daily, at(day, 22, 5), "Success", None, &[]).await;
        let weekday = at(day, 0, 0).format("%u").to_string();
        if weekday.as_str() <= "5" {
            mail_run(&t.pool, weekdays, at(day, 6, 30), "Success", None, &[]).await;
        }
    }
    // Seventy more, so that the learning is split over the cores: daily at a job-specific
    // minute, each with a different gap.
    let more: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO jobs (customer_id, from_address, backup_software, backup_type, job_name, \
                           created_at) \
         SELECT $1, 'more@acme.example', 'Veeam', 'Backup Job', 'More ' || n, $2 \
         FROM generate_series(1, 70) AS n RETURNING id",
    )
    .bind(c)
    .bind(at(1, 0, 0))
    .fetch_all(&t.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO job_runs (job_id, run_at, parsed_status, effective_status) \
         SELECT j, $2 + d * interval '1 day' + (j % 120) * interval '1 minute', 'Success', \
                'Success' \
         FROM unnest($1::bigint[]) AS j, generate_series(0, 26) AS d WHERE d % 7 <> j % 7",
    )
    .bind(&more)
    .bind(at(1, 21, 0))
    .execute(&t.pool)
    .await
    .unwrap();
    let now = at(28, 12, 0);
    let jobs: Vec<i64> = [daily, weekdays, quiet].into_iter().chain(more).collect();
    let mut conn = t.pool.acquire().await.unwrap();
    let mut one_by_one = Vec::new();
    for &j in &jobs {
        one_by_one.push(
            schedules::learn(&mut conn, j, chrono_tz::UTC, now)
                .await
                .unwrap(),
        );
    }
    assert!(one_by_one[0].is_some() && one_by_one[1].is_some() && one_by_one[2].is_none());
    assert_ne!(one_by_one[0], one_by_one[1]);
    sqlx::query("UPDATE jobs SET learned_schedule = NULL, schedule_learned_at = NULL")
        .execute(&t.pool)
        .await
        .unwrap();
    let with_created: Vec<_> = jobs.iter().map(|&j| (j, at(1, 0, 0))).collect();
    let together = schedules::learn_many(&mut conn, &with_created, chrono_tz::UTC, now)
        .await
        .unwrap();
    for (j, expected) in jobs.iter().zip(&one_by_one) {
        assert_eq!(together.get(j), Some(expected));
        let stored = schedules::get(&t.pool, *j).await.unwrap();
        assert_eq!(&stored.learned, expected);
        assert_eq!(stored.learned_at, Some(now));
    }
}

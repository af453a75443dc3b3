//! Every pane load, the all-jobs run history, the missed-run pass, a report of every customer, an approval of 2,000 waiting
//! mails, an import of known jobs' mail and one of late reports that stand Missed runs down, timed
//! on a database of a large MSP's size built by
//! `benches/fixtures/scale.sql` (deterministic, 10,000 jobs). Run with `cargo bench --bench scale`
//! (18 and 180 days of history: about 100k and 1M runs, so the growth shows) or
//! `cargo bench --bench scale -- 180` (days of history). With DATABASE_URL it measures in a
//! recreated `<database>_bench` on that server (add `?sslmode=require` for TLS), else in a
//! throwaway embedded cluster.

// A benchmark aborts on a setup error; a panic with its message is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/mod.rs"]
mod support;

use backupchecks::db::{self, Database};
use backupchecks::ingest::pipeline::{self, Incoming};
use backupchecks::tui::panes;
use chrono::{TimeDelta, Utc};
use std::future::Future;
use std::time::{Duration, Instant};

const FIXTURE: &str = include_str!("fixtures/scale.sql");
const REPEAT: usize = 7;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sizes: Vec<usize> = match std::env::args().skip(1).find_map(|a| a.parse().ok()) {
        Some(days) => vec![days],
        None => vec![18, 180],
    };
    for days in sizes {
        let work = tempfile::Builder::new().prefix("bc-scale-").tempdir()?;
        let db = support::fresh_database(work.path()).await?;
        measure(&db, days).await?;
        db.close().await?;
    }
    Ok(())
}

/// Runs `f` [`REPEAT`] times; prints min and median.
async fn time<F, Fut, T>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = T>,
{
    let mut took: Vec<Duration> = Vec::with_capacity(REPEAT);
    for _ in 0..REPEAT {
        let start = Instant::now();
        std::hint::black_box(f().await);
        took.push(start.elapsed());
    }
    took.sort();
    println!(
        "  {what:<46} min {:>8.1} ms   median {:>8.1} ms",
        took[0].as_secs_f64() * 1000.0,
        took[REPEAT / 2].as_secs_f64() * 1000.0
    );
}

async fn measure(db: &Database, days: usize) -> anyhow::Result<()> {
    let pool = db.pool().clone();
    let start = Instant::now();
    sqlx::raw_sql(sqlx::AssertSqlSafe(
        FIXTURE.replace("{days}", &days.to_string()),
    ))
    .execute(&pool)
    .await?;
    // As autovacuum would have done on a database that grew over months (the visibility map
    // lets index-only scans skip the table).
    sqlx::raw_sql("VACUUM ANALYZE").execute(&pool).await?;
    let (jobs, runs, objects): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM jobs), (SELECT count(*) FROM job_runs), \
         (SELECT count(*) FROM run_objects)",
    )
    .fetch_one(&pool)
    .await?;
    println!(
        "{days} days: {jobs} jobs, {runs} runs, {objects} run objects (built in {:.1} s)",
        start.elapsed().as_secs_f64()
    );
    let now = Utc::now();

    // The missed-run pass: the very first creates the back-fill of Missed runs and learns every
    // schedule, the next finds nothing to do. The passes of the next day come last (they add
    // runs the pane loads should not see).
    for pass in ["missed-run pass, first ever", "missed-run pass, again"] {
        missed_pass(&pool, pass, now).await?;
    }

    time("Run Checks queue", || {
        panes::run_checks::load_queue(pool.clone(), false, now)
    })
    .await;
    let busiest: i64 = sqlx::query_scalar(
        "SELECT job_id FROM job_runs WHERE reviewed_at IS NULL GROUP BY job_id \
         ORDER BY count(*) DESC, job_id LIMIT 1",
    )
    .fetch_one(&pool)
    .await?;
    time("Run Checks runs of a job", || {
        panes::run_checks::load_runs(pool.clone(), busiest, false)
    })
    .await;
    time("Daily Jobs", || panes::daily::load(pool.clone(), None, now)).await;
    // The Jobs list, then the history strips of the rows around the cursor (201 jobs).
    let first_jobs: Vec<i64> = sqlx::query_scalar("SELECT id FROM jobs ORDER BY id LIMIT 201")
        .fetch_all(&pool)
        .await?;
    time("Jobs (list, then the strips near the cursor)", || async {
        panes::jobs::load(pool.clone(), now).await;
        panes::jobs::load_strips(pool.clone(), first_jobs.clone(), chrono_tz::UTC, now).await
    })
    .await;
    time("Customers", || panes::customers::load(pool.clone())).await;
    time("Inbox", || {
        panes::inbox::load(pool.clone(), false, String::new(), panes::inbox::PAGE)
    })
    .await;
    time("Inbox, searching every waiting mail", || {
        panes::inbox::load(pool.clone(), false, "job 17".into(), panes::inbox::PAGE)
    })
    .await;
    time("Tickets & Remarks", || {
        panes::tickets::load(pool.clone(), false)
    })
    .await;
    time("Overrides", || panes::overrides::load(pool.clone(), false)).await;
    time("Activity", || panes::activity::load(pool.clone())).await;
    time("all-jobs run history, 7 days", || {
        db::runs::points_between(&pool, now - TimeDelta::days(7), now)
    })
    .await;

    reports(&pool, now).await?;
    reviewed_week(&pool, now).await?;
    approve_2000(db, now).await?;
    known_jobs_import(db, now).await?;

    // The next day: first with no new runs (only schedules whose learning depends on the day
    // are learned again), then after a night in which every job reported once (every schedule
    // is learned again, the worst case of a morning start).
    let tomorrow = now + TimeDelta::days(1);
    missed_pass(&pool, "missed-run pass, next day, no new runs", tomorrow).await?;
    late_reports_import(db, tomorrow).await?;
    sqlx::query(
        "INSERT INTO job_runs (job_id, run_at, parsed_status, effective_status, source_type) \
         SELECT id, $1, 'Success', 'Success', 'mail' FROM jobs WHERE deleted_at IS NULL",
    )
    .bind(tomorrow - TimeDelta::hours(6))
    .execute(&pool)
    .await?;
    missed_pass(
        &pool,
        "missed-run pass, next day, every job reported",
        tomorrow,
    )
    .await?;
    missed_pass(&pool, "missed-run pass, next day, again", tomorrow).await?;
    Ok(())
}

/// Late reports of up to 2,000 jobs, each for a slot that already has a Missed run: imported in
/// the importer's batches, each report stands its Missed run down. Three rounds, each taking
/// the oldest slot still open of each job.
async fn late_reports_import(db: &Database, now: chrono::DateTime<Utc>) -> anyhow::Result<()> {
    const ROUNDS: usize = 3;
    let mut rates = Vec::with_capacity(ROUNDS);
    let (mut mails, mut stood_down) = (0, 0);
    for round in 0..ROUNDS {
        let late: Vec<(String, String, String, String, chrono::DateTime<Utc>)> = sqlx::query_as(
            "SELECT DISTINCT ON (j.id) j.from_address, j.job_name, j.backup_software, \
               j.backup_type, r.run_at \
             FROM job_runs r JOIN jobs j ON j.id = r.job_id \
             WHERE r.missed AND r.reviewed_at IS NULL AND j.from_address LIKE 'backup%' \
               AND r.run_at < now() - interval '2 hours' \
             ORDER BY j.id, r.run_at LIMIT 2000",
        )
        .fetch_all(db.pool())
        .await?;
        let open_before = open_missed_runs(db.pool()).await?;
        let batch: Vec<Incoming> = late
            .iter()
            .enumerate()
            .map(|(i, (from, job, software, kind, slot))| Incoming {
                source: "folder",
                source_id: None,
                received_at: Some(*slot + TimeDelta::minutes(40)),
                raw: report(
                    from,
                    job,
                    software,
                    kind,
                    round * 2000 + i,
                    *slot + TimeDelta::minutes(40),
                ),
            })
            .collect();
        rates.push(timed_import(db, &batch, now).await.0);
        mails += batch.len();
        stood_down += open_before - open_missed_runs(db.pool()).await?;
    }
    let (min, median) = min_median(rates);
    println!(
        "  {:<46} min {min:>6.0} median {median:>6.0} mails/s ({stood_down} Missed runs stood down by {mails})",
        "import of late reports (Missed runs open)",
    );
    Ok(())
}

/// Imports `batch` in the importer's batches: mails per second, and how many became runs.
async fn timed_import(
    db: &Database,
    batch: &[Incoming],
    now: chrono::DateTime<Utc>,
) -> (f64, usize) {
    let start = Instant::now();
    let mut runs = 0;
    for chunk in batch.chunks(backupchecks::services::importer::BATCH) {
        runs += pipeline::ingest_batch(db.pool(), chunk, now)
            .await
            .into_iter()
            .filter(|r| matches!(r, Ok(pipeline::Outcome::Run { .. })))
            .count();
    }
    (batch.len() as f64 / start.elapsed().as_secs_f64(), runs)
}

/// The smallest and the median of some rates.
fn min_median(mut rates: Vec<f64>) -> (f64, f64) {
    rates.sort_by(f64::total_cmp);
    (rates[0], rates[rates.len() / 2])
}

async fn open_missed_runs(pool: &sqlx::PgPool) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM job_runs WHERE missed AND reviewed_at IS NULL")
            .fetch_one(pool)
            .await?,
    )
}

/// One missed-run pass at `now`, timed.
async fn missed_pass(
    pool: &sqlx::PgPool,
    what: &str,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    let vacuums = || {
        sqlx::query_scalar::<_, i64>(
            "SELECT vacuum_count FROM pg_stat_user_tables WHERE relid = 'job_runs'::regclass",
        )
        .fetch_one(pool)
    };
    let before = vacuums().await?;
    let start = Instant::now();
    // As the service runs it: under its lock, with the upkeep of the runs table after it.
    let report = backupchecks::services::missed_runs::pass_once(pool, now)
        .await?
        .expect("no other process runs the pass");
    let took = start.elapsed();
    println!(
        "  {what:<46} {:>8.1} ms   ({} created, {} removed{})",
        took.as_secs_f64() * 1000.0,
        report.created,
        report.removed,
        if vacuums().await? > before {
            "; runs table vacuumed"
        } else {
            ""
        }
    );
    Ok(())
}

/// The week's history as a live database has it. Every review writes a new row version, which
/// the history's index-only scan has to check in the table until a vacuum. The operators review
/// each morning what came in since the day before, and the missed-run pass after it vacuums the
/// table once enough runs changed: the worst moment of a morning is right after its reviews,
/// before that pass. Then a stress beyond any morning: a week's backlog (after a week away)
/// reviewed in one burst.
async fn reviewed_week(pool: &sqlx::PgPool, now: chrono::DateTime<Utc>) -> anyhow::Result<()> {
    let (week_start, end) = (now - TimeDelta::days(7), now);
    let week = || db::runs::points_between(pool, week_start, end);
    let review = |from: chrono::DateTime<Utc>, to: chrono::DateTime<Utc>| async move {
        sqlx::query(
            "UPDATE job_runs SET reviewed_at = $1, reviewed_by = 'operator' \
             WHERE run_at >= $2 AND run_at < $3 AND NOT missed AND reviewed_at IS NULL",
        )
        .bind(now)
        .bind(from)
        .bind(to)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
    };
    // Nobody reviewed the week yet (the fixture stored its older runs reviewed), and its runs
    // lie as they were inserted, in full pages: a review's new row version finds no room beside
    // the old one. The table is rewritten for that, then vacuumed as autovacuum would have.
    let backlog = || async {
        sqlx::query(
            "UPDATE job_runs SET reviewed_at = NULL, reviewed_by = NULL \
             WHERE run_at >= $1 AND run_at < $2 AND NOT missed AND reviewed_at IS NOT NULL",
        )
        .bind(week_start)
        .bind(end)
        .execute(pool)
        .await?;
        // Each on its own: VACUUM refuses to run in the implicit transaction of two statements.
        sqlx::raw_sql("VACUUM FULL job_runs").execute(pool).await?;
        sqlx::raw_sql("VACUUM job_runs").execute(pool).await
    };
    backlog().await?;
    for day in (1..=7).rev() {
        let from = now - TimeDelta::days(day);
        let to = if day == 1 {
            end
        } else {
            from + TimeDelta::days(1)
        };
        let reviewed = review(from, to).await?;
        // The server's statistics reach the pass within about a second.
        tokio::time::sleep(Duration::from_secs(2)).await;
        if day > 1 {
            missed_pass(
                pool,
                &format!("pass after a morning ({reviewed} reviews)"),
                now,
            )
            .await?;
        } else {
            println!("  (the last morning: {reviewed} reviews)");
        }
    }
    time("all-jobs run history, 7 days, after a morning", week).await;
    missed_pass(pool, "missed-run pass after that morning", now).await?;
    time("all-jobs run history, 7 days, after that pass", week).await;
    backlog().await?;
    let burst = review(week_start, end).await?;
    time(&format!("... after {burst} reviews in one burst"), week).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    missed_pass(pool, "missed-run pass after the burst", now).await?;
    time("all-jobs run history, 7 days, after that pass", week).await;
    Ok(())
}

/// The report of every customer over the last 14 days (and the 14 before, for the change): its
/// loading, the model and each renderer.
async fn reports(pool: &sqlx::PgPool, now: chrono::DateTime<Utc>) -> anyhow::Result<()> {
    use backupchecks::domain::report::{self, Period};
    use backupchecks::reports::{self as render, Format};
    let today = now.date_naive();
    let period = Period::new(today - TimeDelta::days(14), today - TimeDelta::days(1))?;
    time("report: load, every customer, 14 days", || async {
        let mut conn = pool.acquire().await.unwrap();
        db::report::load(&mut conn, period, None, now)
            .await
            .unwrap()
    })
    .await;
    let mut conn = pool.acquire().await?;
    let input = db::report::load(&mut conn, period, None, now).await?;
    drop(conn);
    time("report: build the model", || async {
        report::build(&input)
    })
    .await;
    let model = report::build(&input);
    for format in [Format::Pdf, Format::Html, Format::Csv] {
        let size = render::render(&model, format).len();
        time(
            &format!("report: render {format} ({} kB)", size / 1024),
            || async { render::render(&model, format).len() },
        )
        .await;
    }
    Ok(())
}

/// A report of one run sent at `sent`, as a mailbox holds it.
fn report(
    from: &str,
    job: &str,
    software: &str,
    kind: &str,
    i: usize,
    sent: chrono::DateTime<Utc>,
) -> Vec<u8> {
    let stamp = sent.timestamp();
    support::delivered::report(
        i,
        &format!("Backup <{from}>"),
        &format!("[backupchecks] {job}"),
        &sent.to_rfc2822(),
        &format!("scale-{stamp}-{i}-{from}"),
        &format!(
            "Software: {software}\nType: {kind}\nJob: {job}\nStatus: Success\nObject: VM1 | ok | \n"
        ),
    )
    .into_bytes()
}

/// 22:05 UTC on `day` November 2026.
fn november(day: u32) -> chrono::DateTime<Utc> {
    use chrono::TimeZone;
    Utc.with_ymd_and_hms(2026, 11, day, 22, 5, 0).unwrap()
}

/// 2,000 mails of one new job wait in the Inbox; approving the job makes them runs.
async fn approve_2000(db: &Database, now: chrono::DateTime<Utc>) -> anyhow::Result<()> {
    let batch: Vec<Incoming> = (0..2000)
        .map(|i| Incoming {
            source: "folder",
            source_id: None,
            received_at: Some(now - TimeDelta::hours(i64::try_from(i).unwrap_or(0) + 1)),
            raw: report(
                "nas@approve.example",
                "Nightly",
                "ScriptBackup",
                "Archive",
                i,
                november(19),
            ),
        })
        .collect();
    for chunk in batch.chunks(200) {
        pipeline::ingest_batch(db.pool(), chunk, now).await;
    }
    let first: i64 = sqlx::query_scalar(
        "SELECT min(id) FROM mail_messages WHERE from_address = 'nas@approve.example'",
    )
    .fetch_one(db.pool())
    .await?;
    let start = Instant::now();
    let mut tx = db.pool().begin().await?;
    let done = db::inbox::approve(
        &mut tx,
        first,
        &db::inbox::CustomerChoice::New("Approved Customer".into()),
        "bench",
        now,
    )
    .await?;
    tx.commit().await?;
    println!(
        "  {:<46} {:>8.1} ms   ({} runs)",
        "approve a job with 2,000 waiting mails",
        start.elapsed().as_secs_f64() * 1000.0,
        done.runs_created
    );
    Ok(())
}

/// A report for each of 2,000 existing jobs, imported in the importer's batches; three rounds
/// in turn, each of new mails (their dates differ) that become new runs.
async fn known_jobs_import(db: &Database, now: chrono::DateTime<Utc>) -> anyhow::Result<()> {
    const ROUNDS: usize = 3;
    let jobs: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT from_address, job_name, backup_software, backup_type FROM jobs \
         WHERE from_address LIKE 'backup%' ORDER BY id LIMIT 2000",
    )
    .fetch_all(db.pool())
    .await?;
    let mut rates = Vec::with_capacity(ROUNDS);
    let mut runs = 0;
    for round in 0..ROUNDS {
        let batch: Vec<Incoming> = jobs
            .iter()
            .enumerate()
            .map(|(i, (from, job, software, kind))| Incoming {
                source: "folder",
                source_id: None,
                received_at: Some(now - TimeDelta::minutes(5)),
                raw: report(from, job, software, kind, i, november(19 + round as u32)),
            })
            .collect();
        let (rate, made) = timed_import(db, &batch, now).await;
        rates.push(rate);
        runs += made;
    }
    let (min, median) = min_median(rates);
    println!(
        "  {:<46} min {min:>6.0} median {median:>6.0} mails/s ({runs} of {} became runs)",
        "import of known jobs' mail (3 rounds)",
        jobs.len() * ROUNDS
    );
    Ok(())
}

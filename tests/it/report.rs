//! Reports against a real database: what `db::report::load` reads (scope, time zone, the runs of
//! the period and its margins, tickets and remarks) and the model built from it.

use crate::support::db::TestDb;
use backupchecks::db::{DbError, report};
use backupchecks::domain::report::{self as model, Period};
use backupchecks::domain::run_status::RunStatus;
use chrono::{DateTime, TimeZone, Utc};
use sqlx::PgPool;

fn utc(m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, h, min, 0)
        .single()
        .unwrap()
}

async fn exec(pool: &PgPool, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(pool)
        .await
        .unwrap();
}

async fn id(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn run(pool: &PgPool, job: i64, at: DateTime<Utc>, status: &str) {
    sqlx::query(
        "INSERT INTO job_runs (job_id, run_at, parsed_status, effective_status) VALUES ($1, $2, $3, $3)",
    )
    .bind(job)
    .bind(at)
    .bind(status)
    .execute(pool)
    .await
    .unwrap();
}

/// Acme (one job pinned daily at 22:00 New York time), Beta, an inactive and a deleted customer.
async fn fixture(pool: &PgPool) -> i64 {
    exec(
        pool,
        "INSERT INTO settings (key, value) VALUES ('timezone', '\"America/New_York\"'); \
         INSERT INTO customers (name) VALUES ('Acme'), ('beta'); \
         INSERT INTO customers (name, active) VALUES ('Dormant', false); \
         INSERT INTO customers (name, deleted_at) VALUES ('Gone', now());",
    )
    .await;
    let job = id(
        pool,
        "INSERT INTO jobs (customer_id, from_address, backup_software, backup_type, job_name, \
           pinned_schedule) \
         SELECT id, 'veeam@acme.example', 'Veeam', 'Backup Job', 'Daily VMs', \
           '{\"kind\":\"daily\",\"time\":\"22:00:00\"}' FROM customers WHERE name = 'Acme' \
         RETURNING id",
    )
    .await;
    // 22:00 in New York is 02:00 UTC the next day (summer time until 1 November).
    run(pool, job, utc(8, 1, 2, 0), "Success").await; // far before: not read
    run(pool, job, utc(9, 30, 2, 0), "Success").await; // 29 September: previous period
    run(pool, job, utc(10, 29, 2, 0), "Success").await; // 28 October
    run(pool, job, utc(10, 31, 2, 10), "Warning").await; // 30 October
    run(pool, job, utc(11, 1, 2, 5), "Failed").await; // 31 October, 22:05 local
    run(pool, job, utc(12, 1, 2, 0), "Success").await; // far after: not read
    exec(
        pool,
        &format!(
            "INSERT INTO job_runs (job_id, run_at, parsed_status, effective_status, missed, \
               slot_date, source_type, reviewed_at, reviewed_by) \
             VALUES ({job}, '2026-10-30T02:00:00Z', 'Missed', 'Missed', true, '2026-10-29', \
               'missed', '2026-10-30T03:30:00Z', 'ops'); \
             INSERT INTO tickets (ticket_code, description, active_from, created_by) \
               VALUES ('T20261029.0001', 'Host down', '2026-10-29', 'ops'); \
             INSERT INTO ticket_scopes (ticket_id, scope_type, job_id) \
               SELECT id, 'job', {job} FROM tickets WHERE ticket_code = 'T20261029.0001'; \
             INSERT INTO tickets (ticket_code, description, active_from, created_by, resolved_at) \
               VALUES ('T20260101.0001', 'Old', '2026-01-01', 'ops', '2026-02-01T00:00:00Z'); \
             INSERT INTO ticket_scopes (ticket_id, scope_type, job_id) \
               SELECT id, 'job', {job} FROM tickets WHERE ticket_code = 'T20260101.0001'; \
             INSERT INTO remarks (body, active_from, created_by) \
               VALUES ('Disk swapped', '2026-10-15', 'ops'); \
             INSERT INTO remark_scopes (remark_id, scope_type, customer_id) \
               SELECT r.id, 'customer', c.id FROM remarks r, customers c WHERE c.name = 'Acme';"
        ),
    )
    .await;
    job
}

#[tokio::test]
async fn load_reads_the_scope_the_period_with_its_margins_and_the_notes() {
    let t = TestDb::new().await;
    let job = fixture(&t.pool).await;
    let mut conn = t.pool.acquire().await.unwrap();
    let october = Period::parse_month("2026-10").unwrap();
    let now = utc(11, 10, 12, 0);

    let all = report::load(&mut conn, october, None, now).await.unwrap();
    let names: Vec<&str> = all.customers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Acme", "beta"]);
    assert_eq!(all.tz, chrono_tz::America::New_York);

    let scope = vec!["ACME".to_string()];
    let input = report::load(&mut conn, october, Some(&scope), now)
        .await
        .unwrap();
    assert_eq!(input.customers.len(), 1);
    assert_eq!(input.scope, Some(scope));
    let mut times: Vec<DateTime<Utc>> = input.runs.iter().map(|r| r.run_at).collect();
    times.sort();
    assert_eq!(
        times,
        [
            utc(9, 30, 2, 0),
            utc(10, 29, 2, 0),
            utc(10, 30, 2, 0),
            utc(10, 31, 2, 10),
            utc(11, 1, 2, 5)
        ]
    );
    // Pinned schedule with the default grace; the job existed from its first real run.
    let j = &input.jobs[0];
    assert_eq!((j.id, j.existed_from), (job, utc(8, 1, 2, 0)));
    assert_eq!(
        j.schedule.as_ref().map(|s| s.grace.num_minutes()),
        Some(240)
    );
    let codes: Vec<Option<&str>> = input.notes.iter().map(|n| n.code.as_deref()).collect();
    assert_eq!(
        codes.len(),
        2,
        "the ticket resolved in February is not read"
    );
    assert!(codes.contains(&Some("T20261029.0001")) && codes.contains(&None));

    // The model from it: 31 October slots; 27 without any run (Missed), the 28th Success, the
    // 29th a reviewed Missed run, the 30th Warning, the 31st Failed at 22:05 local time.
    let r = model::build(&input);
    let acme = &r.customers[0];
    let c = acme.jobs[0].summary.counts;
    assert_eq!(
        (c.expected, c.success, c.warning, c.failed, c.missed),
        (31, 1, 1, 1, 28)
    );
    assert_eq!(acme.summary.success_rate, Some(3.2));
    // September: one Success of 30 slots.
    assert_eq!(acme.summary.previous_rate, Some(3.3));
    assert_eq!(acme.summary.change, Some(-0.1));
    assert_eq!(acme.jobs[0].days[30].status, Some(RunStatus::Failed));
    assert_eq!(acme.jobs[0].days[29].status, Some(RunStatus::Warning));
    assert_eq!(acme.summary.review.reviewed, 1);
    assert_eq!(acme.summary.review.median_minutes, Some(90));
    assert_eq!(acme.tickets.len(), 1);
    assert_eq!(acme.remarks.len(), 1);
    assert_eq!(acme.remarks[0].text, "Disk swapped");
}

#[tokio::test]
async fn an_unknown_customer_is_named_in_the_error() {
    let t = TestDb::new().await;
    fixture(&t.pool).await;
    let mut conn = t.pool.acquire().await.unwrap();
    let scope = vec![
        "Acme".to_string(),
        "Nobody Ltd".to_string(),
        "Gone".to_string(),
    ];
    let err = report::load(
        &mut conn,
        Period::parse_month("2026-10").unwrap(),
        Some(&scope),
        utc(11, 10, 0, 0),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DbError::NotFound(_)));
    assert_eq!(
        err.to_string(),
        "not found: no customer named “Nobody Ltd”, “Gone”"
    );
}

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
async fn a_reporter_login_loads_the_report() {
    use crate::support::db::TestLogin;
    let t = TestDb::new().await;
    fixture(&t.pool).await;
    let login = TestLogin::new(&["backupchecks_reporter"]).await;
    let pool = t.pool_as(&login.name).await;
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("SET ROLE backupchecks_reporter")
        .execute(&mut *conn)
        .await
        .unwrap();
    let input = report::load(
        &mut conn,
        Period::parse_month("2026-10").unwrap(),
        None,
        utc(11, 10, 0, 0),
    )
    .await
    .unwrap();
    assert_eq!(input.customers.len(), 2);
    assert_eq!(input.runs.len(), 5);
    assert_eq!(input.notes.len(), 2);
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

mod cli {
    use crate::support::db::TestDb;
    use chrono::TimeZone;
    use std::path::Path;

    /// Runs `backupchecks report` on the test database.
    fn report(t: &TestDb, dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_backupchecks"))
            .arg("report")
            .args(args)
            .env_remove("BACKUPCHECKS_CONFIG")
            .env("BACKUPCHECKS_DATABASE_URL", t.url())
            .env("BACKUPCHECKS_LOG_FILE", dir.join("log"))
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    }

    async fn demo_database() -> TestDb {
        let t = TestDb::new().await;
        let tz = chrono_tz::Europe::Amsterdam;
        let now = tz
            .with_ymd_and_hms(2026, 3, 18, 8, 30, 0)
            .unwrap()
            .with_timezone(&chrono::Utc);
        backupchecks::demo::seed(&t.pool, now, tz, |_, _| {})
            .await
            .unwrap();
        t
    }

    fn pdf_pages(bytes: &[u8]) -> Vec<String> {
        let doc = lopdf::Document::load_mem(bytes).unwrap();
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        pages
            .iter()
            .map(|p| doc.extract_text(&[*p]).unwrap())
            .collect()
    }

    fn rate(ok: u32, expected: u32) -> String {
        format!(
            "{:.1}%",
            (f64::from(ok) * 1000.0 / f64::from(expected)).round() / 10.0
        )
    }

    #[tokio::test]
    async fn pdf_csv_and_html_of_the_demo_agree() {
        let t = demo_database().await;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("reports");
        std::fs::create_dir(&out).unwrap();
        let (code, stdout, stderr) = report(
            &t,
            dir.path(),
            &[
                "--from",
                "2026-02-16",
                "--to",
                "2026-03-15",
                "--format",
                "pdf",
                "--format",
                "csv",
                "--format",
                "html",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(code, Some(0), "{stderr}");
        // Ten customers: the steps were shown.
        assert!(stderr.contains("report: 5/5 writing html"), "{stderr}");
        let stem = out.join("backup-report-all-2026-02-16_2026-03-15");
        for ext in ["pdf", "csv", "html"] {
            let path = stem.with_extension(ext);
            assert!(stdout.contains(path.to_str().unwrap()), "{stdout}");
        }

        let csv = std::fs::read_to_string(stem.with_extension("csv")).unwrap();
        let rows = backupchecks_csv(&csv);
        let head = &rows[0];
        let col = |n: &str| head.iter().position(|c| c == n).unwrap();
        // Per customer, in the order of the report: expected and successes of its counted jobs.
        let mut customers: Vec<(String, u32, u32)> = Vec::new();
        for r in &rows[1..] {
            if r[col("kind")] != "counted" {
                continue;
            }
            let n = |c: &str| r[col(c)].parse::<u32>().unwrap();
            let ok = n("success") + n("success_override");
            match customers.last_mut() {
                Some(last) if last.0 == r[col("customer")] => {
                    last.1 += n("expected");
                    last.2 += ok;
                }
                _ => customers.push((r[col("customer")].clone(), n("expected"), ok)),
            }
        }
        assert!(customers.len() >= 9, "{customers:?}");
        let total_expected: u32 = customers.iter().map(|c| c.1).sum();
        let total_ok: u32 = customers.iter().map(|c| c.2).sum();
        assert!(total_expected > 500, "{total_expected}");
        assert!(
            total_ok < total_expected,
            "the demo has failures and missed runs"
        );

        let html = std::fs::read_to_string(stem.with_extension("html")).unwrap();
        let summary = html.split("<table class=\"summary\">").nth(1).unwrap();
        let summary = summary.split("</table>").next().unwrap();
        for (name, expected, ok) in &customers {
            let name = name.replace('&', "&amp;");
            let row = summary
                .split("<tr>")
                .find(|r| r.starts_with(&format!("<td>{name}</td>")))
                .unwrap_or_else(|| panic!("{name} not in the HTML summary"));
            assert!(
                row.contains(&format!("data-k=\"expected\">{expected}<")),
                "{row}"
            );
            assert!(
                row.contains(&format!("<b>{}</b>", rate(*ok, *expected))),
                "{row}"
            );
        }
        let total = summary.split("<tr class=\"total\">").nth(1).unwrap();
        assert!(total.contains(&format!("data-k=\"expected\">{total_expected}<")));
        assert!(total.contains(&format!("<b>{}</b>", rate(total_ok, total_expected))));

        let pdf = std::fs::read(stem.with_extension("pdf")).unwrap();
        let pages = pdf_pages(&pdf);
        assert!(pages.len() >= 2 + customers.len(), "{}", pages.len());
        // The summary page lists the customers' rates, then the total's, in the same order.
        let rates: Vec<String> = pages[1]
            .lines()
            .map(str::trim)
            .filter(|l| l.ends_with('%') && !l.contains(' '))
            .map(str::to_string)
            .collect();
        let mut expected_rates: Vec<String> =
            customers.iter().map(|(_, e, ok)| rate(*ok, *e)).collect();
        expected_rates.push(rate(total_ok, total_expected));
        assert_eq!(rates, expected_rates);
        assert!(pages[0].contains(&rate(total_ok, total_expected)));
        for (name, ..) in &customers {
            assert!(
                pages[1].contains(name.as_str()),
                "{name} not on the summary page"
            );
        }
    }

    /// Records of an RFC 4180 document (quoted fields with doubled quotes, CRLF).
    fn backupchecks_csv(text: &str) -> Vec<Vec<String>> {
        let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
        let (mut quoted, mut chars) = (false, text.chars().peekable());
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') => quoted = true,
                (false, ',') => row.push(std::mem::take(&mut field)),
                (false, '\r') => {
                    assert_eq!(chars.next(), Some('\n'));
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                (false, c) => field.push(c),
            }
        }
        rows
    }

    #[tokio::test]
    async fn a_bad_period_or_an_unknown_customer_exits_2_with_a_clear_message() {
        let t = TestDb::new().await;
        let dir = tempfile::tempdir().unwrap();
        let (code, _, err) = report(&t, dir.path(), &["--month", "2026-13"]);
        assert_eq!(code, Some(2));
        assert!(
            err.contains("bad month `2026-13`: expected YYYY-MM"),
            "{err}"
        );
        let (code, _, err) = report(
            &t,
            dir.path(),
            &["--from", "2026-11-09", "--to", "2026-11-01"],
        );
        assert_eq!(code, Some(2));
        assert!(
            err.contains("the period ends (2026-11-01) before it starts (2026-11-09)"),
            "{err}"
        );
        let (code, _, err) = report(
            &t,
            dir.path(),
            &["--month", "2026-11", "--customer", "Nobody"],
        );
        assert_eq!(code, Some(2));
        assert!(err.contains("no customer named “Nobody”"), "{err}");
        let (code, _, err) = report(&t, dir.path(), &["--format", "docx"]);
        assert_eq!(code, Some(2));
        assert!(
            err.contains("`docx` is not one of pdf, html, csv, md, json"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn one_customer_one_format_to_a_file() {
        let t = TestDb::new().await;
        sqlx::query("INSERT INTO customers (name) VALUES ('Ärzte Müller')")
            .execute(&t.pool)
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out/nov.md");
        let (code, stdout, err) = report(
            &t,
            dir.path(),
            &[
                "--month",
                "2026-11",
                "--customer",
                "ärzte müller",
                "--format",
                "md",
                "--out",
                file.to_str().unwrap(),
            ],
        );
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(stdout.trim(), file.to_str().unwrap());
        let md = std::fs::read_to_string(&file).unwrap();
        assert!(md.starts_with("# Backup report: Ärzte Müller\n"), "{md}");
        assert!(md.contains("November 2026"));
        assert!(
            !err.contains("report: 1/"),
            "one customer shows no steps: {err}"
        );
    }
}

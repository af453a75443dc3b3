//! Roles enforced by PostgreSQL: real logins in each group role try every kind of write by
//! direct SQL and through the program's own functions; what the role forbids fails in the
//! database, what it allows works.

use crate::support::db::{TestDb, TestLogin};
use crate::support::mail::generic;
use backupchecks::config::Secret;
use backupchecks::db::{self, Database, DbError, inbox::CustomerChoice};
use backupchecks::domain::roles::Role;
use backupchecks::ingest::pipeline::{Incoming, ingest_one};
use chrono::{DateTime, TimeZone, Utc};
use sqlx::PgPool;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

/// One approved job with two unreviewed runs, made by the owner; returns (job, run ids).
async fn job_with_runs(t: &TestDb) -> (i64, Vec<i64>) {
    let mut mail_ids = vec![];
    for day in [18, 19] {
        let date = Utc
            .with_ymd_and_hms(2026, 11, day, 22, 5, 0)
            .unwrap()
            .to_rfc2822();
        let raw = generic(
            &format!("<r{day}@x>"),
            "backup@acme.example",
            "Nightly",
            "Success",
            &date,
        );
        let incoming = Incoming {
            source: "folder",
            source_id: None,
            received_at: None,
            raw,
        };
        mail_ids.push(
            ingest_one(&t.pool, &incoming, now())
                .await
                .unwrap()
                .mail_id(),
        );
    }
    let mut tx = t.pool.begin().await.unwrap();
    let approved = db::inbox::approve(
        &mut tx,
        mail_ids[0],
        &CustomerChoice::New("Acme".into()),
        "owner",
        now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let runs: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM job_runs WHERE job_id = $1 ORDER BY id")
            .bind(approved.job_id)
            .fetch_all(&t.pool)
            .await
            .unwrap();
    assert_eq!(runs.len(), 2);
    (approved.job_id, runs)
}

/// The SQLSTATE of a failed statement ("42501" insufficient privilege, ...).
async fn state(pool: &PgPool, sql: &str) -> Option<String> {
    match sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(pool)
        .await
    {
        Ok(_) => None,
        Err(sqlx::Error::Database(d)) => d.code().map(|c| c.to_string()),
        Err(e) => panic!("{sql}: {e}"),
    }
}

async fn denied(pool: &PgPool, sql: &str) {
    assert_eq!(
        state(pool, sql).await.as_deref(),
        Some("42501"),
        "{sql} was allowed"
    );
}

async fn allowed(pool: &PgPool, sql: &str) {
    assert_eq!(state(pool, sql).await, None, "{sql} was refused");
}

fn permission_denied(e: &DbError) -> bool {
    db::roles::is_permission_denied(e)
}

/// Writes no reader may make, by direct SQL.
const READER_FORBIDDEN: &[&str] = &[
    "UPDATE job_runs SET reviewed_at = now(), reviewed_by = 'me'",
    "INSERT INTO customers (name) VALUES ('Sneaky')",
    "UPDATE customers SET name = 'Renamed'",
    "UPDATE mail_messages SET job_id = NULL",
    "UPDATE mail_messages SET deleted_at = now()",
    "DELETE FROM mail_messages",
    "INSERT INTO tickets (ticket_code, active_from, created_by) VALUES ('T1', current_date, 'me')",
    "INSERT INTO remarks (body, active_from, created_by) VALUES ('x', current_date, 'me')",
    "INSERT INTO overrides (level, backup_software, created_by) VALUES ('global', 'Veeam', 'me')",
    "UPDATE jobs SET archived_at = now()",
    "INSERT INTO settings (key, value) VALUES ('timezone', '\"UTC\"')",
    "SELECT * FROM audit_log",
    "UPDATE audit_log SET action = 'x'",
    "DELETE FROM audit_log",
    "SELECT backupchecks_drop_missed_slot(1, current_date)",
];

#[tokio::test]
async fn viewers_and_reporters_read_everything_but_the_audit_log_and_change_nothing() {
    let t = TestDb::new().await;
    let (job, runs) = job_with_runs(&t).await;
    for group in ["backupchecks_viewer", "backupchecks_reporter"] {
        let login = TestLogin::new(&[group]).await;
        let pool = t.pool_as(&login.name).await;
        let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM job_runs")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(seen, 2, "{group} reads the runs");
        allowed(&pool, "SELECT * FROM settings").await;
        for sql in READER_FORBIDDEN {
            denied(&pool, sql).await;
        }
        // The program's own paths are refused by the database too.
        let mut conn = pool.acquire().await.unwrap();
        let e = db::review::review_job(&mut conn, job, "me", now())
            .await
            .unwrap_err();
        assert!(permission_denied(&e), "{group} reviewed: {e}");
        let e = db::settings::change(&mut conn, "timezone", &serde_json::json!("UTC"), "me")
            .await
            .unwrap_err();
        assert!(permission_denied(&e), "{group} changed a setting: {e}");
        drop(conn);
        pool.close().await;
    }
    let unreviewed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM job_runs WHERE id = ANY($1) AND reviewed_at IS NULL",
    )
    .bind(&runs)
    .fetch_one(&t.pool)
    .await
    .unwrap();
    assert_eq!(unreviewed, 2);
}

#[tokio::test]
async fn an_operators_seat_runs_the_missed_run_check_and_late_reports_stand_missed_runs_down() {
    let t = TestDb::new().await;
    let (job, _) = job_with_runs(&t).await;
    let mut owner = t.pool.acquire().await.unwrap();
    let daily = backupchecks::domain::schedule::PinnedSchedule {
        schedule: backupchecks::domain::schedule::Schedule::Daily {
            time: chrono::NaiveTime::from_hms_opt(22, 5, 0).unwrap(),
        },
        grace_minutes: None,
    };
    db::schedules::pin(&mut owner, job, &daily, "owner")
        .await
        .unwrap();
    drop(owner);
    let login = TestLogin::new(&["backupchecks_operator"]).await;
    let pool = t.pool_as(&login.name).await;
    let mut conn = pool.acquire().await.unwrap();
    let open = |pool: PgPool| async move {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM job_runs WHERE job_id = $1 AND missed AND reviewed_at IS NULL",
        )
        .bind(job)
        .fetch_one(&pool)
        .await
        .unwrap()
    };

    // The reports of the 20th to the 22nd did not come: the pass on the seat marks them.
    let monday = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
    let report = db::missed::run_pass(&mut conn, monday).await.unwrap();
    assert_eq!(
        (report.created, report.removed, report.failed.len()),
        (3, 0, 0)
    );
    // The 21st's report arrives late through the seat's import and stands its Missed run down.
    let sent = Utc.with_ymd_and_hms(2026, 11, 21, 22, 5, 0).unwrap();
    let late = Incoming {
        source: "folder",
        source_id: None,
        received_at: None,
        raw: generic(
            "<r21@x>",
            "backup@acme.example",
            "Nightly",
            "Success",
            &sent.to_rfc2822(),
        ),
    };
    ingest_one(&pool, &late, monday).await.unwrap();
    assert_eq!(open(t.pool.clone()).await, 2);
    let report = db::missed::run_pass(&mut conn, monday).await.unwrap();
    assert_eq!(
        (report.created, report.removed, report.failed.len()),
        (0, 0, 0)
    );
    // Yet the seat cannot delete runs itself.
    denied(&pool, "DELETE FROM job_runs WHERE missed").await;
    assert_eq!(open(t.pool.clone()).await, 2);
}

#[tokio::test]
async fn operators_review_ticket_and_override_but_never_rewrite_delete_or_change_settings() {
    let t = TestDb::new().await;
    let (job, runs) = job_with_runs(&t).await;
    let login = TestLogin::new(&["backupchecks_operator"]).await;
    let pool = t.pool_as(&login.name).await;
    let mut conn = pool.acquire().await.unwrap();

    // Allowed: review, tickets, remarks, overrides (create, edit, deactivate), customers.
    let batch = db::review::review_run(&mut conn, runs[0], "ann", now())
        .await
        .unwrap();
    assert_eq!(batch.run_ids, vec![runs[0]]);
    let ticket = db::tickets::create(
        &mut conn,
        &db::tickets::NewTicket {
            code: db::tickets::Code::Internal,
            description: "disk full".into(),
            autotask_ticket_id: None,
            scopes: vec![db::scopes::Scope::Job { job_id: job }],
        },
        "ann",
        now(),
    )
    .await
    .unwrap();
    db::tickets::resolve(&mut conn, ticket.id, "ann", now())
        .await
        .unwrap();
    allowed(&pool, "INSERT INTO customers (name) VALUES ('Beta Dental')").await;
    allowed(
        &pool,
        "UPDATE customers SET active = false WHERE name = 'Beta Dental'",
    )
    .await;
    allowed(
        &pool,
        "INSERT INTO overrides (level, backup_software, created_by) VALUES ('global', 'Veeam', 'ann')",
    )
    .await;
    allowed(&pool, "UPDATE overrides SET active = false").await;
    allowed(&pool, "INSERT INTO audit_log (action) VALUES ('note')").await;

    // Forbidden: a run's parsed data, deleting anything for good, settings, the audit log.
    denied(&pool, "UPDATE job_runs SET parsed_status = 'Failed'").await;
    denied(&pool, "UPDATE job_runs SET run_at = now()").await;
    denied(&pool, "UPDATE job_runs SET job_id = job_id").await;
    denied(&pool, "DELETE FROM job_runs").await;
    denied(&pool, "DELETE FROM overrides").await;
    denied(&pool, "DELETE FROM tickets").await;
    denied(&pool, "DELETE FROM customers").await;
    denied(&pool, "UPDATE mail_messages SET subject = 'rewritten'").await;
    denied(&pool, "UPDATE mail_messages SET raw_eml = NULL").await;
    denied(&pool, "SELECT action FROM audit_log").await;
    denied(&pool, "UPDATE audit_log SET action = 'x'").await;
    denied(&pool, "DELETE FROM audit_log").await;
    let e = db::settings::change(
        &mut conn,
        "timezone",
        &serde_json::json!("Europe/Amsterdam"),
        "ann",
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string().contains("row-level security") || permission_denied(&e),
        "{e}"
    );
    // A plain UPDATE finds no row it may change.
    let changed = sqlx::query("UPDATE settings SET value = '\"Asia/Tokyo\"'")
        .execute(&pool)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(changed, 0);
    // The picklist refresh stamps are the one kind of setting an operator's seat writes.
    db::autotask::picklists::replace(&mut conn, "Ticket", "queueID", &[], now())
        .await
        .unwrap();
    drop(conn);
    pool.close().await;
}

#[tokio::test]
async fn admins_change_settings_and_read_the_audit_log_which_stays_append_only() {
    let t = TestDb::new().await;
    let (_job, _runs) = job_with_runs(&t).await;
    let login = TestLogin::new(&["backupchecks_admin"]).await;
    let pool = t.pool_as(&login.name).await;
    let mut conn = pool.acquire().await.unwrap();
    db::settings::change(
        &mut conn,
        "timezone",
        &serde_json::json!("Europe/Amsterdam"),
        "root",
    )
    .await
    .unwrap();
    let actors: Vec<String> =
        sqlx::query_scalar("SELECT db_user FROM audit_log WHERE action LIKE 'setting%'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(actors, vec![login.name.clone()]);
    denied(&pool, "UPDATE audit_log SET action = 'x'").await;
    denied(&pool, "DELETE FROM audit_log").await;
    denied(&pool, "TRUNCATE audit_log").await;
    // A mail is removed for good only after it was deleted, even by an admin.
    assert_eq!(
        state(&pool, "DELETE FROM mail_messages").await.as_deref(),
        Some("23514")
    );
    let first: i64 = sqlx::query_scalar("SELECT min(id) FROM mail_messages")
        .fetch_one(&pool)
        .await
        .unwrap();
    allowed(
        &pool,
        &format!("UPDATE mail_messages SET deleted_at = now() WHERE id = {first}"),
    )
    .await;
    let removed = sqlx::query("DELETE FROM mail_messages WHERE id = $1")
        .bind(first)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(removed.rows_affected(), 1);
    drop(conn);
    pool.close().await;
}

#[tokio::test]
async fn the_audit_log_names_the_login_whatever_the_client_claims_and_after_set_role() {
    let t = TestDb::new().await;
    let login = TestLogin::new(&["backupchecks_operator", "backupchecks_viewer"]).await;
    let pool = t.pool_as(&login.name).await;
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("SET ROLE backupchecks_operator")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("INSERT INTO audit_log (db_user, action) VALUES ('someone_else', 'forged')")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let who: String = sqlx::query_scalar("SELECT db_user FROM audit_log WHERE action = 'forged'")
        .fetch_one(&t.pool)
        .await
        .unwrap();
    assert_eq!(who, login.name);
    pool.close().await;
}

#[tokio::test]
async fn a_seat_switches_role_and_the_database_follows() {
    let t = TestDb::new().await;
    let (job, _runs) = job_with_runs(&t).await;
    let login = TestLogin::new(&["backupchecks_operator", "backupchecks_viewer"]).await;
    let mut db = Database::open_url(&Secret::new(t.url_as(&login.name)))
        .await
        .unwrap();
    assert_eq!(db.login().roles(), vec![Role::Viewer, Role::Operator]);
    assert_eq!(db.role(), Role::Operator);
    // Warm the pool so the switch has old connections to retire.
    let _ = db::review::queue(db.pool(), None).await;
    db.act_as(Role::Viewer).unwrap();
    let mut conn = db.pool().acquire().await.unwrap();
    let e = db::review::review_job(&mut conn, job, "ann", now())
        .await
        .unwrap_err();
    assert!(permission_denied(&e), "{e}");
    let acting: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(acting, "backupchecks_viewer");
    drop(conn);
    db.act_as(Role::Operator).unwrap();
    let mut conn = db.pool().acquire().await.unwrap();
    let batch = db::review::review_job(&mut conn, job, "ann", now())
        .await
        .unwrap();
    assert_eq!(batch.run_ids.len(), 2);
    drop(conn);
    // A role the login does not have is refused before anything reaches the database.
    assert!(db.act_as(Role::Admin).is_err());
    db.close().await.unwrap();
}

#[tokio::test]
async fn a_reader_starts_on_a_current_schema_and_an_old_or_newer_schema_is_refused_in_one_sentence()
{
    let t = TestDb::new().await;
    let login = TestLogin::new(&["backupchecks_viewer"]).await;
    let url = Secret::new(t.url_as(&login.name));
    let db = Database::open_url(&url).await.unwrap();
    assert_eq!(db.role(), Role::Viewer);
    db.close().await.unwrap();

    let newest = db::schema::expected_version();
    // Behind: the reader may not upgrade it.
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = $1")
        .bind(newest)
        .execute(&t.pool)
        .await
        .unwrap();
    let e = Database::open_url(&url).await.unwrap_err();
    assert!(matches!(e, DbError::NeedsUpgrade { .. }), "{e}");
    assert!(
        e.to_string()
            .starts_with("the database needs an upgrade by an admin"),
        "{e}"
    );
    // Newer than this program: refused for everyone, the owner included.
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ($1, 'from the future', true, '\\x00', 0)",
    )
    .bind(newest + 100)
    .execute(&t.pool)
    .await
    .unwrap();
    let e = Database::open_url(&Secret::new(t.url())).await.unwrap_err();
    assert!(matches!(e, DbError::SchemaNewer { .. }), "{e}");
    assert_eq!(e.to_string().matches(". ").count(), 0, "one sentence: {e}");
}

#[tokio::test]
async fn two_operators_reviewing_the_same_runs_at_once_review_each_run_once() {
    let t = TestDb::new().await;
    let (job, runs) = job_with_runs(&t).await;
    let ann = TestLogin::new(&["backupchecks_operator"]).await;
    let bob = TestLogin::new(&["backupchecks_operator"]).await;
    let (pa, pb) = (t.pool_as(&ann.name).await, t.pool_as(&bob.name).await);
    let mut ca = pa.acquire().await.unwrap();
    let mut cb = pb.acquire().await.unwrap();
    let (a, b) = tokio::join!(
        db::review::review_job(&mut ca, job, "ann", now()),
        db::review::review_runs(&mut cb, &runs, "bob", now()),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut all: Vec<i64> = a.run_ids.iter().chain(&b.run_ids).copied().collect();
    all.sort_unstable();
    assert_eq!(all, runs, "each run reviewed exactly once: {a:?} {b:?}");
    let audit_rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action LIKE 'review.%'")
            .fetch_one(&t.pool)
            .await
            .unwrap();
    let changes = [&a, &b].iter().filter(|x| !x.run_ids.is_empty()).count() as i64;
    assert_eq!(audit_rows, changes, "one audit row per actual change");
    drop((ca, cb));
    pa.close().await;
    pb.close().await;
}

#[tokio::test]
async fn users_are_logins_in_group_roles_with_a_scram_password_and_every_change_audited() {
    let t = TestDb::new().await;
    let name = format!("bc_test_{}_user_ann", std::process::id());
    let mut conn = t.pool.acquire().await.unwrap();
    db::users::add(
        &mut conn,
        &name,
        Role::Operator,
        Some("s3cret pass"),
        "root",
    )
    .await
    .unwrap();
    db::users::grant(&mut conn, &name, Role::Viewer, "root")
        .await
        .unwrap();
    let listed = db::users::list(&mut *conn).await.unwrap();
    let ann = listed.iter().find(|u| u.name == name).unwrap();
    assert_eq!(
        ann.roles,
        vec!["backupchecks_operator", "backupchecks_viewer"]
    );
    assert!(ann.can_login);
    // PostgreSQL kept the verifier as given: the password itself never reached the server.
    let stored: Option<String> =
        sqlx::query_scalar("SELECT rolpassword FROM pg_authid WHERE rolname = $1")
            .bind(&name)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    let stored = stored.unwrap();
    assert!(stored.starts_with("SCRAM-SHA-256$4096:"), "{stored}");
    db::users::revoke(&mut conn, &name, Role::Viewer, "root")
        .await
        .unwrap();
    db::users::disable(&mut conn, &name, "root").await.unwrap();
    let listed = db::users::list(&mut *conn).await.unwrap();
    let ann = listed.iter().find(|u| u.name == name).unwrap();
    assert_eq!(ann.roles, vec!["backupchecks_operator"]);
    assert!(!ann.can_login);
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'user.%' ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert_eq!(
        actions,
        ["user.add", "user.grant", "user.revoke", "user.disable"]
    );
    // A bad name never reaches the database.
    let e = db::users::add(
        &mut conn,
        "x\"; DROP TABLE jobs; --",
        Role::Viewer,
        None,
        "root",
    )
    .await
    .unwrap_err();
    assert!(matches!(e, DbError::Invalid(_)), "{e}");
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP ROLE \"{name}\"")))
        .execute(&mut *conn)
        .await
        .unwrap();
}

fn cli(t: &TestDb, url: &str, logs: &std::path::Path) -> std::process::Command {
    let _ = t;
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_backupchecks"));
    c.env_remove("BACKUPCHECKS_CONFIG")
        .env("DATABASE_URL", url)
        .env("BACKUPCHECKS_LOG_FILE", logs.join("log"));
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_command_adds_a_login_with_a_piped_password_and_doctor_names_its_roles() {
    let t = TestDb::new().await;
    let logs = tempfile::tempdir().unwrap();
    let name = format!("bc_test_{}_cli_bob", std::process::id());
    let mut child = cli(&t, &t.url(), logs.path())
        .args([
            "users",
            "add",
            &name,
            "--role",
            "operator",
            "--password-prompt",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("created login {name} as operator")),
        "{stdout}"
    );

    let out = cli(&t, &t.url(), logs.path())
        .args(["users", "list"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with(&name) && l.ends_with("operator")),
        "{stdout}"
    );

    let out = cli(&t, &t.url_as(&name), logs.path())
        .arg("doctor")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&name), "{stdout}");
    assert!(
        stdout.contains("acts as") && stdout.contains("operator: review runs"),
        "{stdout}"
    );

    // An unknown role is refused by the argument parser with the list of roles.
    let out = cli(&t, &t.url(), logs.path())
        .args(["users", "grant", &name, "superhero"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("viewer, reporter, operator or admin"));

    let mut conn = t.pool.acquire().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP ROLE \"{name}\"")))
        .execute(&mut *conn)
        .await
        .unwrap();
}

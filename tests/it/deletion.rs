//! Deleting customers, jobs and mail: soft first, then for good by an admin in one ordered
//! transaction that leaves no row pointing at what went; operators may not remove for good.

use crate::support::db::{TestDb, TestLogin};
use crate::support::mail::generic_with_objects;
use backupchecks::db::deletion::{self, Impact, Kind};
use backupchecks::db::{self, DbError, inbox::CustomerChoice};
use backupchecks::ingest::pipeline::{Incoming, ingest_one};
use chrono::{DateTime, TimeZone, Utc};
use sqlx::PgPool;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()
}

async fn ingest(pool: &PgPool, msgid: &str, job: &str, day: u32) -> i64 {
    let date = Utc
        .with_ymd_and_hms(2026, 11, day, 22, 5, 0)
        .unwrap()
        .to_rfc2822();
    let raw = generic_with_objects(
        msgid,
        "backup@acme.example",
        job,
        "Failed",
        &date,
        &[("C:", "Failed", "disk full"), ("D:", "Success", "")],
    );
    let incoming = Incoming {
        source: "folder",
        source_id: None,
        received_at: None,
        raw,
    };
    ingest_one(pool, &incoming, now()).await.unwrap().mail_id()
}

/// A job of customer `customer` with two runs (from two mails with objects), approved by the
/// owner; returns the job id.
async fn job(t: &TestDb, customer: &str, name: &str) -> i64 {
    let first = ingest(&t.pool, &format!("{customer}-{name}-1@x"), name, 18).await;
    let mut tx = t.pool.begin().await.unwrap();
    let approved = db::inbox::approve(
        &mut tx,
        first,
        &CustomerChoice::New(customer.into()),
        "owner",
        now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // The second mail becomes a run on arrival.
    ingest(&t.pool, &format!("{customer}-{name}-2@x"), name, 19).await;
    approved.job_id
}

async fn scalar(pool: &PgPool, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn exec(pool: &PgPool, sql: &str, id: i64) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
}

/// Every kind of link to job `id`: a ticket and a remark on the job, on one of its objects and
/// on its customer, both linked to every run; a job and an object override.
async fn link_everything(pool: &PgPool, id: i64) {
    for sql in [
        "WITH t AS (INSERT INTO tickets (ticket_code, active_from, created_by) \
           VALUES ('T' || $1, '2026-11-18', 'owner') RETURNING id) \
         INSERT INTO ticket_scopes (ticket_id, scope_type, job_id, object_name) \
           SELECT t.id, s.kind, $1, s.object FROM t, \
           (VALUES ('job', NULL), ('object', 'C:')) AS s(kind, object)",
        "INSERT INTO ticket_scopes (ticket_id, scope_type, customer_id) \
           SELECT t.id, 'customer', j.customer_id FROM tickets t, jobs j \
           WHERE t.ticket_code = 'T' || $1 AND j.id = $1",
        "INSERT INTO ticket_job_runs (ticket_id, job_run_id) SELECT t.id, r.id \
           FROM tickets t, job_runs r WHERE t.ticket_code = 'T' || $1 AND r.job_id = $1",
        "WITH m AS (INSERT INTO remarks (body, active_from, created_by) \
           VALUES ('R' || $1, '2026-11-18', 'owner') RETURNING id) \
         INSERT INTO remark_scopes (remark_id, scope_type, job_id, object_name) \
           SELECT m.id, s.kind, $1, s.object FROM m, \
           (VALUES ('job', NULL), ('object', 'C:')) AS s(kind, object)",
        "INSERT INTO remark_job_runs (remark_id, job_run_id) SELECT m.id, r.id \
           FROM remarks m, job_runs r WHERE m.body = 'R' || $1 AND r.job_id = $1",
        "INSERT INTO overrides (level, job_id, created_by) VALUES ('job', $1, 'owner')",
        "INSERT INTO overrides (level, job_id, object_name, created_by) \
           VALUES ('object', $1, 'C:', 'owner')",
    ] {
        exec(pool, sql, id).await;
    }
}

/// Rows anywhere that still point at job `id` or at a mail, run or scope that belonged to it.
async fn leftovers(pool: &PgPool, job: i64, mails: &[i64], runs: &[i64]) -> i64 {
    sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM jobs WHERE id = $1) \
          + (SELECT count(*) FROM job_runs WHERE job_id = $1 OR id = ANY($3)) \
          + (SELECT count(*) FROM run_objects WHERE run_id = ANY($3)) \
          + (SELECT count(*) FROM mail_messages WHERE job_id = $1 OR id = ANY($2)) \
          + (SELECT count(*) FROM mail_objects WHERE mail_id = ANY($2)) \
          + (SELECT count(*) FROM ticket_scopes WHERE job_id = $1) \
          + (SELECT count(*) FROM remark_scopes WHERE job_id = $1) \
          + (SELECT count(*) FROM ticket_job_runs WHERE job_run_id = ANY($3)) \
          + (SELECT count(*) FROM remark_job_runs WHERE job_run_id = ANY($3)) \
          + (SELECT count(*) FROM overrides WHERE job_id = $1)",
    )
    .bind(job)
    .bind(mails)
    .bind(runs)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn ids(pool: &PgPool, sql: &str, id: i64) -> Vec<i64> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(id)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_admin_removes_a_deleted_job_with_every_link_and_nothing_else() {
    let t = TestDb::new().await;
    let gone = job(&t, "Acme", "Nightly").await;
    let kept = job(&t, "Acme", "Weekly").await;
    link_everything(&t.pool, gone).await;
    link_everything(&t.pool, kept).await;
    let mails = ids(
        &t.pool,
        "SELECT id FROM mail_messages WHERE job_id = $1",
        gone,
    )
    .await;
    let runs = ids(&t.pool, "SELECT id FROM job_runs WHERE job_id = $1", gone).await;
    assert_eq!((mails.len(), runs.len()), (2, 2));
    assert!(scalar(&t.pool, "SELECT count(*) FROM run_objects o JOIN job_runs r ON r.id = o.run_id WHERE r.job_id = $1", gone).await > 0);
    let kept_before = leftovers(&t.pool, kept, &[], &[]).await;

    let admin = TestLogin::new(&["backupchecks_admin"]).await;
    let pool = t.pool_as(&admin.name).await;
    let mut conn = pool.acquire().await.unwrap();
    // Not deleted yet: refused, here and by the database itself.
    let e = deletion::purge(&mut conn, Kind::Job, gone, "root", now())
        .await
        .unwrap_err();
    assert!(matches!(e, DbError::Rejected(_)), "{e}");
    assert!(
        deletion::soft_delete(&mut conn, Kind::Job, gone, "root", now())
            .await
            .unwrap()
    );

    let expected = Impact {
        jobs: 1,
        runs: 2,
        mails: 2,
        // Two scopes and two run links; the customer's scope stays with the customer.
        ticket_links: 4,
        remark_links: 4,
        overrides: 2,
    };
    assert_eq!(
        deletion::impact(&mut conn, Kind::Job, gone).await.unwrap(),
        expected
    );
    assert_eq!(
        expected.describe(),
        "1 job, 2 runs, 2 mails, 4 ticket links, 4 remark links, 2 overrides"
    );
    let removed = deletion::purge(&mut conn, Kind::Job, gone, "root", now())
        .await
        .unwrap();
    assert_eq!(removed, expected);

    assert_eq!(leftovers(&t.pool, gone, &mails, &runs).await, 0);
    assert_eq!(leftovers(&t.pool, kept, &[], &[]).await, kept_before);
    // Tickets, remarks and the customer's scope stay; the customer too.
    assert_eq!(
        scalar(
            &t.pool,
            "SELECT count(*) FROM tickets WHERE ticket_code = 'T' || $1",
            gone
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            &t.pool,
            "SELECT count(*) FROM remarks WHERE body = 'R' || $1",
            gone
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            &t.pool,
            "SELECT count(*) FROM ticket_scopes WHERE scope_type = 'customer' AND $1 > 0",
            1
        )
        .await,
        2
    );
    let audited: serde_json::Value = sqlx::query_scalar(
        "SELECT details FROM audit_log WHERE action = 'job.purge' AND entity_id = $1",
    )
    .bind(gone)
    .fetch_one(&t.pool)
    .await
    .unwrap();
    assert_eq!(audited["name"], "Acme › Nightly");
    assert_eq!(audited["removed"]["runs"], 2);
}

#[tokio::test]
async fn an_admin_removes_a_deleted_customer_with_all_its_jobs() {
    let t = TestDb::new().await;
    let a = job(&t, "Acme", "Nightly").await;
    let b = job(&t, "Acme", "Weekly").await;
    let other = job(&t, "Other", "Offsite").await;
    link_everything(&t.pool, a).await;
    link_everything(&t.pool, b).await;
    let customer = scalar(&t.pool, "SELECT customer_id FROM jobs WHERE id = $1", a).await;
    let mails = ids(
        &t.pool,
        "SELECT id FROM mail_messages WHERE job_id IN (SELECT id FROM jobs WHERE customer_id = $1)",
        customer,
    )
    .await;
    let runs = ids(
        &t.pool,
        "SELECT id FROM job_runs WHERE job_id IN (SELECT id FROM jobs WHERE customer_id = $1)",
        customer,
    )
    .await;

    let admin = TestLogin::new(&["backupchecks_admin"]).await;
    let pool = t.pool_as(&admin.name).await;
    let mut conn = pool.acquire().await.unwrap();
    assert!(
        deletion::soft_delete(&mut conn, Kind::Customer, customer, "root", now())
            .await
            .unwrap()
    );
    // A deleted customer hides its jobs; one of them cannot come back on its own.
    assert!(
        db::jobs::overview(&pool)
            .await
            .unwrap()
            .iter()
            .all(|j| j.id == other)
    );
    deletion::soft_delete(&mut conn, Kind::Job, b, "root", now())
        .await
        .unwrap();
    let e = deletion::restore(&mut conn, Kind::Job, b, "root")
        .await
        .unwrap_err();
    assert!(matches!(e, DbError::Rejected(_)), "{e}");

    let removed = deletion::purge(&mut conn, Kind::Customer, customer, "root", now())
        .await
        .unwrap();
    assert_eq!((removed.jobs, removed.runs, removed.mails), (2, 4, 4));
    // Two job scopes, one customer scope and two run links each, the customer's once.
    assert_eq!(removed.ticket_links, 2 * 4 + 2);
    for j in [a, b] {
        assert_eq!(leftovers(&t.pool, j, &mails, &runs).await, 0);
    }
    assert_eq!(
        scalar(
            &t.pool,
            "SELECT count(*) FROM customers WHERE id = $1",
            customer
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            &t.pool,
            "SELECT count(*) FROM ticket_scopes WHERE customer_id = $1",
            customer
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            &t.pool,
            "SELECT count(*) FROM job_runs WHERE job_id = $1",
            other
        )
        .await,
        2
    );
}

#[tokio::test]
async fn an_operator_deletes_and_restores_but_never_removes_for_good() {
    let t = TestDb::new().await;
    let j = job(&t, "Acme", "Nightly").await;
    link_everything(&t.pool, j).await;
    let login = TestLogin::new(&["backupchecks_operator"]).await;
    let pool = t.pool_as(&login.name).await;
    let mut conn = pool.acquire().await.unwrap();

    assert!(
        deletion::soft_delete(&mut conn, Kind::Job, j, "ann", now())
            .await
            .unwrap()
    );
    let e = deletion::purge(&mut conn, Kind::Job, j, "ann", now())
        .await
        .unwrap_err();
    let DbError::Sql(sqlx::Error::Database(d)) = &e else {
        panic!("expected a refusal by the database, got {e}")
    };
    assert_eq!(d.code().as_deref(), Some("42501"));
    // Nothing went: the transaction was rolled back whole.
    assert_eq!(
        scalar(
            &t.pool,
            "SELECT count(*) FROM job_runs WHERE job_id = $1",
            j
        )
        .await,
        2
    );
    assert_eq!(scalar(&t.pool, "SELECT count(*) FROM ticket_job_runs l JOIN job_runs r ON r.id = l.job_run_id WHERE r.job_id = $1", j).await, 2);
    let deleted_mail: Vec<i64> = sqlx::query_scalar("SELECT id FROM mail_messages")
        .fetch_all(&t.pool)
        .await
        .unwrap();
    let e = deletion::purge_mail(&mut conn, &deleted_mail, "ann").await;
    assert_eq!(e.unwrap(), 0, "no mail is deleted (soft), so none goes");

    assert!(
        deletion::restore(&mut conn, Kind::Job, j, "ann")
            .await
            .unwrap()
    );
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity_type = 'job' AND entity_id = $1 ORDER BY id",
    )
    .bind(j)
    .fetch_all(&t.pool)
    .await
    .unwrap();
    assert!(actions.ends_with(&["job.delete".to_string(), "job.restore".to_string()]));
}

#[tokio::test]
async fn mail_of_a_deleted_job_waits_as_job_deleted_and_becomes_no_run() {
    let t = TestDb::new().await;
    let j = job(&t, "Acme", "Nightly").await;
    let mut conn = t.pool.acquire().await.unwrap();
    deletion::soft_delete(&mut conn, Kind::Job, j, "owner", now())
        .await
        .unwrap();
    let m = ingest(&t.pool, "late@x", "Nightly", 20).await;

    assert_eq!(
        scalar(
            &t.pool,
            "SELECT count(*) FROM job_runs WHERE job_id = $1",
            j
        )
        .await,
        2
    );
    let waiting = db::mail::waiting(&t.pool, 50, 0).await.unwrap();
    let row = waiting
        .iter()
        .find(|w| w.id == m)
        .expect("waits in the Inbox");
    assert!(row.job_deleted);
    let e = db::inbox::approve(
        &mut conn,
        m,
        &CustomerChoice::New("Acme".into()),
        "owner",
        now(),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, DbError::Rejected(_)), "{e}");
    // The database refuses a run for a deleted job whoever writes it.
    let refused = sqlx::query(
        "INSERT INTO job_runs (job_id, run_at, parsed_status, effective_status) \
         VALUES ($1, now(), 'Success', 'Success')",
    )
    .bind(j)
    .execute(&t.pool)
    .await
    .unwrap_err();
    assert!(refused.to_string().contains("deleted"), "{refused}");
    // Also within a batch whose other rows are for a live job, and when a mail is linked.
    let live = job(&t, "Other", "Weekly").await;
    let live_runs = "SELECT count(*) FROM job_runs WHERE job_id = $1";
    let before = scalar(&t.pool, live_runs, live).await;
    let refused = sqlx::query(
        "INSERT INTO job_runs (job_id, run_at, parsed_status, effective_status) \
         SELECT id, now(), 'Success', 'Success' FROM unnest(ARRAY[$2, $1, $2]) AS u(id)",
    )
    .bind(j)
    .bind(live)
    .execute(&t.pool)
    .await
    .unwrap_err();
    assert!(
        refused.to_string().contains(&format!("job {j} is deleted")),
        "{refused}"
    );
    let linked = sqlx::query("UPDATE mail_messages SET job_id = $1 WHERE id = $2")
        .bind(j)
        .bind(m)
        .execute(&t.pool)
        .await
        .unwrap_err();
    assert!(linked.to_string().contains("deleted"), "{linked}");
    assert_eq!(
        scalar(&t.pool, live_runs, live).await,
        before,
        "the refused batch left nothing behind"
    );

    deletion::restore(&mut conn, Kind::Job, j, "owner")
        .await
        .unwrap();
    let row = db::mail::get(&t.pool, m).await.unwrap().unwrap();
    assert!(!row.job_deleted);
}

#[tokio::test]
async fn an_admin_removes_deleted_mail_for_good_and_only_deleted_mail() {
    let t = TestDb::new().await;
    let a = ingest(&t.pool, "a@x", "Nightly", 18).await;
    let b = ingest(&t.pool, "b@x", "Nightly", 19).await;
    db::mail::soft_delete(&t.pool, &[a], now()).await.unwrap();
    let admin = TestLogin::new(&["backupchecks_admin"]).await;
    let pool = t.pool_as(&admin.name).await;
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(
        deletion::purge_mail(&mut conn, &[a, b], "root")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        scalar(
            &t.pool,
            "SELECT count(*) FROM mail_messages WHERE id = $1",
            a
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            &t.pool,
            "SELECT count(*) FROM mail_objects WHERE mail_id = $1",
            a
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            &t.pool,
            "SELECT count(*) FROM mail_messages WHERE id = $1",
            b
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            &t.pool,
            "SELECT count(*) FROM audit_log WHERE action = 'mail.purge' AND $1 > 0",
            1
        )
        .await,
        1
    );
}

//! Upkeep of the runs table: vacuum thresholds for autovacuum, and the vacuum the missed-run
//! pass runs itself once many runs changed, so the week's history stays an index-only scan.

use crate::review;
use crate::support::db::{TestDb, TestLogin};
use backupchecks::db::upkeep;
use backupchecks::services::missed_runs;
use chrono::{TimeDelta, Utc};
use std::time::{Duration, Instant};

async fn a_job(t: &TestDb) -> i64 {
    let c = review::customer(&t.pool, "Acme").await;
    review::job(&t.pool, c, "Daily VMs", Utc::now()).await
}

/// `n` runs of `job`, one a minute back from now, reviewed or not.
async fn insert_runs(t: &TestDb, job: i64, n: i32) {
    sqlx::query(
        "INSERT INTO job_runs (job_id, run_at, parsed_status, effective_status, source_type) \
         SELECT $1, now() - g * interval '1 minute', 'Success', 'Success', 'demo' \
         FROM generate_series(1, $2) g",
    )
    .bind(job)
    .bind(n)
    .execute(&t.pool)
    .await
    .unwrap();
}

/// Heap fetches of the week's history query, its plan forced onto the covering index as it is
/// on a table of real size.
async fn history_heap_fetches(t: &TestDb) -> i64 {
    let mut tx = t.pool.begin().await.unwrap();
    for off in ["enable_seqscan", "enable_bitmapscan", "enable_sort"] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("SET LOCAL {off} = off")))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    let plan: serde_json::Value = sqlx::query_scalar(
        "EXPLAIN (ANALYZE, FORMAT JSON) SELECT job_id, run_at, effective_status FROM job_runs \
         WHERE run_at >= now() - interval '7 days' AND run_at < now() ORDER BY run_at, id",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    let scan = &plan[0]["Plan"];
    assert_eq!(scan["Node Type"], "Index Only Scan", "{plan}");
    assert_eq!(scan["Index Name"], "job_runs_history_order_idx", "{plan}");
    scan["Heap Fetches"].as_i64().unwrap()
}

/// Asks until the server's statistics (flushed within about a second) make a vacuum due.
async fn vacuum_when_due(t: &TestDb, due_after: i64) {
    let start = Instant::now();
    while !upkeep::vacuum_runs_if_due(&t.pool, due_after)
        .await
        .unwrap()
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no vacuum became due"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_runs_table_asks_autovacuum_to_come_after_a_few_thousand_changes() {
    let t = TestDb::new().await;
    let options: Vec<String> = sqlx::query_scalar(
        "SELECT unnest(reloptions) FROM pg_class WHERE oid = 'job_runs'::regclass",
    )
    .fetch_all(&t.pool)
    .await
    .unwrap();
    // The pass's own vacuum comes when autovacuum would.
    let due = upkeep::DUE_AFTER;
    for want in [
        format!("autovacuum_vacuum_threshold={due}"),
        "autovacuum_vacuum_scale_factor=0".into(),
        format!("autovacuum_vacuum_insert_threshold={due}"),
        "autovacuum_vacuum_insert_scale_factor=0".into(),
        "vacuum_index_cleanup=on".into(),
    ] {
        assert!(options.contains(&want), "{want} in {options:?}");
    }
}

#[tokio::test]
async fn a_vacuum_comes_only_when_due_and_makes_reviewed_runs_index_only_again() {
    let t = TestDb::new().await;
    let job = a_job(&t).await;
    insert_runs(&t, job, 50).await;
    assert!(
        !upkeep::vacuum_runs_if_due(&t.pool, 1_000).await.unwrap(),
        "50 new runs make no vacuum due"
    );
    vacuum_when_due(&t, 50).await;
    assert_eq!(history_heap_fetches(&t).await, 0);
    // The operator reviews them: every run is a new row version until the next vacuum.
    sqlx::query("UPDATE job_runs SET reviewed_at = now()")
        .execute(&t.pool)
        .await
        .unwrap();
    assert!(
        history_heap_fetches(&t).await >= 50,
        "reviewed runs are read from the table before a vacuum"
    );
    vacuum_when_due(&t, 50).await;
    assert_eq!(history_heap_fetches(&t).await, 0);
}

#[tokio::test]
async fn the_missed_run_pass_vacuums_the_runs_table_once_enough_runs_changed() {
    let t = TestDb::new().await;
    let job = a_job(&t).await;
    let last_vacuum = || async {
        sqlx::query_scalar::<_, Option<chrono::DateTime<Utc>>>(
            "SELECT last_vacuum FROM pg_stat_user_tables WHERE relid = 'job_runs'::regclass",
        )
        .fetch_one(&t.pool)
        .await
        .unwrap()
    };
    insert_runs(&t, job, 100).await;
    let now = Utc::now() + TimeDelta::minutes(1);
    missed_runs::pass_once(&t.pool, now).await.unwrap().unwrap();
    assert_eq!(last_vacuum().await, None, "100 changed runs are not enough");
    insert_runs(&t, job, upkeep::DUE_AFTER as i32).await;
    let start = Instant::now();
    while last_vacuum().await.is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the pass never vacuumed"
        );
        missed_runs::pass_once(&t.pool, now).await.unwrap().unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_login_that_may_not_vacuum_the_runs_table_does_not_try() {
    let t = TestDb::new().await;
    let job = a_job(&t).await;
    insert_runs(&t, job, 50).await;
    let operator = TestLogin::new(&["backupchecks_operator"]).await;
    let pool = t.pool_as(&operator.name).await;
    // Once the server's statistics show the new runs, a vacuum is due for the owner only.
    let start = Instant::now();
    loop {
        let inserted: i64 = sqlx::query_scalar(
            "SELECT n_ins_since_vacuum FROM pg_stat_user_tables \
             WHERE relid = 'job_runs'::regclass",
        )
        .fetch_one(&t.pool)
        .await
        .unwrap();
        if inserted >= 50 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no statistics");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!upkeep::vacuum_runs_if_due(&pool, 10).await.unwrap());
    pool.close().await;
    assert!(upkeep::vacuum_runs_if_due(&t.pool, 10).await.unwrap());
}

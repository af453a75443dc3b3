//! Import over TCP with and without TLS, side by side, on a PostgreSQL server (the way seats
//! share one): `cargo bench --bench import_tls [-- N]`. The server comes from `BENCH_TLS_URL`,
//! else `DATABASE_URL`, else `postgres://postgres@127.0.0.1:5432/postgres`; it needs `ssl = on`
//! and the right to create databases (it uses `<database>_bench_tls`, recreated each run). For
//! each transport it approves 200 jobs, then times N mails of those known jobs straight into runs
//! — the path with the most round trips per mail, so the one a slow round trip hurts most.

#[path = "support/mod.rs"]
mod support;

use backupchecks::config::{DatabaseConfig, Secret};
use backupchecks::db::Database;
use backupchecks::db::inbox::CustomerChoice;
use backupchecks::ingest::folder::FolderSource;
use backupchecks::services::importer;
use std::time::Instant;

const JOBS: usize = 200;

fn with_sslmode(url: &str, mode: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}sslmode={mode}")
}

async fn import(db: &Database, from: usize, n: usize) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    support::write_mails(dir.path(), "tls-bench", from, n, JOBS)?;
    let (_stop_tx, stop) = tokio::sync::watch::channel(false);
    let mut source = FolderSource::new(dir.path());
    let start = Instant::now();
    let s = importer::run_cycle(
        db.pool(),
        &mut source,
        &chrono::Utc::now,
        &mut |_, _| {},
        &stop,
    )
    .await?;
    anyhow::ensure!(s.failed == 0, "import failed: {s}");
    Ok(start.elapsed().as_secs_f64())
}

/// Known-job import rate (mails/s) over one transport.
async fn rate(url: &str, n: usize) -> anyhow::Result<f64> {
    let cfg = DatabaseConfig {
        url: Some(Secret::new(url)),
        ..Default::default()
    };
    let db = Database::open_recreated(&cfg, "_bench_tls").await?;
    import(&db, 0, JOBS).await?;
    loop {
        let waiting = backupchecks::db::mail::waiting(db.pool(), 1, 0).await?;
        let Some(m) = waiting.first() else { break };
        let mut tx = db.pool().begin().await?;
        backupchecks::db::inbox::approve(
            &mut tx,
            m.id,
            &CustomerChoice::New(format!("Customer {}", m.from_address)),
            "bench",
            chrono::Utc::now(),
        )
        .await?;
        tx.commit().await?;
    }
    let secs = import(&db, JOBS, n).await?;
    db.close().await?;
    Ok(n as f64 / secs)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(2_000);
    let url = std::env::var("BENCH_TLS_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let plain = rate(&with_sslmode(&url, "disable"), n).await?;
    let tls = rate(&with_sslmode(&url, "require"), n).await?;
    println!("known jobs over TCP without TLS: {plain:.0} mails/s");
    println!("known jobs over TCP with TLS:    {tls:.0} mails/s");
    println!("TLS / plain: {:.2} (target at least 0.80)", tls / plain);
    Ok(())
}

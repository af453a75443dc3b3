//! Import throughput: generates N report mails in a folder and imports them in one cycle into
//! PostgreSQL (a fresh `<database>_bench` beside DATABASE_URL, else a throwaway embedded
//! cluster). Run with `cargo bench --bench import` (N = 10000) or
//! `cargo bench --bench import -- 2000`.

// A benchmark aborts on a setup error; a panic with its message is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/mod.rs"]
mod support;

use backupchecks::ingest::folder::FolderSource;
use backupchecks::services::importer;
use std::time::Instant;

/// Jobs the generated mail belongs to.
const JOBS: usize = 200;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir()?;
    support::write_mails(dir.path(), "bench", 0, n, JOBS)?;
    let work = tempfile::Builder::new().prefix("bc-bench-").tempdir()?;
    let db = support::fresh_database(work.path()).await?;
    let (_stop_tx, stop) = tokio::sync::watch::channel(false);
    let mut source = FolderSource::new(dir.path());
    let start = Instant::now();
    let summary = importer::run_cycle(
        db.pool(),
        &mut source,
        &chrono::Utc::now,
        &mut |_, _| {},
        &stop,
    )
    .await?;
    let secs = start.elapsed().as_secs_f64();
    println!("{summary}");
    println!(
        "new jobs: {n} mails in {secs:.2} s = {:.0} mails/s into the Inbox (store + parse + move, batches of {})",
        n as f64 / secs,
        importer::BATCH
    );

    // Approve every job (one customer each); all waiting mail becomes runs.
    let start = Instant::now();
    let mut approved = 0;
    loop {
        let waiting = backupchecks::db::mail::waiting(db.pool(), 1, 0).await?;
        let Some(m) = waiting.first() else { break };
        let mut tx = db.pool().begin().await?;
        let a = backupchecks::db::inbox::approve(
            &mut tx,
            m.id,
            &backupchecks::db::inbox::CustomerChoice::New(format!("Customer {}", m.from_address)),
            "bench",
            chrono::Utc::now(),
        )
        .await?;
        tx.commit().await?;
        approved += a.runs_created;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "approval: {approved} waiting mails became runs in {secs:.2} s = {:.0} runs/s",
        approved as f64 / secs
    );

    // Known jobs: new mail becomes runs at once (overrides, propagation, missed-slot clean-up).
    support::write_mails(dir.path(), "bench", n, n, JOBS)?;
    let start = Instant::now();
    let summary = importer::run_cycle(
        db.pool(),
        &mut source,
        &chrono::Utc::now,
        &mut |_, _| {},
        &stop,
    )
    .await?;
    let secs = start.elapsed().as_secs_f64();
    println!("{summary}");
    println!(
        "known jobs: {n} mails in {secs:.2} s = {:.0} mails/s straight into runs",
        n as f64 / secs
    );
    db.close().await?;
    Ok(())
}

//! Import throughput: generates N report mails in a folder and imports them in one cycle into
//! PostgreSQL (the server in DATABASE_URL, else a throwaway embedded cluster). Run with
//! `cargo bench --bench import` (N = 10000) or `cargo bench --bench import -- 2000`.

// A benchmark aborts on a setup error; a panic with its message is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use backupchecks::db::Database;
use backupchecks::db::embedded::{EmbeddedCluster, Tuning};
use backupchecks::ingest::folder::FolderSource;
use backupchecks::services::importer;
use std::os::unix::fs::PermissionsExt;
use std::time::Instant;

fn write_mails(dir: &std::path::Path, from: usize, n: usize) -> anyhow::Result<()> {
    for i in from..from + n {
        std::fs::write(dir.join(format!("{i:06}.eml")), mail(i))?;
    }
    Ok(())
}

fn mail(i: usize) -> String {
    let job = format!("job {}", i % 200);
    format!(
        "From: Backup Script <cron{}@host.example>\r\nTo: backups@msp.example\r\n\
         Subject: [backupchecks] {job}\r\nDate: Thu, 19 Nov 2026 22:05:00 +0000\r\n\
         Message-ID: <bench-{i}@host.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Software: ScriptBackup\nType: Archive\nJob: {job}\nStatus: Success\n\
         Object: /srv | ok | \nObject: /etc | ok | \nObject: /var/lib/app | warning | slow disk\n",
        i % 50
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir()?;
    write_mails(dir.path(), 0, n)?;
    let work = tempfile::Builder::new().prefix("bc-bench-").tempdir()?;
    std::fs::set_permissions(work.path(), std::fs::Permissions::from_mode(0o755))?;
    let db = match std::env::var("DATABASE_URL") {
        Ok(url) => Database::open_url(&backupchecks::config::Secret::new(url)).await?,
        Err(_) => {
            let cluster = EmbeddedCluster::new(&work.path().join("c"), Tuning::default())?;
            Database::open_embedded(cluster, "bench").await?
        }
    };
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
    write_mails(dir.path(), n, n)?;
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

//! Import throughput: generates N report mails in a folder and imports them in one cycle into
//! PostgreSQL (the server in DATABASE_URL, else a throwaway embedded cluster). Run with
//! `cargo bench --bench import` (N = 10000) or `cargo bench --bench import -- 2000`.

use backupchecks::db::Database;
use backupchecks::db::embedded::{EmbeddedCluster, Tuning};
use backupchecks::ingest::folder::FolderSource;
use backupchecks::services::importer;
use std::os::unix::fs::PermissionsExt;
use std::time::Instant;

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
    for i in 0..n {
        std::fs::write(dir.path().join(format!("{i:06}.eml")), mail(i))?;
    }
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
        "import: {n} mails in {secs:.2} s = {:.0} mails/s (store + parse + move, batches of {})",
        n as f64 / secs,
        importer::BATCH
    );
    db.close().await?;
    Ok(())
}

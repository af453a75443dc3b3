//! What the benchmarks share: a fresh database to measure in, and generated report mails.

// Each benchmark is its own crate and uses part of this module.
#![allow(dead_code)]

use backupchecks::config::{DatabaseConfig, Secret};
use backupchecks::db::Database;
use backupchecks::db::embedded::{EmbeddedCluster, Tuning};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

pub mod delivered;

/// A fresh database: `<database>_bench` beside the one in `DATABASE_URL` (recreated, so a run
/// never measures mail a former run stored, and never writes into real data), else a throwaway
/// embedded cluster under `work`.
pub async fn fresh_database(work: &Path) -> anyhow::Result<Database> {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        let cfg = DatabaseConfig {
            url: Some(Secret::new(url)),
            ..Default::default()
        };
        return Ok(Database::open_recreated(&cfg, "_bench").await?);
    }
    // The embedded cluster's user must be able to enter the directory (root runs it as postgres).
    std::fs::set_permissions(work, std::fs::Permissions::from_mode(0o755))?;
    let cluster = EmbeddedCluster::new(&work.join("c"), Tuning::default())?;
    Ok(Database::open_embedded(cluster, "bench").await?)
}

/// Report mail number `i` of a generic script job, one of `jobs` jobs, as a mailbox holds it
/// ([`delivered::report`]); `tag` keeps the Message-IDs of different benchmarks apart.
fn report_mail(tag: &str, i: usize, jobs: usize) -> String {
    let job = format!("job {}", i % jobs);
    delivered::report(
        i,
        &format!("Backup Script <cron{}@host.example>", i % 50),
        &format!("[backupchecks] {job}"),
        "Thu, 19 Nov 2026 22:05:00 +0000",
        &format!("{tag}-{i}@host.example"),
        &format!(
            "Software: ScriptBackup\nType: Archive\nJob: {job}\nStatus: Success\n\
             Object: /srv | ok | \nObject: /etc | ok | \nObject: /var/lib/app | warning | slow disk\n"
        ),
    )
}

/// Writes mails `from..from + n` as `.eml` files into `dir`.
pub fn write_mails(
    dir: &Path,
    tag: &str,
    from: usize,
    n: usize,
    jobs: usize,
) -> anyhow::Result<()> {
    for i in from..from + n {
        std::fs::write(dir.join(format!("{i:06}.eml")), report_mail(tag, i, jobs))?;
    }
    Ok(())
}

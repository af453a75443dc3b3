//! Demo start-up time: recreating the demo database and seeding it with the demo's 35 days of
//! report mails through the real pipeline (on the server in DATABASE_URL, else on a throwaway
//! embedded cluster). Run with `cargo bench --bench demo_seed`; rounds with `-- N` (default 3).

// A benchmark aborts on a setup error; a panic with its message is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use backupchecks::config::{DatabaseConfig, Secret};
use backupchecks::demo;
use std::os::unix::fs::PermissionsExt;
use std::time::Instant;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(3);
    let work = tempfile::Builder::new().prefix("bc-bench-").tempdir()?;
    std::fs::set_permissions(work.path(), std::fs::Permissions::from_mode(0o755))?;
    let cfg = DatabaseConfig {
        url: std::env::var("DATABASE_URL").ok().map(Secret::new),
        data_dir: Some(work.path().join("c")),
        ..Default::default()
    };
    let tz = chrono_tz::Europe::Amsterdam;
    let now = chrono::Utc::now();
    let start = Instant::now();
    let mails = demo::history(&demo::Catalogue::standard(), now, tz);
    println!(
        "history: {} mails generated and rendered in {:.0} ms",
        mails.len(),
        start.elapsed().as_secs_f64() * 1000.0
    );
    let start = Instant::now();
    for m in &mails {
        std::hint::black_box(backupchecks::ingest::pipeline::prepare(
            &backupchecks::ingest::pipeline::Incoming {
                source: "demo",
                source_id: None,
                received_at: Some(m.at),
                raw: m.raw.clone(),
            },
            now,
        ));
    }
    println!(
        "decode + parse of every mail: {:.0} ms",
        start.elapsed().as_secs_f64() * 1000.0
    );
    // The first round also starts the cluster (initdb on first use); later rounds show a warm start.
    for round in 1..=rounds {
        let start = Instant::now();
        let database = demo::open_demo_database(&cfg).await?;
        let opened = start.elapsed().as_secs_f64();
        let summary = demo::seed(database.pool(), now, tz, |_, _| {}).await?;
        let seeded = start.elapsed().as_secs_f64() - opened;
        println!(
            "round {round}: database recreated in {opened:.2} s, seeded {} mails in {seeded:.2} s \
             ({:.0} mails/s)",
            summary.mails,
            summary.mails as f64 / seeded
        );
        if round == rounds {
            println!("{:?}", summary.counts);
        }
        database.close().await?;
    }
    Ok(())
}

//! Schedule and Missed-run accuracy on the generated onboarding corpus (the same one the
//! `accuracy` integration test scores): 60 days of history for 42 jobs imported through the folder
//! importer before approval, every job approved, then the missed-run pass. Prints a line per job
//! and the totals: schedules right, slot time error, Missed-run precision and recall, and how long
//! each step took. Runs in a fresh `<database>_bench` beside DATABASE_URL when set, else in a throwaway
//! embedded cluster:
//! `cargo bench --bench accuracy` (approving job by job, as from the Inbox) or
//! `cargo bench --bench accuracy -- job-list` (approving every job at once, as `jobs import`).

// A benchmark aborts on a setup error; a panic with its message is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/it/accuracy/corpus.rs"]
mod corpus;
#[path = "../tests/it/accuracy/evaluate.rs"]
mod evaluate;

#[path = "support/mod.rs"]
mod support;

use std::time::Instant;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let work = tempfile::Builder::new().prefix("bc-bench-").tempdir()?;
    let db = support::fresh_database(work.path()).await?;
    let mails = tempfile::tempdir()?;
    let start = Instant::now();
    let corpus = corpus::onboarding();
    let generated = start.elapsed();
    let start = Instant::now();
    evaluate::import_history(db.pool(), &corpus, mails.path()).await?;
    let imported = start.elapsed();
    let start = Instant::now();
    if std::env::args().any(|a| a == "job-list") {
        evaluate::approve_by_job_list(db.pool(), &corpus).await?;
    } else {
        evaluate::approve_all(db.pool(), &corpus).await?;
    }
    let approved = start.elapsed();
    let start = Instant::now();
    let figures = evaluate::pass_and_score(db.pool(), &corpus).await?;
    let passed = start.elapsed();
    print!("{}", figures.report());
    println!(
        "generate {:.2} s, import {:.2} s, approve {:.2} s, missed-run pass and scoring {:.2} s",
        generated.as_secs_f64(),
        imported.as_secs_f64(),
        approved.as_secs_f64(),
        passed.as_secs_f64()
    );
    db.close().await?;
    Ok(())
}

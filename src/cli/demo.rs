//! `backupchecks demo`: the interface on a fresh demo database (the real data is never touched)
//! with 35 days of history, a simulated mailbox that keeps delivering reports, and a local
//! stand-in Autotask on loopback.

use crate::config;
use crate::db;
use crate::demo::{self, Catalogue, DemoMailbox};
use crate::ingest::{MailSource, SourceError, SourceMessage};
use crate::psa::autotask::fake;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use tokio::sync::Mutex;

/// Open the interface on a demo database with realistic history.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// One simulated mailbox for the whole session (the importer asks for a source each cycle).
#[derive(Clone)]
struct SharedMailbox(Arc<Mutex<DemoMailbox>>);

impl MailSource for SharedMailbox {
    fn kind(&self) -> &'static str {
        "demo"
    }
    fn describe(&self) -> String {
        "the demo mailbox".into()
    }
    async fn list(&mut self) -> Result<Vec<SourceMessage>, SourceError> {
        self.0.lock().await.list().await
    }
    async fn fetch(&mut self, msg: &SourceMessage) -> Result<Vec<u8>, SourceError> {
        self.0.lock().await.fetch(msg).await
    }
    async fn mark_processed(&mut self, msg: &SourceMessage) -> Result<(), SourceError> {
        self.0.lock().await.mark_processed(msg).await
    }
}

fn progress_bar(label: &'static str) -> impl FnMut(usize, usize) {
    let tty = std::io::stderr().is_terminal();
    move |done, total| {
        if !tty || total == 0 {
            return;
        }
        let width = 30;
        let filled = (done * width / total).min(width);
        eprint!(
            "\r{label} [{}{}] {done}/{total}",
            "#".repeat(filled),
            ".".repeat(width - filled)
        );
        if done >= total {
            eprintln!();
        }
        let _ = std::io::stderr().flush();
    }
}

pub async fn run(cli: &super::Cli) -> anyhow::Result<ExitCode> {
    let mut loaded = config::load(cli.config.as_deref(), &|k| std::env::var(k).ok())?;
    let _log = crate::logging::init(&loaded.config.log);
    eprintln!("preparing a fresh demo database (your own data is not touched)…");
    let database = demo::open_demo_database(&loaded.config.database).await?;
    let tz = chrono_tz::Europe::Amsterdam;
    let now = chrono::Utc::now();
    let summary = demo::seed(
        database.pool(),
        now,
        tz,
        progress_bar("seeding 35 days of reports"),
    )
    .await?;
    tracing::info!("demo seeded: {} mails", summary.mails);
    // The simulated mailbox delivers every 20 s; import every minute.
    db::settings::set(
        database.pool(),
        db::settings::keys::IMPORT_INTERVAL_MINUTES,
        &1,
        "demo",
    )
    .await?;

    // A stand-in Autotask with a company for every demo customer, so mapping and tickets work.
    let autotask = fake::http::start().await?;
    {
        let mut state = autotask.fake.state();
        for (i, c) in Catalogue::standard().customers.iter().enumerate() {
            state.add_company(30_001 + i as i64, c.name);
        }
    }
    loaded.config.autotask = autotask.fake.config();

    let mailbox = SharedMailbox(Arc::new(Mutex::new(DemoMailbox::new(
        tz,
        now,
        chrono::Utc::now,
    ))));
    let make_source = move || Ok::<_, SourceError>(mailbox.clone());
    let opts = super::interface::Options {
        ascii: cli.ascii,
        mouse: cli.mouse,
        clock: Arc::new(chrono::Utc::now),
    };
    super::interface::run(database, &loaded, opts, Some(make_source)).await?;
    drop(autotask);
    Ok(ExitCode::SUCCESS)
}

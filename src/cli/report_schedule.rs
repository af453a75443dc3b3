//! `backupchecks report schedule list|add|remove|run-now|resend|mark-sent`: scheduled reports,
//! made and mailed by the report scheduler of `daemon` and of the interface.

use crate::config;
use crate::db::DbError;
use crate::db::report_schedules::{self as db, Delivery, NewSchedule, Schedule, Settle};
use crate::domain::report_schedule::{self, Cadence};
use crate::reports::Format;
use crate::services::{report_scheduler, running};
use std::path::Path;
use std::process::ExitCode;

/// Scheduled reports: what is made when, and to whom it is mailed.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: ScheduleCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ScheduleCommand {
    /// Every schedule with its latest deliveries, and the deliveries an operator has to settle
    /// (outcome unknown, or failed for good).
    List,
    /// Add a schedule (an admin). Its report of the latest due period is made at the next pass.
    /// The interface adds one with the same fields and rules: `a` in the Reports pane's schedules.
    Add {
        /// A name for the schedule, e.g. "Monthly to the team".
        name: String,
        /// monthly:DAY (1–31, the last day in shorter months; covers the previous month) or
        /// weekly:WEEKDAY (mon … sun; covers the previous week, Monday to Sunday).
        #[arg(long, value_name = "CADENCE", value_parser = parse_cadence)]
        every: Cadence,
        /// Local hour (configured time zone) from which the report is due on its day.
        #[arg(long, default_value_t = 6, value_parser = parse_hour)]
        hour: u8,
        /// A customer in scope (name, any case); repeat for several. Default: every active
        /// customer.
        #[arg(long = "customer", value_name = "NAME")]
        customers: Vec<String>,
        /// pdf, html, csv, md or json; repeat for several (default: pdf).
        #[arg(long = "format", value_name = "FORMAT", value_parser = parse_format)]
        formats: Vec<Format>,
        /// An internal address that receives the report of the whole scope; repeat for several.
        #[arg(long = "to", value_name = "ADDRESS")]
        recipients: Vec<String>,
        /// Also mail each customer in scope its own report, to its contact address
        /// (`backupchecks customers contact`).
        #[arg(long)]
        to_customers: bool,
    },
    /// Remove a schedule (by name or id) and its delivery records (an admin).
    Remove {
        /// Name or id.
        schedule: String,
    },
    /// Run the scheduler once now in this process: make what is due, mail what waits.
    RunNow,
    /// Send a delivery whose outcome is unknown, or that failed for good, again at the next
    /// pass (an admin). If the first mail did arrive, the recipients get a second copy.
    Resend {
        /// The delivery id (see `list`).
        delivery: i64,
    },
    /// Record a delivery whose outcome is unknown as sent (it did arrive); an admin.
    MarkSent {
        /// The delivery id (see `list`).
        delivery: i64,
    },
}

// The rules live in `domain::report_schedule`, shared with the Reports pane's form.
fn parse_cadence(text: &str) -> Result<Cadence, String> {
    Cadence::parse(text).map_err(|e| e.to_string())
}

fn parse_format(text: &str) -> Result<Format, String> {
    report_schedule::parse_format(text).map_err(|e| e.to_string())
}

fn parse_hour(text: &str) -> Result<u8, String> {
    report_schedule::parse_hour(text).map_err(|e| e.to_string())
}

pub async fn run(args: Args, explicit: Option<&Path>) -> anyhow::Result<ExitCode> {
    let loaded = config::load(explicit, &|k| std::env::var(k).ok())?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    let _log = crate::logging::init(&loaded.config.log);
    let db = super::open_database(&loaded.config.database).await?;
    let by = super::interface::operator(&loaded);
    let pool = db.pool().clone();
    let now = chrono::Utc::now();
    let result = match args.command {
        ScheduleCommand::List => list(&pool).await,
        ScheduleCommand::Add {
            name,
            every,
            hour,
            customers,
            formats,
            recipients,
            to_customers,
        } => {
            let new = NewSchedule {
                name,
                cadence: every,
                hour,
                customers,
                formats: report_schedule::formats_or_default(&formats),
                recipients,
                to_customers,
            };
            let mut conn = pool.acquire().await?;
            db::add(&mut conn, &new, &by).await.map(|s| {
                println!("added {}", describe(&s));
                ExitCode::SUCCESS
            })
        }
        ScheduleCommand::Remove { schedule } => {
            let mut conn = pool.acquire().await?;
            db::remove(&mut conn, &schedule, &by).await.map(|s| {
                println!("removed schedule {} “{}”", s.id, s.name);
                ExitCode::SUCCESS
            })
        }
        ScheduleCommand::RunNow => {
            let (mut setup, warning) = running::report_setup(&loaded.config);
            if let Some(w) = warning {
                eprintln!("warning: {w}");
            }
            match report_scheduler::pass_once(&pool, now, &mut setup).await {
                Ok(None) => {
                    eprintln!("another process is running the report scheduler right now");
                    Ok(ExitCode::from(3))
                }
                Ok(Some(r)) => {
                    for n in &r.notes {
                        println!("note: {n}");
                    }
                    for f in &r.failed {
                        println!("not sent: {f}");
                    }
                    for u in &r.unknown {
                        println!("maybe sent: {u}");
                    }
                    println!(
                        "{} generated into {}, {} mailed",
                        r.generated,
                        setup.folder.display(),
                        r.sent
                    );
                    Ok(if r.failed.is_empty() && r.unknown.is_empty() {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::FAILURE
                    })
                }
                Err(e) => Err(e),
            }
        }
        ScheduleCommand::Resend { delivery } => settle(&pool, delivery, Settle::Resend, &by).await,
        ScheduleCommand::MarkSent { delivery } => {
            settle(&pool, delivery, Settle::MarkSent, &by).await
        }
    };
    let code = match result {
        Ok(code) => code,
        Err(e @ (DbError::Invalid(_) | DbError::NotFound(_) | DbError::Rejected(_))) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(e) if e.is_duplicate() => {
            eprintln!("error: a schedule with that name exists already");
            ExitCode::from(2)
        }
        Err(e) => return Err(e.into()),
    };
    db.close().await?;
    Ok(code)
}

async fn settle(pool: &sqlx::PgPool, id: i64, how: Settle, by: &str) -> Result<ExitCode, DbError> {
    let mut conn = pool.acquire().await?;
    let d = db::settle(&mut conn, id, how, by, chrono::Utc::now()).await?;
    println!(
        "{}",
        match how {
            Settle::Resend => format!("delivery {} is sent again at the next pass", d.id),
            Settle::MarkSent => format!("delivery {} recorded as sent", d.id),
        }
    );
    Ok(ExitCode::SUCCESS)
}

async fn list(pool: &sqlx::PgPool) -> Result<ExitCode, DbError> {
    let schedules = db::list(pool).await?;
    if schedules.is_empty() {
        println!(
            "no report schedules (add one with `backupchecks report schedule add`, or `a` in the \
             Reports pane's schedules)"
        );
    }
    for s in &schedules {
        println!("{}", describe(s));
        for d in db::deliveries(pool, Some(s.id), 5).await? {
            println!("    {}", delivery_line(&d));
        }
    }
    let attention = db::needing_attention(pool).await?;
    if !attention.is_empty() {
        println!("to settle (resend or mark-sent):");
        for d in &attention {
            println!("    {}", delivery_line(d));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `3 “Monthly” monthly:1 at 06:00, all customers, pdf+csv → ops@x, customers`.
pub fn describe(s: &Schedule) -> String {
    let scope = match &s.customer_ids {
        None => "all customers".to_string(),
        Some(ids) => format!("{} customer(s)", ids.len()),
    };
    let formats: Vec<&str> = s.formats.iter().map(|f| f.extension()).collect();
    let mut to: Vec<String> = s.recipients.clone();
    if s.to_customers {
        to.push("each customer's contact".into());
    }
    format!(
        "{} “{}” {} at {:02}:00, {scope}, {} → {}{}",
        s.id,
        s.name,
        s.cadence,
        s.hour,
        formats.join("+"),
        if to.is_empty() {
            "folder only".to_string()
        } else {
            to.join(", ")
        },
        if s.enabled { "" } else { " (disabled)" }
    )
}

/// `#12 2026-11-01 internal sent 2026-12-01 06:00 to ops@x (1 attempt)`.
pub fn delivery_line(d: &Delivery) -> String {
    let mut line = format!(
        "#{} {} {} {} {}",
        d.id,
        d.period_from,
        d.customer_name.as_deref().unwrap_or("internal"),
        d.state,
        d.sent_at
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default(),
    );
    if !d.recipients.is_empty() {
        line.push_str(&format!(" to {}", d.recipients.join(", ")));
    }
    line.push_str(&format!(" ({} attempt(s))", d.attempts));
    if let Some(e) = &d.last_error {
        line.push_str(&format!(": {e}"));
    }
    if let Some(n) = &d.note {
        line.push_str(&format!(" [{n}]"));
    }
    line
}

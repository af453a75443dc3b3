//! Raw MIME bytes → stored mail with its parse result → a run when the job is known, else the
//! Inbox. Once and only once: a mail already stored (same internet message id or source id)
//! is recognised and left alone.

use crate::db::{self, DbError, jobs::JobIdentity, mail};
use crate::ingest::limits;
use crate::parsers::{self, NormalizedMail, ParseOutcome, Report, rules::CompiledRule};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

/// One mail as a source delivered it.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// `graph`, `folder` or `demo`.
    pub source: &'static str,
    pub source_id: Option<String>,
    /// The source's receive time; else the mail's Date header; else the import time.
    pub received_at: Option<DateTime<Utc>>,
    pub raw: Vec<u8>,
}

/// What became of one mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A known job: the mail became a run at once.
    Run { mail_id: i64, run_id: i64 },
    /// Parsed, but the job is not approved yet: waits in the Inbox.
    Waiting { mail_id: i64 },
    /// No parser could read it: waits in the Inbox with its reason.
    Unparsed { mail_id: i64 },
    /// Stored before (a repeated import, or a crash between storing and moving).
    Duplicate { mail_id: i64 },
    /// Its job is archived: kept with the job, out of the Inbox, and no run.
    Archived { mail_id: i64 },
}

impl Outcome {
    pub fn mail_id(self) -> i64 {
        match self {
            Outcome::Run { mail_id, .. }
            | Outcome::Waiting { mail_id }
            | Outcome::Unparsed { mail_id }
            | Outcome::Duplicate { mail_id }
            | Outcome::Archived { mail_id } => mail_id,
        }
    }
}

/// PostgreSQL text cannot hold NUL; everything else is kept as the sender wrote it.
fn text(s: &str) -> String {
    s.replace('\0', "")
}

fn opt_text(s: Option<&str>) -> Option<String> {
    s.map(text).filter(|s| !s.is_empty())
}

/// The database form of a parse outcome.
pub fn parse_result(outcome: &ParseOutcome) -> mail::ParseResult {
    match outcome {
        ParseOutcome::Parsed { parser, report } => report_result(parser, report),
        ParseOutcome::Unparsed { reason } => mail::ParseResult {
            unparsed_reason: Some(text(reason)),
            ..Default::default()
        },
        ParseOutcome::Failed { parser, error } => mail::ParseResult {
            parser_name: Some((*parser).to_string()),
            parse_error: Some(text(&error.to_string())),
            ..Default::default()
        },
    }
}

fn report_result(parser: &str, report: &Report) -> mail::ParseResult {
    mail::ParseResult {
        parser_name: Some(text(parser)),
        backup_software: Some(text(&report.software)),
        backup_type: Some(text(&report.backup_type)),
        job_name: Some(text(&report.job_name)),
        parsed_status: Some(report.status.as_str().to_string()),
        parse_message: opt_text(report.message.as_deref()),
        informational: report.informational,
        parse_error: None,
        unparsed_reason: None,
        objects: report
            .objects
            .iter()
            .map(|o| mail::MailObject {
                name: text(&o.name),
                object_type: opt_text(o.object_type.as_deref()),
                status: o.status.as_str().to_string(),
                message: opt_text(o.message.as_deref()),
            })
            .collect(),
    }
}

/// The built-in parsers, then (for a mail none of them recognises) the custom rules in order.
pub fn parse_with_rules(mail: &NormalizedMail, rules: &[CompiledRule]) -> mail::ParseResult {
    let outcome = parsers::parse_mail(mail);
    if matches!(outcome, ParseOutcome::Unparsed { .. })
        && let Some((rule, result)) = parsers::rules::apply_rules(rules, mail)
    {
        return rule_result(&rule.rule.parser_name(), &result);
    }
    parse_result(&outcome)
}

/// The database form of what a rule made of a mail.
pub fn rule_result(
    parser: &str,
    result: &Result<Report, parsers::ParseError>,
) -> mail::ParseResult {
    match result {
        Ok(report) => report_result(parser, report),
        Err(error) => mail::ParseResult {
            parser_name: Some(text(parser)),
            parse_error: Some(text(&error.to_string())),
            ..Default::default()
        },
    }
}

/// Decodes and parses one mail (pure work, no database), under the default size limit and
/// without custom rules.
pub fn prepare(incoming: &Incoming, now: DateTime<Utc>) -> (mail::NewMail, mail::ParseResult) {
    prepare_limited(incoming, now, limits::default_max_bytes(), &[])
}

/// [`prepare`] with a size limit: a larger mail is kept as its header block (subject, sender,
/// date and Message-ID still show and still recognise a repeat), with the reason, unparsed.
pub fn prepare_limited(
    incoming: &Incoming,
    now: DateTime<Utc>,
    max_bytes: usize,
    rules: &[CompiledRule],
) -> (mail::NewMail, mail::ParseResult) {
    if incoming.raw.len() > max_bytes {
        let headers = Incoming {
            raw: limits::header_block(&incoming.raw).to_vec(),
            ..incoming.clone()
        };
        let (mut new, _) = prepare_limited(&headers, now, usize::MAX, &[]);
        new.text_body = None;
        new.html_body = None;
        let reason = format!(
            "too large: {:.1} MB{}, over the limit of {} MB (setting max_mail_mb); stored with \
             its headers only",
            incoming.raw.len() as f64 / (1024.0 * 1024.0),
            if incoming.raw.len() == max_bytes.saturating_add(1) {
                " or more"
            } else {
                ""
            },
            max_bytes / (1024 * 1024)
        );
        let p = mail::ParseResult {
            unparsed_reason: Some(reason),
            ..Default::default()
        };
        return (new, p);
    }
    let normalized = parsers::normalize(&incoming.raw);
    let parsed = parse_with_rules(&normalized, rules);
    let received_at = incoming
        .received_at
        .or_else(|| normalized.received.map(|d| d.with_timezone(&Utc)))
        .unwrap_or(now);
    let new = mail::NewMail {
        source: incoming.source.to_string(),
        source_id: incoming.source_id.as_deref().map(text),
        // The idempotency key of a mail, read in the same pass as the rest of its headers.
        internet_message_id: opt_text(normalized.message_id.as_deref()),
        from_address: text(&normalized.from_address),
        from_name: opt_text(normalized.from_name.as_deref()),
        subject: text(&normalized.subject),
        received_at,
        text_body: opt_text(normalized.text_body.as_deref()),
        html_body: opt_text(normalized.html_body.as_deref()),
        raw_eml: Some(incoming.raw.clone()),
    };
    (new, parsed)
}

/// Decodes and parses a batch on every core (the pure part of an import), in the batch's order;
/// the database writes that follow stay ordered and in one transaction.
pub fn prepare_all(
    batch: &[Incoming],
    now: DateTime<Utc>,
    max_bytes: usize,
    rules: &[CompiledRule],
) -> Vec<(mail::NewMail, mail::ParseResult)> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Below a few mails a thread costs more than it saves.
    if cores < 2 || batch.len() < 4 {
        return batch
            .iter()
            .map(|i| prepare_limited(i, now, max_bytes, rules))
            .collect();
    }
    let chunk = batch.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let parts: Vec<_> = batch
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|i| prepare_limited(i, now, max_bytes, rules))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts
            .into_iter()
            // A parser that panicked would have panicked on this thread too: pass it on.
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Turns a stored mail into a run when its job is approved; else it waits in the Inbox.
pub async fn route(
    conn: &mut PgConnection,
    mail_id: i64,
    from_address: &str,
    p: &mail::ParseResult,
    now: DateTime<Utc>,
) -> Result<Outcome, DbError> {
    let Some(identity) = identity_of(from_address, p) else {
        return Ok(Outcome::Unparsed { mail_id });
    };
    let Some(job) = db::jobs::find_active_by_identity(&mut *conn, &identity).await? else {
        if mail::file_under_archived(&mut *conn, &[mail_id])
            .await?
            .is_empty()
        {
            return Ok(Outcome::Waiting { mail_id });
        }
        return Ok(Outcome::Archived { mail_id });
    };
    match db::runs::create_from_mail(&mut *conn, job.id, mail_id, now).await? {
        Some(run_id) => Ok(Outcome::Run { mail_id, run_id }),
        None => Ok(Outcome::Waiting { mail_id }),
    }
}

/// The job identity of a parse result; `None` when no parser read the mail.
fn identity_of(from_address: &str, p: &mail::ParseResult) -> Option<JobIdentity> {
    match (
        &p.parsed_status,
        &p.backup_software,
        &p.backup_type,
        &p.job_name,
    ) {
        (Some(_), Some(software), Some(kind), Some(job_name)) => {
            Some(JobIdentity::new(from_address, software, kind, job_name))
        }
        _ => None,
    }
}

/// Stores a batch and routes it as a whole: the jobs of all its mails in one lookup, the mails
/// in a few statements (each may be a repeat; one routed to a job is stored filed under it), then
/// their runs in one [`db::runs::create_from_mails`]. The outcome per mail is the one [`route`]
/// would give.
async fn ingest_all_in(
    conn: &mut PgConnection,
    prepared: &[(mail::NewMail, mail::ParseResult)],
    now: DateTime<Utc>,
) -> Result<Vec<Outcome>, DbError> {
    let identities: Vec<Option<JobIdentity>> = prepared
        .iter()
        .map(|(new, p)| identity_of(&new.from_address, p))
        .collect();
    let wanted: Vec<JobIdentity> = identities.iter().flatten().cloned().collect();
    let jobs = db::jobs::find_active_by_identities(&mut *conn, &wanted).await?;
    let job_of: Vec<Option<i64>> = identities
        .iter()
        .map(|identity| identity.as_ref().and_then(|i| jobs.get(i).copied()))
        .collect();
    let mails: Vec<(&mail::NewMail, &mail::ParseResult)> =
        prepared.iter().map(|(new, p)| (new, p)).collect();
    let stored = db::mail_batch::store_all(&mut *conn, &mails, &job_of, now).await?;
    let mut out = Vec::with_capacity(prepared.len());
    // (index in `out`, mail, its job if active)
    let mut routed: Vec<(usize, i64, Option<i64>)> = Vec::new();
    for ((stored, identity), job) in stored.into_iter().zip(&identities).zip(&job_of) {
        match stored {
            mail::Stored::Existing(mail_id) => out.push(Outcome::Duplicate { mail_id }),
            mail::Stored::New(mail_id) if identity.is_some() => {
                routed.push((out.len(), mail_id, *job));
                out.push(Outcome::Waiting { mail_id });
            }
            mail::Stored::New(mail_id) => out.push(Outcome::Unparsed { mail_id }),
        }
    }
    let pairs: Vec<(i64, i64)> = routed
        .iter()
        .filter_map(|(_, mail_id, job)| job.map(|job| (job, *mail_id)))
        .collect();
    let runs: std::collections::HashMap<i64, i64> =
        db::runs::create_from_mails(&mut *conn, &pairs, now)
            .await?
            .into_iter()
            .collect();
    // A mail without an active job has no run; its job may be archived.
    let unrouted: Vec<i64> = routed
        .iter()
        .filter(|(_, _, job)| job.is_none())
        .map(|(_, mail_id, _)| *mail_id)
        .collect();
    let archived: std::collections::HashSet<i64> = if unrouted.is_empty() {
        Default::default()
    } else {
        mail::file_under_archived(&mut *conn, &unrouted)
            .await?
            .into_iter()
            .collect()
    };
    for (index, mail_id, _) in routed {
        if let Some(&run_id) = runs.get(&mail_id) {
            out[index] = Outcome::Run { mail_id, run_id };
        } else if archived.contains(&mail_id) {
            out[index] = Outcome::Archived { mail_id };
        }
    }
    Ok(out)
}

/// Stores and routes a batch in one transaction (fast for bulk import). When the batch fails
/// as a whole, each mail is retried on its own, so one bad mail costs only itself.
/// The size limit comes from the settings.
pub async fn ingest_batch(
    pool: &PgPool,
    batch: &[Incoming],
    now: DateTime<Utc>,
) -> Vec<Result<Outcome, DbError>> {
    // An unreadable policy falls back to the default here; the batch then reports the
    // database error itself.
    let max_bytes = db::settings::policy(pool)
        .await
        .map(|p| p.max_mail_bytes())
        .unwrap_or_else(|_| limits::default_max_bytes());
    ingest_batch_limited(pool, batch, now, max_bytes).await
}

/// [`ingest_batch`] with the size limit given (an import cycle reads it once, not per batch).
pub async fn ingest_batch_limited(
    pool: &PgPool,
    batch: &[Incoming],
    now: DateTime<Utc>,
    max_bytes: usize,
) -> Vec<Result<Outcome, DbError>> {
    // The custom rules once per batch; unreadable rules must not stop the import, which then
    // goes on with the built-in parsers alone.
    let rules = db::parser_rules::compiled(pool).await.unwrap_or_else(|e| {
        tracing::warn!("custom parser rules not loaded: {e}");
        Vec::new()
    });
    let prepared = prepare_all(batch, now, max_bytes, &rules);
    let whole = async {
        let mut tx = pool.begin().await?;
        let out = ingest_all_in(&mut tx, &prepared, now).await?;
        tx.commit().await?;
        Ok::<_, DbError>(out)
    }
    .await;
    match whole {
        Ok(out) => out.into_iter().map(Ok).collect(),
        Err(e) if prepared.len() == 1 => vec![Err(e)],
        Err(e) => {
            tracing::warn!(
                "batch of {} mails failed ({e}); storing one by one",
                batch.len()
            );
            let mut out = Vec::with_capacity(prepared.len());
            for p in &prepared {
                let one = async {
                    let mut tx = pool.begin().await?;
                    let r = ingest_all_in(&mut tx, std::slice::from_ref(p), now).await?;
                    let r = r
                        .into_iter()
                        .next()
                        .ok_or_else(|| DbError::Task("a mail without an outcome".into()))?;
                    tx.commit().await?;
                    Ok::<_, DbError>(r)
                }
                .await;
                out.push(one);
            }
            out
        }
    }
}

/// Stores and routes one mail.
pub async fn ingest_one(
    pool: &PgPool,
    incoming: &Incoming,
    now: DateTime<Utc>,
) -> Result<Outcome, DbError> {
    ingest_batch(pool, std::slice::from_ref(incoming), now)
        .await
        .pop()
        .unwrap_or_else(|| Err(DbError::Task("empty batch".into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(i: usize) -> Incoming {
        Incoming {
            source: "folder",
            source_id: None,
            received_at: None,
            raw: format!(
                "From: Backup Script <cron@h.example>\r\nTo: backups@msp.example\r\n\
                 Subject: [backupchecks] job {i}\r\nDate: Thu, 19 Nov 2026 22:05:00 +0000\r\n\
                 Message-ID: <p{i}@x>\r\nMIME-Version: 1.0\r\n\
                 Content-Type: text/plain; charset=utf-8\r\n\r\n\
                 Software: ScriptBackup\nType: Archive\nJob: job {i}\nStatus: Success\n"
            )
            .into_bytes(),
        }
    }

    #[test]
    fn a_batch_parsed_on_every_core_keeps_its_order_and_results() {
        let batch: Vec<Incoming> = (0..23).map(mail).collect();
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let parallel = prepare_all(&batch, now, usize::MAX, &[]);
        assert_eq!(parallel.len(), batch.len());
        for (i, (new, p)) in parallel.iter().enumerate() {
            let (one, q) = prepare(&batch[i], now);
            assert_eq!(new.subject, one.subject);
            assert_eq!(new.internet_message_id, one.internet_message_id);
            assert_eq!(p.job_name, q.job_name);
            assert_eq!(p.job_name.as_deref(), Some(format!("job {i}").as_str()));
        }
    }
}

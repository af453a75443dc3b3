//! What a report is computed from, read in one read-only snapshot with a handful of set-based
//! queries (customers, jobs, runs, tickets and remarks), whatever the number of customers.

use super::{DbError, settings};
use crate::domain::report::{
    CustomerInput, JobInput, NoteInput, NoteKind, Period, ReportInput, RunInput,
};
use crate::domain::run_status::RunStatus;
use crate::domain::schedule::{PinnedSchedule, Schedule, effective_schedule};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use sqlx::types::Json;
use sqlx::{Connection, PgConnection};

/// Runs are read this far beyond both ends (the previous period included): a run may satisfy
/// a slot up to 12 hours away, on the neighbouring date.
const MARGIN: TimeDelta = TimeDelta::days(2);

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    customer_id: i64,
    job_name: String,
    backup_software: String,
    backup_type: String,
    informational: bool,
    archived: bool,
    learned_schedule: Option<Json<Schedule>>,
    pinned_schedule: Option<Json<Schedule>>,
    grace_minutes: Option<i32>,
    existed_from: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct RunRow {
    job_id: i64,
    run_at: DateTime<Utc>,
    effective_status: String,
    slot_date: Option<NaiveDate>,
    reviewed_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct NoteRow {
    is_ticket: bool,
    id: i64,
    code: Option<String>,
    text: String,
    active_from: NaiveDate,
    resolved_at: Option<DateTime<Utc>>,
    customer_ids: Option<Vec<i64>>,
    job_ids: Option<Vec<i64>>,
}

/// Loads the input of the report of `period` for `customers` (names, case-insensitive; `None`:
/// every active customer) as the data stands at `now`, in the configured time zone. An unknown
/// name is [`DbError::NotFound`] naming every unknown one.
pub async fn load(
    conn: &mut PgConnection,
    period: Period,
    customers: Option<&[String]>,
    now: DateTime<Utc>,
) -> Result<ReportInput, DbError> {
    let mut tx = conn.begin().await?;
    // One snapshot: the numbers of one report describe one moment.
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await?;
    let policy = settings::policy(&mut *tx).await?;
    let tz = policy.timezone;
    let grace = TimeDelta::minutes(i64::from(policy.missed_grace_minutes));

    let customer_rows: Vec<(i64, String)> = match customers {
        None => {
            sqlx::query_as(
                "SELECT id, name FROM customers WHERE active AND deleted_at IS NULL \
                 ORDER BY lower(name), id",
            )
            .fetch_all(&mut *tx)
            .await?
        }
        Some(names) => super::customers::ids_by_names(&mut *tx, names).await?,
    };
    let customer_ids: Vec<i64> = customer_rows.iter().map(|(id, _)| *id).collect();

    let job_rows: Vec<JobRow> = sqlx::query_as(
        "SELECT j.id, j.customer_id, j.job_name, j.backup_software, j.backup_type, \
           j.informational, j.archived_at IS NOT NULL AS archived, j.learned_schedule, \
           j.pinned_schedule, j.grace_minutes, \
           COALESCE(f.first_run, j.created_at) AS existed_from \
         FROM jobs j \
         LEFT JOIN LATERAL (SELECT min(r.run_at) AS first_run FROM job_runs r \
                            WHERE r.job_id = j.id AND NOT r.missed) f ON true \
         WHERE j.customer_id = ANY($1) AND j.deleted_at IS NULL ORDER BY j.id",
    )
    .bind(&customer_ids)
    .fetch_all(&mut *tx)
    .await?;
    let job_ids: Vec<i64> = job_rows.iter().map(|j| j.id).collect();

    let previous = period.previous();
    let run_rows: Vec<RunRow> = sqlx::query_as(
        "SELECT job_id, run_at, effective_status, slot_date, reviewed_at FROM job_runs \
         WHERE job_id = ANY($1) AND run_at >= $2 AND run_at < $3",
    )
    .bind(&job_ids)
    .bind(previous.start(tz) - MARGIN)
    .bind(period.end(tz) + MARGIN)
    .fetch_all(&mut *tx)
    .await?;

    // Tickets and remarks scoped to these customers or their jobs, active at some time of the
    // period (the domain applies the exact rule; this only narrows the rows).
    let note_rows: Vec<NoteRow> = sqlx::query_as(
        "SELECT true AS is_ticket, t.id, t.ticket_code AS code, t.description AS text, \
           t.active_from, t.resolved_at, \
           array_agg(DISTINCT s.customer_id) FILTER (WHERE s.customer_id IS NOT NULL) AS customer_ids, \
           array_agg(DISTINCT s.job_id) FILTER (WHERE s.job_id IS NOT NULL) AS job_ids \
         FROM tickets t JOIN ticket_scopes s ON s.ticket_id = t.id \
         WHERE (s.customer_id = ANY($1) OR s.job_id = ANY($2)) \
           AND t.active_from <= $3 AND (t.resolved_at IS NULL OR t.resolved_at >= $4) \
         GROUP BY t.id \
         UNION ALL \
         SELECT false, m.id, NULL, m.body, m.active_from, m.resolved_at, \
           array_agg(DISTINCT s.customer_id) FILTER (WHERE s.customer_id IS NOT NULL), \
           array_agg(DISTINCT s.job_id) FILTER (WHERE s.job_id IS NOT NULL) \
         FROM remarks m JOIN remark_scopes s ON s.remark_id = m.id \
         WHERE (s.customer_id = ANY($1) OR s.job_id = ANY($2)) \
           AND m.active_from <= $3 AND (m.resolved_at IS NULL OR m.resolved_at >= $4) \
         GROUP BY m.id",
    )
    .bind(&customer_ids)
    .bind(&job_ids)
    .bind(period.to)
    .bind(period.start(tz) - MARGIN)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;

    let jobs = job_rows
        .into_iter()
        .map(|j| {
            let pinned = j.pinned_schedule.map(|s| PinnedSchedule {
                schedule: s.0,
                grace_minutes: j.grace_minutes.and_then(|m| u32::try_from(m).ok()),
            });
            let learned = j.learned_schedule.map(|s| s.0);
            JobInput {
                id: j.id,
                customer_id: j.customer_id,
                name: j.job_name,
                software: j.backup_software,
                backup_type: j.backup_type,
                informational: j.informational,
                archived: j.archived,
                schedule: effective_schedule(pinned.as_ref(), learned.as_ref(), grace),
                existed_from: j.existed_from,
            }
        })
        .collect();
    let runs = run_rows
        .into_iter()
        .map(|r| RunInput {
            job_id: r.job_id,
            run_at: r.run_at,
            status: RunStatus::from_db(&r.effective_status).unwrap_or(RunStatus::Unknown),
            missed_slot: r.slot_date,
            reviewed_at: r.reviewed_at,
        })
        .collect();
    let notes = note_rows
        .into_iter()
        .map(|n| NoteInput {
            kind: if n.is_ticket {
                NoteKind::Ticket
            } else {
                NoteKind::Remark
            },
            id: n.id,
            code: n.code,
            text: n.text,
            active_from: n.active_from,
            resolved_at: n.resolved_at,
            customer_ids: n.customer_ids.unwrap_or_default(),
            job_ids: n.job_ids.unwrap_or_default(),
        })
        .collect();
    Ok(ReportInput {
        period,
        tz,
        generated_at: now,
        scope: customers.map(<[String]>::to_vec),
        customers: customer_rows
            .into_iter()
            .map(|(id, name)| CustomerInput { id, name })
            .collect(),
        jobs,
        runs,
        notes,
    })
}

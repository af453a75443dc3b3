//! Job runs: one per report mail, plus synthetic Missed runs for slots that never arrived.

use super::DbError;
use crate::domain::run_status::RunStatus;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgExecutor};

/// A run to create from a parsed mail (or demo data).
#[derive(Debug, Clone)]
pub struct NewRun {
    pub job_id: i64,
    pub mail_id: Option<i64>,
    pub run_at: DateTime<Utc>,
    pub parsed_status: String,
    pub effective_status: String,
    pub override_applied: bool,
    pub message: Option<String>,
    pub source_type: &'static str,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Run {
    pub id: i64,
    pub job_id: i64,
    pub mail_id: Option<i64>,
    pub run_at: DateTime<Utc>,
    pub parsed_status: String,
    pub effective_status: String,
    pub override_applied: bool,
    pub message: Option<String>,
    pub missed: bool,
    pub slot_date: Option<NaiveDate>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<String>,
}

const COLUMNS: &str = "id, job_id, mail_id, run_at, parsed_status, effective_status, \
                       override_applied, message, missed, slot_date, reviewed_at, reviewed_by";

/// Creates a run; a second run for the same mail is a [`DbError::Duplicate`].
pub async fn insert(ex: impl PgExecutor<'_>, r: &NewRun) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO job_runs (job_id, mail_id, run_at, parsed_status, effective_status, \
         override_applied, message, source_type) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         RETURNING id",
    )
    .bind(r.job_id)
    .bind(r.mail_id)
    .bind(r.run_at)
    .bind(&r.parsed_status)
    .bind(&r.effective_status)
    .bind(r.override_applied)
    .bind(&r.message)
    .bind(r.source_type)
    .fetch_one(ex)
    .await?)
}

/// Creates the Missed run of `(job, slot)` unless it exists. Returns the new run id, or `None`
/// when the slot already has one (the database keeps one per job and slot).
pub async fn insert_missed(
    ex: impl PgExecutor<'_>,
    job_id: i64,
    slot_date: NaiveDate,
    expected_at: DateTime<Utc>,
) -> Result<Option<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO job_runs (job_id, run_at, parsed_status, effective_status, missed, \
         slot_date, source_type) VALUES ($1, $2, 'Missed', 'Missed', true, $3, 'missed') \
         ON CONFLICT (job_id, slot_date) WHERE missed DO NOTHING RETURNING id",
    )
    .bind(job_id)
    .bind(expected_at)
    .bind(slot_date)
    .fetch_optional(ex)
    .await?)
}

/// [`insert_missed`] for many slots, `(job_ids[i], slot_dates[i], expected[i])`, in one
/// statement. Returns the ids of the Missed runs created, in the order given.
pub async fn insert_missed_many(
    conn: &mut PgConnection,
    job_ids: &[i64],
    slot_dates: &[NaiveDate],
    expected: &[DateTime<Utc>],
) -> Result<Vec<i64>, DbError> {
    if job_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO job_runs (job_id, run_at, parsed_status, effective_status, missed, \
         slot_date, source_type) \
         SELECT u.job_id, u.expected, 'Missed', 'Missed', true, u.slot, 'missed' \
         FROM unnest($1::bigint[], $2::date[], $3::timestamptz[]) WITH ORDINALITY \
              AS u(job_id, slot, expected, ord) \
         ORDER BY u.ord \
         ON CONFLICT (job_id, slot_date) WHERE missed DO NOTHING RETURNING id",
    )
    .bind(job_ids)
    .bind(slot_dates)
    .bind(expected)
    .fetch_all(&mut *conn)
    .await?;
    ids.sort_unstable();
    Ok(ids)
}

/// Runs of a job, newest first.
pub async fn for_job(ex: impl PgExecutor<'_>, job_id: i64) -> Result<Vec<Run>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM job_runs WHERE job_id = $1 ORDER BY run_at DESC, id DESC"
    )))
    .bind(job_id)
    .fetch_all(ex)
    .await?)
}

/// Creates the run of a stored, parsed mail for `job_id`: the run and its objects from the
/// mail's parse result, override evaluation and ticket/remark propagation; the mail leaves the
/// Inbox. Returns `None` when the mail has a run already.
pub async fn create_from_mail(
    conn: &mut PgConnection,
    job_id: i64,
    mail_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<i64>, DbError> {
    let made = create_from_mails(conn, &[(job_id, mail_id)], now).await?;
    Ok(made.first().map(|&(_, run_id)| run_id))
}

/// [`create_from_mail`] for many `(job_id, mail_id)` pairs in a few statements, whatever their
/// number: an import batch or an approval with thousands of waiting mails does not pay a round
/// trip per mail and step. Runs are created in the order given (their ids follow it); mails
/// that have a run already, or no parse result, are skipped. Returns `(mail_id, run_id)` of the
/// runs created, in that order.
pub async fn create_from_mails(
    conn: &mut PgConnection,
    pairs: &[(i64, i64)],
    now: DateTime<Utc>,
) -> Result<Vec<(i64, i64)>, DbError> {
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    let (jobs, mails): (Vec<i64>, Vec<i64>) = pairs.iter().copied().unzip();
    let mut made: Vec<(i64, i64)> = sqlx::query_as(
        "INSERT INTO job_runs (job_id, mail_id, run_at, parsed_status, effective_status, \
         message, source_type) \
         SELECT u.job_id, m.id, m.received_at, m.parsed_status, m.parsed_status, \
                m.parse_message, 'mail' \
         FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS u(job_id, mail_id, ord) \
         JOIN mail_messages m ON m.id = u.mail_id AND m.parsed_status IS NOT NULL \
         ORDER BY u.ord \
         ON CONFLICT (mail_id) WHERE mail_id IS NOT NULL DO NOTHING RETURNING mail_id, id",
    )
    .bind(&jobs)
    .bind(&mails)
    .fetch_all(&mut *conn)
    .await?;
    // RETURNING does not promise an order; the ids do (they were drawn in input order).
    made.sort_by_key(|&(_, run_id)| run_id);
    let run_ids: Vec<i64> = made.iter().map(|&(_, run_id)| run_id).collect();
    if run_ids.is_empty() {
        return Ok(made);
    }
    sqlx::query(
        "INSERT INTO run_objects (run_id, position, name, object_type, status, message) \
         SELECT r.id, o.position, o.name, o.object_type, o.status, o.message \
         FROM job_runs r JOIN mail_objects o ON o.mail_id = r.mail_id WHERE r.id = ANY($1)",
    )
    .bind(&run_ids)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE mail_messages m SET job_id = r.job_id, location = 'processed' \
         FROM job_runs r WHERE r.id = ANY($1) AND m.id = r.mail_id \
           AND (m.job_id IS DISTINCT FROM r.job_id OR m.location <> 'processed')",
    )
    .bind(&run_ids)
    .execute(&mut *conn)
    .await?;
    super::overrides::apply_to_runs(&mut *conn, &run_ids, now).await?;
    super::propagation::on_new_runs(&mut *conn, &run_ids).await?;
    Ok(made)
}

pub async fn get(ex: impl PgExecutor<'_>, id: i64) -> Result<Option<Run>, DbError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM job_runs WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(ex)
    .await?)
}

/// Runs of the jobs `job_ids` with `from <= run_at < to`, oldest first.
pub async fn points_of_jobs(
    ex: impl PgExecutor<'_>,
    job_ids: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<RunPoint>, DbError> {
    Ok(sqlx::query_as(
        "SELECT job_id, run_at, effective_status FROM job_runs \
         WHERE job_id = ANY($1) AND run_at >= $2 AND run_at < $3 ORDER BY run_at, id",
    )
    .bind(job_ids)
    .bind(from)
    .bind(to)
    .fetch_all(ex)
    .await?)
}

/// One run reduced to what history strips and the Daily Jobs grid draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPoint {
    pub job_id: i64,
    pub run_at: DateTime<Utc>,
    /// `None` for a status this version does not know.
    pub status: Option<RunStatus>,
}

// Decoded by hand so that the status is read in place rather than copied into a string per
// run: a week of 10,000 jobs is some 50,000 points.
impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for RunPoint {
    fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<RunPoint, sqlx::Error> {
        use sqlx::Row;
        // By position (job_id, run_at, effective_status): no name lookup per column.
        let status: &str = row.try_get(2)?;
        Ok(RunPoint {
            job_id: row.try_get(0)?,
            run_at: row.try_get(1)?,
            status: RunStatus::from_db(status),
        })
    }
}

impl RunPoint {
    /// Time and status for the history rules; `None` for a status this version does not know.
    pub fn status_point(&self) -> Option<(DateTime<Utc>, RunStatus)> {
        self.status.map(|s| (self.run_at, s))
    }
}

/// Runs of every job with `from <= run_at < to`, oldest first: a week of a large MSP is some
/// 50,000 points. The period is read as two halves at once, each on its
/// own pool connection as one binary copy stream (see [`super::copy_binary`]): formatting the rows
/// is most of the server's work, and the halves let it use two cores.
pub async fn points_between(
    pool: &sqlx::PgPool,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<RunPoint>, DbError> {
    if to <= from {
        return Ok(Vec::new());
    }
    let middle = from + (to - from) / 2;
    // The newer half as a task of its own, so its rows are decoded on another thread.
    let newer = tokio::spawn({
        let pool = pool.clone();
        async move { points_of_part(&pool, middle, to).await }
    });
    let mut points = points_of_part(pool, from, middle).await?;
    match newer.await {
        Ok(newer) => points.extend(newer?),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => return Err(DbError::Invalid(e.to_string())),
    }
    Ok(points)
}

/// One part of [`points_between`].
async fn points_of_part(
    pool: &sqlx::PgPool,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<RunPoint>, DbError> {
    use super::copy_binary::{CopyReader, Timestamps, int8, text};
    use sqlx::postgres::PgPoolCopyExt;
    // COPY takes no parameters; the bounds are timestamps formatted here, never text from
    // outside.
    let at = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let statement = format!(
        "COPY (SELECT job_id, run_at, effective_status FROM job_runs \
         WHERE run_at >= '{}' AND run_at < '{}' ORDER BY run_at, id) TO STDOUT (FORMAT binary)",
        at(from),
        at(to)
    );
    let mut stream = pool.copy_out_raw(&statement).await?;
    let mut reader = CopyReader::<3>::default();
    let mut run_at = Timestamps::default();
    let mut points = Vec::new();
    while let Some(chunk) =
        std::future::poll_fn(|cx| futures_core::Stream::poll_next(stream.as_mut(), cx)).await
    {
        reader.feed(&chunk?, |[job_id, at, status]| {
            points.push(RunPoint {
                job_id: int8(job_id)?,
                run_at: run_at.decode(at)?,
                status: RunStatus::from_db(text(status)?),
            });
            Ok(())
        })?;
    }
    reader.finish()?;
    Ok(points)
}

//! Report schedules and their deliveries (migration 0012). A delivery is one part of one
//! schedule's report for one period; its UNIQUE key makes "once per period" a rule of the
//! database, and its state says what became of the mail (see the migration).

use super::{DbError, audit};
use crate::domain::report_schedule::Cadence;
use crate::reports::Format;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::{Connection, PgConnection, PgExecutor};

/// A schedule as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub id: i64,
    pub name: String,
    pub cadence: Cadence,
    pub hour: u8,
    /// `None`: every active customer.
    pub customer_ids: Option<Vec<i64>>,
    pub formats: Vec<Format>,
    pub recipients: Vec<String>,
    pub to_customers: bool,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ScheduleRow {
    id: i64,
    name: String,
    cadence: String,
    day: i16,
    hour: i16,
    customer_ids: Option<Vec<i64>>,
    formats: Vec<String>,
    recipients: Vec<String>,
    to_customers: bool,
    enabled: bool,
    created_at: DateTime<Utc>,
}

impl TryFrom<ScheduleRow> for Schedule {
    type Error = DbError;

    fn try_from(r: ScheduleRow) -> Result<Schedule, DbError> {
        let cadence = Cadence::from_columns(&r.cadence, r.day).ok_or_else(|| {
            DbError::Invalid(format!(
                "report schedule {}: unknown cadence {} {}",
                r.id, r.cadence, r.day
            ))
        })?;
        Ok(Schedule {
            id: r.id,
            name: r.name,
            cadence,
            hour: u8::try_from(r.hour).unwrap_or(0),
            customer_ids: r.customer_ids,
            formats: r.formats.iter().filter_map(|f| Format::parse(f)).collect(),
            recipients: r.recipients,
            to_customers: r.to_customers,
            enabled: r.enabled,
            created_at: r.created_at,
        })
    }
}

const SCHEDULE_COLUMNS: &str = "id, name, cadence, day, hour, customer_ids, formats, recipients, \
     to_customers, enabled, created_at";

/// A schedule to add: its fields are read and checked in the domain, shared by the command
/// line and the interface.
pub use crate::domain::report_schedule::NewSchedule;

/// What became of one part of a scheduled report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Generated,
    Sending,
    Sent,
    Failed,
    Unknown,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Generated => "generated",
            State::Sending => "sending",
            State::Sent => "sent",
            State::Failed => "failed",
            State::Unknown => "unknown",
        }
    }

    fn parse(s: &str) -> State {
        match s {
            "sending" => State::Sending,
            "sent" => State::Sent,
            "failed" => State::Failed,
            "unknown" => State::Unknown,
            _ => State::Generated,
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One delivery record.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub schedule_id: i64,
    pub schedule_name: String,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub part: String,
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    pub state: State,
    pub recipients: Vec<String>,
    pub paths: Vec<String>,
    pub checksums: Vec<String>,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub note: Option<String>,
    pub generated_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    schedule_id: i64,
    schedule_name: String,
    period_from: NaiveDate,
    period_to: NaiveDate,
    part: String,
    customer_id: Option<i64>,
    customer_name: Option<String>,
    state: String,
    recipients: Vec<String>,
    paths: Vec<String>,
    checksums: Vec<String>,
    attempts: i32,
    next_attempt_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    note: Option<String>,
    generated_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Delivery {
        Delivery {
            id: r.id,
            schedule_id: r.schedule_id,
            schedule_name: r.schedule_name,
            period_from: r.period_from,
            period_to: r.period_to,
            part: r.part,
            customer_id: r.customer_id,
            customer_name: r.customer_name,
            state: State::parse(&r.state),
            recipients: r.recipients,
            paths: r.paths,
            checksums: r.checksums,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error,
            note: r.note,
            generated_at: r.generated_at,
            sent_at: r.sent_at,
        }
    }
}

const DELIVERY_SELECT: &str = "SELECT d.id, d.schedule_id, s.name AS schedule_name, \
       d.period_from, d.period_to, d.part, d.customer_id, c.name AS customer_name, d.state, \
       d.recipients, d.paths, d.checksums, d.attempts, d.next_attempt_at, d.last_error, \
       d.note, d.generated_at, d.sent_at \
     FROM report_deliveries d JOIN report_schedules s ON s.id = d.schedule_id \
     LEFT JOIN customers c ON c.id = d.customer_id";

/// Every schedule, by name.
pub async fn list(ex: impl PgExecutor<'_>) -> Result<Vec<Schedule>, DbError> {
    let rows: Vec<ScheduleRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SCHEDULE_COLUMNS} FROM report_schedules ORDER BY lower(name), id"
    )))
    .fetch_all(ex)
    .await?;
    rows.into_iter().map(Schedule::try_from).collect()
}

/// A schedule by id, or by name in any case.
pub async fn find(ex: impl PgExecutor<'_>, which: &str) -> Result<Schedule, DbError> {
    let id: Option<i64> = which.trim().parse().ok();
    let row: Option<ScheduleRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SCHEDULE_COLUMNS} FROM report_schedules \
         WHERE id = $1 OR lower(name) = lower(btrim($2)) ORDER BY id = $1 DESC LIMIT 1"
    )))
    .bind(id.unwrap_or(0))
    .bind(which)
    .fetch_optional(ex)
    .await?;
    row.ok_or_else(|| DbError::NotFound(format!("no report schedule “{which}”")))?
        .try_into()
}

/// Adds a schedule (audited). Unknown customer names, bad addresses or no format are
/// [`DbError::Invalid`]; a name in use is [`DbError::Duplicate`].
pub async fn add(
    conn: &mut PgConnection,
    new: &NewSchedule,
    by: &str,
) -> Result<Schedule, DbError> {
    new.check().map_err(|e| DbError::Invalid(e.to_string()))?;
    let mut tx = conn.begin().await?;
    let customer_ids = if new.customers.is_empty() {
        None
    } else {
        // An unknown name is a wrong field of the schedule, not a missing record.
        let rows = super::customers::ids_by_names(&mut *tx, &new.customers)
            .await
            .map_err(|e| match e {
                DbError::NotFound(what) => DbError::Invalid(what),
                e => e,
            })?;
        Some(rows.into_iter().map(|(id, _)| id).collect::<Vec<i64>>())
    };
    let (cadence, day) = new.cadence.columns();
    let formats: Vec<&str> = new.formats.iter().map(|f| f.extension()).collect();
    let recipients: Vec<String> = new
        .recipients
        .iter()
        .map(|r| r.trim().to_string())
        .collect();
    let row: ScheduleRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO report_schedules (name, cadence, day, hour, customer_ids, formats, \
           recipients, to_customers) VALUES (btrim($1), $2, $3, $4, $5, $6, $7, $8) \
         RETURNING {SCHEDULE_COLUMNS}"
    )))
    .bind(&new.name)
    .bind(cadence)
    .bind(day)
    .bind(i16::from(new.hour))
    .bind(&customer_ids)
    .bind(&formats)
    .bind(&recipients)
    .bind(new.to_customers)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        by,
        "report_schedule.add",
        Some(("report_schedule", row.id)),
        json!({
            "name": row.name, "cadence": new.cadence.to_string(), "hour": new.hour,
            "customers": customer_ids, "formats": formats, "recipients": recipients,
            "to_customers": new.to_customers,
        }),
    )
    .await?;
    tx.commit().await?;
    row.try_into()
}

/// Removes a schedule and its delivery records (audited).
pub async fn remove(conn: &mut PgConnection, which: &str, by: &str) -> Result<Schedule, DbError> {
    let mut tx = conn.begin().await?;
    let s = find(&mut *tx, which).await?;
    sqlx::query("DELETE FROM report_schedules WHERE id = $1")
        .bind(s.id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        by,
        "report_schedule.remove",
        Some(("report_schedule", s.id)),
        json!({ "name": s.name }),
    )
    .await?;
    tx.commit().await?;
    Ok(s)
}

/// The newest deliveries first; of one schedule when given.
pub async fn deliveries(
    ex: impl PgExecutor<'_>,
    schedule: Option<i64>,
    limit: i64,
) -> Result<Vec<Delivery>, DbError> {
    let rows: Vec<DeliveryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{DELIVERY_SELECT} WHERE ($1::bigint IS NULL OR d.schedule_id = $1) \
         ORDER BY d.period_from DESC, d.generated_at DESC, d.id DESC LIMIT $2"
    )))
    .bind(schedule)
    .bind(limit)
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().map(Delivery::from).collect())
}

/// Deliveries an operator has to look at: unknown outcome, or failed for good.
pub async fn needing_attention(ex: impl PgExecutor<'_>) -> Result<Vec<Delivery>, DbError> {
    let rows: Vec<DeliveryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{DELIVERY_SELECT} WHERE d.state = 'unknown' \
           OR (d.state = 'failed' AND d.next_attempt_at IS NULL) ORDER BY d.id"
    )))
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().map(Delivery::from).collect())
}

/// Whether the part `part` of `schedule`'s report for the period from `from` has a record.
pub async fn exists(
    ex: impl PgExecutor<'_>,
    schedule: i64,
    from: NaiveDate,
    part: &str,
) -> Result<bool, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM report_deliveries \
         WHERE schedule_id = $1 AND period_from = $2 AND part = $3)",
    )
    .bind(schedule)
    .bind(from)
    .bind(part)
    .fetch_one(ex)
    .await?)
}

/// A generated part, before it is recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    pub schedule_id: i64,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub part: String,
    pub customer_id: Option<i64>,
    pub recipients: Vec<String>,
    pub paths: Vec<String>,
    pub checksums: Vec<String>,
    /// Why it cannot be mailed (no recipients, Graph not configured), if so.
    pub note: Option<String>,
}

/// Records a generated part; `None` when the part already has a record (the UNIQUE key).
pub async fn record(ex: impl PgExecutor<'_>, d: &NewDelivery) -> Result<Option<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO report_deliveries (schedule_id, period_from, period_to, part, customer_id, \
           state, recipients, paths, checksums, note) \
         VALUES ($1, $2, $3, $4, $5, 'generated', $6, $7, $8, $9) \
         ON CONFLICT (schedule_id, period_from, part) DO NOTHING RETURNING id",
    )
    .bind(d.schedule_id)
    .bind(d.period_from)
    .bind(d.period_to)
    .bind(&d.part)
    .bind(d.customer_id)
    .bind(&d.recipients)
    .bind(&d.paths)
    .bind(&d.checksums)
    .bind(&d.note)
    .fetch_optional(ex)
    .await?)
}

/// Deliveries left in `sending` by a process that stopped before Graph answered: their outcome
/// is unknown. Only called under the scheduler's lock, so no live process is sending them.
pub async fn settle_interrupted(ex: impl PgExecutor<'_>) -> Result<Vec<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "UPDATE report_deliveries SET state = 'unknown', updated_at = now(), \
           last_error = 'the process sending it stopped before Microsoft Graph answered; \
the mail may have been sent' \
         WHERE state = 'sending' RETURNING id",
    )
    .fetch_all(ex)
    .await?)
}

/// Deliveries to mail now: generated ones with recipients, and failed ones whose retry is due.
pub async fn to_send(
    ex: impl PgExecutor<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<Delivery>, DbError> {
    let rows: Vec<DeliveryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{DELIVERY_SELECT} WHERE cardinality(d.recipients) > 0 \
           AND (d.state = 'generated' \
                OR (d.state = 'failed' AND d.next_attempt_at IS NOT NULL \
                    AND d.next_attempt_at <= $1)) \
         ORDER BY d.id"
    )))
    .bind(now)
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().map(Delivery::from).collect())
}

/// Marks a delivery `sending` in its own statement (committed before the request goes out);
/// returns the attempt number, or `None` when it is no longer waiting to be sent.
pub async fn start_sending(ex: impl PgExecutor<'_>, id: i64) -> Result<Option<i32>, DbError> {
    Ok(sqlx::query_scalar(
        "UPDATE report_deliveries SET state = 'sending', attempts = attempts + 1, \
           updated_at = now() \
         WHERE id = $1 AND state IN ('generated', 'failed') RETURNING attempts",
    )
    .bind(id)
    .fetch_optional(ex)
    .await?)
}

/// Graph accepted the mail.
pub async fn sent(
    ex: impl PgExecutor<'_>,
    id: i64,
    at: DateTime<Utc>,
    note: Option<&str>,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE report_deliveries SET state = 'sent', sent_at = $2, note = $3, \
           last_error = NULL, next_attempt_at = NULL, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(at)
    .bind(note)
    .execute(ex)
    .await?;
    Ok(())
}

/// The mail was certainly not sent; tried again at `retry` (`None`: only by an operator).
pub async fn failed(
    ex: impl PgExecutor<'_>,
    id: i64,
    error: &str,
    retry: Option<DateTime<Utc>>,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE report_deliveries SET state = 'failed', last_error = $2, next_attempt_at = $3, \
           updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .bind(retry)
    .execute(ex)
    .await?;
    Ok(())
}

/// The request went out and no answer came back: maybe sent, never sent again by itself.
pub async fn unknown(ex: impl PgExecutor<'_>, id: i64, error: &str) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE report_deliveries SET state = 'unknown', last_error = $2, \
           next_attempt_at = NULL, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .execute(ex)
    .await?;
    Ok(())
}

/// What an operator decided about a delivery whose outcome is unknown or that failed for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// Send it again at the next pass (a second copy if the first did arrive).
    Resend,
    /// It did arrive: record it as sent.
    MarkSent,
}

/// Applies an operator's decision (audited). Only unknown and failed deliveries can be settled.
pub async fn settle(
    conn: &mut PgConnection,
    id: i64,
    how: Settle,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Delivery, DbError> {
    let mut tx = conn.begin().await?;
    let state: Option<String> =
        sqlx::query_scalar("SELECT state FROM report_deliveries WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let state = state.ok_or_else(|| DbError::NotFound(format!("report delivery {id}")))?;
    if !matches!(state.as_str(), "unknown" | "failed") {
        return Err(DbError::Rejected(format!(
            "report delivery {id} is {state}: only unknown or failed deliveries are resent or \
             marked sent"
        )));
    }
    let (action, sql) = match how {
        Settle::Resend => (
            "report_delivery.resend",
            "UPDATE report_deliveries SET state = 'generated', next_attempt_at = NULL, \
               updated_at = now() WHERE id = $1",
        ),
        Settle::MarkSent => (
            "report_delivery.mark_sent",
            "UPDATE report_deliveries SET state = 'sent', sent_at = $2, next_attempt_at = NULL, \
               note = 'marked sent by an operator', updated_at = now() WHERE id = $1",
        ),
    };
    sqlx::query(sql)
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        by,
        action,
        Some(("report_delivery", id)),
        json!({ "was": state }),
    )
    .await?;
    let rows: Vec<DeliveryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{DELIVERY_SELECT} WHERE d.id = $1"
    )))
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    rows.into_iter()
        .next()
        .map(Delivery::from)
        .ok_or_else(|| DbError::NotFound(format!("report delivery {id}")))
}

/// A customer in a schedule's scope with its contact address.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Contact {
    pub id: i64,
    pub name: String,
    pub contact_email: Option<String>,
}

/// The customers of a scope (`None`: every active one) that are not deleted, by name.
pub async fn scope_customers(
    ex: impl PgExecutor<'_>,
    ids: Option<&[i64]>,
) -> Result<Vec<Contact>, DbError> {
    Ok(sqlx::query_as(
        "SELECT id, name, contact_email FROM customers WHERE deleted_at IS NULL \
           AND (($1::bigint[] IS NULL AND active) OR id = ANY($1)) ORDER BY lower(name), id",
    )
    .bind(ids)
    .fetch_all(ex)
    .await?)
}

/// Sets or clears (`None`) the contact address of the customer named `customer` (any case;
/// audited).
pub async fn set_contact(
    conn: &mut PgConnection,
    customer: &str,
    email: Option<&str>,
    by: &str,
) -> Result<Contact, DbError> {
    set_contact_of(conn, None, customer, email, by).await
}

/// [`set_contact`] for the customer with this id.
pub async fn set_contact_by_id(
    conn: &mut PgConnection,
    id: i64,
    email: Option<&str>,
    by: &str,
) -> Result<Contact, DbError> {
    set_contact_of(conn, Some(id), "", email, by).await
}

async fn set_contact_of(
    conn: &mut PgConnection,
    id: Option<i64>,
    customer: &str,
    email: Option<&str>,
    by: &str,
) -> Result<Contact, DbError> {
    let email = email.map(str::trim).filter(|e| !e.is_empty());
    if let Some(e) = email
        && !crate::domain::report_schedule::is_address(e)
    {
        return Err(DbError::Invalid(format!("“{e}” is not a mail address")));
    }
    let mut tx = conn.begin().await?;
    let c: Option<Contact> = sqlx::query_as(
        "UPDATE customers SET contact_email = $2 \
         WHERE (id = $3 OR ($3 IS NULL AND lower(name) = lower(btrim($1)))) \
           AND deleted_at IS NULL \
         RETURNING id, name, contact_email",
    )
    .bind(customer)
    .bind(email)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let c = c.ok_or_else(|| match id {
        Some(id) => DbError::NotFound(format!("customer {id}")),
        None => DbError::NotFound(format!("no customer named “{customer}”")),
    })?;
    audit::record(
        &mut *tx,
        by,
        "customer.contact",
        Some(("customer", c.id)),
        json!({ "contact_email": email }),
    )
    .await?;
    tx.commit().await?;
    Ok(c)
}

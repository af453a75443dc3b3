//! Report schedules: when a scheduled report is due, which period it covers, which parts it has
//! (the internal report and each customer's own) and when a failed delivery is tried again.
//! Pure: "now" and the time zone are passed in.

use crate::domain::missed::local_instant;
use crate::domain::report::Period;
use crate::reports::Format;
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;
use std::fmt;

/// Graph's limit for one sendMail request, attachments (base64) included.
pub const SEND_LIMIT: usize = 4 * 1024 * 1024;
/// Room left in [`SEND_LIMIT`] for the JSON around the attachments (subject, body, recipients).
pub const ENVELOPE_ROOM: usize = 64 * 1024;
/// A failed delivery is tried this many times in all; then it waits for an operator.
pub const MAX_ATTEMPTS: i32 = 6;

/// How often a schedule makes its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// On this day of the month (1–31; the last day in a shorter month), for the previous month.
    Monthly(u8),
    /// On this weekday, for the previous week (Monday to Sunday).
    Weekly(Weekday),
}

/// Why a cadence was refused; shown as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CadenceError {
    #[error(
        "bad schedule `{0}`: expected monthly:DAY (1–31) or weekly:WEEKDAY (mon … sun), \
         e.g. monthly:1 or weekly:mon"
    )]
    Bad(String),
}

impl Cadence {
    /// `monthly:1`, `weekly:mon` (a weekday by its English name or first three letters).
    pub fn parse(text: &str) -> Result<Cadence, CadenceError> {
        let bad = || CadenceError::Bad(text.to_string());
        let (kind, day) = text.trim().split_once(':').ok_or_else(bad)?;
        match kind.trim().to_ascii_lowercase().as_str() {
            "monthly" => match day.trim().parse::<u8>() {
                Ok(d @ 1..=31) => Ok(Cadence::Monthly(d)),
                _ => Err(bad()),
            },
            "weekly" => day
                .trim()
                .parse::<Weekday>()
                .map(Cadence::Weekly)
                .map_err(|_| bad()),
            _ => Err(bad()),
        }
    }

    /// The database's `cadence` and `day` columns.
    pub fn columns(self) -> (&'static str, i16) {
        match self {
            Cadence::Monthly(d) => ("monthly", i16::from(d)),
            Cadence::Weekly(w) => ("weekly", w.number_from_monday() as i16),
        }
    }

    /// From the `cadence` and `day` columns; `None` for values the database should not hold.
    pub fn from_columns(cadence: &str, day: i16) -> Option<Cadence> {
        match cadence {
            "monthly" => u8::try_from(day)
                .ok()
                .filter(|d| (1..=31).contains(d))
                .map(Cadence::Monthly),
            "weekly" => {
                let n = u8::try_from(day).ok().filter(|d| (1..=7).contains(d))?;
                Weekday::try_from(n - 1).ok().map(Cadence::Weekly)
            }
            _ => None,
        }
    }

    /// The latest date on or before `today` the schedule makes its report.
    fn last_date_on_or_before(self, today: NaiveDate) -> NaiveDate {
        match self {
            Cadence::Monthly(day) => {
                let this = day_in_month(today, day);
                if this <= today {
                    this
                } else {
                    let prev = today
                        .with_day(1)
                        .and_then(|d| d.checked_sub_months(Months::new(1)))
                        .unwrap_or(today);
                    day_in_month(prev, day)
                }
            }
            Cadence::Weekly(w) => {
                let back =
                    (7 + today.weekday().num_days_from_monday() - w.num_days_from_monday()) % 7;
                today
                    .checked_sub_days(Days::new(u64::from(back)))
                    .unwrap_or(today)
            }
        }
    }

    /// The period a report made on `date` covers.
    fn period_for(self, date: NaiveDate) -> Period {
        match self {
            Cadence::Monthly(_) => {
                Period::month_of(date.with_day(1).and_then(|d| d.pred_opt()).unwrap_or(date))
            }
            Cadence::Weekly(_) => {
                let monday = date
                    .checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
                    .unwrap_or(date);
                let to = monday.pred_opt().unwrap_or(monday);
                let from = to.checked_sub_days(Days::new(6)).unwrap_or(to);
                Period { from, to }
            }
        }
    }
}

impl fmt::Display for Cadence {
    /// `monthly:1`, `weekly:mon`: what [`Cadence::parse`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cadence::Monthly(d) => write!(f, "monthly:{d}"),
            Cadence::Weekly(w) => write!(f, "weekly:{}", w.to_string().to_ascii_lowercase()),
        }
    }
}

/// Day `day` of the month of `date`, or the month's last day when it is shorter.
fn day_in_month(date: NaiveDate, day: u8) -> NaiveDate {
    let first = date.with_day(1).unwrap_or(date);
    let last = first
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first);
    first.with_day(u32::from(day)).unwrap_or(last).min(last)
}

/// The latest occasion of a schedule at or before `now`: when it became due and the period it
/// covers. A schedule makes the report of that occasion once; earlier occasions it missed (the
/// program was not running) are not made up for, apart from this latest one.
pub fn latest_due(
    cadence: Cadence,
    hour: u8,
    now: DateTime<Utc>,
    tz: Tz,
) -> (DateTime<Utc>, Period) {
    let today = now.with_timezone(&tz).date_naive();
    let at = |date: NaiveDate| {
        let time = NaiveTime::from_hms_opt(u32::from(hour.min(23)), 0, 0).unwrap_or(NaiveTime::MIN);
        local_instant(tz, date, time).unwrap_or_else(|| date.and_time(time).and_utc())
    };
    let mut date = cadence.last_date_on_or_before(today);
    if at(date) > now {
        // Due later today: the occasion before.
        let before = date.pred_opt().unwrap_or(date);
        date = cadence.last_date_on_or_before(before);
    }
    (at(date), cadence.period_for(date))
}

/// One part of a scheduled report: what goes to whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// The report over the schedule's whole scope, written to the folder and mailed to the
    /// internal recipients.
    Internal,
    /// One customer's own report, mailed to its contact address.
    Customer(i64),
}

impl Part {
    /// The key of the delivery record: `internal`, `customer:17`.
    pub fn key(&self) -> String {
        match self {
            Part::Internal => "internal".to_string(),
            Part::Customer(id) => format!("customer:{id}"),
        }
    }
}

/// When a delivery that failed for the `attempts`-th time is tried again: 5 minutes, doubling,
/// at most 6 hours; `None` after [`MAX_ATTEMPTS`] (an operator resends it).
pub fn retry_at(attempts: i32, failed_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 10)).unwrap_or(0);
    let minutes = (5i64 << exp).min(6 * 60);
    failed_at.checked_add_signed(TimeDelta::minutes(minutes))
}

/// Bytes a file takes in a sendMail request: base64 makes 3 bytes into 4.
pub fn encoded_size(bytes: usize) -> usize {
    bytes.div_ceil(3) * 4
}

/// Whether attachments of these sizes fit into one sendMail request with the mail around them.
pub fn fits_in_one_request(sizes: &[usize]) -> bool {
    let total: usize = sizes.iter().map(|s| encoded_size(*s)).sum();
    total + ENVELOPE_ROOM <= SEND_LIMIT
}

/// A plausible mail address: one `@`, something on both sides, no spaces. Graph says the rest.
pub fn is_address(text: &str) -> bool {
    let t = text.trim();
    match t.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !t.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// A schedule to add, as the command line and the interface give it; checked by
/// [`NewSchedule::check`] before it is stored (customer names are checked against the database).
#[derive(Debug, Clone, PartialEq)]
pub struct NewSchedule {
    pub name: String,
    pub cadence: Cadence,
    pub hour: u8,
    /// Customer names (any case); empty: every active customer.
    pub customers: Vec<String>,
    pub formats: Vec<Format>,
    pub recipients: Vec<String>,
    pub to_customers: bool,
}

/// Why a schedule's fields were refused; shown as it is, by `report schedule add` and the form
/// of the Reports pane alike.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("a schedule needs a name")]
    NoName,
    #[error(transparent)]
    Cadence(#[from] CadenceError),
    #[error("hour `{0}` is not 0–23")]
    Hour(String),
    #[error("`{0}` is not one of pdf, html, csv, md, json")]
    Format(String),
    #[error("a schedule needs at least one format")]
    NoFormat,
    #[error("“{0}” is not a mail address")]
    Address(String),
}

/// The local hour a report is due from: 0–23.
pub fn parse_hour(text: &str) -> Result<u8, FieldError> {
    match text.trim().parse::<u8>() {
        Ok(h @ 0..=23) => Ok(h),
        _ => Err(FieldError::Hour(text.trim().to_string())),
    }
}

/// One format by name: pdf, html, csv, md, json.
pub fn parse_format(text: &str) -> Result<Format, FieldError> {
    Format::parse(text).ok_or_else(|| FieldError::Format(text.trim().to_string()))
}

/// The formats asked for, each once, in the order asked; none asked: PDF.
pub fn formats_or_default(asked: &[Format]) -> Vec<Format> {
    if asked.is_empty() {
        return vec![Format::Pdf];
    }
    let mut out: Vec<Format> = Vec::new();
    for f in asked {
        if !out.contains(f) {
            out.push(*f);
        }
    }
    out
}

/// The items of a list typed into one field: separated by commas or semicolons, trimmed, the
/// empty ones dropped.
pub fn split_list(text: &str) -> Vec<String> {
    text.split([',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The texts of the interface's schedule form, one per field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldTexts<'a> {
    pub name: &'a str,
    /// `monthly:DAY` or `weekly:WEEKDAY`, as `--every` reads.
    pub cadence: &'a str,
    pub hour: &'a str,
    /// Customer names separated by commas; empty: every active customer.
    pub customers: &'a str,
    /// Formats separated by commas or spaces; empty: PDF.
    pub formats: &'a str,
    /// Internal addresses separated by commas or semicolons.
    pub recipients: &'a str,
    pub to_customers: bool,
}

impl NewSchedule {
    /// The schedule typed into the form, read with the rules of `report schedule add`.
    pub fn from_texts(t: &FieldTexts<'_>) -> Result<NewSchedule, FieldError> {
        let formats = t
            .formats
            .split([',', ';', ' ', '+'])
            .filter(|f| !f.trim().is_empty())
            .map(parse_format)
            .collect::<Result<Vec<Format>, FieldError>>()?;
        let new = NewSchedule {
            name: t.name.trim().to_string(),
            cadence: Cadence::parse(t.cadence)?,
            hour: parse_hour(t.hour)?,
            customers: split_list(t.customers),
            formats: formats_or_default(&formats),
            recipients: split_list(t.recipients),
            to_customers: t.to_customers,
        };
        new.check()?;
        Ok(new)
    }

    /// What holds whatever the database says: a name, an hour of the day, a format, and
    /// plausible addresses.
    pub fn check(&self) -> Result<(), FieldError> {
        if self.name.trim().is_empty() {
            return Err(FieldError::NoName);
        }
        if self.hour > 23 {
            return Err(FieldError::Hour(self.hour.to_string()));
        }
        if self.formats.is_empty() {
            return Err(FieldError::NoFormat);
        }
        if let Some(bad) = self.recipients.iter().find(|r| !is_address(r)) {
            return Err(FieldError::Address(bad.trim().to_string()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn parses_and_prints_cadences() {
        assert_eq!(Cadence::parse("monthly:1"), Ok(Cadence::Monthly(1)));
        assert_eq!(
            Cadence::parse(" Weekly:Monday "),
            Ok(Cadence::Weekly(Weekday::Mon))
        );
        assert!(Cadence::parse("monthly:0").is_err());
        assert!(Cadence::parse("monthly:32").is_err());
        assert!(Cadence::parse("daily:1").is_err());
        assert_eq!(Cadence::Weekly(Weekday::Fri).to_string(), "weekly:fri");
        for c in [Cadence::Monthly(31), Cadence::Weekly(Weekday::Sun)] {
            let (k, d) = c.columns();
            assert_eq!(Cadence::from_columns(k, d), Some(c));
        }
    }

    #[test]
    fn monthly_is_due_from_the_hour_of_its_day_for_the_previous_month() {
        let tz = chrono_tz::UTC;
        let c = Cadence::Monthly(1);
        // Before 06:00 on the 1st: still November's occasion (October's report).
        let (at, p) = latest_due(c, 6, utc(2026, 12, 1, 5), tz);
        assert_eq!(
            (at, p.from, p.to),
            (utc(2026, 11, 1, 6), date(2026, 10, 1), date(2026, 10, 31))
        );
        let (at, p) = latest_due(c, 6, utc(2026, 12, 1, 6), tz);
        assert_eq!(
            (at, p.from, p.to),
            (utc(2026, 12, 1, 6), date(2026, 11, 1), date(2026, 11, 30))
        );
        // Day 31 falls on the last day of a shorter month.
        let (at, p) = latest_due(Cadence::Monthly(31), 0, utc(2027, 2, 28, 1), tz);
        assert_eq!((at, p.from), (utc(2027, 2, 28, 0), date(2027, 1, 1)));
    }

    #[test]
    fn weekly_covers_the_previous_monday_to_sunday_in_local_time() {
        let tz: Tz = "Europe/Amsterdam".parse().unwrap();
        // Monday 2026-12-07 06:00 local is 05:00 UTC.
        let c = Cadence::Weekly(Weekday::Mon);
        let (at, p) = latest_due(c, 6, utc(2026, 12, 7, 5), tz);
        assert_eq!(
            (at, p.from, p.to),
            (utc(2026, 12, 7, 5), date(2026, 11, 30), date(2026, 12, 6))
        );
        let (at, _) = latest_due(c, 6, utc(2026, 12, 7, 4), tz);
        assert_eq!(at, utc(2026, 11, 30, 5));
        // On a Wednesday the Monday occasion still stands.
        let (at, _) = latest_due(c, 6, utc(2026, 12, 9, 12), tz);
        assert_eq!(at, utc(2026, 12, 7, 5));
    }

    #[test]
    fn retries_back_off_and_stop() {
        let t = utc(2026, 12, 1, 6);
        assert_eq!(retry_at(1, t), Some(t + TimeDelta::minutes(5)));
        assert_eq!(retry_at(3, t), Some(t + TimeDelta::minutes(20)));
        assert_eq!(retry_at(MAX_ATTEMPTS, t), None);
    }

    #[test]
    fn the_request_limit_counts_base64() {
        assert_eq!(encoded_size(3), 4);
        assert_eq!(encoded_size(4), 8);
        // 3 MB of files is 4 MB of base64: over the limit.
        assert!(!fits_in_one_request(&[3 * 1024 * 1024]));
        assert!(fits_in_one_request(&[1024 * 1024, 1024 * 1024]));
    }

    #[test]
    fn addresses() {
        assert!(is_address("ops@example.com"));
        assert!(!is_address("ops example.com"));
        assert!(!is_address("a@b@c"));
        assert!(!is_address("@b"));
    }

    #[test]
    fn form_texts_read_as_the_command_line_does() {
        let ok = FieldTexts {
            name: " Monthly to the team ",
            cadence: "monthly:1",
            hour: "7",
            customers: "Acme, Beta ,",
            formats: "csv, pdf csv",
            recipients: "ops@msp.example; boss@msp.example",
            to_customers: true,
        };
        let new = NewSchedule::from_texts(&ok).unwrap();
        assert_eq!(new.name, "Monthly to the team");
        assert_eq!(new.cadence, Cadence::Monthly(1));
        assert_eq!(new.hour, 7);
        assert_eq!(new.customers, vec!["Acme", "Beta"]);
        assert_eq!(new.formats, vec![Format::Csv, Format::Pdf]);
        assert_eq!(new.recipients, vec!["ops@msp.example", "boss@msp.example"]);
        assert!(new.to_customers);
        let defaults = NewSchedule::from_texts(&FieldTexts {
            formats: "",
            ..ok.clone()
        })
        .unwrap();
        assert_eq!(defaults.formats, vec![Format::Pdf]);
        let refused = |t: FieldTexts<'_>| NewSchedule::from_texts(&t).unwrap_err().to_string();
        assert!(
            refused(FieldTexts {
                name: " ",
                ..ok.clone()
            })
            .contains("needs a name")
        );
        assert!(
            refused(FieldTexts {
                cadence: "monthly:32",
                ..ok.clone()
            })
            .contains("monthly:DAY")
        );
        assert!(
            refused(FieldTexts {
                hour: "24",
                ..ok.clone()
            })
            .contains("not 0–23")
        );
        assert!(
            refused(FieldTexts {
                formats: "pdf, docx",
                ..ok.clone()
            })
            .contains("`docx`")
        );
        assert!(
            refused(FieldTexts {
                recipients: "ops@x, not an address",
                ..ok
            })
            .contains("“not an address” is not a mail address")
        );
    }
}

//! A generated history of report mails whose truth is known: the jobs, their schedules in their
//! own scheduler's timezone, and for every slot whether its report was sent and when.
//!
//! Independent of the product: only chrono and chrono-tz, so the truth never comes from the code
//! under test. Shared by the accuracy test and `cargo bench --bench accuracy`.

use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

/// Which local dates of its scheduler a job runs on.
#[derive(Debug, Clone)]
pub enum RunDays {
    Daily,
    Weekdays(Vec<Weekday>),
    MonthDays(Vec<u32>),
}

impl RunDays {
    fn due(&self, d: NaiveDate) -> bool {
        match self {
            RunDays::Daily => true,
            RunDays::Weekdays(w) => w.contains(&d.weekday()),
            RunDays::MonthDays(m) => m.contains(&d.day()),
        }
    }

    fn label(&self) -> String {
        match self {
            RunDays::Daily => "daily".into(),
            RunDays::Weekdays(w) => w
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("/"),
            RunDays::MonthDays(m) => {
                let d: Vec<String> = m.iter().map(u32::to_string).collect();
                format!("monthly {}", d.join("+"))
            }
        }
    }
}

/// One period of a job's schedule: from `from` (its scheduler's local date) on.
#[derive(Debug, Clone)]
pub struct Period {
    pub from: NaiveDate,
    pub days: RunDays,
    pub time: NaiveTime,
}

/// What a job is and how it behaves.
#[derive(Debug, Clone)]
pub struct JobSpec {
    pub customer: String,
    pub sender: String,
    pub job_name: String,
    /// The timezone of the machine that runs the job (not necessarily the product's).
    pub scheduler_tz: Tz,
    /// Oldest first; the last one is the schedule in force.
    pub periods: Vec<Period>,
    /// Longest delay between the start and the report, in minutes (the report comes after).
    pub max_delay_minutes: i64,
    /// Share of slots (per mille) whose report never came, at random.
    pub miss_per_mille: u32,
    /// Scheduler-local dates whose report never came, whatever the dice say.
    pub forced_misses: Vec<NaiveDate>,
}

impl JobSpec {
    pub fn label(&self) -> String {
        let p = self.periods.last().map_or(String::new(), |p| {
            format!("{} {}", p.days.label(), p.time.format("%H:%M"))
        });
        let changed = if self.periods.len() > 1 {
            " (changed)"
        } else {
            ""
        };
        format!("{p} {}{changed}", self.scheduler_tz.name())
    }
}

/// One expected run, and what became of it.
#[derive(Debug, Clone)]
pub struct TruthSlot {
    /// When the job was started.
    pub expected: DateTime<Utc>,
    /// When its report was sent; `None` when it never came.
    pub sent: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct JobTruth {
    pub spec: JobSpec,
    pub slots: Vec<TruthSlot>,
}

impl JobTruth {
    /// When the job's first report came.
    pub fn first_report(&self) -> Option<DateTime<Utc>> {
        self.slots.iter().filter_map(|s| s.sent).min()
    }
}

/// One mail file: its name and bytes.
pub struct MailFile {
    pub name: String,
    pub raw: Vec<u8>,
}

pub struct Corpus {
    pub now: DateTime<Utc>,
    pub jobs: Vec<JobTruth>,
    pub mails: Vec<MailFile>,
}

/// A small deterministic generator (SplitMix64): the same corpus on every run.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The instant a scheduler in `tz` starts a job at local `time` on `date`: a time in the spring
/// gap runs when the clock has jumped (an hour later), a doubled autumn time runs at its first.
pub fn scheduler_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = date.and_time(time);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => {
            let later = local + TimeDelta::hours(1);
            match tz.from_local_datetime(&later) {
                LocalResult::Single(t) => t.with_timezone(&Utc),
                LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
                LocalResult::None => Utc.from_utc_datetime(&local),
            }
        }
    }
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
}

/// Customer number, job name, scheduler timezone, days, time, longest report delay (minutes),
/// random miss rate (per mille), forced misses.
type Row = (
    usize,
    &'static str,
    Tz,
    RunDays,
    NaiveTime,
    i64,
    u32,
    Vec<NaiveDate>,
);

/// The jobs of the onboarding corpus: 40 jobs of 10 customers, 60 days of history up to
/// Thursday 30 October 2025 12:00 in Amsterdam, so the back-fill week holds the end of summer
/// time in Europe (26 October) while New York is still on summer time.
pub fn onboarding_specs() -> Vec<JobSpec> {
    use Weekday::*;
    let ams: Tz = chrono_tz::Europe::Amsterdam;
    let utc: Tz = chrono_tz::UTC;
    let ny: Tz = chrono_tz::America::New_York;
    let start = d(2025, 8, 31);
    let mon_fri = || RunDays::Weekdays(vec![Mon, Tue, Wed, Thu, Fri]);
    let rows: Vec<Row> = vec![
        (
            0,
            "Daily VMs",
            ams,
            RunDays::Daily,
            hm(22, 0),
            40,
            60,
            vec![d(2025, 10, 27)],
        ),
        (
            0,
            "File server",
            ams,
            mon_fri(),
            hm(21, 0),
            30,
            60,
            vec![d(2025, 10, 28)],
        ),
        (
            0,
            "Late night",
            ams,
            mon_fri(),
            hm(23, 50),
            25,
            60,
            vec![d(2025, 10, 24)],
        ),
        (
            0,
            "Month ends",
            ams,
            RunDays::MonthDays(vec![1, 15]),
            hm(3, 0),
            20,
            0,
            vec![d(2025, 10, 15)],
        ),
        (
            1,
            "SQL dumps",
            ams,
            RunDays::Daily,
            hm(1, 15),
            15,
            60,
            vec![d(2025, 10, 25), d(2025, 10, 29)],
        ),
        (
            1,
            "Exchange",
            ams,
            RunDays::Weekdays(vec![Mon, Wed, Fri]),
            hm(22, 30),
            45,
            50,
            vec![d(2025, 10, 29)],
        ),
        (
            1,
            "Weekly full",
            ams,
            RunDays::Weekdays(vec![Sat]),
            hm(12, 0),
            90,
            0,
            vec![],
        ),
        (
            1,
            "DST daily",
            ams,
            RunDays::Daily,
            hm(2, 30),
            10,
            40,
            vec![d(2025, 10, 26)],
        ),
        (
            2,
            "NAS to cloud",
            ams,
            RunDays::Daily,
            hm(3, 0),
            60,
            80,
            vec![],
        ),
        (
            2,
            "Office PCs",
            ams,
            mon_fri(),
            hm(12, 30),
            40,
            60,
            vec![d(2025, 10, 23)],
        ),
        (
            2,
            "Before midnight",
            ams,
            RunDays::Daily,
            hm(23, 45),
            30,
            60,
            vec![d(2025, 10, 26)],
        ),
        (
            2,
            "Just after midnight",
            ams,
            mon_fri(),
            hm(0, 10),
            20,
            60,
            vec![d(2025, 10, 27)],
        ),
        (
            3,
            "UTC server nightly",
            utc,
            mon_fri(),
            hm(22, 30),
            20,
            50,
            vec![d(2025, 10, 27)],
        ),
        (
            3,
            "UTC daily",
            utc,
            RunDays::Daily,
            hm(23, 0),
            15,
            50,
            vec![d(2025, 10, 28)],
        ),
        (
            3,
            "Tue Thu",
            ams,
            RunDays::Weekdays(vec![Tue, Thu]),
            hm(20, 0),
            30,
            50,
            vec![d(2025, 10, 28)],
        ),
        (
            3,
            "Sunday archive",
            ams,
            RunDays::Weekdays(vec![Sun]),
            hm(4, 0),
            30,
            0,
            vec![d(2025, 10, 26)],
        ),
        (
            4,
            "New York daily",
            ny,
            RunDays::Daily,
            hm(20, 0),
            30,
            50,
            vec![d(2025, 10, 27)],
        ),
        (
            4,
            "New York weekdays",
            ny,
            mon_fri(),
            hm(18, 30),
            30,
            50,
            vec![],
        ),
        (
            4,
            "Hyper Backup",
            ams,
            RunDays::Daily,
            hm(4, 30),
            120,
            60,
            vec![d(2025, 10, 24)],
        ),
        (
            4,
            "Monthly first",
            ams,
            RunDays::MonthDays(vec![1]),
            hm(5, 0),
            30,
            0,
            vec![],
        ),
        (
            5,
            "Proxmox vzdump",
            ams,
            RunDays::Daily,
            hm(21, 30),
            50,
            60,
            vec![d(2025, 10, 25)],
        ),
        (
            5,
            "PBS verify",
            ams,
            RunDays::Weekdays(vec![Mon, Thu]),
            hm(14, 0),
            30,
            40,
            vec![d(2025, 10, 27)],
        ),
        (
            5,
            "Mon to Sat",
            ams,
            RunDays::Weekdays(vec![Mon, Tue, Wed, Thu, Fri, Sat]),
            hm(19, 0),
            30,
            50,
            vec![],
        ),
        (
            5,
            "Weekend",
            ams,
            RunDays::Weekdays(vec![Sat, Sun]),
            hm(10, 30),
            30,
            50,
            vec![d(2025, 10, 25)],
        ),
        (
            6,
            "M365 mail",
            ams,
            RunDays::Daily,
            hm(2, 0),
            40,
            60,
            vec![d(2025, 10, 29)],
        ),
        (
            6,
            "M365 sharepoint",
            ams,
            RunDays::Daily,
            hm(5, 0),
            40,
            60,
            vec![],
        ),
        (
            6,
            "Agent laptops",
            ams,
            mon_fri(),
            hm(13, 0),
            90,
            80,
            vec![d(2025, 10, 29)],
        ),
        (
            6,
            "Near midnight MWF",
            ams,
            RunDays::Weekdays(vec![Mon, Wed, Fri]),
            hm(23, 55),
            15,
            50,
            vec![d(2025, 10, 27)],
        ),
        (
            7,
            "Duplicati home",
            ams,
            RunDays::Daily,
            hm(20, 0),
            30,
            80,
            vec![d(2025, 10, 23)],
        ),
        (
            7,
            "Syncovery",
            ams,
            RunDays::Daily,
            hm(18, 0),
            20,
            50,
            vec![],
        ),
        (
            7,
            "Acronis",
            ams,
            mon_fri(),
            hm(22, 0),
            60,
            60,
            vec![d(2025, 10, 24), d(2025, 10, 28)],
        ),
        (
            7,
            "Macrium",
            ams,
            RunDays::Weekdays(vec![Wed]),
            hm(15, 0),
            30,
            0,
            vec![d(2025, 10, 29)],
        ),
        (
            8,
            "QNAP HBS",
            ams,
            RunDays::Daily,
            hm(0, 30),
            30,
            60,
            vec![d(2025, 10, 26)],
        ),
        (8, "Backup Exec", ams, mon_fri(), hm(19, 30), 60, 60, vec![]),
        (
            8,
            "NAKIVO",
            ams,
            RunDays::Daily,
            hm(1, 45),
            30,
            60,
            vec![d(2025, 10, 28)],
        ),
        (
            8,
            "UTC weekly",
            utc,
            RunDays::Weekdays(vec![Fri]),
            hm(23, 30),
            20,
            0,
            vec![d(2025, 10, 24)],
        ),
        (
            9,
            "Veeam SOBR",
            ams,
            RunDays::Daily,
            hm(21, 0),
            40,
            60,
            vec![d(2025, 10, 29)],
        ),
        (
            9,
            "Veeam config",
            ams,
            RunDays::Daily,
            hm(10, 0),
            20,
            40,
            vec![],
        ),
        (
            9,
            "Agent servers",
            ams,
            mon_fri(),
            hm(23, 0),
            50,
            60,
            vec![d(2025, 10, 23)],
        ),
        (
            9,
            "NY monthly",
            ny,
            RunDays::MonthDays(vec![1, 15]),
            hm(21, 0),
            30,
            0,
            vec![],
        ),
    ];
    let mut specs: Vec<JobSpec> = rows
        .into_iter()
        .map(|(c, name, tz, days, time, delay, miss, forced)| JobSpec {
            customer: format!("Customer {}", (b'A' + c as u8) as char),
            sender: format!("backup@customer-{}.example", (b'a' + c as u8) as char),
            job_name: name.to_string(),
            scheduler_tz: tz,
            periods: vec![Period {
                from: start,
                days,
                time,
            }],
            max_delay_minutes: delay,
            miss_per_mille: miss,
            forced_misses: forced,
        })
        .collect();
    // A job that really changed its schedule: daily until October, then Mon/Wed/Fri.
    specs.push(JobSpec {
        customer: "Customer C".into(),
        sender: "backup@customer-c.example".into(),
        job_name: "Migrated".into(),
        scheduler_tz: ams,
        periods: vec![
            Period {
                from: start,
                days: RunDays::Daily,
                time: hm(22, 0),
            },
            Period {
                from: d(2025, 10, 1),
                days: RunDays::Weekdays(vec![Mon, Wed, Fri]),
                time: hm(22, 0),
            },
        ],
        max_delay_minutes: 30,
        miss_per_mille: 40,
        forced_misses: vec![d(2025, 10, 29)],
    });
    // A young job: its first report came two weeks ago.
    specs.push(JobSpec {
        customer: "Customer E".into(),
        sender: "backup@customer-e.example".into(),
        job_name: "New server".into(),
        scheduler_tz: ams,
        periods: vec![Period {
            from: d(2025, 10, 16),
            days: RunDays::Daily,
            time: hm(21, 15),
        }],
        max_delay_minutes: 20,
        miss_per_mille: 0,
        forced_misses: vec![d(2025, 10, 27)],
    });
    specs
}

/// Generates the slots and mails of `specs` from `from` (scheduler-local dates) up to `now`.
pub fn generate(specs: Vec<JobSpec>, now: DateTime<Utc>, history_days: u64, seed: u64) -> Corpus {
    let mut dice = Dice(seed);
    let mut jobs = Vec::new();
    let mut mails = Vec::new();
    for (j, spec) in specs.into_iter().enumerate() {
        let tz = spec.scheduler_tz;
        let today = now.with_timezone(&tz).date_naive();
        let first = today
            .checked_sub_days(Days::new(history_days))
            .unwrap_or(today);
        let mut slots = Vec::new();
        for date in first.iter_days().take_while(|x| *x <= today) {
            let Some(period) = spec.periods.iter().rev().find(|p| p.from <= date) else {
                continue;
            };
            if !period.days.due(date) {
                continue;
            }
            let expected = scheduler_instant(tz, date, period.time);
            let delay = 1 + dice.below(u64::try_from(spec.max_delay_minutes).unwrap_or(1));
            let sent_at = expected + TimeDelta::minutes(i64::try_from(delay).unwrap_or(1));
            let lost = spec.forced_misses.contains(&date)
                || dice.below(1000) < u64::from(spec.miss_per_mille);
            // A report not sent yet at `now` is neither sent nor missing: it is left out.
            if sent_at > now && !lost {
                continue;
            }
            let sent = (!lost).then_some(sent_at);
            if let Some(at) = sent {
                let status = match dice.below(20) {
                    0 => "Failed",
                    1 | 2 => "Warning",
                    _ => "Success",
                };
                mails.push(MailFile {
                    name: format!("{}-{j:03}-{}.eml", at.format("%Y%m%d%H%M%S"), date),
                    raw: mail(&spec, date, at, status, j),
                });
            }
            slots.push(TruthSlot { expected, sent });
        }
        jobs.push(JobTruth { spec, slots });
    }
    Corpus { now, jobs, mails }
}

/// A report in the documented `[backupchecks]` key: value format.
fn mail(spec: &JobSpec, date: NaiveDate, at: DateTime<Utc>, status: &str, j: usize) -> Vec<u8> {
    format!(
        "From: {} Backup <{}>\r\nTo: backups@msp.example\r\nSubject: [backupchecks] {}\r\n\
         Date: {}\r\nMessage-ID: <corpus-{j}-{date}@{}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Software: ScriptBackup\nType: Archive\nJob: {}\nStatus: {status}\n",
        spec.customer,
        spec.sender,
        spec.job_name,
        at.to_rfc2822(),
        spec.sender.split('@').nth(1).unwrap_or("example"),
        spec.job_name,
    )
    .into_bytes()
}

/// The onboarding corpus: 60 days up to Thursday 30 October 2025, 12:00 in Amsterdam.
pub fn onboarding() -> Corpus {
    let now = scheduler_instant(chrono_tz::Europe::Amsterdam, d(2025, 10, 30), hm(12, 0));
    generate(onboarding_specs(), now, 60, 0x00b4_c4ec)
}

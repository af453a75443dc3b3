//! A pinned schedule as an operator types it: days ("daily", "Mon, Wed, Fri", "Mon-Fri"), a time
//! (HH:MM, local) and an optional grace in minutes. Errors name the field and show what to type.

use crate::domain::schedule::{PinnedSchedule, Schedule};
use chrono::{NaiveTime, Weekday};

/// The longest grace that can be pinned: a week.
pub const MAX_GRACE_MINUTES: u32 = 7 * 24 * 60;

/// The schedule the three fields describe, or what is wrong with them.
pub fn parse_pinned(days: &str, time: &str, grace: &str) -> Result<PinnedSchedule, String> {
    let time = NaiveTime::parse_from_str(time.trim(), "%H:%M")
        .map_err(|_| "time: type HH:MM, e.g. 22:00".to_string())?;
    let days = days.trim().to_lowercase();
    let schedule = if matches!(days.as_str(), "daily" | "every day" | "all" | "") {
        Schedule::Daily { time }
    } else {
        let mut chosen = Vec::new();
        for part in days.split([',', ' ']).filter(|p| !p.trim().is_empty()) {
            match part.split_once(['-', '–']) {
                // A range runs forward through the week, so "Sat-Mon" is Sat, Sun, Mon.
                Some((from, to)) => {
                    let (mut d, to) = (weekday(from)?, weekday(to)?);
                    chosen.push(d);
                    while d != to {
                        d = d.succ();
                        chosen.push(d);
                    }
                }
                None => chosen.push(weekday(part)?),
            }
        }
        Schedule::weekly(chosen, time)
    };
    let grace_minutes = match grace.trim() {
        "" => None,
        g => Some(
            g.parse::<u32>()
                .ok()
                .filter(|m| *m <= MAX_GRACE_MINUTES)
                .ok_or_else(|| "grace: minutes, at most a week (10080)".to_string())?,
        ),
    };
    Ok(PinnedSchedule {
        schedule,
        grace_minutes,
    })
}

fn weekday(s: &str) -> Result<Weekday, String> {
    s.trim()
        .parse::<Weekday>()
        .map_err(|_| format!("\"{}\" is not a day (Mon … Sun)", s.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Weekday::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn daily_words_and_empty_days_are_daily() {
        for days in ["daily", "Every day", "ALL", "  "] {
            let p = parse_pinned(days, "22:00", "").unwrap();
            assert_eq!(p.schedule, Schedule::Daily { time: t(22, 0) }, "{days:?}");
            assert_eq!(p.grace_minutes, None);
        }
    }

    #[test]
    fn lists_and_ranges_of_weekdays() {
        let p = parse_pinned("Mon, Wed fri", " 07:30 ", "90").unwrap();
        assert_eq!(p.schedule, Schedule::weekly([Mon, Wed, Fri], t(7, 30)));
        assert_eq!(p.grace_minutes, Some(90));
        let p = parse_pinned("Mon-Fri", "01:00", "").unwrap();
        assert_eq!(
            p.schedule,
            Schedule::weekly([Mon, Tue, Wed, Thu, Fri], t(1, 0))
        );
        let p = parse_pinned("Mon-Wed, fri", "22:00", "").unwrap();
        assert_eq!(p.schedule, Schedule::weekly([Mon, Tue, Wed, Fri], t(22, 0)));
        // Ranges wrap around the end of the week; an en dash works as well.
        let p = parse_pinned("sat–mon", "01:00", "").unwrap();
        assert_eq!(p.schedule, Schedule::weekly([Sat, Sun, Mon], t(1, 0)));
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(
            parse_pinned("daily", "25:00", "").unwrap_err(),
            "time: type HH:MM, e.g. 22:00"
        );
        assert_eq!(
            parse_pinned("Mon, Funday", "22:00", "").unwrap_err(),
            "\"funday\" is not a day (Mon … Sun)"
        );
        assert_eq!(
            parse_pinned("daily", "22:00", "10081").unwrap_err(),
            "grace: minutes, at most a week (10080)"
        );
        assert!(parse_pinned("daily", "22:00", "-5").is_err());
        assert_eq!(
            parse_pinned("daily", "22:00", "10080")
                .unwrap()
                .grace_minutes,
            Some(10080)
        );
    }
}

//! Jobs (pane 4): every approved job with its schedule (pinned, learned, "Irregular",
//! "learning…"), a 30-day history strip, its last run and the 🎫/💬 indicators. Archived jobs
//! are listed too (dimmed), so that they can be unarchived.

use crate::db::indicators::JobIndicators;
use crate::db::jobs::JobListRow;
use crate::db::{self, DbError};
use crate::domain::history::worst_per_day;
use crate::domain::run_status::RunStatus;
use crate::tui::action::Action;
use crate::tui::list::{self, ListState};
use crate::tui::table::fit;
use crate::tui::theme::Theme;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use sqlx::PgPool;
use std::collections::HashMap;

/// Days in the history strip (today last).
pub const STRIP_DAYS: i64 = 30;

#[derive(Debug, Default)]
pub struct Jobs {
    pub data: Option<JobsData>,
    pub list: ListState,
    /// The job to put the cursor on when the data arrives (opened from Activity).
    pub focus: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct JobsData {
    pub rows: Vec<JobListRow>,
    pub indicators: Vec<JobIndicators>,
    /// The worst status per day of each job, oldest first, from one query over all jobs.
    pub strips: HashMap<i64, Vec<Option<RunStatus>>>,
    pub today: NaiveDate,
    pub grace: TimeDelta,
    pub tz: Tz,
}

/// The schedule as the list shows it: pinned beats learned ("Daily 22:00", "Weekly: Mon, Fri
/// 06:00", "Irregular"); "learning…" until there are enough runs.
pub fn schedule_label(row: &JobListRow) -> String {
    let s = &row.job.schedule;
    let with_time = |sched: &crate::domain::schedule::Schedule| match sched.time() {
        Some(t) => format!("{sched} {}", t.format("%H:%M")),
        None => sched.to_string(),
    };
    match (&s.pinned, &s.learned) {
        (Some(p), _) => format!("{} (pinned)", with_time(&p.schedule)),
        (None, Some(l)) => with_time(l),
        _ if row.job.informational => "informational".into(),
        // Irregular is learned like any schedule; nothing learned means too few runs so far.
        _ => "learning…".into(),
    }
}

impl Jobs {
    pub fn visible(&self) -> Vec<usize> {
        let Some(d) = &self.data else {
            return Vec::new();
        };
        d.rows
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                list::matches(
                    &self.list.filter,
                    &[
                        &r.job.customer_name,
                        &r.job.job_name,
                        &r.job.backup_software,
                        &r.job.backup_type,
                    ],
                )
            })
            .map(|(i, _)| i)
            .collect()
    }

    pub fn current(&self) -> Option<&JobListRow> {
        let d = self.data.as_ref()?;
        self.visible()
            .get(self.list.cursor)
            .and_then(|i| d.rows.get(*i))
    }

    /// Replaces the data, keeping the cursor on the same job.
    pub fn set_data(&mut self, data: JobsData) {
        let keep = self.focus.take().or(self.current().map(|r| r.job.id));
        self.data = Some(data);
        let ids: Vec<i64> = self
            .visible()
            .into_iter()
            .filter_map(|i| self.data.as_ref()?.rows.get(i).map(|r| r.job.id))
            .collect();
        self.list.follow(keep, ids.iter().copied());
        self.list.clamp(ids.len());
    }
}

pub async fn load(pool: PgPool, now: DateTime<Utc>) -> Action {
    async fn go(pool: &PgPool, now: DateTime<Utc>) -> Result<JobsData, DbError> {
        let policy = db::settings::policy(pool).await?;
        let tz = policy.timezone;
        let today = now.with_timezone(&tz).date_naive();
        let first = today - TimeDelta::days(STRIP_DAYS - 1);
        let rows = db::jobs::list_with_archived(pool).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.job.id).collect();
        let indicators = db::indicators::for_jobs(pool, &ids).await?;
        // One query for every strip: all runs of the window, grouped by job here.
        let points = db::runs::points_between(
            pool,
            None,
            now - TimeDelta::days(STRIP_DAYS + 1),
            now + TimeDelta::days(1),
        )
        .await?;
        let mut by_job: HashMap<i64, Vec<(DateTime<Utc>, RunStatus)>> = HashMap::new();
        for p in &points {
            if let Some(point) = p.status_point() {
                by_job.entry(p.job_id).or_default().push(point);
            }
        }
        let strips = by_job
            .into_iter()
            .map(|(job, points)| {
                let days = worst_per_day(&points, tz, first, today);
                (job, days.into_iter().map(|(_, s)| s).collect())
            })
            .collect();
        Ok(JobsData {
            rows,
            indicators,
            strips,
            today,
            grace: TimeDelta::minutes(i64::from(policy.missed_grace_minutes)),
            tz,
        })
    }
    match go(&pool, now).await {
        Ok(d) => Action::JobsLoaded(Box::new(d)),
        Err(e) => crate::tui::action::failed("loading Jobs", e),
    }
}

fn strip_spans(theme: &Theme, strip: Option<&Vec<Option<RunStatus>>>) -> Vec<Span<'static>> {
    (0..STRIP_DAYS as usize)
        .map(|i| {
            let st = strip.and_then(|s| s.get(i).copied().flatten());
            let style = st.map(|s| theme.status(s)).unwrap_or(theme.dim());
            Span::styled(theme.cell(st).to_string(), style)
        })
        .collect()
}

fn status_badge(theme: &Theme, status: Option<&str>) -> (String, Style) {
    match status.and_then(RunStatus::from_db) {
        Some(s) => theme.badge(s),
        None => ("—".into(), theme.dim()),
    }
}

pub fn draw(f: &mut Frame, area: Rect, s: &mut Jobs, theme: &Theme) {
    let Some(d) = &s.data else {
        f.render_widget(Block::bordered().title(" Jobs — loading… "), area);
        return;
    };
    let [top, foot] = Layout::vertical([Constraint::Min(4), Constraint::Length(4)]).areas(area);
    let archived = d.rows.iter().filter(|r| r.archived_at.is_some()).count();
    let mut title = format!(" Jobs — {} ({archived} archived)", d.rows.len());
    if !s.list.filter.is_empty() {
        title.push_str(&format!(
            " · filter: {}",
            crate::tui::sanitize::line(&s.list.filter)
        ));
    }
    title.push(' ');
    let block = Block::bordered().title(Span::styled(title, theme.title()));
    let inner = block.inner(top);
    f.render_widget(block, top);
    let w = inner.width as usize;
    let wide = w >= 120;
    let strip_w = STRIP_DAYS as usize;
    // marker 2, strip 30 + 1, indicators 5, separators; wide adds software, type and last run.
    let (sw, tw, lw) = if wide { (11, 11, 26) } else { (0, 0, 0) };
    let fixed = 2 + strip_w + 1 + 5 + if wide { sw + 1 + tw + 1 + lw + 1 } else { 0 };
    let rest = w.saturating_sub(fixed + 3);
    let schw = if wide {
        rest * 30 / 100
    } else {
        rest * 36 / 100
    };
    let cw = (rest - schw) * 45 / 100;
    let jw = rest - schw - cw;
    let mut header = format!("  {:<cw$} ", "Customer");
    if wide {
        header.push_str(&format!("{:<sw$} {:<tw$} ", "Software", "Type"));
    }
    header.push_str(&format!(
        "{:<jw$} {:<schw$} {:<strip_w$} ",
        "Job",
        "Schedule",
        format!("Last {STRIP_DAYS} days")
    ));
    if wide {
        header.push_str(&format!("{:<lw$} ", "Last run"));
    }
    let mut lines = vec![Line::styled(header, theme.dim())];
    let vis = s.visible();
    let height = inner.height.saturating_sub(1) as usize;
    let offset = s.list.scroll(height, vis.len());
    // Only the rows on screen are drawn.
    for (pos, idx) in vis.iter().enumerate().skip(offset).take(height) {
        let Some(r) = d.rows.get(*idx) else { continue };
        let cursor = pos == s.list.cursor;
        let plain = if r.archived_at.is_some() {
            theme.dim()
        } else {
            Style::default()
        };
        let sched = if r.archived_at.is_some() {
            "archived".to_string()
        } else {
            schedule_label(r)
        };
        let mut spans = vec![
            Span::raw(if cursor {
                format!("{} ", theme.cursor())
            } else {
                "  ".into()
            }),
            Span::styled(format!("{} ", fit(&r.job.customer_name, cw)), plain),
        ];
        if wide {
            spans.push(Span::styled(
                format!(
                    "{} {} ",
                    fit(&r.job.backup_software, sw),
                    fit(&r.job.backup_type, tw)
                ),
                plain,
            ));
        }
        spans.push(Span::styled(
            format!("{} ", fit(&r.job.job_name, jw)),
            plain,
        ));
        spans.push(Span::styled(format!("{} ", fit(&sched, schw)), theme.dim()));
        spans.extend(strip_spans(theme, d.strips.get(&r.job.id)));
        spans.push(Span::raw(" "));
        if wide {
            let when = r
                .last_run_at
                .map(|t| t.with_timezone(&d.tz).format("%d %b %H:%M").to_string())
                .unwrap_or_else(|| "never".into());
            let (badge, style) = status_badge(theme, r.last_status.as_deref());
            spans.push(Span::styled(format!("{when:<13}"), plain));
            spans.push(Span::styled(fit(&badge, lw - 13), style));
            spans.push(Span::raw(" "));
        }
        let ind = d.indicators.iter().find(|i| i.job_id == r.job.id);
        spans.push(Span::raw(if ind.is_some_and(|i| i.has_open_ticket) {
            theme.ticket()
        } else {
            "  "
        }));
        spans.push(Span::raw(if ind.is_some_and(|i| i.has_open_remark) {
            theme.remark()
        } else {
            "  "
        }));
        let mut line = Line::from(spans);
        if cursor {
            line = line.style(theme.selected());
        }
        lines.push(line);
    }
    if vis.is_empty() {
        lines.push(Line::styled(
            if s.list.filter.is_empty() {
                "  No approved jobs yet: approve mail in the Inbox (1)."
            } else {
                "  No job matches the filter (Esc clears it)."
            },
            theme.dim(),
        ));
    }
    f.render_widget(Paragraph::new(lines), inner);
    draw_detail(f, foot, s, theme);
}

/// The cursor job in full: what the narrow list leaves out.
fn draw_detail(f: &mut Frame, area: Rect, s: &Jobs, theme: &Theme) {
    let (Some(d), Some(r)) = (&s.data, s.current()) else {
        f.render_widget(Block::bordered(), area);
        return;
    };
    let block = Block::bordered().title(Span::styled(
        format!(
            " {} › {} › {} › {} ",
            crate::tui::sanitize::line(&r.job.customer_name),
            crate::tui::sanitize::line(&r.job.backup_software),
            crate::tui::sanitize::line(&r.job.backup_type),
            crate::tui::sanitize::line(&r.job.job_name)
        ),
        theme.title(),
    ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let when = r
        .last_run_at
        .map(|t| t.with_timezone(&d.tz).format("%d %b %H:%M").to_string())
        .unwrap_or_else(|| "never".into());
    let (badge, style) = status_badge(theme, r.last_status.as_deref());
    let grace = match r.job.schedule.effective(d.grace) {
        Some(e) if e.schedule.time().is_some() => format!(" · grace {} min", e.grace.num_minutes()),
        _ => String::new(),
    };
    let state = match r.archived_at {
        Some(at) => format!(
            "archived {} · no Missed runs",
            at.with_timezone(&d.tz).format("%d %b %Y")
        ),
        None => format!("{}{grace}", schedule_label(r)),
    };
    let lines = vec![
        Line::from(vec![
            Span::styled("Last run ", theme.dim()),
            Span::raw(format!("{when}  ")),
            Span::styled(badge, style),
        ]),
        Line::from(vec![
            Span::styled("Schedule ", theme.dim()),
            Span::raw(state),
        ]),
    ];
    f.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::jobs::JobOverview;
    use crate::db::schedules::JobSchedule;
    use crate::domain::schedule::{PinnedSchedule, Schedule};
    use chrono::{NaiveTime, Weekday};

    fn row(learned: Option<Schedule>, pinned: Option<Schedule>) -> JobListRow {
        JobListRow {
            job: JobOverview {
                id: 1,
                customer_id: 1,
                customer_name: "Acme".into(),
                backup_software: "Veeam".into(),
                backup_type: "Backup Job".into(),
                job_name: "Daily".into(),
                informational: false,
                created_at: DateTime::<Utc>::default(),
                schedule: JobSchedule {
                    job_id: 1,
                    learned,
                    learned_at: Some(DateTime::<Utc>::default()),
                    pinned: pinned.map(|schedule| PinnedSchedule {
                        schedule,
                        grace_minutes: None,
                    }),
                },
            },
            archived_at: None,
            last_run_at: None,
            last_status: None,
        }
    }

    #[test]
    fn schedule_labels() {
        let t = NaiveTime::from_hms_opt(22, 0, 0).unwrap_or_default();
        let weekly = Schedule::weekly([Weekday::Mon, Weekday::Fri], t);
        assert_eq!(schedule_label(&row(None, None)), "learning…");
        assert_eq!(
            schedule_label(&row(Some(Schedule::Irregular), None)),
            "Irregular"
        );
        assert_eq!(
            schedule_label(&row(Some(Schedule::Daily { time: t }), None)),
            "Daily 22:00"
        );
        assert_eq!(
            schedule_label(&row(Some(Schedule::Daily { time: t }), Some(weekly))),
            "Weekly: Mon, Fri 22:00 (pinned)"
        );
    }
}

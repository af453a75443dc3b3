//! Daily Jobs (pane 2): every job × the days of a window (today rightmost), one status cell
//! per day, so a gap stands out at a glance.

use crate::db::indicators::JobIndicators;
use crate::db::jobs::JobOverview;
use crate::db::runs::RunPoint;
use crate::db::{self, DbError};
use crate::domain::run_status::RunStatus;
use crate::tui::action::Action;
use crate::tui::list::{self, ListState};
use crate::tui::table::fit;
use crate::tui::theme::Theme;
use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use sqlx::PgPool;

pub const DAYS: usize = 7;

#[derive(Debug, Default)]
pub struct Daily {
    pub grid: Option<DailyGrid>,
    pub list: ListState,
    /// The last day of the window; `None` follows today.
    pub end: Option<NaiveDate>,
    /// Selected day column, 0 = oldest.
    pub column: usize,
}

#[derive(Debug, Clone)]
pub struct DailyGrid {
    pub end: NaiveDate,
    pub today: NaiveDate,
    pub jobs: Vec<JobOverview>,
    pub indicators: Vec<JobIndicators>,
    pub points: Vec<RunPoint>,
    pub grace: TimeDelta,
    pub tz: Tz,
}

impl DailyGrid {
    pub fn days(&self) -> Vec<NaiveDate> {
        (0..DAYS as i64)
            .rev()
            .map(|i| self.end - TimeDelta::days(i))
            .collect()
    }

    /// The worst status of a job on a day; Expected for a scheduled day still to come.
    pub fn cell(&self, job: &JobOverview, day: NaiveDate) -> Option<RunStatus> {
        let worst = self
            .points
            .iter()
            .filter(|p| p.job_id == job.id && p.run_at.with_timezone(&self.tz).date_naive() == day)
            .filter_map(|p| RunStatus::from_db(&p.effective_status))
            .max();
        if worst.is_some() || day < self.today || job.informational {
            return worst;
        }
        let sched = job.schedule.effective(self.grace)?;
        sched.schedule.is_due_on(day).then_some(RunStatus::Expected)
    }

    pub fn runs_on(&self, job_id: i64, day: NaiveDate) -> Vec<&RunPoint> {
        self.points
            .iter()
            .filter(|p| p.job_id == job_id && p.run_at.with_timezone(&self.tz).date_naive() == day)
            .collect()
    }
}

impl Daily {
    pub fn visible(&self) -> Vec<usize> {
        let Some(g) = &self.grid else {
            return Vec::new();
        };
        g.jobs
            .iter()
            .enumerate()
            .filter(|(_, j)| {
                list::matches(
                    &self.list.filter,
                    &[&j.customer_name, &j.job_name, &j.backup_software],
                )
            })
            .map(|(i, _)| i)
            .collect()
    }

    pub fn current(&self) -> Option<&JobOverview> {
        let g = self.grid.as_ref()?;
        self.visible()
            .get(self.list.cursor)
            .and_then(|i| g.jobs.get(*i))
    }
}

fn day_start(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

pub async fn load(pool: PgPool, end: Option<NaiveDate>, now: DateTime<Utc>) -> Action {
    async fn go(
        pool: &PgPool,
        end: Option<NaiveDate>,
        now: DateTime<Utc>,
    ) -> Result<DailyGrid, DbError> {
        let policy = db::settings::policy(pool).await?;
        let tz = policy.timezone;
        let today = now.with_timezone(&tz).date_naive();
        let end = end.unwrap_or(today);
        let first = end - TimeDelta::days(DAYS as i64 - 1);
        let jobs = db::jobs::overview(pool).await?;
        let ids: Vec<i64> = jobs.iter().map(|j| j.id).collect();
        let indicators = db::indicators::for_jobs(pool, &ids).await?;
        let points = db::runs::points_between(
            pool,
            None,
            day_start(tz, first),
            day_start(tz, end + TimeDelta::days(1)),
        )
        .await?;
        Ok(DailyGrid {
            end,
            today,
            jobs,
            indicators,
            points,
            grace: TimeDelta::minutes(i64::from(policy.missed_grace_minutes)),
            tz,
        })
    }
    match go(&pool, end, now).await {
        Ok(g) => Action::DailyLoaded(Box::new(g)),
        Err(e) => crate::tui::action::failed("loading Daily Jobs", e),
    }
}

pub fn draw(f: &mut Frame, area: Rect, s: &mut Daily, theme: &Theme) {
    let [top, bottom] = Layout::vertical([Constraint::Min(5), Constraint::Length(6)]).areas(area);
    let vis = s.visible();
    let Some(g) = &s.grid else {
        f.render_widget(Block::bordered().title(" Daily Jobs — loading… "), area);
        return;
    };
    let days = g.days();
    let title = format!(
        " Daily Jobs — {} to {} ({}) · ←/→ day · [ ] week{} ",
        days.first()
            .map(|d| d.format("%d %b").to_string())
            .unwrap_or_default(),
        g.end.format("%d %b"),
        g.tz.name(),
        if s.list.filter.is_empty() {
            String::new()
        } else {
            format!(" · filter: {}", crate::tui::sanitize::line(&s.list.filter))
        }
    );
    let block = Block::bordered().title(Span::styled(title, theme.title()));
    let inner = block.inner(top);
    f.render_widget(block, top);
    let w = inner.width as usize;
    let grid_w = DAYS * 4 + 6;
    let rest = w.saturating_sub(2 + grid_w + 2);
    let (cw, jw, schw) = if w >= 110 {
        (
            rest * 25 / 100,
            rest * 40 / 100,
            rest - rest * 25 / 100 - rest * 40 / 100,
        )
    } else {
        (rest * 40 / 100, rest - rest * 40 / 100, 0)
    };
    let mut header = format!("  {:<cw$} {:<jw$} ", "Customer", "Job");
    if schw > 0 {
        header.push_str(&format!("{:<schw$} ", "Schedule"));
    }
    let mut head_spans = vec![Span::styled(header, theme.dim())];
    for (i, d) in days.iter().enumerate() {
        let style = if i == s.column {
            theme.key()
        } else {
            theme.dim()
        };
        head_spans.push(Span::styled(format!(" {:>2} ", d.format("%d")), style));
    }
    let mut lines = vec![Line::from(head_spans)];
    let height = inner.height.saturating_sub(1) as usize;
    let offset = s.list.scroll(height, vis.len());
    for (pos, idx) in vis.iter().enumerate().skip(offset).take(height) {
        let Some(job) = g.jobs.get(*idx) else {
            continue;
        };
        let cursor = pos == s.list.cursor;
        let mut spans = vec![
            Span::raw(if cursor {
                format!("{} ", theme.cursor())
            } else {
                "  ".into()
            }),
            Span::raw(format!("{} ", fit(&job.customer_name, cw))),
            Span::raw(format!("{} ", fit(&job.job_name, jw))),
        ];
        if schw > 0 {
            let sched = match (&job.schedule.pinned, &job.schedule.learned) {
                (Some(p), _) => p.schedule.to_string(),
                (None, Some(l)) => l.to_string(),
                _ if job.informational => "informational".into(),
                _ => "learning…".into(),
            };
            spans.push(Span::styled(format!("{} ", fit(&sched, schw)), theme.dim()));
        }
        for (i, d) in days.iter().enumerate() {
            let st = g.cell(job, *d);
            let glyph = theme.cell(st);
            let mut style = st.map(|s| theme.status(s)).unwrap_or(theme.dim());
            if cursor && i == s.column {
                style = style.patch(theme.selected());
            }
            spans.push(Span::raw("  "));
            spans.push(Span::styled(glyph.to_string(), style));
            spans.push(Span::raw(" "));
        }
        let ind = g.indicators.iter().find(|i| i.job_id == job.id);
        spans.push(Span::raw("  "));
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
        lines.push(Line::from(spans));
    }
    if vis.is_empty() {
        lines.push(Line::styled(
            "  No approved jobs yet: approve mail in the Inbox (1).",
            theme.dim(),
        ));
    }
    f.render_widget(Paragraph::new(lines), inner);

    let day = days.get(s.column).copied().unwrap_or(g.end);
    let block = Block::bordered().title(Span::styled(
        format!(" {} ", day.format("%a %d %b %Y")),
        theme.title(),
    ));
    let inner = block.inner(bottom);
    f.render_widget(block, bottom);
    let mut lines = Vec::new();
    if let Some(job) = s.current() {
        let runs = g.runs_on(job.id, day);
        if runs.is_empty() {
            let st = g.cell(job, day);
            lines.push(Line::styled(
                match st {
                    Some(RunStatus::Expected) => "expected later today",
                    _ => "no run",
                },
                theme.dim(),
            ));
        }
        for p in runs {
            let st = RunStatus::from_db(&p.effective_status).unwrap_or(RunStatus::Unknown);
            let (badge, style) = theme.badge(st);
            lines.push(Line::from(vec![
                Span::raw(format!(
                    "{}  ",
                    p.run_at.with_timezone(&g.tz).format("%H:%M")
                )),
                Span::styled(badge, style),
            ]));
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}

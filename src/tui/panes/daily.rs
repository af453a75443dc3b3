//! Daily Jobs (pane 2): every job × the days of a window (today rightmost), one status cell
//! per day, so a gap stands out at a glance.

use super::Pane;
use super::pane::{DrawContext, Follow, Load, LoadContext, PaneInfo, PaneView};
use crate::db::indicators::JobIndicators;
use crate::db::jobs::JobOverview;
use crate::db::runs::RunPoint;
use crate::db::{self, DbError};
use crate::domain::run_status::RunStatus;
use crate::tui::action::Action;
use crate::tui::keymap::Context;
use crate::tui::list::{self, ListState};
use crate::tui::table::{self, Cell, Column, ListTable, Width};
use crate::tui::theme::Theme;
use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use sqlx::PgPool;
use std::collections::HashMap;

pub const DAYS: usize = 7;

#[derive(Debug)]
pub struct Daily {
    pub grid: Option<DailyGrid>,
    pub list: ListState,
    /// The last day of the window; `None` follows today.
    pub end: Option<NaiveDate>,
    /// Selected day column, 0 = oldest.
    pub column: usize,
}

impl Default for Daily {
    /// Today selected.
    fn default() -> Daily {
        Daily {
            grid: None,
            list: ListState::default(),
            end: None,
            column: DAYS - 1,
        }
    }
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
    /// Job names (lowered) more than one job has, computed with the load.
    pub shared_names: std::collections::HashSet<String>,
    /// Each job's points (indices into `points`, oldest first), built with the load so that a
    /// cell is found among its job's few runs rather than among the window's tens of thousands.
    by_job: HashMap<i64, Vec<usize>>,
}

impl DailyGrid {
    /// Indexes the points by job, so drawing a cell touches only that job's runs.
    pub fn new(
        end: NaiveDate,
        today: NaiveDate,
        jobs: Vec<JobOverview>,
        indicators: Vec<JobIndicators>,
        points: Vec<RunPoint>,
        grace: TimeDelta,
        tz: Tz,
    ) -> DailyGrid {
        let mut by_job: HashMap<i64, Vec<usize>> = HashMap::new();
        for (i, p) in points.iter().enumerate() {
            by_job.entry(p.job_id).or_default().push(i);
        }
        DailyGrid {
            end,
            today,
            shared_names: shared_names(&jobs),
            jobs,
            indicators,
            points,
            grace,
            tz,
            by_job,
        }
    }

    /// The points of job `job_id` on local day `day`.
    fn points_on(&self, job_id: i64, day: NaiveDate) -> impl Iterator<Item = &RunPoint> {
        self.by_job
            .get(&job_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|i| &self.points[*i])
            .filter(move |p| p.run_at.with_timezone(&self.tz).date_naive() == day)
    }

    pub fn days(&self) -> Vec<NaiveDate> {
        (0..DAYS as i64)
            .rev()
            .map(|i| self.end - TimeDelta::days(i))
            .collect()
    }

    /// The worst status of a job on a day; Expected for a scheduled day still to come.
    pub fn cell(&self, job: &JobOverview, day: NaiveDate) -> Option<RunStatus> {
        let worst = self.points_on(job.id, day).filter_map(|p| p.status).max();
        if worst.is_some() || day < self.today || job.informational {
            return worst;
        }
        let sched = job.schedule.effective(self.grace)?;
        sched.schedule.is_due_on(day).then_some(RunStatus::Expected)
    }

    pub fn runs_on(&self, job_id: i64, day: NaiveDate) -> Vec<&RunPoint> {
        self.points_on(job_id, day).collect()
    }
}

impl Daily {
    pub fn set_grid(&mut self, grid: DailyGrid) {
        self.grid = Some(grid);
        let n = self.visible().len();
        self.list.clamp(n);
    }

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

pub const INFO: PaneInfo = PaneInfo {
    id: Pane::DailyJobs,
    command: "daily",
    number: Some(2),
    title: "Daily Jobs",
    short_title: "Daily",
    context: Context::DailyJobs,
    needs: crate::domain::roles::Capability::Browse,
    tab_when_narrow: true,
};

impl PaneView for Daily {
    fn info(&self) -> &'static PaneInfo {
        &INFO
    }

    fn loads(&self, cx: &LoadContext) -> Vec<Load> {
        vec![Box::pin(load(cx.pool.clone(), self.end, cx.now))]
    }

    fn list(&self) -> &ListState {
        &self.list
    }

    fn list_mut(&mut self) -> &mut ListState {
        &mut self.list
    }

    fn row_count(&self) -> usize {
        self.visible().len()
    }

    /// The job's runs of that day are listed below the grid; Enter goes to review them.
    fn open(&mut self) -> Vec<Follow> {
        self.current()
            .map(|j| vec![Follow::OpenInRunChecks(j.id)])
            .unwrap_or_default()
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawContext) {
        draw(f, area, self, cx.theme)
    }

    fn release(&mut self) {
        self.grid = None;
    }
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
        // The jobs, their indicators and the week's runs on three connections at once: at
        // 10,000 jobs each is some tens of milliseconds, mostly waiting for the server.
        let (jobs, indicators, points) = tokio::try_join!(
            db::jobs::overview(pool),
            db::indicators::with_open_items(pool),
            db::runs::points_between(
                pool,
                day_start(tz, first),
                day_start(tz, end + TimeDelta::days(1)),
            ),
        )?;
        Ok(DailyGrid::new(
            end,
            today,
            jobs,
            indicators,
            points,
            TimeDelta::minutes(i64::from(policy.missed_grace_minutes)),
            tz,
        ))
    }
    match go(&pool, end, now).await {
        Ok(g) => Action::DailyLoaded(Box::new(g)),
        Err(e) => crate::tui::action::load_failed("loading Daily Jobs", e),
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
    let base = format!(
        " Daily Jobs — {} to {} ({}) · ←/→ day · [ ] week",
        days.first()
            .map(|d| d.format("%d %b").to_string())
            .unwrap_or_default(),
        g.end.format("%d %b"),
        g.tz.name(),
    );
    let title = table::title(&base, &s.list.filter, 0, "");
    let cursor = s.current().map(|j| j.id);
    let w = top.width.saturating_sub(2) as usize;
    let cols = columns(theme, g, &days, (cursor, s.column), w);
    ListTable::new(title, |j: &JobOverview| j.id, cols)
        .cell_cursor()
        .empty(
            "  No approved jobs yet: approve mail in the Inbox (1).",
            theme.dim(),
        )
        .draw(f, top, theme, &mut s.list, &g.jobs, &vis);
    draw_day(f, bottom, s, theme);
}

/// The schedule as the grid shows it (without times: the cells say when).
fn schedule(job: &JobOverview) -> String {
    match (&job.schedule.pinned, &job.schedule.learned) {
        (Some(p), _) => p.schedule.to_string(),
        (None, Some(l)) => l.to_string(),
        _ if job.informational => "informational".into(),
        _ => "learning…".into(),
    }
}

/// Customer, job (and schedule when the list is at least 110 columns wide), one cell per day
/// (the selected day of the cursor job highlighted) and the 🎫/💬 indicators.
fn columns<'a>(
    theme: &'a Theme,
    g: &'a DailyGrid,
    days: &[NaiveDate],
    (cursor, column): (Option<i64>, usize),
    w: usize,
) -> Vec<Column<'a, JobOverview>> {
    let rest = w.saturating_sub(2 + DAYS * 4 + 6 + 2);
    let wide = w >= 110;
    let cw = rest * if wide { 25 } else { 40 } / 100;
    let mut cols = vec![
        Column::new("Customer", Width::Fixed(cw), |j: &JobOverview| {
            Cell::raw(j.customer_name.as_str())
        })
        .gap(0),
    ];
    // Two jobs of one name (`store1` on two NAS) are told apart by their software and type.
    let job_name = move |j: &JobOverview| {
        if !g.shared_names.is_empty() && g.shared_names.contains(&j.job_name.to_lowercase()) {
            Cell::raw(format!(
                "{} ({} {})",
                j.job_name, j.backup_software, j.backup_type
            ))
        } else {
            Cell::raw(j.job_name.as_str())
        }
    };
    if wide {
        cols.push(Column::new("Job", Width::Fixed(rest * 40 / 100), job_name));
        cols.push(Column::new(
            "Schedule",
            Width::Share(1),
            move |j: &JobOverview| Cell::styled(schedule(j), theme.dim()),
        ));
    } else {
        cols.push(Column::new("Job", Width::Share(1), job_name));
    }
    for (i, d) in days.iter().copied().enumerate() {
        // The weekday's letter before the day of the month: " M17".
        let weekday = d.format("%a").to_string();
        let col = Column::new(
            format!(
                " {}{:>2}",
                weekday.chars().next().unwrap_or(' '),
                d.format("%d")
            ),
            Width::Fixed(4),
            move |j: &JobOverview| {
                let st = g.cell(j, d);
                let mut style = st.map(|s| theme.status(s)).unwrap_or(theme.dim());
                if cursor == Some(j.id) && i == column {
                    style = style.patch(theme.selected());
                }
                let glyph = Span::styled(theme.cell(st), style);
                Cell::spans(vec![Span::raw("  "), glyph, Span::raw(" ")])
            },
        )
        .gap(usize::from(i == 0));
        cols.push(if i == column {
            col.header_style(theme.key())
        } else {
            col
        });
    }
    let ind = move |j: &JobOverview| db::indicators::find(&g.indicators, j.id);
    cols.push(
        Column::new("", Width::Fixed(2), move |j: &JobOverview| {
            let open = ind(j).is_some_and(|i| i.has_open_ticket);
            Cell::raw(if open { theme.ticket() } else { "" })
        })
        .gap(2),
    );
    cols.push(
        Column::new("", Width::Fixed(2), move |j: &JobOverview| {
            let open = ind(j).is_some_and(|i| i.has_open_remark);
            Cell::raw(if open { theme.remark() } else { "" })
        })
        .gap(0),
    );
    cols
}

/// Job names (lowered) that more than one job of the grid has.
fn shared_names(jobs: &[JobOverview]) -> std::collections::HashSet<String> {
    let mut seen = std::collections::HashSet::new();
    let mut shared = std::collections::HashSet::new();
    for j in jobs {
        let name = j.job_name.to_lowercase();
        if !seen.insert(name.clone()) {
            shared.insert(name);
        }
    }
    shared
}

/// The runs of the cursor job on the selected day.
fn draw_day(f: &mut Frame, area: Rect, s: &Daily, theme: &Theme) {
    let Some(g) = &s.grid else {
        return;
    };
    let day = g.days().get(s.column).copied().unwrap_or(g.end);
    let block = Block::bordered().title(Span::styled(
        format!(" {} ", day.format("%a %d %b %Y")),
        theme.title(),
    ));
    let inner = block.inner(area);
    f.render_widget(block, area);
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
            let st = p.status.unwrap_or(RunStatus::Unknown);
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

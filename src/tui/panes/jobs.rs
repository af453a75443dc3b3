//! Jobs (pane 4): every approved job with its schedule (pinned, learned, "Irregular",
//! "learning…"), a 30-day history strip, its last run and the 🎫/💬 indicators. Archived jobs
//! are listed too (dimmed), so that they can be unarchived.

use super::Pane;
use super::deleted::{self, DeletedView};
use super::pane::{DrawContext, Follow, Load, LoadContext, PaneInfo, PaneView};
use crate::db::deletion::Kind;
use crate::db::indicators::JobIndicators;
use crate::db::jobs::JobListRow;
use crate::db::{self, DbError};
use crate::domain::history::worst_per_day;
use crate::domain::run_status::RunStatus;
use crate::tui::action::Action;
use crate::tui::keymap::Context;
use crate::tui::list::{self, ListState};
use crate::tui::table::{self, Cell, Column, ListTable, Width};
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

/// Rows either side of the cursor whose strips are fetched: a screen's worth and more, so that
/// paging shows them at once, without reading every job's month of runs on the first visit.
const STRIP_WINDOW: usize = 100;

#[derive(Debug, Default)]
pub struct Jobs {
    pub data: Option<JobsData>,
    pub list: ListState,
    /// The job to put the cursor on when the data arrives (opened from Activity).
    pub focus: Option<i64>,
    /// Jobs whose strips were asked for since the data last came (they are in `data.strips`
    /// or on their way).
    strips_asked: std::collections::HashSet<i64>,
    /// The deleted jobs, when shown instead (`D`).
    pub deleted: Option<DeletedView>,
    /// Showing the archived jobs instead of the others (`A`).
    pub archived: bool,
    /// Only this customer's jobs (opened from Customers; the list's banner says so).
    pub customer: Option<i64>,
}

/// The strips of some jobs: the worst status per day, oldest first.
#[derive(Debug)]
pub struct Strips(pub HashMap<i64, Vec<Option<RunStatus>>>);

#[derive(Debug, Clone)]
pub struct JobsData {
    pub rows: Vec<JobListRow>,
    pub indicators: Vec<JobIndicators>,
    /// The worst status per day of the jobs near the cursor, oldest first: fetched for the
    /// rows about to be seen ([`Jobs::missing_strips`]), kept across reloads until refreshed.
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
            .filter(|(_, r)| r.archived_at.is_some() == self.archived)
            .filter(|(_, r)| self.customer.is_none_or(|c| r.job.customer_id == c))
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

    /// Replaces the data, keeping the cursor on the same job; the strips shown stay until
    /// fresh ones come. Returns the strips to fetch.
    pub fn set_data(&mut self, mut data: JobsData) -> Vec<Follow> {
        let keep = self.focus.take().or(self.current().map(|r| r.job.id));
        if let Some(old) = self.data.take() {
            data.strips = old.strips;
        }
        self.strips_asked.clear();
        self.data = Some(data);
        let ids: Vec<i64> = self
            .visible()
            .into_iter()
            .filter_map(|i| self.data.as_ref()?.rows.get(i).map(|r| r.job.id))
            .collect();
        self.list.follow(keep, ids.iter().copied());
        self.list.clamp(ids.len());
        self.missing_strips()
    }

    /// The jobs within [`STRIP_WINDOW`] rows of the cursor whose strips were not asked for yet,
    /// as a load to follow (marked asked).
    pub fn missing_strips(&mut self) -> Vec<Follow> {
        let Some(d) = &self.data else {
            return Vec::new();
        };
        let visible = self.visible();
        let from = self.list.cursor.saturating_sub(STRIP_WINDOW);
        let ids: Vec<i64> = visible
            .iter()
            .skip(from)
            .take(2 * STRIP_WINDOW + 1)
            .filter_map(|i| d.rows.get(*i).map(|r| r.job.id))
            .filter(|id| !self.strips_asked.contains(id))
            .collect();
        if ids.is_empty() {
            return Vec::new();
        }
        self.strips_asked.extend(ids.iter().copied());
        vec![Follow::LoadJobStrips(ids)]
    }
}

pub const INFO: PaneInfo = PaneInfo {
    id: Pane::Jobs,
    command: "jobs",
    number: Some(4),
    title: "Jobs",
    short_title: "Jobs",
    context: Context::Jobs,
    needs: crate::domain::roles::Capability::Browse,
    tab_when_narrow: true,
};

impl PaneView for Jobs {
    fn info(&self) -> &'static PaneInfo {
        &INFO
    }

    fn release(&mut self) {
        self.data = None;
        self.strips_asked.clear();
    }

    fn context(&self) -> Context {
        if self.deleted.is_some() {
            Context::DeletedJobs
        } else {
            Context::Jobs
        }
    }

    fn loads(&self, cx: &LoadContext) -> Vec<Load> {
        match &self.deleted {
            Some(_) => vec![Box::pin(deleted::load(
                cx.pool.clone(),
                Kind::Job,
                Pane::Jobs,
            ))],
            None => vec![Box::pin(load(cx.pool.clone(), cx.now))],
        }
    }

    fn list(&self) -> &ListState {
        match &self.deleted {
            Some(d) => &d.list,
            None => &self.list,
        }
    }

    fn list_mut(&mut self) -> &mut ListState {
        match &mut self.deleted {
            Some(d) => &mut d.list,
            None => &mut self.list,
        }
    }

    fn row_count(&self) -> usize {
        match &self.deleted {
            Some(d) => d.visible().len(),
            None => self.visible().len(),
        }
    }

    fn move_cursor(&mut self, m: super::pane::Move) -> Vec<Follow> {
        let len = self.row_count();
        m.apply(self.list_mut(), len);
        if self.deleted.is_some() {
            return Vec::new();
        }
        self.missing_strips()
    }

    fn filter_changed(&mut self) -> Vec<Follow> {
        self.list_mut().cursor = 0;
        if self.deleted.is_some() {
            return Vec::new();
        }
        self.missing_strips()
    }

    fn loaded(&mut self, data: Box<dyn std::any::Any + Send>) -> Vec<Follow> {
        let data = match &mut self.deleted {
            Some(d) => match data.downcast::<Vec<crate::db::deletion::Deleted>>() {
                Ok(rows) => {
                    d.set_rows(*rows);
                    return Vec::new();
                }
                Err(other) => other,
            },
            None => data,
        };
        match (data.downcast::<Strips>(), &mut self.data) {
            (Ok(strips), Some(d)) => d.strips.extend(strips.0),
            (Ok(_), None) => {}
            (Err(_), _) => tracing::warn!("the Jobs pane was handed a load result not its own"),
        }
        Vec::new()
    }

    /// Run Checks with the cursor on this job, reviewed runs included.
    fn back(&mut self) {
        if self.list().marks.is_empty() && self.list().banner.is_some() {
            self.customer = None;
        }
        super::pane::clear_marks_or_filter(self.list_mut());
    }

    fn clear_opened(&mut self) {
        self.customer = None;
        let list = self.list_mut();
        list.banner = None;
        list.filter.clear();
        list.cursor = 0;
    }

    fn open(&mut self) -> Vec<Follow> {
        if self.deleted.is_some() {
            return Vec::new();
        }
        self.current()
            .map(|r| vec![Follow::OpenInRunChecks(r.job.id)])
            .unwrap_or_default()
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawContext) {
        match &mut self.deleted {
            Some(d) => d.draw(f, area, cx.theme, cx.tz, "D"),
            None => draw(f, area, self, cx.theme),
        }
    }
}

pub async fn load(pool: PgPool, now: DateTime<Utc>) -> Action {
    async fn go(pool: &PgPool, now: DateTime<Utc>) -> Result<JobsData, DbError> {
        let policy = db::settings::policy(pool).await?;
        let tz = policy.timezone;
        let today = now.with_timezone(&tz).date_naive();
        // Both at once, on two connections.
        let (rows, indicators) = tokio::try_join!(
            db::jobs::list_with_archived(pool),
            db::indicators::with_open_items(pool),
        )?;
        Ok(JobsData {
            rows,
            indicators,
            strips: HashMap::new(),
            today,
            grace: TimeDelta::minutes(i64::from(policy.missed_grace_minutes)),
            tz,
        })
    }
    match go(&pool, now).await {
        Ok(d) => Action::JobsLoaded(Box::new(d)),
        Err(e) => crate::tui::action::load_failed("loading Jobs", e),
    }
}

/// The strips of `job_ids`: one query for their runs of the window, the worst per local day.
pub async fn load_strips(pool: PgPool, job_ids: Vec<i64>, tz: Tz, now: DateTime<Utc>) -> Action {
    let today = now.with_timezone(&tz).date_naive();
    let first = today - TimeDelta::days(STRIP_DAYS - 1);
    let points = db::runs::points_of_jobs(
        &pool,
        &job_ids,
        now - TimeDelta::days(STRIP_DAYS + 1),
        now + TimeDelta::days(1),
    )
    .await;
    let points = match points {
        Ok(p) => p,
        Err(e) => return crate::tui::action::load_failed("loading the history of Jobs", e),
    };
    let mut by_job: HashMap<i64, Vec<(DateTime<Utc>, RunStatus)>> =
        job_ids.iter().map(|id| (*id, Vec::new())).collect();
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
    Action::PaneLoaded(Pane::Jobs, Box::new(Strips(strips)))
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
    let base = if s.archived {
        format!(" Jobs — archived ({archived}) · a unarchives · A back to the others")
    } else {
        format!(
            " Jobs — {} ({archived} archived: A)",
            d.rows.len() - archived
        )
    };
    let title = table::title(&base, &s.list.filter, 0, "");
    let vis = s.visible();
    let w = top.width.saturating_sub(2) as usize;
    ListTable::new(title, |r: &JobListRow| r.job.id, columns(theme, d, w))
        .empty(
            if s.archived {
                "  No archived jobs here."
            } else if s.list.filter.is_empty() && s.customer.is_none() {
                "  No approved jobs yet: approve mail in the Inbox (1)."
            } else if s.list.filter.is_empty() {
                "  This customer has no jobs here (F shows all jobs)."
            } else {
                "  No job matches the filter (Esc clears it)."
            },
            theme.dim(),
        )
        .draw(f, top, theme, &mut s.list, &d.rows, &vis);
    draw_detail(f, foot, s, theme);
}

/// Archived jobs are dimmed.
fn plain(theme: &Theme, r: &JobListRow) -> Style {
    if r.archived_at.is_some() {
        theme.dim()
    } else {
        Style::default()
    }
}

/// Customer and schedule widths for a list `w` columns wide; the job takes the rest.
fn name_widths(w: usize, wide: bool) -> (usize, usize) {
    // marker 2, strip 30 + 1, indicators 5, separators; wide adds software, type and last run.
    let fixed = 2 + STRIP_DAYS as usize + 1 + 5 + if wide { 11 + 1 + 11 + 1 + 26 + 1 } else { 0 };
    let rest = w.saturating_sub(fixed + 3);
    let schw = rest * if wide { 30 } else { 36 } / 100;
    ((rest - schw) * 45 / 100, schw)
}

/// Customer, job, schedule, the history strip and the 🎫/💬 indicators; software, type and
/// the last run when the list is at least 120 columns wide.
fn columns<'a>(theme: &'a Theme, d: &'a JobsData, w: usize) -> Vec<Column<'a, JobListRow>> {
    let wide = w >= 120;
    let (cw, schw) = name_widths(w, wide);
    let text = |header: &str, width: Width, get: fn(&JobListRow) -> &str| {
        Column::new(header, width, move |r: &JobListRow| {
            Cell::styled(get(r), plain(theme, r))
        })
    };
    let mut cols = vec![text("Customer", Width::Fixed(cw), |r| &r.job.customer_name).gap(0)];
    if wide {
        cols.push(text("Software", Width::Fixed(11), |r| {
            &r.job.backup_software
        }));
        cols.push(text("Type", Width::Fixed(11), |r| &r.job.backup_type));
    }
    cols.push(text("Job", Width::Share(1), |r| &r.job.job_name));
    cols.push(Column::new(
        "Schedule",
        Width::Fixed(schw),
        move |r: &JobListRow| {
            let sched = if r.archived_at.is_some() {
                "archived".to_string()
            } else {
                schedule_label(r)
            };
            Cell::styled(sched, theme.dim())
        },
    ));
    cols.push(Column::new(
        format!("Last {STRIP_DAYS} days"),
        Width::Fixed(STRIP_DAYS as usize),
        move |r: &JobListRow| Cell::spans(strip_spans(theme, d.strips.get(&r.job.id))),
    ));
    if wide {
        cols.push(Column::new(
            "Last run",
            Width::Fixed(13),
            move |r: &JobListRow| {
                let when = r
                    .last_run_at
                    .map(|t| t.with_timezone(&d.tz).format("%d %b %H:%M").to_string());
                Cell::styled(when.unwrap_or_else(|| "never".into()), plain(theme, r))
            },
        ));
        cols.push(
            Column::new("", Width::Fixed(13), move |r: &JobListRow| {
                let (badge, style) = status_badge(theme, r.last_status.as_deref());
                Cell::styled(badge, style)
            })
            .gap(0),
        );
    }
    let ind = move |r: &JobListRow| crate::db::indicators::find(&d.indicators, r.job.id);
    cols.push(Column::new("", Width::Fixed(2), move |r: &JobListRow| {
        let open = ind(r).is_some_and(|i| i.has_open_ticket);
        Cell::raw(if open { theme.ticket() } else { "" })
    }));
    cols.push(
        Column::new("", Width::Fixed(2), move |r: &JobListRow| {
            let open = ind(r).is_some_and(|i| i.has_open_remark);
            Cell::raw(if open { theme.remark() } else { "" })
        })
        .gap(0),
    );
    cols
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

    pub(super) fn row(learned: Option<Schedule>, pinned: Option<Schedule>) -> JobListRow {
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

#[cfg(test)]
mod strip_tests {
    use super::*;
    use crate::tui::panes::pane::Move;

    fn asked(follows: Vec<Follow>) -> Vec<i64> {
        match follows.as_slice() {
            [Follow::LoadJobStrips(ids)] => ids.clone(),
            [] => Vec::new(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn strips_are_fetched_for_the_rows_near_the_cursor_once() {
        let rows = (0..500)
            .map(|i| {
                let mut r = tests::row(None, None);
                r.job.id = i;
                r
            })
            .collect();
        let data = JobsData {
            rows,
            indicators: Vec::new(),
            strips: HashMap::new(),
            today: NaiveDate::default(),
            grace: TimeDelta::zero(),
            tz: chrono_tz::UTC,
        };
        let mut jobs = Jobs::default();
        let first = asked(jobs.set_data(data.clone()));
        assert_eq!(first, (0..=200).collect::<Vec<i64>>());
        assert!(asked(jobs.move_cursor(Move::Down)).is_empty());
        for _ in 0..30 {
            jobs.move_cursor(Move::PageDown);
        }
        assert_eq!(jobs.list.cursor, 301);
        let later: Vec<i64> = (0..30)
            .flat_map(|_| asked(jobs.move_cursor(Move::Up)))
            .collect();
        assert!(later.is_empty(), "already asked on the way down: {later:?}");
        // Fresh data asks again for what is around the cursor.
        assert_eq!(asked(jobs.set_data(data)).len(), 201);
    }
}

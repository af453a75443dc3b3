//! Run Checks (pane 3): jobs with unreviewed runs, worst first; the job's runs; one run in full.

use super::Pane;
use super::pane::{
    DrawContext, Follow, Load, LoadContext, Move, PaneInfo, PaneView, clear_marks_or_filter,
};
use crate::db::remarks::RunRemark;
use crate::db::review::QueueRow;
use crate::db::run_objects::RunObject;
use crate::db::runs::Run;
use crate::db::tickets::RunTicket;
use crate::db::{self, DbError};
use crate::domain::history::worst_per_day;
use crate::domain::run_status::RunStatus;
use crate::tui::action::Action;
use crate::tui::keymap::Context;
use crate::tui::list::{self, ListState};
use crate::tui::sanitize;
use crate::tui::table::{self, Cell, Column, ListTable, Width, fit};
use crate::tui::theme::Theme;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use sqlx::PgPool;

/// Where the keys go: the job list, the job's runs, or one run with its mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Jobs,
    Runs,
    Run,
}

#[derive(Debug, Default)]
pub struct RunChecks {
    pub rows: Vec<QueueRow>,
    pub jobs: ListState,
    /// Runs of `runs_job`, newest first.
    pub runs: Vec<Run>,
    pub runs_job: Option<i64>,
    pub run_list: ListState,
    pub detail: Option<RunDetail>,
    pub focus: Focus,
    pub include_reviewed: bool,
    pub mail_scroll: u16,
    pub loaded: bool,
    /// A job asked for from another pane (Daily Jobs, Jobs): the cursor goes to it as soon as a
    /// queue that lists it arrives, whatever job the cursor was on before.
    pub wanted_job: Option<i64>,
}

/// Everything the detail side shows about one run.
#[derive(Debug, Clone)]
pub struct RunDetail {
    pub run: Run,
    pub objects: Vec<RunObject>,
    pub tickets: Vec<RunTicket>,
    pub remarks: Vec<RunRemark>,
    pub subject: Option<String>,
    pub mail_text: Option<String>,
    /// Last 30 local days, oldest first: the worst status of each day.
    pub history: Vec<(NaiveDate, Option<RunStatus>)>,
    pub schedule: Option<String>,
}

impl RunDetail {
    /// The ticket number `y` copies: the newest ticket on the run (after `t a` that is the
    /// Autotask ticket just created, not an older internal one).
    pub fn ticket_code(&self) -> Option<&str> {
        self.tickets
            .iter()
            .max_by_key(|t| (t.ticket.created_at, t.ticket.id))
            .map(|t| t.ticket.ticket_code.as_str())
    }

    /// Every ticket of the run, newest first: (code, what it is).
    pub fn ticket_choices(&self) -> Vec<(String, String)> {
        let mut tickets: Vec<_> = self.tickets.iter().collect();
        tickets.sort_by_key(|t| std::cmp::Reverse((t.ticket.created_at, t.ticket.id)));
        tickets
            .into_iter()
            .map(|t| {
                let kind = if t.ticket.autotask_ticket_id.is_some() {
                    "Autotask"
                } else {
                    "internal"
                };
                let state = if t.ticket.resolved_at.is_some() {
                    "resolved"
                } else {
                    "open"
                };
                (t.ticket.ticket_code.clone(), format!("{kind}, {state}"))
            })
            .collect()
    }
}

impl RunChecks {
    /// The ticket number `y` copies and the hint line offers: the one in the run detail on
    /// screen, as long as that detail belongs to the job under the cursor. One function for
    /// both, so the hint never offers what `y` then refuses (a reload may briefly move the
    /// cursor's run while the detail on screen stays).
    pub fn shown_ticket(&self) -> Option<&str> {
        let job = self.current_job()?.job_id;
        self.detail
            .as_ref()
            .filter(|d| d.run.job_id == job)
            .and_then(|d| d.ticket_code())
    }

    /// Indices of the rows the filter lets through.
    pub fn visible(&self) -> Vec<usize> {
        self.shown().map(|(i, _)| i).collect()
    }

    /// The rows the filter lets through, with their indices.
    fn shown(&self) -> impl Iterator<Item = (usize, &QueueRow)> {
        self.rows.iter().enumerate().filter(|(_, r)| {
            // Status words only when names alone do not match (they cost a string per row).
            let names = [
                r.customer_name.as_str(),
                &r.backup_software,
                &r.backup_type,
                &r.job_name,
            ];
            list::matches(&self.jobs.filter, &names)
                || list::matches(&self.jobs.filter, &[&names.join(" "), &r.state_words()])
        })
    }

    pub fn current_job(&self) -> Option<&QueueRow> {
        // Asked several times a frame: no list of indices for it.
        self.shown().nth(self.jobs.cursor).map(|(_, r)| r)
    }

    /// The run the run keys act on: the cursor run once the job's runs are loaded.
    pub fn current_run(&self) -> Option<&Run> {
        let job = self.current_job()?;
        if self.runs_job != Some(job.job_id) {
            return None;
        }
        self.runs.get(self.run_list.cursor)
    }

    pub fn unreviewed_total(&self) -> i64 {
        self.rows.iter().map(|r| r.unreviewed).sum()
    }

    /// Replaces the queue, keeping the cursor on the same job when it is still listed.
    pub fn set_rows(&mut self, rows: Vec<QueueRow>) {
        let keep = self.current_job().map(|r| r.job_id);
        let wanted = self
            .wanted_job
            .filter(|id| rows.iter().any(|r| r.job_id == *id));
        if wanted.is_some() {
            self.wanted_job = None;
        }
        let keep = wanted.or(keep);
        self.rows = rows;
        self.loaded = true;
        let ids: Vec<i64> = self
            .visible()
            .into_iter()
            .filter_map(|i| self.rows.get(i).map(|r| r.job_id))
            .collect();
        match keep {
            Some(id) if !ids.contains(&id) => {
                // The job left the queue (reviewed here or by someone else): the worst job
                // remaining is next, never simply the row that slid under the cursor.
                self.jobs.cursor = 0;
            }
            _ => self.jobs.follow(keep, ids.iter().copied()),
        }
        self.jobs.clamp(ids.len());
        self.jobs.marks.retain(|id| ids.contains(id));
    }

    /// Shows job `job_id` with its reviewed runs too: the job list first, the old job's runs and
    /// detail gone at once, the cursor on the job when the new queue arrives.
    pub fn open_job(&mut self, job_id: i64) {
        self.include_reviewed = true;
        self.jobs.filter.clear();
        self.jobs.marks.clear();
        self.focus = Focus::Jobs;
        self.wanted_job = Some(job_id);
        self.detail = None;
        self.runs_job = None;
        self.runs.clear();
        let ids: Vec<i64> = self.rows.iter().map(|r| r.job_id).collect();
        self.jobs.follow(Some(job_id), ids.into_iter());
    }

    /// Shows a loaded run detail, unless the cursor has left that run meanwhile.
    pub fn set_detail(&mut self, detail: RunDetail) {
        if self.current_run().map(|r| r.id) == Some(detail.run.id) {
            self.detail = Some(detail);
        }
    }

    pub fn set_runs(&mut self, job_id: i64, runs: Vec<Run>) {
        let keep = if self.runs_job == Some(job_id) {
            self.current_run().map(|r| r.id)
        } else {
            // Another job: its runs and mail start at the top.
            self.run_list = ListState::default();
            self.mail_scroll = 0;
            None
        };
        self.runs_job = Some(job_id);
        self.runs = runs;
        self.run_list.follow(keep, self.runs.iter().map(|r| r.id));
        self.run_list.clamp(self.runs.len());
    }
}

pub const INFO: PaneInfo = PaneInfo {
    id: Pane::RunChecks,
    command: "checks",
    number: Some(3),
    title: "Run Checks",
    short_title: "Checks",
    context: Context::RunChecks,
    needs: crate::domain::roles::Capability::Review,
    tab_when_narrow: true,
};

impl PaneView for RunChecks {
    fn info(&self) -> &'static PaneInfo {
        &INFO
    }

    /// The top line counts the runs to review.
    fn always_loaded(&self) -> bool {
        true
    }

    fn loads(&self, cx: &LoadContext) -> Vec<Load> {
        let incl = self.include_reviewed;
        let mut loads: Vec<Load> = vec![Box::pin(load_queue(cx.pool.clone(), incl, cx.now))];
        // A reload may follow a change to the runs of the cursor job: read them again.
        if let Some(job) = self.current_job().map(|j| j.job_id) {
            loads.push(Box::pin(load_runs(cx.pool.clone(), job, incl)));
        }
        loads
    }

    fn tab_count(&self) -> Option<i64> {
        Some(self.unreviewed_total())
    }

    fn list(&self) -> &ListState {
        &self.jobs
    }

    fn list_mut(&mut self) -> &mut ListState {
        &mut self.jobs
    }

    fn row_count(&self) -> usize {
        self.visible().len()
    }

    fn mark_id(&self) -> Option<i64> {
        self.current_job().map(|j| j.job_id)
    }

    fn mark_ids(&self) -> Vec<i64> {
        self.visible()
            .into_iter()
            .filter_map(|i| self.rows.get(i).map(|r| r.job_id))
            .collect()
    }

    fn deeper(&self) -> bool {
        self.focus != Focus::Jobs
    }

    /// Out of the run, out of the runs, then the marks and the filter.
    fn back(&mut self) {
        match self.focus {
            Focus::Run => self.focus = Focus::Runs,
            Focus::Runs => self.focus = Focus::Jobs,
            Focus::Jobs => clear_marks_or_filter(&mut self.jobs),
        }
    }

    /// Into the job's runs, then into one run.
    fn open(&mut self) -> Vec<Follow> {
        match self.focus {
            Focus::Jobs if self.current_job().is_some() => self.focus = Focus::Runs,
            Focus::Runs if self.current_run().is_some() => {
                self.focus = Focus::Run;
                self.mail_scroll = 0;
            }
            _ => {}
        }
        Vec::new()
    }

    /// Moves in the focused part: jobs, runs, or the run's mail text.
    fn move_cursor(&mut self, m: Move) -> Vec<Follow> {
        match self.focus {
            Focus::Jobs => {
                let (before, len) = (self.jobs.cursor, self.visible().len());
                m.apply(&mut self.jobs, len);
                if before == self.jobs.cursor {
                    Vec::new()
                } else {
                    vec![Follow::LoadRunsOfCursor]
                }
            }
            Focus::Runs => {
                m.apply(&mut self.run_list, self.runs.len());
                vec![Follow::LoadDetailOfCursor]
            }
            Focus::Run => {
                m.scroll(&mut self.mail_scroll);
                Vec::new()
            }
        }
    }

    fn filter_changed(&mut self) -> Vec<Follow> {
        self.jobs.cursor = 0;
        vec![Follow::LoadRunsOfCursor]
    }

    fn cursor_words(&self) -> Option<String> {
        self.current_job()
            .map(|j| format!("{} › {}", j.customer_name, j.job_name))
    }

    fn copy_value(&self) -> Option<String> {
        self.shown_ticket().map(str::to_string)
    }

    fn copy_choices(&self) -> Vec<(String, String)> {
        let Some(job) = self.current_job().map(|j| j.job_id) else {
            return Vec::new();
        };
        self.detail
            .as_ref()
            .filter(|d| d.run.job_id == job)
            .map(RunDetail::ticket_choices)
            .unwrap_or_default()
    }

    fn nothing_to_copy(&self) -> String {
        format!(
            "no ticket on this run ({} opens the ticket menu)",
            crate::tui::keymap::key_of(Context::RunChecks, crate::tui::keymap::Command::Ticket)
        )
    }

    fn mail_id(&self) -> Option<i64> {
        self.current_run().and_then(|r| r.mail_id)
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawContext) {
        draw(f, area, self, cx.theme, cx.tz, cx.now)
    }
}

pub async fn load_queue(pool: PgPool, include_reviewed: bool, now: DateTime<Utc>) -> Action {
    // "Include reviewed" shows the last week's reviewed runs beside the unreviewed ones.
    let since = include_reviewed.then(|| now - TimeDelta::days(7));
    match db::review::queue(&pool, since).await {
        Ok(rows) => Action::QueueLoaded(rows),
        // Every reload reads the queue, so this is where an outage shows first.
        Err(e) => crate::tui::action::load_failed("loading Run Checks", e),
    }
}

pub async fn load_runs(pool: PgPool, job_id: i64, include_reviewed: bool) -> Action {
    match db::review::runs_of_job(&pool, job_id, include_reviewed).await {
        Ok(runs) => Action::RunsLoaded { job_id, runs },
        Err(e) => crate::tui::action::load_failed("loading runs", e),
    }
}

pub async fn load_detail(pool: PgPool, run_id: i64, tz: Tz, now: DateTime<Utc>) -> Action {
    match detail(&pool, run_id, tz, now).await {
        Ok(d) => Action::RunDetailLoaded(Box::new(d)),
        Err(e) => crate::tui::action::load_failed("loading the run", e),
    }
}

async fn detail(
    pool: &PgPool,
    run_id: i64,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<RunDetail, DbError> {
    let run = db::runs::get(pool, run_id)
        .await?
        .ok_or_else(|| DbError::NotFound(format!("run {run_id}")))?;
    let objects = db::run_objects::for_run(pool, run_id).await?;
    let tickets = db::tickets::for_run(pool, run_id).await?;
    let remarks = db::remarks::for_run(pool, run_id).await?;
    let (subject, mail_text) = match run.mail_id {
        Some(mail_id) => {
            let subject = db::mail::get(pool, mail_id).await?.map(|m| m.subject);
            // Decoding runs here, in the loading task, never while drawing.
            let text = match db::mail::source(pool, mail_id).await? {
                Some(src) => crate::tui::pager::detail_text(&src),
                None => String::new(),
            };
            (subject, Some(text))
        }
        None => (None, None),
    };
    let history = history(pool, run.job_id, tz, now).await?;
    let schedule = db::schedules::get(pool, run.job_id)
        .await
        .ok()
        .and_then(|s| match (&s.pinned, &s.learned) {
            (Some(p), _) => Some(format!("{} (pinned)", p.schedule)),
            (None, Some(l)) => Some(format!("{l} (learned)")),
            (None, None) => None,
        });
    Ok(RunDetail {
        run,
        objects,
        tickets,
        remarks,
        subject,
        mail_text,
        history,
        schedule,
    })
}

/// The worst status per local day over the last 30 days (today last).
pub async fn history(
    pool: &PgPool,
    job_id: i64,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<Vec<(NaiveDate, Option<RunStatus>)>, DbError> {
    let today = now.with_timezone(&tz).date_naive();
    let first = today - TimeDelta::days(29);
    let points = db::runs::points_of_jobs(
        pool,
        &[job_id],
        now - TimeDelta::days(31),
        now + TimeDelta::days(1),
    )
    .await?;
    let points: Vec<_> = points.iter().filter_map(|p| p.status_point()).collect();
    Ok(worst_per_day(&points, tz, first, today))
}

fn status_of(s: &str) -> RunStatus {
    RunStatus::from_db(s).unwrap_or(RunStatus::Unknown)
}

fn count_cell(theme: &Theme, n: i64, s: RunStatus) -> Cell {
    if n == 0 {
        Cell::styled("·", theme.dim())
    } else {
        Cell::styled(n.to_string(), theme.status(s))
    }
}

/// Draws the pane: list and detail side by side from 120 columns, else one at a time.
/// `now` marks runs dated in the future (a sender's clock ahead).
pub fn draw(
    f: &mut Frame,
    area: Rect,
    s: &mut RunChecks,
    theme: &Theme,
    tz: Tz,
    now: chrono::DateTime<chrono::Utc>,
) {
    let wide = area.width >= 120;
    if wide {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(52), Constraint::Percentage(48)])
                .areas(area);
        draw_list(f, left, s, theme);
        draw_detail(f, right, s, theme, tz, now);
    } else if s.focus == Focus::Jobs {
        draw_list(f, area, s, theme);
    } else {
        draw_detail(f, area, s, theme, tz, now);
    }
}

fn draw_list(f: &mut Frame, area: Rect, s: &mut RunChecks, theme: &Theme) {
    let vis = s.visible();
    let base = format!(
        " Run Checks — {} runs to review in {} jobs",
        s.unreviewed_total(),
        s.rows.iter().filter(|r| r.unreviewed > 0).count()
    );
    let suffix = if s.include_reviewed {
        " · incl. reviewed"
    } else {
        ""
    };
    let title = table::title(&base, &s.jobs.filter, s.jobs.marks.len(), suffix);
    // Narrow terminals show the worst status and the run count instead of one count per status.
    let narrow = area.width.saturating_sub(2) < 72;
    let mut table = ListTable::new(title, |r: &QueueRow| r.job_id, queue_columns(theme, narrow))
        .focused(s.focus == Focus::Jobs);
    if s.loaded {
        table = table.empty(
            if s.jobs.filter.is_empty() {
                "  Nothing to review. The queue is empty."
            } else {
                "  No job matches the filter (Esc clears it)."
            },
            theme.ok(),
        );
    }
    table.draw(f, area, theme, &mut s.jobs, &s.rows, &vis);
}

/// Reads one status count of a queue row.
type Count = fn(&QueueRow) -> i64;

/// The queue's columns: customer, software (wide only), job, the counts per status (or worst
/// status and run count when narrow), then the open ticket and remark indicators.
fn queue_columns(theme: &Theme, narrow: bool) -> Vec<Column<'_, QueueRow>> {
    let mut cols = vec![
        Column::new(
            "Customer",
            Width::Share(if narrow { 2 } else { 3 }),
            |r: &QueueRow| Cell::raw(r.customer_name.as_str()),
        )
        .gap(0),
    ];
    if !narrow {
        cols.push(Column::new("Software", Width::Share(2), |r: &QueueRow| {
            Cell::raw(r.backup_software.as_str())
        }));
    }
    cols.push(Column::new(
        "Job",
        Width::Share(if narrow { 3 } else { 5 }),
        |r: &QueueRow| Cell::raw(r.job_name.as_str()),
    ));
    if narrow {
        cols.push(
            Column::new("worst", Width::Fixed(5), move |r: &QueueRow| {
                let worst = r.worst();
                Cell::styled(theme.glyph(worst), theme.status(worst))
            })
            .right(),
        );
        cols.push(
            Column::new("runs", Width::Fixed(5), |r: &QueueRow| {
                Cell::raw(r.unreviewed.to_string())
            })
            .right(),
        );
    } else {
        let counts: [(RunStatus, Count); 5] = [
            (RunStatus::Failed, |r| r.failed),
            (RunStatus::Missed, |r| r.missed),
            (RunStatus::Warning, |r| r.warning),
            (RunStatus::SuccessOverride, |r| r.success_override),
            (RunStatus::Success, |r| r.success),
        ];
        // In ASCII the one-letter signs would be cryptic: the header says FAIL MISS WARN OVR OK.
        let (width, header): (usize, fn(&Theme, RunStatus) -> &'static str) = if theme.ascii {
            (4, |t, s| t.glyph(s))
        } else {
            (3, |t, s| t.cell(Some(s)))
        };
        for (i, (status, count)) in counts.into_iter().enumerate() {
            cols.push(
                Column::new(
                    header(theme, status),
                    Width::Fixed(width),
                    move |r: &QueueRow| count_cell(theme, count(r), status),
                )
                .right()
                .gap(usize::from(i == 0 || theme.ascii)),
            );
        }
    }
    cols.push(Column::new("", Width::Fixed(2), move |r: &QueueRow| {
        Cell::raw(if r.has_open_ticket {
            theme.ticket()
        } else {
            ""
        })
    }));
    cols.push(
        Column::new("", Width::Fixed(2), move |r: &QueueRow| {
            Cell::raw(if r.has_open_remark {
                theme.remark()
            } else {
                ""
            })
        })
        .gap(0),
    );
    cols
}

fn draw_detail(
    f: &mut Frame,
    area: Rect,
    s: &mut RunChecks,
    theme: &Theme,
    tz: Tz,
    now: chrono::DateTime<chrono::Utc>,
) {
    let Some(job) = s.current_job().cloned() else {
        f.render_widget(Block::bordered().border_style(theme.dim()), area);
        return;
    };
    let title = format!(
        " {} › {} › {} › {} ",
        sanitize::line(&job.customer_name),
        sanitize::line(&job.backup_software),
        sanitize::line(&job.backup_type),
        sanitize::line(&job.job_name)
    );
    let focused = s.focus != Focus::Jobs;
    let block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .border_style(if focused {
            Style::default()
        } else {
            theme.dim()
        });
    let inner = block.inner(area);
    f.render_widget(block, area);
    let mut lines: Vec<Line> = Vec::new();
    let detail = s
        .detail
        .as_ref()
        .filter(|d| Some(d.run.job_id) == s.runs_job);
    if let Some(d) = detail {
        lines.push(Line::from(vec![
            Span::styled("Schedule  ", theme.dim()),
            Span::raw(
                d.schedule
                    .clone()
                    .unwrap_or_else(|| "not learned yet".into()),
            ),
        ]));
        let mut strip = vec![Span::styled("30 days   ", theme.dim())];
        for (_, st) in &d.history {
            strip.push(Span::styled(
                theme.cell(*st),
                st.map(|s| theme.status(s)).unwrap_or(theme.dim()),
            ));
        }
        lines.push(Line::from(strip));
        lines.push(Line::raw(""));
    }
    push_runs(&mut lines, s, theme, tz, focused);
    if let Some(d) = s
        .detail
        .as_ref()
        .filter(|d| Some(d.run.id) == s.current_run().map(|r| r.id))
    {
        push_run(
            &mut lines,
            d,
            s.focus,
            theme,
            (tz, now),
            usize::from(inner.width),
        );
    } else if !s.runs.is_empty() {
        lines.push(Line::styled("loading…", theme.dim()));
    }
    let scroll = if s.focus == Focus::Run {
        s.mail_scroll
    } else {
        0
    };
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}

/// The job's runs in a window of a few rows, with the cursor and the scroll note.
fn push_runs(
    lines: &mut Vec<Line<'static>>,
    s: &mut RunChecks,
    theme: &Theme,
    tz: Tz,
    focused: bool,
) {
    let run_rows = if s.focus == Focus::Run { 3 } else { 6 };
    let offset = s.run_list.scroll(run_rows, s.runs.len());
    let mut heading = vec![Span::styled(
        if s.include_reviewed {
            "Runs"
        } else {
            "Runs to review"
        },
        theme.title(),
    )];
    // The window shows a few runs: say how many more there are on either side.
    if let Some(note) = table::scroll_note(theme, offset, run_rows, s.runs.len()) {
        heading.push(Span::styled(format!("  {note}"), theme.dim()));
    }
    lines.push(Line::from(heading));
    for (i, r) in s.runs.iter().enumerate().skip(offset).take(run_rows) {
        let st = status_of(&r.effective_status);
        let cursor = i == s.run_list.cursor;
        let when = r
            .run_at
            .with_timezone(&tz)
            .format("%d %b %H:%M")
            .to_string();
        let what = if r.missed {
            "expected, nothing arrived".to_string()
        } else {
            r.message.as_deref().map(sanitize::line).unwrap_or_default()
        };
        let (badge, style) = theme.badge(st);
        let mut line = Line::from(vec![
            Span::raw(if cursor && focused {
                format!("{} ", theme.cursor())
            } else {
                "  ".into()
            }),
            Span::raw(format!("{when}  ")),
            Span::styled(format!("{badge:<20}"), style),
            Span::raw(if r.reviewed_at.is_some() {
                format!("{} ", theme.reviewed())
            } else {
                String::new()
            }),
            Span::raw(what),
        ]);
        if cursor && focused {
            line = line.style(theme.selected());
        }
        lines.push(line);
    }
    if s.runs.is_empty() {
        lines.push(Line::styled("  (none)", theme.dim()));
    }
}

/// One run in full: status, message, objects, tickets, remarks and (when open) its mail.
fn push_run(
    lines: &mut Vec<Line<'static>>,
    d: &RunDetail,
    focus: Focus,
    theme: &Theme,
    (tz, now): (Tz, chrono::DateTime<chrono::Utc>),
    width: usize,
) {
    lines.push(Line::raw(""));
    let (badge, style) = theme.badge(status_of(&d.run.effective_status));
    let mut head = vec![
        Span::styled("Run ", theme.title()),
        Span::raw(
            d.run
                .run_at
                .with_timezone(&tz)
                .format("%a %d %b %Y %H:%M ")
                .to_string(),
        ),
        Span::styled(badge, style),
    ];
    if d.run.effective_status != d.run.parsed_status {
        head.push(Span::styled(
            format!("  (parsed: {})", d.run.parsed_status),
            theme.dim(),
        ));
    }
    lines.push(Line::from(head));
    if crate::domain::missed::dated_ahead(d.run.run_at, now) {
        lines.push(Line::styled(
            super::inbox::AHEAD_NOTE.trim_start().to_string(),
            theme.error(),
        ));
    }
    if let Some(m) = &d.run.message {
        let (wrapped, indent) = crate::tui::wrap::hanging(&sanitize::line(m), 2, width);
        for l in wrapped {
            lines.push(Line::raw(format!("{}{l}", " ".repeat(indent))));
        }
    }
    push_objects(lines, d, theme, width);
    let tickets: Vec<String> = d.tickets.iter().map(|t| ticket_text(t, theme)).collect();
    lines.push(Line::from(vec![
        Span::styled("Tickets  ", theme.title()),
        Span::raw(if tickets.is_empty() {
            "—".to_string()
        } else {
            tickets.join("  ")
        }),
    ]));
    if d.remarks.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("Remarks  ", theme.title()),
            Span::raw("—"),
        ]));
    }
    for r in &d.remarks {
        lines.push(Line::from(vec![
            Span::styled("Remark   ", theme.title()),
            Span::raw(format!(
                "{} {}",
                theme.remark(),
                sanitize::line(&r.remark.body)
            )),
        ]));
    }
    if focus == Focus::Run {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!(
                "Mail  {}",
                d.subject
                    .as_deref()
                    .map(sanitize::line)
                    .unwrap_or_else(|| "(no mail: synthetic run)".into())
            ),
            theme.title(),
        ));
        if let Some(text) = &d.mail_text {
            for l in sanitize::text(text).lines() {
                lines.push(Line::raw(format!("  {l}")));
            }
        }
    }
}

/// The run's objects with their status (override applied shown as such) and message.
fn push_objects(lines: &mut Vec<Line<'static>>, d: &RunDetail, theme: &Theme, width: usize) {
    // Name 2+18+1, type 8+1, badge 11, a space: messages start here and continue under it.
    const MESSAGE_COLUMN: usize = 2 + 18 + 1 + 8 + 1 + 11 + 1;
    if !d.objects.is_empty() {
        lines.push(Line::styled("Objects", theme.title()));
        for o in &d.objects {
            let st = status_of(&o.status);
            let st = if o.override_applied {
                RunStatus::SuccessOverride
            } else {
                st
            };
            let (badge, style) = theme.badge(st);
            let message = o.message.as_deref().map(sanitize::line).unwrap_or_default();
            let (wrapped, indent) = crate::tui::wrap::hanging(&message, MESSAGE_COLUMN, width);
            let on_line = indent == MESSAGE_COLUMN;
            let mut rest = wrapped.into_iter();
            lines.push(Line::from(vec![
                Span::raw(format!("  {} ", fit(&o.name, 18))),
                Span::raw(format!(
                    "{} ",
                    fit(o.object_type.as_deref().unwrap_or(""), 8)
                )),
                Span::styled(format!("{badge:<11}"), style),
                Span::raw(match on_line {
                    true => format!(" {}", rest.next().unwrap_or_default()),
                    false => String::new(),
                }),
            ]));
            for l in rest.filter(|l| !l.is_empty()) {
                lines.push(Line::raw(format!("{}{l}", " ".repeat(indent))));
            }
        }
    }
}

/// A ticket of the run: its code, whether it lives in Autotask, and its state.
fn ticket_text(t: &RunTicket, theme: &Theme) -> String {
    let state = if t.ticket.resolved_at.is_some() {
        "resolved"
    } else if t.ticket.autotask_deleted_at.is_some() {
        "deleted"
    } else {
        "open"
    };
    let kind = if t.ticket.autotask_ticket_id.is_some() {
        "Autotask, "
    } else {
        ""
    };
    format!(
        "{} {} ({kind}{state})",
        theme.ticket(),
        sanitize::line(&t.ticket.ticket_code)
    )
}

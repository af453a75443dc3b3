//! Reports (pane 0): the backup report of a month, computed by the same model as `backupchecks
//! report` — every customer's success rate as a bar, worst first, and the cursor customer's
//! jobs with their day strips. `[`/`]` change the month; `x` writes the PDF, HTML and CSV files;
//! `o` opens the HTML in `$BROWSER`. `Tab` shows the report schedules instead, each with its
//! latest deliveries (see `services::report_scheduler`); there an admin adds one with `a`.

use super::Pane;
use super::pane::{DrawContext, Follow, Load, LoadContext, PaneInfo, PaneView};
use crate::db::report_schedules::{Delivery, Schedule, State};
use crate::domain::report::{self, CustomerReport, JobReport, Period};
use crate::tui::action::Action;
use crate::tui::keymap::Context;
use crate::tui::list::{self, ListState};
use crate::tui::sanitize;
use crate::tui::table::{self, Cell, Column, ListTable, Width};
use crate::tui::theme::Theme;
use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use sqlx::PgPool;

#[derive(Debug)]
pub struct Reports {
    pub report: Option<report::Report>,
    /// Months back from the current one: 1 is the previous month (the default), 0 this month.
    pub months_back: u32,
    pub list: ListState,
    /// Showing the schedules instead of the report.
    pub schedules_view: bool,
    pub schedules: Option<ScheduleData>,
    pub schedule_list: ListState,
}

/// The schedules with their recent deliveries, newest first.
#[derive(Debug, Clone, Default)]
pub struct ScheduleData {
    pub schedules: Vec<Schedule>,
    pub deliveries: Vec<Delivery>,
}

impl ScheduleData {
    pub fn of(&self, schedule: i64) -> impl Iterator<Item = &Delivery> {
        self.deliveries
            .iter()
            .filter(move |d| d.schedule_id == schedule)
    }
}

impl Default for Reports {
    fn default() -> Reports {
        Reports {
            report: None,
            months_back: 1,
            list: ListState::default(),
            schedules_view: false,
            schedules: None,
            schedule_list: ListState::default(),
        }
    }
}

pub const INFO: PaneInfo = PaneInfo {
    id: Pane::Reports,
    command: "reports",
    number: Some(0),
    title: "Reports",
    short_title: "Rep",
    context: Context::Reports,
    needs: crate::domain::roles::Capability::Reports,
    tab_when_narrow: true,
};

/// The month `back` months before the one of `now` in `tz`.
pub fn month(now: DateTime<Utc>, tz: Tz, back: u32) -> Period {
    let today = now.with_timezone(&tz).date_naive();
    let months = today.year() * 12 + today.month0() as i32 - back as i32;
    let first =
        chrono::NaiveDate::from_ymd_opt(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, 1)
            .unwrap_or(today);
    Period::month_of(first)
}

impl Reports {
    /// The customers, worst success rate first (no rate last), as the filter lets through.
    pub fn visible(&self) -> Vec<usize> {
        let Some(r) = &self.report else {
            return Vec::new();
        };
        let mut rows: Vec<usize> = r
            .customers
            .iter()
            .enumerate()
            .filter(|(_, c)| list::matches(&self.list.filter, &[&c.name]))
            .map(|(i, _)| i)
            .collect();
        let rate = |i: &usize| {
            r.customers[*i]
                .summary
                .success_rate
                .unwrap_or(f64::INFINITY)
        };
        rows.sort_by(|a, b| rate(a).total_cmp(&rate(b)));
        rows
    }

    /// The schedules as the filter lets through.
    pub fn visible_schedules(&self) -> Vec<usize> {
        let Some(d) = &self.schedules else {
            return Vec::new();
        };
        d.schedules
            .iter()
            .enumerate()
            .filter(|(_, s)| list::matches(&self.schedule_list.filter, &[&s.name]))
            .map(|(i, _)| i)
            .collect()
    }

    /// The schedule under the cursor.
    pub fn current_schedule(&self) -> Option<&Schedule> {
        let i = *self.visible_schedules().get(self.schedule_list.cursor)?;
        self.schedules.as_ref()?.schedules.get(i)
    }

    /// The newest delivery of the cursor schedule an operator has to settle: outcome unknown,
    /// or failed for good.
    pub fn to_settle(&self) -> Option<&Delivery> {
        let s = self.current_schedule()?;
        self.schedules
            .as_ref()?
            .of(s.id)
            .find(|d| needs_settling(d))
    }

    /// `Tab`: the schedules, or back to the report.
    pub fn toggle(&mut self) {
        self.schedules_view = !self.schedules_view;
    }

    pub fn current(&self) -> Option<&CustomerReport> {
        let i = *self.visible().get(self.list.cursor)?;
        self.report.as_ref()?.customers.get(i)
    }

    /// `[` / `]`: an earlier or later month (not past the current one).
    pub fn shift(&mut self, earlier: bool) {
        self.months_back = if earlier {
            self.months_back.saturating_add(1)
        } else {
            self.months_back.saturating_sub(1)
        };
        self.list.cursor = 0;
        self.list.offset = 0;
    }
}

impl PaneView for Reports {
    fn info(&self) -> &'static PaneInfo {
        &INFO
    }

    fn release(&mut self) {
        self.report = None;
    }

    fn context(&self) -> Context {
        if self.schedules_view {
            Context::ReportSchedules
        } else {
            Context::Reports
        }
    }

    fn loads(&self, cx: &LoadContext) -> Vec<Load> {
        if self.schedules_view {
            return vec![Box::pin(load_schedules(cx.pool.clone()))];
        }
        let period = month(cx.now, cx.tz, self.months_back);
        vec![Box::pin(load(cx.pool.clone(), period, cx.now))]
    }

    fn list(&self) -> &ListState {
        if self.schedules_view {
            &self.schedule_list
        } else {
            &self.list
        }
    }

    fn list_mut(&mut self) -> &mut ListState {
        if self.schedules_view {
            &mut self.schedule_list
        } else {
            &mut self.list
        }
    }

    fn row_count(&self) -> usize {
        if self.schedules_view {
            self.visible_schedules().len()
        } else {
            self.visible().len()
        }
    }

    fn open(&mut self) -> Vec<Follow> {
        Vec::new()
    }

    fn loaded(&mut self, data: Box<dyn std::any::Any + Send>) -> Vec<Follow> {
        match data.downcast::<report::Report>() {
            Ok(r) => self.report = Some(*r),
            Err(data) => match data.downcast::<ScheduleData>() {
                Ok(d) => self.schedules = Some(*d),
                Err(_) => tracing::warn!("the Reports pane was handed a load result not its own"),
            },
        }
        Vec::new()
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawContext) {
        if self.schedules_view {
            draw_schedules(f, area, self, cx.theme)
        } else {
            draw(f, area, self, cx.theme)
        }
    }
}

/// Unknown outcome, or failed with no retry left.
pub fn needs_settling(d: &Delivery) -> bool {
    d.state == State::Unknown || (d.state == State::Failed && d.next_attempt_at.is_none())
}

pub async fn load_schedules(pool: PgPool) -> Action {
    let data = async {
        let schedules = crate::db::report_schedules::list(&pool).await?;
        let deliveries = crate::db::report_schedules::deliveries(&pool, None, 500).await?;
        Ok::<_, crate::db::DbError>(ScheduleData {
            schedules,
            deliveries,
        })
    };
    match data.await {
        Ok(d) => Action::PaneLoaded(Pane::Reports, Box::new(d)),
        Err(e) => crate::tui::action::load_failed("loading the report schedules", e),
    }
}

/// `monthly:1 06:00`.
fn when(s: &Schedule) -> String {
    format!("{} {:02}:00", s.cadence, s.hour)
}

/// `ops@x, customers`: who gets the mail.
fn recipients(s: &Schedule) -> String {
    let mut to = s.recipients.clone();
    if s.to_customers {
        to.push("each customer".into());
    }
    if to.is_empty() {
        "folder only".into()
    } else {
        to.join(", ")
    }
}

fn draw_schedules(f: &mut Frame, area: Rect, s: &mut Reports, theme: &Theme) {
    let Some(data) = s.schedules.clone() else {
        f.render_widget(
            Block::bordered().title(" Report schedules — loading… "),
            area,
        );
        return;
    };
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(45), Constraint::Min(6)]).areas(area);
    let vis = s.visible_schedules();
    let settle = data.deliveries.iter().filter(|d| needs_settling(d)).count();
    let base = if settle > 0 {
        format!(" Report schedules · {settle} to settle (s resend, S mark sent) · Tab the report")
    } else {
        " Report schedules · Tab the report".to_string()
    };
    let title = table::title(&base, &s.schedule_list.filter, 0, "");
    let last = |sc: &Schedule| -> String {
        data.of(sc.id)
            .next()
            .map(|d| format!("{} {}", d.period_from, d.state))
            .unwrap_or_else(|| "nothing yet".into())
    };
    let cols: Vec<Column<'_, Schedule>> = vec![
        Column::new("Schedule", Width::Fixed(28), |sc: &Schedule| {
            Cell::raw(sanitize::line(&sc.name))
        })
        .gap(0),
        Column::new("When", Width::Fixed(18), |sc: &Schedule| {
            Cell::raw(when(sc))
        }),
        Column::new("Formats", Width::Fixed(14), |sc: &Schedule| {
            Cell::raw(
                sc.formats
                    .iter()
                    .map(|f| f.extension())
                    .collect::<Vec<_>>()
                    .join("+"),
            )
        }),
        Column::new("Latest", Width::Fixed(20), move |sc: &Schedule| {
            Cell::raw(last(sc))
        }),
        Column::new("To", Width::Share(1), |sc: &Schedule| {
            Cell::raw(sanitize::line(&recipients(sc)))
        }),
    ];
    ListTable::new(title, |sc: &Schedule| sc.id, cols)
        .empty(
            "  No report schedules: a adds one (admins), as `backupchecks report schedule add` does.",
            theme.dim(),
        )
        .draw(f, top, theme, &mut s.schedule_list, &data.schedules, &vis);
    let Some(sc) = s.current_schedule() else {
        f.render_widget(Block::bordered(), bottom);
        return;
    };
    let lines: Vec<Line> = data
        .of(sc.id)
        .take(usize::from(bottom.height.saturating_sub(2)))
        .map(|d| {
            let style = match d.state {
                State::Sent => theme.status(crate::domain::run_status::RunStatus::Success),
                State::Unknown | State::Failed => {
                    theme.status(crate::domain::run_status::RunStatus::Failed)
                }
                State::Generated | State::Sending => theme.dim(),
            };
            let mut text = format!(
                "#{:<5} {}  {:<24} {:<9} {} attempt(s)",
                d.id,
                d.period_from,
                table::fit(
                    &sanitize::line(d.customer_name.as_deref().unwrap_or("internal")),
                    24
                ),
                d.state.as_str(),
                d.attempts
            );
            if let Some(e) = d.last_error.as_deref().or(d.note.as_deref()) {
                text.push_str(&format!(" · {}", sanitize::line(e)));
            }
            Line::from(Span::styled(text, style))
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(format!(
            " {} — deliveries, newest first ",
            sanitize::line(&sc.name)
        ))),
        bottom,
    );
}

pub async fn load(pool: PgPool, period: Period, now: DateTime<Utc>) -> Action {
    let input = async {
        let mut conn = pool.acquire().await?;
        crate::db::report::load(&mut conn, period, None, now).await
    };
    match input.await {
        Ok(input) => Action::PaneLoaded(Pane::Reports, Box::new(report::build(&input))),
        Err(e) => crate::tui::action::load_failed("loading the report", e),
    }
}

/// `█████░░░░░ 52.0%`: a rate as a bar of `width` cells.
fn bar(rate: Option<f64>, width: usize) -> String {
    match rate {
        Some(r) => {
            let filled = ((r / 100.0) * width as f64)
                .round()
                .clamp(0.0, width as f64) as usize;
            format!(
                "{}{} {}",
                "█".repeat(filled),
                "░".repeat(width - filled),
                crate::reports::text::rate(Some(r))
            )
        }
        None => format!("{} no runs expected", "░".repeat(width)),
    }
}

fn draw(f: &mut Frame, area: Rect, s: &mut Reports, theme: &Theme) {
    let Some(r) = &s.report else {
        f.render_widget(Block::bordered().title(" Reports — loading… "), area);
        return;
    };
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Min(6)]).areas(area);
    let vis = s.visible();
    let base = format!(
        " Reports — {} · success rate {} · [ ] month · x writes PDF, HTML and CSV",
        r.period,
        crate::reports::text::rate(r.totals.success_rate)
    );
    let title = table::title(&base, &s.list.filter, 0, "");
    let cols: Vec<Column<'_, CustomerReport>> = vec![
        Column::new("Customer", Width::Fixed(36), |c: &CustomerReport| {
            Cell::raw(c.name.as_str())
        })
        .gap(0),
        Column::new("Success rate", Width::Fixed(28), |c: &CustomerReport| {
            Cell::raw(bar(c.summary.success_rate, 20))
        }),
        Column::new("Expected", Width::Fixed(8), |c: &CustomerReport| {
            Cell::raw(c.summary.counts.expected.to_string())
        })
        .right(),
        Column::new("Failed", Width::Fixed(6), move |c: &CustomerReport| {
            Cell::styled(
                c.summary.counts.failed.to_string(),
                theme.status(crate::domain::run_status::RunStatus::Failed),
            )
        })
        .right(),
        Column::new("Missed", Width::Fixed(6), move |c: &CustomerReport| {
            Cell::styled(
                c.summary.counts.missed.to_string(),
                theme.status(crate::domain::run_status::RunStatus::Missed),
            )
        })
        .right(),
        Column::new("", Width::Share(1), |_: &CustomerReport| Cell::raw("")),
    ];
    let customers = r.customers.clone();
    ListTable::new(title, |c: &CustomerReport| c.id, cols)
        .empty("  No customer has jobs in this period.", theme.dim())
        .draw(f, top, theme, &mut s.list, &customers, &vis);
    draw_jobs(f, bottom, s.current(), theme);
}

/// The cursor customer's jobs, worst first, with their day strips.
fn draw_jobs(f: &mut Frame, area: Rect, c: Option<&CustomerReport>, theme: &Theme) {
    let Some(c) = c else {
        f.render_widget(Block::bordered(), area);
        return;
    };
    let mut jobs: Vec<&JobReport> = c.jobs.iter().collect();
    jobs.sort_by(|a, b| {
        let rate = |j: &JobReport| j.summary.success_rate.unwrap_or(f64::INFINITY);
        rate(a).total_cmp(&rate(b))
    });
    let lines: Vec<Line> = jobs
        .iter()
        .map(|j| {
            let mut spans = vec![Span::raw(format!(
                "{:<28} {:>7}  ",
                table::fit(&sanitize::line(&j.name), 28),
                crate::reports::text::rate(j.summary.success_rate)
            ))];
            for d in &j.days {
                spans.push(Span::styled(
                    theme.cell(d.status),
                    d.status.map(|s| theme.status(s)).unwrap_or(theme.dim()),
                ));
            }
            Line::from(spans)
        })
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(format!(
            " {} — jobs, worst first ({} apart: informational or archived) ",
            sanitize::line(&c.name),
            c.apart.len()
        ))),
        area,
    );
}

//! Activity (pane 8): the audit log (who did what, newest first) and, on `Tab`, the log of the
//! background tasks of this session (mail import, missed-run check, Autotask poller, retention),
//! which the App keeps in memory.

use super::Pane;
use super::pane::{DrawContext, Follow, Load, LoadContext, PaneInfo, PaneView};
use crate::db::audit::Entry;
use crate::tui::action::Action;
use crate::tui::keymap::Context;
use crate::tui::list::{self, ListState};
use crate::tui::sanitize;
use crate::tui::table::{self, Cell, Column, ListTable, Width};
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::widgets::{Block, Paragraph, Wrap};
use sqlx::PgPool;
use std::collections::VecDeque;

/// Audit entries loaded with the pane.
pub const AUDIT_LIMIT: i64 = 500;
/// Background events kept in memory.
pub const TASK_LOG_LEN: usize = 200;

/// One event of a background task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskEvent {
    pub at: DateTime<Utc>,
    /// "import", "missed runs", "reports", "Autotask" or "retention".
    pub task: &'static str,
    pub text: String,
    pub failed: bool,
}

#[derive(Debug, Default)]
pub struct Activity {
    pub entries: Vec<Entry>,
    pub loaded: bool,
    /// Oldest first; shown newest first.
    pub tasks: VecDeque<TaskEvent>,
    /// `Tab`: the task log instead of the audit log.
    pub show_tasks: bool,
    /// The seat's role may not read the audit log: only the task log is shown.
    pub audit_hidden: bool,
    pub list: ListState,
}

/// An audit entry's details as words: `key value` pairs, lists of ids counted (`3 runs`), no
/// JSON punctuation.
pub fn details(e: &Entry) -> String {
    use serde_json::Value;
    let value = |v: &Value| -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Null => "—".into(),
            Value::Array(items) => format!("{} items", items.len()),
            Value::Object(_) => "…".into(),
            other => other.to_string(),
        }
    };
    let text = match &e.details {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| match (k.strip_suffix("_ids"), v) {
                // `run_ids: [..]` → `3 runs`, `job_ids` → `2 jobs`.
                (Some(what), Value::Array(items)) => {
                    let what = what.replace('_', " ");
                    let plural = if items.len() == 1 { "" } else { "s" };
                    format!("{} {what}{plural}", items.len())
                }
                _ => format!("{} {}", k.replace('_', " "), value(v)),
            })
            .collect::<Vec<_>>()
            .join(" · "),
        Value::Null => String::new(),
        v => value(v),
    };
    sanitize::line(&text)
}

fn who(e: &Entry) -> String {
    format!("{} ({})", e.operator.as_deref().unwrap_or("—"), e.db_user)
}

fn entity(e: &Entry) -> String {
    match (&e.entity_type, e.entity_id) {
        (Some(t), Some(_)) if e.entity_name.is_some() => {
            format!(
                "{} {}",
                t.replace('_', " "),
                e.entity_name.as_deref().unwrap_or("")
            )
        }
        (Some(t), Some(id)) => format!("{} {id}", t.replace('_', " ")),
        (Some(t), None) => t.clone(),
        _ => String::new(),
    }
}

impl Activity {
    /// Records a background event, keeping the last [`TASK_LOG_LEN`].
    pub fn push_task(&mut self, ev: TaskEvent) {
        self.tasks.push_back(ev);
        while self.tasks.len() > TASK_LOG_LEN {
            self.tasks.pop_front();
        }
    }

    /// Indices of the rows shown: into `entries`, or into `tasks` newest first.
    pub fn visible(&self) -> Vec<usize> {
        if self.show_tasks {
            (0..self.tasks.len())
                .rev()
                .filter(|i| {
                    self.tasks
                        .get(*i)
                        .is_some_and(|t| list::matches(&self.list.filter, &[t.task, &t.text]))
                })
                .collect()
        } else {
            self.entries
                .iter()
                .enumerate()
                .filter(|(_, e)| {
                    list::matches(
                        &self.list.filter,
                        &[&e.action, &who(e), &entity(e), &details(e)],
                    )
                })
                .map(|(i, _)| i)
                .collect()
        }
    }

    pub fn set_entries(&mut self, entries: Vec<Entry>) {
        self.entries = entries;
        self.loaded = true;
        let n = self.visible().len();
        self.list.clamp(n);
    }

    pub fn toggle(&mut self) {
        self.show_tasks = !self.show_tasks || self.audit_hidden;
        self.list.cursor = 0;
        self.list.offset = 0;
    }
}

pub const INFO: PaneInfo = PaneInfo {
    id: Pane::Activity,
    command: "activity",
    number: Some(8),
    title: "Activity",
    short_title: "Log",
    context: Context::Activity,
    needs: crate::domain::roles::Capability::Browse,
    tab_when_narrow: true,
};

impl PaneView for Activity {
    fn info(&self) -> &'static PaneInfo {
        &INFO
    }

    fn loads(&self, cx: &LoadContext) -> Vec<Load> {
        if self.audit_hidden {
            return Vec::new();
        }
        vec![Box::pin(load(cx.pool.clone()))]
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

    /// An audit entry about a job opens that job in Jobs.
    fn open(&mut self) -> Vec<Follow> {
        let entry = (!self.show_tasks)
            .then(|| {
                self.visible()
                    .get(self.list.cursor)
                    .and_then(|i| self.entries.get(*i))
            })
            .flatten();
        match entry.and_then(|e| (e.entity_type.as_deref() == Some("job")).then_some(e.entity_id)) {
            Some(Some(job)) => vec![Follow::ShowInJobs(job)],
            _ => vec![Follow::Toast(format!(
                "{} opens entries about a job",
                crate::tui::keymap::key_of(
                    crate::tui::keymap::Context::List,
                    crate::tui::keymap::Command::Open
                )
            ))],
        }
    }

    fn loaded(&mut self, data: Box<dyn std::any::Any + Send>) -> Vec<Follow> {
        match data.downcast::<Vec<Entry>>() {
            Ok(entries) => self.set_entries(*entries),
            Err(_) => tracing::warn!("the Activity pane was handed a load result not its own"),
        }
        Vec::new()
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawContext) {
        draw(f, area, self, cx.theme, cx.tz)
    }
}

pub async fn load(pool: PgPool) -> Action {
    match crate::db::audit::recent(&pool, AUDIT_LIMIT).await {
        Ok(entries) => Action::PaneLoaded(Pane::Activity, Box::new(entries)),
        Err(e) => crate::tui::action::load_failed("loading the audit log", e),
    }
}

/// The time of an entry: with seconds when the list is wide.
fn when(at: DateTime<Utc>, tz: Tz, wide: bool) -> String {
    let local = at.with_timezone(&tz);
    if wide {
        local.format("%d %b %H:%M:%S").to_string()
    } else {
        local.format("%d %b %H:%M").to_string()
    }
}

pub fn draw(f: &mut Frame, area: Rect, s: &mut Activity, theme: &Theme, tz: Tz) {
    let [top, foot] = Layout::vertical([Constraint::Min(4), Constraint::Length(4)]).areas(area);
    let vis = s.visible();
    let base = if s.audit_hidden {
        format!(
            " Activity — background tasks of this session ({}) · the audit log is for admins",
            s.tasks.len()
        )
    } else if s.show_tasks {
        format!(
            " Activity — background tasks of this session ({}) · Tab audit log",
            s.tasks.len()
        )
    } else {
        format!(
            " Activity — audit log, newest first ({}) · Tab background tasks",
            s.entries.len()
        )
    };
    let title = table::title(&base, &s.list.filter, 0, "");
    let wide = top.width.saturating_sub(2) >= 120;
    let filtered = !s.list.filter.is_empty();
    if s.show_tasks {
        ListTable::new(title, |_: &TaskEvent| 0, task_columns(theme, tz, wide))
            .empty(
                if filtered {
                    "  No event matches the filter (Esc clears it)."
                } else {
                    "  Nothing yet: import, missed-run checks and Autotask passes show here."
                },
                theme.dim(),
            )
            .draw(f, top, theme, &mut s.list, s.tasks.make_contiguous(), &vis);
    } else {
        let mut table = ListTable::new(title, |e: &Entry| e.id, audit_columns(theme, tz, wide));
        if s.loaded {
            table = table.empty(
                if filtered {
                    "  No entry matches the filter (Esc clears it)."
                } else {
                    "  Nothing recorded yet."
                },
                theme.dim(),
            );
        }
        table.draw(f, top, theme, &mut s.list, &s.entries, &vis);
    }
    draw_detail(f, foot, s, &vis, tz, wide);
}

/// When, task and event (failures in the error colour).
fn task_columns(theme: &Theme, tz: Tz, wide: bool) -> Vec<Column<'_, TaskEvent>> {
    vec![
        Column::new(
            "When",
            Width::Fixed(if wide { 15 } else { 12 }),
            move |t: &TaskEvent| Cell::styled(when(t.at, tz, wide), theme.dim()),
        )
        .gap(0),
        Column::new("Task", Width::Fixed(12), |t: &TaskEvent| Cell::raw(t.task)),
        Column::new("Event", Width::Share(1), move |t: &TaskEvent| {
            let style = if t.failed {
                theme.error()
            } else {
                Style::default()
            };
            Cell::styled(t.text.as_str(), style)
        }),
    ]
}

/// When, who, action, entity and details.
fn audit_columns(theme: &Theme, tz: Tz, wide: bool) -> Vec<Column<'_, Entry>> {
    let (when_w, ww, aw, ew) = if wide {
        (15, 24, 20, 30)
    } else {
        (12, 14, 16, 12)
    };
    vec![
        Column::new("When", Width::Fixed(when_w), move |e: &Entry| {
            Cell::styled(when(e.at, tz, wide), theme.dim())
        })
        .gap(0),
        Column::new("Who (db user)", Width::Fixed(ww), |e: &Entry| {
            Cell::raw(who(e))
        }),
        Column::new("Action", Width::Fixed(aw), move |e: &Entry| {
            Cell::styled(e.action.as_str(), theme.key())
        }),
        Column::new("Entity", Width::Fixed(ew), |e: &Entry| Cell::raw(entity(e))),
        Column::new("Details", Width::Share(1), move |e: &Entry| {
            Cell::styled(details(e), theme.dim())
        }),
    ]
}

/// The cursor row in full.
fn draw_detail(f: &mut Frame, area: Rect, s: &Activity, vis: &[usize], tz: Tz, wide: bool) {
    let text = vis.get(s.list.cursor).and_then(|i| {
        if s.show_tasks {
            s.tasks.get(*i).map(|t| {
                format!(
                    "{} · {} · {}",
                    when(t.at, tz, wide),
                    t.task,
                    sanitize::line(&t.text)
                )
            })
        } else {
            s.entries.get(*i).map(|e| {
                let d = details(e);
                format!(
                    "{} · {} · {} {}{}",
                    when(e.at, tz, wide),
                    sanitize::line(&who(e)),
                    sanitize::line(&e.action),
                    sanitize::line(&entity(e)),
                    if d.is_empty() {
                        String::new()
                    } else {
                        format!(" · {d}")
                    }
                )
            })
        }
    });
    f.render_widget(
        Paragraph::new(text.unwrap_or_default())
            .wrap(Wrap { trim: true })
            .block(Block::bordered()),
        area,
    );
}

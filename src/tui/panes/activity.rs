//! Activity (pane 8): the audit log (who did what, newest first) and, on `Tab`, the log of the
//! background tasks of this session (mail import, missed-run check, Autotask poller), which the
//! App keeps in memory.

use crate::db::audit::Entry;
use crate::tui::action::Action;
use crate::tui::list::{self, ListState};
use crate::tui::sanitize;
use crate::tui::table::fit;
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
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
    /// "import", "missed runs" or "Autotask".
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
    pub list: ListState,
}

/// An audit entry's details as one compact line of JSON (`{}` shows as nothing).
pub fn details(e: &Entry) -> String {
    match &e.details {
        serde_json::Value::Object(m) if m.is_empty() => String::new(),
        serde_json::Value::Null => String::new(),
        v => sanitize::line(&v.to_string()),
    }
}

fn who(e: &Entry) -> String {
    format!("{} ({})", e.operator.as_deref().unwrap_or("—"), e.db_user)
}

fn entity(e: &Entry) -> String {
    match (&e.entity_type, e.entity_id) {
        (Some(t), Some(id)) => format!("{t} {id}"),
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
        self.show_tasks = !self.show_tasks;
        self.list.cursor = 0;
        self.list.offset = 0;
    }
}

pub async fn load(pool: PgPool) -> Action {
    match crate::db::audit::recent(&pool, AUDIT_LIMIT).await {
        Ok(entries) => Action::ActivityLoaded(entries),
        Err(e) => crate::tui::action::failed("loading the audit log", e),
    }
}

pub fn draw(f: &mut Frame, area: Rect, s: &mut Activity, theme: &Theme, tz: Tz) {
    let [top, foot] = Layout::vertical([Constraint::Min(4), Constraint::Length(4)]).areas(area);
    let vis = s.visible();
    let mut title = if s.show_tasks {
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
    let height = inner.height.saturating_sub(1) as usize;
    let offset = s.list.scroll(height, vis.len());
    let when_w = if wide { 15 } else { 12 };
    let when = |at: DateTime<Utc>| {
        let local = at.with_timezone(&tz);
        if wide {
            local.format("%d %b %H:%M:%S").to_string()
        } else {
            local.format("%d %b %H:%M").to_string()
        }
    };
    let marker = |cursor: bool| {
        if cursor {
            format!("{} ", theme.cursor())
        } else {
            "  ".into()
        }
    };
    let mut lines = Vec::new();
    if s.show_tasks {
        let tw = 12;
        let rest = w.saturating_sub(2 + when_w + 1 + tw + 1);
        lines.push(Line::styled(
            format!("  {:<when_w$} {:<tw$} {}", "When", "Task", "Event"),
            theme.dim(),
        ));
        for (pos, idx) in vis.iter().enumerate().skip(offset).take(height) {
            let Some(t) = s.tasks.get(*idx) else { continue };
            let cursor = pos == s.list.cursor;
            let style = if t.failed {
                theme.error()
            } else {
                Style::default()
            };
            let mut line = Line::from(vec![
                Span::raw(marker(cursor)),
                Span::styled(format!("{:<when_w$} ", when(t.at)), theme.dim()),
                Span::raw(format!("{} ", fit(t.task, tw))),
                Span::styled(fit(&t.text, rest), style),
            ]);
            if cursor {
                line = line.style(theme.selected());
            }
            lines.push(line);
        }
        if vis.is_empty() {
            lines.push(Line::styled(
                if s.list.filter.is_empty() {
                    "  Nothing yet: import, missed-run checks and Autotask passes show here."
                } else {
                    "  No event matches the filter (Esc clears it)."
                },
                theme.dim(),
            ));
        }
    } else {
        let (ww, aw, ew) = if wide { (24, 20, 12) } else { (14, 16, 9) };
        let rest = w.saturating_sub(2 + when_w + 1 + ww + 1 + aw + 1 + ew + 1);
        lines.push(Line::styled(
            format!(
                "  {:<when_w$} {:<ww$} {:<aw$} {:<ew$} {}",
                "When", "Who (db user)", "Action", "Entity", "Details"
            ),
            theme.dim(),
        ));
        for (pos, idx) in vis.iter().enumerate().skip(offset).take(height) {
            let Some(e) = s.entries.get(*idx) else {
                continue;
            };
            let cursor = pos == s.list.cursor;
            let mut line = Line::from(vec![
                Span::raw(marker(cursor)),
                Span::styled(format!("{:<when_w$} ", when(e.at)), theme.dim()),
                Span::raw(format!("{} ", fit(&who(e), ww))),
                Span::styled(format!("{} ", fit(&e.action, aw)), theme.key()),
                Span::raw(format!("{} ", fit(&entity(e), ew))),
                Span::styled(fit(&details(e), rest), theme.dim()),
            ]);
            if cursor {
                line = line.style(theme.selected());
            }
            lines.push(line);
        }
        if vis.is_empty() && s.loaded {
            lines.push(Line::styled(
                if s.list.filter.is_empty() {
                    "  Nothing recorded yet."
                } else {
                    "  No entry matches the filter (Esc clears it)."
                },
                theme.dim(),
            ));
        }
    }
    f.render_widget(Paragraph::new(lines), inner);

    // The cursor row in full.
    let text = vis.get(s.list.cursor).and_then(|i| {
        if s.show_tasks {
            s.tasks
                .get(*i)
                .map(|t| format!("{} · {} · {}", when(t.at), t.task, sanitize::line(&t.text)))
        } else {
            s.entries.get(*i).map(|e| {
                let d = details(e);
                format!(
                    "{} · {} · {} {}{}",
                    when(e.at),
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
        foot,
    );
}

//! The "pin a schedule" form of the Jobs pane (`p`): days, time and grace as typed.

use super::{Overlay, hint_line, popup};
use crate::domain::schedule::{PinnedSchedule, Schedule};
use crate::domain::schedule_text;
use crate::tui::app::App;
use crate::tui::keymap::Key;
use crate::tui::keymap::dialogs::{self as keys, Dialog, DialogCommand as C};
use crate::tui::theme::Theme;
use crate::tui::{input, sanitize};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinForm {
    pub job_id: i64,
    pub title: String,
    /// "daily", or weekdays such as "Mon, Wed, Fri" or "Mon-Fri".
    pub days: String,
    /// HH:MM, local time.
    pub time: String,
    /// Minutes; empty uses the default grace of the settings.
    pub grace: String,
    /// 0 days, 1 time, 2 grace.
    pub field: usize,
}

impl PinForm {
    /// Pre-filled from the schedule in force (weekly days and time), else empty.
    pub fn new(job_id: i64, title: String, current: Option<&Schedule>) -> PinForm {
        let (days, time) = match current {
            Some(Schedule::Weekly { days, time }) => (
                days.iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                time.format("%H:%M").to_string(),
            ),
            Some(s) => (
                "daily".to_string(),
                s.time()
                    .map(|t| t.format("%H:%M").to_string())
                    .unwrap_or_default(),
            ),
            None => ("daily".to_string(), String::new()),
        };
        PinForm {
            job_id,
            title,
            days,
            time,
            grace: String::new(),
            field: 1,
        }
    }

    pub fn value_mut(&mut self) -> &mut String {
        match self.field {
            0 => &mut self.days,
            1 => &mut self.time,
            _ => &mut self.grace,
        }
    }

    /// The schedule the form describes, or what is wrong with it.
    pub fn pinned(&self) -> Result<PinnedSchedule, String> {
        schedule_text::parse_pinned(&self.days, &self.time, &self.grace)
    }

    pub fn key(mut self, app: &mut App, key: KeyEvent) -> Option<Overlay> {
        if input::edit(self.value_mut(), &key) {
            return Some(Overlay::Pin(self));
        }
        match keys::lookup(Dialog::PinForm, Key::from_event(&key)) {
            Some(C::Cancel) => return None,
            Some(C::Accept) => match self.pinned() {
                Ok(p) => {
                    app.pin(self.job_id, p);
                    return None;
                }
                Err(e) => app.error(e),
            },
            Some(C::NextField) => self.field = (self.field + 1) % 3,
            Some(C::PrevField) => self.field = (self.field + 2) % 3,
            _ => {}
        }
        Some(Overlay::Pin(self))
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, t: &Theme) {
        let rect = popup(area, 64, 10);
        let field = |i: usize, label: &str, value: &str, help: &str| {
            let cursor = if self.field == i { "█" } else { "" };
            let line = Line::from(vec![
                Span::styled(format!("{label:<7}"), t.dim()),
                Span::raw(format!("{}{cursor}", sanitize::line(value))),
                Span::styled(format!("  {help}"), t.dim()),
            ]);
            if self.field == i {
                line.style(t.selected())
            } else {
                line
            }
        };
        let lines = vec![
            field(0, "Days", &self.days, "daily, or Mon, Wed, Fri / Mon-Fri"),
            field(1, "Time", &self.time, "HH:MM"),
            field(2, "Grace", &self.grace, "minutes (empty: default)"),
            Line::raw(""),
            Line::styled("The pinned schedule beats the learned one.", t.dim()),
            Line::raw(""),
            hint_line(t, Dialog::PinForm),
        ];
        f.render_widget(Clear, rect);
        f.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(Span::styled(
                format!(" Pin schedule of {} ", sanitize::line(&self.title)),
                t.title(),
            ))),
            rect,
        );
    }
}

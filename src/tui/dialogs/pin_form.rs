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
    pub days: input::TextField,
    /// HH:MM, local time.
    pub time: input::TextField,
    /// Minutes; empty uses the default grace of the settings.
    pub grace: input::TextField,
    /// Why Enter did not pin, shown in the form until the next key.
    pub error: Option<String>,
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
            days: input::TextField::new(days),
            time: input::TextField::new(time),
            grace: input::TextField::default(),
            error: None,
            field: 1,
        }
    }

    pub fn value_mut(&mut self) -> &mut input::TextField {
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
        self.error = None;
        if self.value_mut().edit(&key) {
            return Some(Overlay::Pin(self));
        }
        match keys::lookup(Dialog::PinForm, Key::from_event(&key)) {
            Some(C::Cancel) => return None,
            Some(C::Accept) => match self.pinned() {
                Ok(p) => {
                    app.pin(self.job_id, p);
                    return None;
                }
                Err(e) => self.error = Some(e),
            },
            Some(C::NextField) => self.field = (self.field + 1) % 3,
            Some(C::PrevField) => self.field = (self.field + 2) % 3,
            _ => {}
        }
        Some(Overlay::Pin(self))
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, t: &Theme) {
        let rect = popup(area, 64, 10);
        let field = |i: usize, label: &str, value: &input::TextField, help: &str| {
            let mut spans = vec![Span::styled(format!("{label:<7}"), t.dim())];
            if self.field == i {
                spans.extend(value.spans(24));
            } else {
                spans.push(Span::raw(sanitize::line(value)));
            }
            spans.push(Span::styled(format!("  {help}"), t.dim()));
            let line = Line::from(spans);
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
            match &self.error {
                Some(e) => Line::styled(format!("✖ {}", sanitize::line(e)), t.error()),
                None => Line::raw(""),
            },
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

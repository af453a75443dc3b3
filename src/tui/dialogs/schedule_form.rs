//! The "new report schedule" form of the Reports pane's schedules (`a`): the fields of
//! `backupchecks report schedule add`, read by the same rules (`domain::report_schedule`).
//! Enter checks the fields at once; the customer names and a name in use are checked when the
//! schedule is stored, and the form stays open with the reason when they are refused.

use super::{Overlay, hint_line, popup};
use crate::domain::report_schedule::{FieldError, FieldTexts, NewSchedule};
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

/// The text rows, in order, with what they take.
const TEXT_ROWS: [(&str, &str); 6] = [
    ("Name", "e.g. Monthly to the team"),
    ("Every", "monthly:DAY (1–31) or weekly:WEEKDAY (mon … sun)"),
    ("Hour", "local hour it is due from, 0–23"),
    (
        "Customers",
        "names, comma-separated; empty: every active one",
    ),
    ("Formats", "pdf, html, csv, md, json; empty: pdf"),
    ("To", "internal addresses, comma-separated; empty: none"),
];
/// The yes/no row after the text rows.
const EACH_CUSTOMER: usize = TEXT_ROWS.len();
const ROWS: usize = TEXT_ROWS.len() + 1;
/// Width of a text row's value.
const VALUE_WIDTH: usize = 34;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleForm {
    /// Name, every, hour, customers, formats, to.
    pub values: [input::TextField; 6],
    /// Also mail each customer in scope its own report, to its contact address.
    pub to_customers: bool,
    pub field: usize,
    /// Why Enter did not add, shown in the form until the next key.
    pub error: Option<String>,
    /// Stored and waiting for the database's answer; keys wait.
    pub saving: bool,
}

impl Default for ScheduleForm {
    fn default() -> ScheduleForm {
        ScheduleForm::new()
    }
}

impl ScheduleForm {
    /// Empty but for the command line's defaults: monthly on the 1st, at 6.
    pub fn new() -> ScheduleForm {
        ScheduleForm {
            values: [
                input::TextField::default(),
                input::TextField::new("monthly:1"),
                input::TextField::new("6"),
                input::TextField::default(),
                input::TextField::new("pdf"),
                input::TextField::default(),
            ],
            to_customers: false,
            field: 0,
            error: None,
            saving: false,
        }
    }

    /// The schedule the form describes, or what is wrong with it.
    pub fn schedule(&self) -> Result<NewSchedule, FieldError> {
        let v = |i: usize| self.values.get(i).map_or("", |f| f.as_str());
        NewSchedule::from_texts(&FieldTexts {
            name: v(0),
            cadence: v(1),
            hour: v(2),
            customers: v(3),
            formats: v(4),
            recipients: v(5),
            to_customers: self.to_customers,
        })
    }

    /// The row a refusal is about, so the cursor goes there.
    fn row_of(e: &FieldError) -> usize {
        match e {
            FieldError::NoName => 0,
            FieldError::Cadence(_) => 1,
            FieldError::Hour(_) => 2,
            FieldError::Format(_) | FieldError::NoFormat => 4,
            FieldError::Address(_) => 5,
        }
    }

    pub fn key(mut self: Box<Self>, app: &mut App, key: KeyEvent) -> Option<Overlay> {
        if self.saving {
            return Some(Overlay::Schedule(self));
        }
        self.error = None;
        if let Some(value) = self.values.get_mut(self.field)
            && value.edit(&key)
        {
            return Some(Overlay::Schedule(self));
        }
        match keys::lookup(Dialog::ScheduleForm, Key::from_event(&key)) {
            Some(C::Cancel) => return None,
            Some(C::Accept) => match self.schedule() {
                Ok(new) => {
                    self.saving = true;
                    app.add_schedule(new);
                }
                Err(e) => {
                    self.field = ScheduleForm::row_of(&e);
                    self.error = Some(e.to_string());
                }
            },
            Some(C::NextField) => self.field = (self.field + 1) % ROWS,
            Some(C::PrevField) => self.field = (self.field + ROWS - 1) % ROWS,
            Some(C::Change | C::ChangeBack) if self.field == EACH_CUSTOMER => {
                self.to_customers = !self.to_customers
            }
            _ => {}
        }
        Some(Overlay::Schedule(self))
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, t: &Theme) {
        let selected = |i: usize, line: Line<'static>| {
            if self.field == i {
                line.style(t.selected())
            } else {
                line
            }
        };
        let mut lines: Vec<Line> = TEXT_ROWS
            .iter()
            .zip(&self.values)
            .enumerate()
            .map(|(i, ((label, help), value))| {
                let mut spans = vec![Span::styled(format!("{label:<14}"), t.dim())];
                if self.field == i {
                    spans.extend(value.spans(VALUE_WIDTH));
                } else {
                    spans.push(Span::raw(format!(
                        "{:<VALUE_WIDTH$}",
                        sanitize::line(value)
                    )));
                }
                spans.push(Span::styled(format!("  {help}"), t.dim()));
                selected(i, Line::from(spans))
            })
            .collect();
        lines.push(selected(
            EACH_CUSTOMER,
            Line::from(vec![
                Span::styled(format!("{:<14}", "Each customer"), t.dim()),
                Span::raw(format!(
                    "{:<VALUE_WIDTH$}",
                    if self.to_customers { "yes" } else { "no" }
                )),
                Span::styled("  its own report, to its contact address (←/→)", t.dim()),
            ]),
        ));
        lines.push(match (&self.error, self.saving) {
            (Some(e), _) => Line::styled(format!("✖ {}", sanitize::line(e)), t.error()),
            (None, true) => Line::styled("adding…", t.dim()),
            (None, false) => Line::raw(""),
        });
        lines.push(Line::styled(
            "Its report of the latest due period is made at the scheduler's next pass.",
            t.dim(),
        ));
        lines.push(Line::raw(""));
        lines.push(hint_line(t, Dialog::ScheduleForm));
        let rect = popup(area, 106, lines.len() as u16 + 2);
        f.render_widget(Clear, rect);
        f.render_widget(
            Paragraph::new(lines)
                .block(Block::bordered().title(Span::styled(" New report schedule ", t.title()))),
            rect,
        );
    }
}

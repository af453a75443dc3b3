//! The popups over the panes, one module each: its state, its keys and its drawing together.
//! Keys come from the dialog table (`keymap::dialogs`); only typed text goes to `tui::input`.
//! `Overlay` holds the open popup, with one dispatch for keys ([`Overlay::key`]) and one for
//! drawing ([`draw_overlay`]). What a dialog finally does (approve, save, send…) is an `App`
//! method: it needs the whole application.
//!
//! A few variants keep their fields inline (help, command line, filter, questions, the customer
//! picker, the ticket menu): the pane commands and the background loads build them that way.

mod choice;
pub mod command_line;
mod company_picker;
mod confirm;
mod customer_picker;
mod feedback_form;
pub mod filter;
mod help;
mod line_input;
mod override_form;
mod pin_form;
mod remark;
mod rule_form;
mod schedule_form;
mod ticket_input;
mod ticket_menu;
mod ticket_preview;

pub use choice::{Choice, ChoicePurpose, PREVIEW_FIELDS};
pub use company_picker::CompanyPicker;
pub use confirm::Pending;
pub use feedback_form::FeedbackForm;
pub use line_input::{InputPurpose, LineInput};
pub use override_form::OverrideForm;
pub use pin_form::PinForm;
pub use remark::RemarkEditor;
pub use rule_form::RuleForm;
pub use schedule_form::ScheduleForm;
pub use ticket_input::{TicketInput, TicketInputKind};
pub use ticket_preview::PreviewDialog;

use super::app::App;
use super::keymap::dialogs::{self as keys, Dialog, DialogCommand};
use super::theme::Theme;
use crate::domain::customer_suggestion::Suggestion;
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};

/// The popup open over the panes; there is at most one.
pub enum Overlay {
    Help {
        scroll: u16,
    },
    CommandLine(crate::tui::input::TextField),
    Filter,
    Confirm {
        question: String,
        then: Pending,
    },
    /// The customer picker of an approval: of one waiting mail, or of every marked one.
    Picker {
        mail_ids: Vec<i64>,
        /// The job's name, or "N jobs".
        job: String,
        query: String,
        cursor: usize,
        /// The customer pre-selected (listed first) and why.
        suggestion: Option<Suggestion>,
    },
    Remark(Box<RemarkEditor>),
    Override(Box<OverrideForm>),
    TicketMenu,
    TicketInput(TicketInput),
    CompanyPicker(Box<CompanyPicker>),
    TicketPreview(Box<PreviewDialog>),
    Input(LineInput),
    Choose(Choice),
    Pin(PinForm),
    Rule(Box<RuleForm>),
    Feedback(Box<FeedbackForm>),
    Schedule(Box<ScheduleForm>),
}

impl Overlay {
    /// Handles one key; returns the overlay to keep showing (`None` closes it).
    pub fn key(self, app: &mut App, key: KeyEvent) -> Option<Overlay> {
        match self {
            Overlay::Help { scroll } => help::key(scroll, key),
            Overlay::CommandLine(line) => command_line::key(app, line, key),
            Overlay::Filter => filter::key(app, key),
            Overlay::Confirm { question, then } => confirm::key(app, question, then, key),
            picker @ Overlay::Picker { .. } => customer_picker::key(app, picker, key),
            Overlay::Remark(r) => r.key(app, key),
            Overlay::Override(form) => form.key(app, key),
            Overlay::TicketMenu => ticket_menu::key(app, key),
            Overlay::TicketInput(input) => input.key(app, key),
            Overlay::CompanyPicker(p) => p.key(app, key),
            Overlay::TicketPreview(d) => d.key(app, key),
            Overlay::Input(input) => input.key(app, key),
            Overlay::Choose(c) => c.key(app, key),
            Overlay::Pin(form) => form.key(app, key),
            Overlay::Rule(form) => form.key(app, key),
            Overlay::Feedback(form) => form.key(app, key),
            Overlay::Schedule(form) => form.key(app, key),
        }
    }
}

/// Draws the open popup over `area` (the command line and the filter live in the bottom line:
/// [`command_line::bottom_line`], [`filter::bottom_line`]).
pub fn draw_overlay(f: &mut Frame, area: Rect, app: &App) {
    let Some(overlay) = &app.overlay else { return };
    let t = &app.theme;
    match overlay {
        Overlay::Help { scroll } => help::draw(f, area, app, *scroll),
        Overlay::Confirm { question, .. } => confirm::draw(f, area, t, question),
        Overlay::Picker { .. } => customer_picker::draw(f, area, app, overlay),
        Overlay::Remark(r) => r.draw(f, area, t),
        Overlay::Override(form) => form.draw(f, area, t),
        Overlay::TicketMenu => ticket_menu::draw(f, area, app),
        Overlay::TicketInput(input) => input.draw(f, area, t),
        Overlay::CompanyPicker(p) => p.draw(f, area, t),
        Overlay::TicketPreview(d) => d.draw(f, area, t, app.tz),
        Overlay::Input(input) => input.draw(f, area, t),
        Overlay::Choose(c) => c.draw(f, area, t),
        Overlay::Pin(form) => form.draw(f, area, t),
        Overlay::Rule(form) => form.draw(f, area, t),
        Overlay::Feedback(form) => form.draw(f, area, t),
        Overlay::Schedule(form) => form.draw(f, area, t),
        Overlay::CommandLine(_) | Overlay::Filter => {}
    }
}

/// A rectangle of at most `width`×`height`, centred in `area`.
pub(crate) fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

/// The hint of a dialog from the table, for the bindings `shown` lets through: each key in the
/// key colour, what it does dimmed.
pub fn hint_spans(
    t: &Theme,
    dialog: Dialog,
    shown: impl Fn(DialogCommand) -> bool,
) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for (i, (key, what)) in keys::hints(dialog, shown).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(key, t.key()));
        spans.push(Span::styled(format!(" {what}"), t.dim()));
    }
    spans
}

/// The whole hint line of a dialog.
pub fn hint_line(t: &Theme, dialog: Dialog) -> Line<'static> {
    Line::from(hint_spans(t, dialog, |_| true))
}

/// The hint line set in a border (`title_bottom`), with a space either side.
pub fn hint_title(t: &Theme, dialog: Dialog) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    spans.extend(hint_spans(t, dialog, |_| true));
    spans.push(Span::raw(" "));
    Line::from(spans)
}

//! A yes/no question before work that is hard to take back; the work waits in [`Pending`].

use super::{Overlay, hint_spans, popup};
use crate::tui::app::App;
use crate::tui::keymap::Key;
use crate::tui::keymap::dialogs::{self as keys, Dialog, DialogCommand as C};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

/// Work that waits for a "yes".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    /// Quit although this session has something to lose (undo history, marks, filter).
    Quit,
    ReviewJobs(Vec<i64>),
    DeleteMail(Vec<i64>),
    ReparseAll,
    ResolveTicket {
        id: i64,
        code: String,
    },
    /// Complete in Autotask with a note, then resolved here.
    ResolveAutotask {
        autotask_id: i64,
        code: String,
    },
    /// An Autotask ticket for a run that succeeded: only after the operator confirmed it.
    AutotaskPreview(i64),
    RemoveMapping(i64),
    /// Map a customer to a company although the names differ or the company has a customer.
    MapCompany {
        customer_id: i64,
        company_id: i64,
    },
    ResolveRemark(i64),
    DeactivateOverride(i64),
    Archive {
        job_id: i64,
        archive: bool,
    },
    /// Delete (soft) a customer or job.
    SoftDelete {
        kind: crate::db::deletion::Kind,
        id: i64,
    },
    /// Remove a deleted customer or job for good (admins).
    Purge {
        kind: crate::db::deletion::Kind,
        id: i64,
    },
    /// Remove deleted mails for good (admins).
    PurgeMail(Vec<i64>),
    /// Import this customer CSV file for real (after its dry run).
    ImportCustomers(String),
    /// Remove a report schedule and its delivery records.
    RemoveSchedule(i64),
    /// Resend a report delivery, or record it as sent.
    SettleDelivery {
        id: i64,
        how: crate::db::report_schedules::Settle,
    },
    /// Delete (soft) a feedback item.
    DeleteFeedback(i64),
    /// Remove a deleted feedback item for good (admins).
    PurgeFeedback(i64),
}

pub fn key(app: &mut App, question: String, then: Pending, key: KeyEvent) -> Option<Overlay> {
    match keys::lookup(Dialog::Confirm, Key::from_event(&key)) {
        Some(C::Yes) => {
            app.run_pending(then);
            None
        }
        Some(C::No) => None,
        _ => Some(Overlay::Confirm { question, then }),
    }
}

pub fn draw(f: &mut Frame, area: Rect, t: &Theme, question: &str) {
    // Tall enough for a question that wraps on narrow terminals (word wrap may take a line more
    // than the characters need).
    let len = question.chars().count() as u16;
    let width = (len + 6).max(40).min(area.width);
    let lines = len.div_ceil(width.saturating_sub(2).max(1));
    let rect = popup(area, width, lines + 4 + u16::from(lines > 1));
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(vec![
            Line::raw(question.to_string()),
            Line::raw(""),
            Line::from(hint_spans(t, Dialog::Confirm, |_| true)),
        ])
        .wrap(Wrap { trim: true })
        .block(Block::bordered().title(" Confirm ")),
        rect,
    );
}

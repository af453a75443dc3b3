//! The ticket menu of a run (Run Checks `t`): a new internal ticket, an Autotask ticket, a link
//! to an existing ticket, or resolving the run's open ticket. Any other key closes it.

use super::{Overlay, TicketInput, TicketInputKind, hint_spans, popup};
use crate::tui::app::{App, Pending};
use crate::tui::keymap::Key;
use crate::tui::keymap::dialogs::{self as keys, DIALOG_BINDINGS, Dialog, DialogCommand as C};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

pub fn key(app: &mut App, key: KeyEvent) -> Option<Overlay> {
    let (run_id, job_id) = app.run_checks.current_run().map(|r| (r.id, r.job_id))?;
    match keys::lookup(Dialog::TicketMenu, Key::from_event(&key)) {
        Some(C::NewTicket) => {
            let value = app
                .run_checks
                .current_job()
                .map(|j| format!("{} {}: {}", j.customer_name, j.job_name, j.worst().as_str()))
                .unwrap_or_default();
            Some(Overlay::TicketInput(TicketInput {
                kind: TicketInputKind::NewInternal,
                run_id,
                job_id,
                value: crate::tui::input::TextField::new(value),
            }))
        }
        Some(C::AutotaskTicket) => autotask(app, run_id),
        Some(C::LinkTicket) => Some(Overlay::TicketInput(TicketInput {
            kind: TicketInputKind::Link,
            run_id,
            job_id,
            value: crate::tui::input::TextField::default(),
        })),
        Some(C::ResolveTicket) => resolve(app, run_id),
        _ => None,
    }
}

/// `a`: the preview of an Autotask ticket; tickets are for problem runs, so a success needs a
/// deliberate yes first.
fn autotask(app: &mut App, run_id: i64) -> Option<Overlay> {
    let success = app
        .run_checks
        .current_run()
        .is_some_and(|r| r.effective_status.starts_with("Success"));
    if success {
        return Some(Overlay::Confirm {
            question: "This run succeeded: Autotask tickets are for problem runs. Prepare one \
                       anyway?"
                .into(),
            then: Pending::AutotaskPreview(run_id),
        });
    }
    app.open_autotask_preview(run_id);
    None
}

/// `r`: asks before resolving the run's open ticket; an Autotask ticket is completed there too.
fn resolve(app: &mut App, run_id: i64) -> Option<Overlay> {
    let open = app
        .run_checks
        .detail
        .as_ref()
        .filter(|d| d.run.id == run_id)
        .and_then(|d| d.tickets.iter().find(|t| t.ticket.resolved_at.is_none()))
        .map(|t| {
            (
                t.ticket.id,
                t.ticket.ticket_code.clone(),
                // Deleted in Autotask: resolved here only.
                t.ticket
                    .autotask_ticket_id
                    .filter(|_| t.ticket.autotask_deleted_at.is_none()),
            )
        });
    match open {
        Some((_, code, Some(autotask_id))) => Some(Overlay::Confirm {
            question: format!(
                "Resolve {code}? It is set to Complete in Autotask with a note; new runs no \
                 longer get it."
            ),
            then: Pending::ResolveAutotask { autotask_id, code },
        }),
        Some((id, code, None)) => Some(Overlay::Confirm {
            question: format!("Resolve {code}? New runs will no longer get it."),
            then: Pending::ResolveTicket { id, code },
        }),
        None => {
            app.error("no open ticket on this run");
            None
        }
    }
}

pub fn draw(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut lines: Vec<Line> = DIALOG_BINDINGS
        .iter()
        .filter(|b| b.dialog == Dialog::TicketMenu && b.command != C::Cancel)
        .map(|b| {
            let key = Span::styled(
                format!("  {}  ", b.keys.first().map(Key::label).unwrap_or_default()),
                t.key(),
            );
            if b.command == C::AutotaskTicket && app.services.autotask.is_none() {
                Line::from(vec![
                    key,
                    Span::styled("Autotask: not configured (README, Autotask)", t.dim()),
                ])
            } else {
                Line::from(vec![key, Span::raw(b.help)])
            }
        })
        .collect();
    lines.push(Line::raw(""));
    let mut close = vec![Span::raw("  ")];
    close.extend(hint_spans(t, Dialog::TicketMenu, |_| true));
    lines.push(Line::from(close));
    let rect = popup(area, 56, lines.len() as u16 + 2);
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(Span::styled(" Ticket ", t.title()))),
        rect,
    );
}

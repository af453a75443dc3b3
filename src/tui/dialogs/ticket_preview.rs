//! The Autotask ticket about to be sent (ticket menu `a`): its fields, what blocks it, and the
//! description, which may be edited first. While it is edited, keys type.

use super::{Overlay, hint_spans, popup};
use crate::psa::ticket_flow::TicketPreview;
use crate::tui::app::App;
use crate::tui::keymap::Key;
use crate::tui::keymap::dialogs::{self as keys, Dialog, DialogCommand as C};
use crate::tui::panes::settings::Field;
use crate::tui::theme::Theme;
use crate::tui::{input, sanitize};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

/// The ticket about to be sent to Autotask; the description may be edited.
pub struct PreviewDialog {
    pub preview: TicketPreview,
    pub text: Box<ratatui_textarea::TextArea<'static>>,
    /// Keys go to the description editor.
    pub editing: bool,
    /// A create is on its way: further Enters do nothing.
    pub sending: bool,
    pub error: Option<String>,
}

impl PreviewDialog {
    pub fn new(preview: TicketPreview) -> PreviewDialog {
        // The description quotes mail (object messages): cleaned before the editor shows it.
        let lines = sanitize::text(&preview.description)
            .lines()
            .map(str::to_string)
            .collect();
        PreviewDialog {
            text: Box::new(ratatui_textarea::TextArea::new(lines)),
            preview,
            editing: false,
            sending: false,
            error: None,
        }
    }

    /// Sets one of the ticket's picklist fields (chosen in the preview), with its label.
    pub fn set_field(&mut self, field: Field, value: Option<i64>, label: Option<String>) {
        let p = &mut self.preview;
        let (slot, shown) = match field {
            Field::Queue => (&mut p.queue_id, &mut p.labels.queue),
            Field::Priority => (&mut p.priority, &mut p.labels.priority),
            Field::Status => (&mut p.status, &mut p.labels.status),
            Field::Source => (&mut p.source, &mut p.labels.source),
            Field::IssueType => (&mut p.issue_type, &mut p.labels.issue_type),
            Field::SubIssueType => (&mut p.sub_issue_type, &mut p.labels.sub_issue_type),
            _ => return,
        };
        *slot = value;
        *shown = label;
    }

    /// The value the ticket has now for `field` and its label, for the ticket's fields.
    fn slot(&self, field: Field) -> Option<(Option<i64>, &Option<String>)> {
        let (p, l) = (&self.preview, &self.preview.labels);
        Some(match field {
            Field::Queue => (p.queue_id, &l.queue),
            Field::Priority => (p.priority, &l.priority),
            Field::Status => (p.status, &l.status),
            Field::Source => (p.source, &l.source),
            Field::IssueType => (p.issue_type, &l.issue_type),
            Field::SubIssueType => (p.sub_issue_type, &l.sub_issue_type),
            _ => return None,
        })
    }

    /// The value the ticket has now for `field`.
    pub fn field(&self, field: Field) -> Option<i64> {
        self.slot(field).and_then(|(v, _)| v)
    }

    /// The label shown for `field`.
    pub fn field_label(&self, field: Field) -> String {
        self.slot(field)
            .map_or_else(String::new, |(v, label)| pick(label, v))
    }

    /// The preview with the description as edited.
    pub fn edited(&self) -> TicketPreview {
        TicketPreview {
            description: self.text.lines().join("\n"),
            ..self.preview.clone()
        }
    }

    pub fn key(mut self: Box<Self>, app: &mut App, key: KeyEvent) -> Option<Overlay> {
        let k = Key::from_event(&key);
        if self.editing {
            match keys::lookup(Dialog::PreviewEditing, k) {
                Some(C::DoneEditing) => self.editing = false,
                _ => input::edit_area(&mut self.text, key),
            }
            return Some(Overlay::TicketPreview(self));
        }
        match keys::lookup(Dialog::TicketPreview, k) {
            Some(C::Cancel) => return None,
            Some(C::Edit) if !self.sending => self.editing = true,
            Some(C::ChooseFields) if !self.sending => return app.choose_ticket_fields(self),
            Some(C::LinkTicket) if !self.sending => {
                if let Some(t) = self.preview.existing_open_ticket.clone() {
                    app.link_autotask(&self.preview, t.autotask_ticket_id);
                    return None;
                }
            }
            Some(C::Accept) => self.send(app),
            _ => {}
        }
        Some(Overlay::TicketPreview(self))
    }

    /// Enter: one create per dialog, and none while something blocks it.
    fn send(&mut self, app: &mut App) {
        // A second Enter while the create is on its way does nothing.
        if self.sending {
            return;
        }
        if let Some(reason) = &self.preview.blocked {
            app.error(reason.clone());
        } else if let Some(t) = &self.preview.existing_open_ticket {
            app.error(format!(
                "this job has the open ticket {} already: {} links it",
                t.ticket_number.as_deref().unwrap_or("(number unknown)"),
                keys::key_of(Dialog::TicketPreview, C::LinkTicket)
            ));
        } else {
            self.sending = true;
            self.error = None;
            app.send_autotask(self.edited());
        }
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, t: &Theme, tz: Tz) {
        let mut lines = self.fields(t, tz);
        lines.extend(self.notes(t));
        // Room for the fields, the notes and the description, but no more.
        let wanted = lines.len() + self.text.lines().len().max(6) + 6;
        let height = (wanted as u16).min(area.height.saturating_sub(1)).max(12);
        let rect = popup(area, 110, height);
        f.render_widget(Clear, rect);
        let p = &self.preview;
        let block = Block::bordered().title(Span::styled(
            format!(
                " Autotask ticket · {} › {} ",
                sanitize::line(&p.customer_name),
                sanitize::line(&p.job_name)
            ),
            t.title(),
        ));
        let inner = block.inner(rect);
        f.render_widget(block, rect);
        let [top, body, foot] = Layout::vertical([
            Constraint::Length(lines.len() as u16),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .areas(inner);
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top);
        let desc = Block::bordered()
            .title(Span::styled(
                if self.editing {
                    format!(
                        " Description — editing · {} done ",
                        keys::key_of(Dialog::PreviewEditing, C::DoneEditing)
                    )
                } else {
                    " Description ".to_string()
                },
                t.title(),
            ))
            .border_style(if self.editing { t.key() } else { t.dim() });
        let din = desc.inner(body);
        f.render_widget(desc, body);
        f.render_widget(self.text.as_ref(), din);
        f.render_widget(Paragraph::new(self.footer(t)), foot);
    }

    /// Company, title, queue, issue and the runs the ticket goes on.
    fn fields(&self, t: &Theme, tz: Tz) -> Vec<Line<'static>> {
        let p = &self.preview;
        let field = |name: &str, value: String| {
            Line::from(vec![
                Span::styled(format!("{name:<9} "), t.dim()),
                Span::raw(value),
            ])
        };
        let (badge, badge_style) = t.mapping(p.mapping_status);
        let company = match (&p.company_name, p.company_id) {
            (Some(n), Some(id)) => format!("{} ({id})", sanitize::line(n)),
            (None, Some(id)) => format!("company {id}"),
            _ => "—".into(),
        };
        let l = &p.labels;
        let others = p.linked_runs.len().saturating_sub(1);
        vec![
            Line::from(vec![
                Span::styled("Company   ", t.dim()),
                Span::raw(format!("{company}  ")),
                Span::styled(badge, badge_style),
            ]),
            field("Title", sanitize::line(&p.title)),
            field(
                "Queue",
                format!(
                    "{} · priority {} · status {}",
                    pick(&l.queue, p.queue_id),
                    pick(&l.priority, p.priority),
                    pick(&l.status, p.status)
                ),
            ),
            field(
                "Issue",
                format!(
                    "{} / {} · due {}",
                    pick(&l.issue_type, p.issue_type),
                    pick(&l.sub_issue_type, p.sub_issue_type),
                    p.due.with_timezone(&tz).format("%d %b %H:%M")
                ),
            ),
            field(
                "Runs",
                if others == 0 {
                    "this run".to_string()
                } else {
                    format!("this run and {others} other unreviewed run(s) without a ticket")
                },
            ),
        ]
    }

    /// Warnings, what blocks sending, the job's open ticket and the last error.
    fn notes(&self, t: &Theme) -> Vec<Line<'static>> {
        let p = &self.preview;
        let mut lines = Vec::new();
        if p.queue_id.is_none() {
            lines.push(Line::styled(
                format!(
                    "⚠ No queue: none is set as the default (Settings → Autotask); {} chooses one.",
                    keys::key_of(Dialog::TicketPreview, C::ChooseFields)
                ),
                t.attention(),
            ));
        }
        for w in &p.warnings {
            lines.push(Line::styled(
                format!("⚠ {}", sanitize::line(w)),
                t.attention(),
            ));
        }
        if let Some(reason) = &p.blocked {
            lines.push(Line::styled(
                format!("✖ Cannot send: {}", sanitize::line(reason)),
                t.error(),
            ));
        }
        if let Some(e) = &p.existing_open_ticket {
            lines.push(Line::styled(
                format!(
                    "This job has the open ticket {}: {} links it instead of making another.",
                    e.ticket_number
                        .as_deref()
                        .map(sanitize::line)
                        .unwrap_or_else(|| format!("id {}", e.autotask_ticket_id)),
                    keys::key_of(Dialog::TicketPreview, C::LinkTicket)
                ),
                t.attention(),
            ));
        }
        if let Some(e) = &self.error {
            lines.push(Line::styled(format!("✖ {}", sanitize::line(e)), t.error()));
        }
        lines
    }

    /// The keys that do something now: Enter only when it may send, `l` only with an open
    /// ticket to link.
    fn footer(&self, t: &Theme) -> Line<'static> {
        if self.sending {
            return Line::styled("sending to Autotask…", t.dim());
        }
        if self.editing {
            return Line::from(hint_spans(t, Dialog::PreviewEditing, |_| true));
        }
        let p = &self.preview;
        let open = p.existing_open_ticket.is_some();
        Line::from(hint_spans(t, Dialog::TicketPreview, |c| match c {
            C::Accept => p.blocked.is_none() && !open,
            C::LinkTicket => open,
            _ => true,
        }))
    }
}

fn pick(label: &Option<String>, id: Option<i64>) -> String {
    match (label, id) {
        (Some(l), _) => sanitize::line(l),
        (None, Some(id)) => id.to_string(),
        (None, None) => "not set".into(),
    }
}

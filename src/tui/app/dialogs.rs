//! The popups of the Customers and Settings panes and the Autotask ticket preview: their state
//! and their keys.

use super::{App, Overlay, Pending};
use crate::psa::autotask::Company;
use crate::psa::ticket_flow::TicketPreview;
use crate::tui::keymap::Key;
use crate::tui::panes::settings::Field;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// Searching Autotask companies to map a customer to.
pub struct CompanyPicker {
    pub customer_id: i64,
    pub customer_name: String,
    pub query: String,
    pub results: Vec<Company>,
    pub cursor: usize,
    pub searching: bool,
    pub error: Option<String>,
    /// The search the results belong to; `latest` is shared with the search tasks so that a
    /// superseded one skips its request.
    pub seq: u64,
    pub latest: Arc<AtomicU64>,
}

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
        let lines = crate::tui::sanitize::text(&preview.description)
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

    /// The preview with the description as edited.
    pub fn edited(&self) -> TicketPreview {
        TicketPreview {
            description: self.text.lines().join("\n"),
            ..self.preview.clone()
        }
    }
}

/// What a one-line input is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputPurpose {
    NewCustomer,
    RenameCustomer(i64),
    Setting(Field),
}

#[derive(Debug, Clone)]
pub struct LineInput {
    pub purpose: InputPurpose,
    pub title: String,
    pub value: String,
}

/// Choosing a setting's value from a cached Autotask picklist.
#[derive(Debug, Clone)]
pub struct Choice {
    pub field: Field,
    pub options: Vec<(Option<i64>, String)>,
    pub cursor: usize,
}

impl App {
    pub(super) fn company_picker_key(
        &mut self,
        mut p: Box<CompanyPicker>,
        key: KeyEvent,
    ) -> Option<Overlay> {
        match key.code {
            KeyCode::Esc => return None,
            KeyCode::Enter => {
                let typed_id = p.query.trim().parse::<i64>().ok();
                match (p.results.get(p.cursor), typed_id) {
                    (Some(c), _) => self.map_company(p.customer_id, c.id),
                    // A company id typed by hand (it is checked in Autotask first).
                    (None, Some(id)) => self.map_company(p.customer_id, id),
                    (None, None) => {
                        self.error("no company chosen: type part of its name, or its id");
                        return Some(Overlay::CompanyPicker(p));
                    }
                }
                return None;
            }
            KeyCode::Down => p.cursor = (p.cursor + 1).min(p.results.len().saturating_sub(1)),
            KeyCode::Up => p.cursor = p.cursor.saturating_sub(1),
            _ => {
                if crate::tui::input::edit(&mut p.query, &key) {
                    self.search_companies(&mut p);
                }
            }
        }
        Some(Overlay::CompanyPicker(p))
    }

    pub(super) fn preview_key(
        &mut self,
        mut d: Box<PreviewDialog>,
        key: KeyEvent,
    ) -> Option<Overlay> {
        if d.editing {
            if key.code == KeyCode::Esc || Key::from_event(&key) == Key::ctrl('s') {
                d.editing = false;
            } else {
                d.text.input(key);
            }
            return Some(Overlay::TicketPreview(d));
        }
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => return None,
            KeyCode::Char('e') if !d.sending => d.editing = true,
            KeyCode::Char('l') if !d.sending => {
                if let Some(t) = d.preview.existing_open_ticket.clone() {
                    self.link_autotask(&d.preview, t.autotask_ticket_id);
                    return None;
                }
            }
            KeyCode::Enter => {
                // One create per dialog: a second Enter while it is on its way does nothing.
                if d.sending {
                    return Some(Overlay::TicketPreview(d));
                }
                if let Some(reason) = &d.preview.blocked {
                    self.error(reason.clone());
                } else if let Some(t) = &d.preview.existing_open_ticket {
                    self.error(format!(
                        "this job has the open ticket {} already: l links it",
                        t.ticket_number.as_deref().unwrap_or("(number unknown)")
                    ));
                } else {
                    d.sending = true;
                    d.error = None;
                    self.send_autotask(d.edited());
                }
            }
            _ => {}
        }
        Some(Overlay::TicketPreview(d))
    }

    pub(super) fn input_key(&mut self, mut input: LineInput, key: KeyEvent) -> Option<Overlay> {
        match key.code {
            KeyCode::Esc => None,
            KeyCode::Enter => {
                let value = input.value.trim().to_string();
                match input.purpose {
                    InputPurpose::NewCustomer | InputPurpose::RenameCustomer(_)
                        if value.is_empty() =>
                    {
                        self.error("type a name first");
                        return Some(Overlay::Input(input));
                    }
                    InputPurpose::NewCustomer => self.create_customer(value),
                    InputPurpose::RenameCustomer(id) => self.rename_customer(id, value),
                    InputPurpose::Setting(field) => {
                        match crate::tui::panes::settings::parse(field, &value) {
                            Ok(v) => self.save_setting(field, v),
                            Err(e) => {
                                self.error(e);
                                return Some(Overlay::Input(input));
                            }
                        }
                    }
                }
                None
            }
            _ => {
                crate::tui::input::edit(&mut input.value, &key);
                Some(Overlay::Input(input))
            }
        }
    }

    pub(super) fn choice_key(&mut self, mut c: Choice, key: KeyEvent) -> Option<Overlay> {
        match key.code {
            KeyCode::Esc => None,
            KeyCode::Enter => {
                let value = c
                    .options
                    .get(c.cursor)
                    .and_then(|(v, _)| *v)
                    .map(serde_json::Value::from)
                    .unwrap_or(serde_json::Value::Null);
                self.save_setting(c.field, value);
                None
            }
            KeyCode::Down | KeyCode::Char('j') => {
                c.cursor = (c.cursor + 1).min(c.options.len().saturating_sub(1));
                Some(Overlay::Choose(c))
            }
            KeyCode::Up | KeyCode::Char('k') => {
                c.cursor = c.cursor.saturating_sub(1);
                Some(Overlay::Choose(c))
            }
            _ => Some(Overlay::Choose(c)),
        }
    }

    /// Enter in Settings: a picklist to choose from, else a text field.
    pub(super) fn edit_setting(&mut self) {
        let (Some(field), Some(d)) = (self.settings.current(), &self.settings.data) else {
            return;
        };
        if field == Field::SubIssueType && d.defaults.issue_type.is_none() {
            self.error("choose an issue type first: sub-issue types belong to one");
            return;
        }
        let options = d.choices(field);
        if !options.is_empty() {
            let cursor = d.current_choice(field);
            self.overlay = Some(Overlay::Choose(Choice {
                field,
                options,
                cursor,
            }));
            return;
        }
        let value = d.raw(field);
        let hint = match field {
            Field::Timezone => "IANA name, e.g. Europe/Amsterdam",
            Field::ImportInterval => "minutes; empty or 0 turns it off",
            Field::MissedGrace | Field::PollInterval => "minutes",
            Field::DueDays => "days",
            Field::MaxMail => "MB; a larger mail is stored with its headers only",
            Field::InboxFolder | Field::ProcessedFolder => "folder path, e.g. Inbox/Processed",
            // No picklists cached: the number Autotask uses, typed by hand.
            _ => "Autotask value (no cached picklist: p fetches them)",
        };
        self.overlay = Some(Overlay::Input(LineInput {
            purpose: InputPurpose::Setting(field),
            title: format!("{} ({hint})", field.label()),
            value,
        }));
    }

    /// `x` in Customers: asks before removing a mapping.
    pub(super) fn ask_remove_mapping(&mut self) {
        let Some(c) = self.customers_pane.current() else {
            return;
        };
        if c.autotask_company_id.is_none() {
            self.error("this customer has no Autotask company mapped");
            return;
        }
        self.overlay = Some(Overlay::Confirm {
            question: format!(
                "Remove the Autotask mapping of {}? Tickets made before keep their links.",
                crate::tui::sanitize::line(&c.name)
            ),
            then: Pending::RemoveMapping(c.id),
        });
    }
}

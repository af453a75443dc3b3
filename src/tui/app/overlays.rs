//! Popups over the panes: help, command line, filter input, confirmations, the customer
//! picker, the remark editor, the override form and the ticket menu.

use super::App;
use crate::db::inbox::CustomerChoice;
use crate::db::review::QueueRow;
use crate::db::run_objects::RunObject;
use crate::db::tickets::Code;
use crate::domain::overrides::{MatchMode, OverrideDraft, OverrideLevel};
use crate::tui::input::edit;
use crate::tui::keymap::{self, Key};
use crate::tui::list;
use crate::tui::panes::Pane;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

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
    ResolveRemark(i64),
    DeactivateOverride(i64),
    Archive {
        job_id: i64,
        archive: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketInputKind {
    NewInternal,
    Link,
}

#[derive(Debug, Clone)]
pub struct TicketInput {
    pub kind: TicketInputKind,
    pub run_id: i64,
    pub job_id: i64,
    pub value: String,
}

pub enum Overlay {
    Help {
        scroll: u16,
    },
    CommandLine(String),
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
        suggestion: Option<crate::domain::customer_suggestion::Suggestion>,
    },
    Remark {
        run_id: i64,
        job_id: i64,
        title: String,
        text: Box<ratatui_textarea::TextArea<'static>>,
        confirm_discard: bool,
    },
    Override(Box<OverrideForm>),
    TicketMenu,
    TicketInput(TicketInput),
    CompanyPicker(Box<super::dialogs::CompanyPicker>),
    TicketPreview(Box<super::dialogs::PreviewDialog>),
    Input(super::dialogs::LineInput),
    Choose(super::dialogs::Choice),
    Pin(super::jobs::PinForm),
}

/// The "treat as success" form, pre-filled from a run.
#[derive(Debug, Clone)]
pub struct OverrideForm {
    pub base: OverrideDraft,
    pub job_id: i64,
    pub software: String,
    pub backup_type: String,
    /// Objects of the run that did not succeed: candidates for an object-level rule.
    pub objects: Vec<String>,
    /// 0 = this job, 1.. = one object, last = every job of this software and type.
    pub scope: usize,
    pub match_status: bool,
    pub mode: MatchMode,
    pub text: String,
    /// The row the arrow keys change: 0 scope, 1 status, 2 mode, 3 text.
    pub field: usize,
}

const MODES: [MatchMode; 4] = [
    MatchMode::Contains,
    MatchMode::Exact,
    MatchMode::StartsWith,
    MatchMode::EndsWith,
];

impl OverrideForm {
    pub fn new(base: OverrideDraft, job: &QueueRow, objects: &[RunObject]) -> OverrideForm {
        OverrideForm {
            text: base.match_text.clone(),
            mode: base.match_mode,
            match_status: base.match_status.is_some(),
            job_id: job.job_id,
            software: job.backup_software.clone(),
            backup_type: job.backup_type.clone(),
            objects: objects
                .iter()
                .filter(|o| o.status != "Success")
                .map(|o| o.name.clone())
                .collect(),
            scope: 0,
            field: 3,
            base,
        }
    }

    fn scopes(&self) -> usize {
        self.objects.len() + 2
    }

    pub fn scope_label(&self) -> String {
        if self.scope == 0 {
            "this job".into()
        } else if let Some(o) = self.objects.get(self.scope - 1) {
            format!("object {o} of this job")
        } else {
            format!("every {} {} job", self.software, self.backup_type)
        }
    }

    pub fn mode_label(&self) -> &'static str {
        match self.mode {
            MatchMode::Contains => "contains",
            MatchMode::Exact => "is exactly",
            MatchMode::StartsWith => "starts with",
            MatchMode::EndsWith => "ends with",
        }
    }

    pub fn draft(&self) -> OverrideDraft {
        let level = if self.scope == 0 {
            OverrideLevel::Job {
                job_id: self.job_id,
            }
        } else if let Some(o) = self.objects.get(self.scope - 1) {
            OverrideLevel::Object {
                job_id: self.job_id,
                object_name: o.clone(),
            }
        } else {
            OverrideLevel::Global {
                software: self.software.clone(),
                backup_type: self.backup_type.clone(),
            }
        };
        OverrideDraft {
            level,
            match_status: if self.match_status {
                self.base.match_status
            } else {
                None
            },
            match_text: self.text.clone(),
            match_mode: self.mode,
            ..self.base.clone()
        }
    }

    fn change(&mut self, forward: bool) {
        let step = |i: usize, n: usize| {
            if forward {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            }
        };
        match self.field {
            0 => self.scope = step(self.scope, self.scopes()),
            1 => self.match_status = !self.match_status,
            2 => {
                let i = MODES.iter().position(|m| *m == self.mode).unwrap_or(0);
                self.mode = MODES[step(i, MODES.len())];
            }
            _ => {}
        }
    }
}

impl App {
    pub(crate) fn overlay_key(&mut self, key: KeyEvent) {
        let Some(overlay) = self.overlay.take() else {
            return;
        };
        self.overlay = self.overlay_key_inner(overlay, key);
    }

    /// Handles one key; returns the overlay to keep showing (or `None` to close it).
    fn overlay_key_inner(&mut self, overlay: Overlay, key: KeyEvent) -> Option<Overlay> {
        let esc = key.code == KeyCode::Esc;
        let enter = key.code == KeyCode::Enter;
        match overlay {
            Overlay::Help { scroll } => match key.code {
                KeyCode::Char('j') | KeyCode::Down => Some(Overlay::Help { scroll: scroll + 1 }),
                KeyCode::Char('k') | KeyCode::Up => Some(Overlay::Help {
                    scroll: scroll.saturating_sub(1),
                }),
                KeyCode::PageDown => Some(Overlay::Help {
                    scroll: scroll + 10,
                }),
                KeyCode::PageUp => Some(Overlay::Help {
                    scroll: scroll.saturating_sub(10),
                }),
                _ => None,
            },
            Overlay::CommandLine(mut line) => {
                if esc {
                    return None;
                }
                if enter {
                    match keymap::by_name(&line) {
                        // `:q` quits from any pane (asking first when the session has something
                        // to lose); `:q!` quits without asking.
                        Some(keymap::Command::Quit) => self.quit_command(line.trim() == "q!"),
                        Some(cmd) => self.command(cmd),
                        None if line.trim().is_empty() => {}
                        None if self.command_with_argument(&line) => {}
                        None => {
                            self.error(format!("unknown command :{} (? lists them)", line.trim()))
                        }
                    }
                    // A command may open its own overlay.
                    return self.overlay.take();
                }
                edit(&mut line, &key);
                Some(Overlay::CommandLine(line))
            }
            Overlay::Filter => {
                if esc {
                    self.filter_mut().clear();
                    self.filter_changed();
                    return None;
                }
                if enter {
                    return None;
                }
                if edit(self.filter_mut(), &key) {
                    self.filter_changed();
                }
                Some(Overlay::Filter)
            }
            Overlay::Confirm { question, then } => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                    self.run_pending(then);
                    None
                }
                KeyCode::Char('n') | KeyCode::Esc => None,
                _ => Some(Overlay::Confirm { question, then }),
            },
            Overlay::Picker {
                mail_ids,
                job,
                mut query,
                mut cursor,
                suggestion,
            } => {
                if esc {
                    return None;
                }
                let matches = self.picker_matches(&query, suggestion.as_ref());
                let new_customer = Key::from_event(&key) == Key::ctrl('n');
                if enter || new_customer {
                    let choice = match matches.get(cursor) {
                        Some((id, _)) if !new_customer => Some(CustomerChoice::Existing(*id)),
                        _ if !query.trim().is_empty() => {
                            Some(CustomerChoice::New(query.trim().to_string()))
                        }
                        _ => None,
                    };
                    return match choice {
                        Some(c) => {
                            match mail_ids.as_slice() {
                                [one] => self.approve(*one, c),
                                _ => self.approve_many(mail_ids, c),
                            }
                            None
                        }
                        None => {
                            self.error("type a customer name");
                            Some(Overlay::Picker {
                                mail_ids,
                                job,
                                query,
                                cursor,
                                suggestion,
                            })
                        }
                    };
                }
                match key.code {
                    KeyCode::Down => cursor = (cursor + 1).min(matches.len().saturating_sub(1)),
                    KeyCode::Up => cursor = cursor.saturating_sub(1),
                    _ => {
                        if edit(&mut query, &key) {
                            cursor = 0;
                        }
                    }
                }
                Some(Overlay::Picker {
                    mail_ids,
                    job,
                    query,
                    cursor,
                    suggestion,
                })
            }
            Overlay::Remark {
                run_id,
                job_id,
                title,
                mut text,
                confirm_discard,
            } => {
                if Key::from_event(&key) == Key::ctrl('s') {
                    let body = text.lines().join("\n");
                    if body.trim().is_empty() {
                        self.error("the remark is empty");
                        return Some(Overlay::Remark {
                            run_id,
                            job_id,
                            title,
                            text,
                            confirm_discard,
                        });
                    }
                    self.save_remark(run_id, job_id, body);
                    return None;
                }
                if esc {
                    let empty = text.lines().iter().all(|l| l.trim().is_empty());
                    if empty || confirm_discard {
                        return None;
                    }
                    return Some(Overlay::Remark {
                        run_id,
                        job_id,
                        title,
                        text,
                        confirm_discard: true,
                    });
                }
                text.input(key);
                Some(Overlay::Remark {
                    run_id,
                    job_id,
                    title,
                    text,
                    confirm_discard: false,
                })
            }
            Overlay::Override(mut form) => {
                if esc {
                    return None;
                }
                if enter {
                    self.save_override(*form);
                    return None;
                }
                match key.code {
                    KeyCode::Up => form.field = form.field.saturating_sub(1),
                    KeyCode::Down | KeyCode::Tab => form.field = (form.field + 1).min(3),
                    KeyCode::Left => form.change(false),
                    KeyCode::Right | KeyCode::Char(' ') if form.field < 3 => form.change(true),
                    _ if form.field == 3 => {
                        edit(&mut form.text, &key);
                    }
                    _ => {}
                }
                Some(Overlay::Override(form))
            }
            Overlay::TicketMenu => {
                let run = self.run_checks.current_run().map(|r| (r.id, r.job_id));
                let (run_id, job_id) = run?;
                match key.code {
                    KeyCode::Char('n') | KeyCode::Char('i') => {
                        let value = self
                            .run_checks
                            .current_job()
                            .map(|j| {
                                format!(
                                    "{} {}: {}",
                                    j.customer_name,
                                    j.job_name,
                                    j.worst().as_str()
                                )
                            })
                            .unwrap_or_default();
                        Some(Overlay::TicketInput(TicketInput {
                            kind: TicketInputKind::NewInternal,
                            run_id,
                            job_id,
                            value,
                        }))
                    }
                    KeyCode::Char('a') => {
                        // Tickets are for problem runs; a success needs a deliberate yes.
                        let success = self
                            .run_checks
                            .current_run()
                            .is_some_and(|r| r.effective_status.starts_with("Success"));
                        if success {
                            return Some(Overlay::Confirm {
                                question: "This run succeeded: Autotask tickets are for problem \
                                           runs. Prepare one anyway?"
                                    .into(),
                                then: Pending::AutotaskPreview(run_id),
                            });
                        }
                        self.open_autotask_preview(run_id);
                        None
                    }
                    KeyCode::Char('l') => Some(Overlay::TicketInput(TicketInput {
                        kind: TicketInputKind::Link,
                        run_id,
                        job_id,
                        value: String::new(),
                    })),
                    KeyCode::Char('r') => {
                        let open = self
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
                                    "Resolve {code}? It is set to Complete in Autotask with a \
                                     note; new runs no longer get it."
                                ),
                                then: Pending::ResolveAutotask { autotask_id, code },
                            }),
                            Some((id, code, None)) => Some(Overlay::Confirm {
                                question: format!(
                                    "Resolve {code}? New runs will no longer get it."
                                ),
                                then: Pending::ResolveTicket { id, code },
                            }),
                            None => {
                                self.error("no open ticket on this run");
                                None
                            }
                        }
                    }
                    _ => None,
                }
            }
            Overlay::TicketInput(mut input) => {
                if esc {
                    return None;
                }
                if enter {
                    let value = input.value.trim().to_string();
                    if value.is_empty() {
                        self.error("type something first");
                        return Some(Overlay::TicketInput(input));
                    }
                    match input.kind {
                        TicketInputKind::NewInternal => {
                            self.new_ticket(input.run_id, input.job_id, value, Code::Internal)
                        }
                        TicketInputKind::Link => {
                            self.link_ticket(input.run_id, input.job_id, value)
                        }
                    }
                    return None;
                }
                edit(&mut input.value, &key);
                Some(Overlay::TicketInput(input))
            }
            Overlay::CompanyPicker(p) => self.company_picker_key(p, key),
            Overlay::TicketPreview(d) => self.preview_key(d, key),
            Overlay::Input(input) => self.input_key(input, key),
            Overlay::Choose(c) => self.choice_key(c, key),
            Overlay::Pin(form) => self.pin_key(form, key),
        }
    }

    /// Customers matching the picker query, best first.
    /// Customers matching `query`, best first; the suggested customer leads while it matches.
    pub fn picker_matches(
        &self,
        query: &str,
        suggestion: Option<&crate::domain::customer_suggestion::Suggestion>,
    ) -> Vec<(i64, String)> {
        let suggested = suggestion.map(|s| s.customer_id);
        let mut scored: Vec<(i32, i64, String)> = self
            .customers
            .iter()
            .filter_map(|c| list::fuzzy(query, &c.name).map(|s| (s, c.id, c.name.clone())))
            .collect();
        scored.sort_by(|a, b| {
            (Some(b.1) == suggested)
                .cmp(&(Some(a.1) == suggested))
                .then_with(|| b.0.cmp(&a.0))
                .then_with(|| a.2.to_lowercase().cmp(&b.2.to_lowercase()))
        });
        scored.into_iter().map(|(_, id, name)| (id, name)).collect()
    }

    fn filter_mut(&mut self) -> &mut String {
        match self.pane {
            Pane::RunChecks => &mut self.run_checks.jobs.filter,
            Pane::Inbox => &mut self.inbox.list.filter,
            Pane::DailyJobs => &mut self.daily.list.filter,
            Pane::Jobs => &mut self.jobs.list.filter,
            Pane::Customers => &mut self.customers_pane.list.filter,
            Pane::Activity => &mut self.activity.list.filter,
            Pane::Settings => &mut self.settings.list.filter,
            Pane::Tickets => &mut self.tickets.list_mut().filter,
            Pane::Overrides => &mut self.overrides.list.filter,
        }
    }

    fn filter_changed(&mut self) {
        match self.pane {
            Pane::RunChecks => {
                self.run_checks.jobs.cursor = 0;
                self.load_runs_of_cursor();
            }
            Pane::Inbox => {
                self.inbox.list.cursor = 0;
                self.load_mail_of_cursor();
            }
            Pane::DailyJobs => self.daily.list.cursor = 0,
            Pane::Jobs => self.jobs.list.cursor = 0,
            Pane::Customers => self.customers_pane.list.cursor = 0,
            Pane::Activity => self.activity.list.cursor = 0,
            Pane::Settings => self.settings.list.cursor = 0,
            Pane::Tickets => self.tickets.list_mut().cursor = 0,
            Pane::Overrides => self.overrides.list.cursor = 0,
        }
    }

    fn run_pending(&mut self, p: Pending) {
        match p {
            Pending::Quit => self.quit = true,
            Pending::ReviewJobs(ids) => self.review_jobs(ids),
            Pending::DeleteMail(ids) => self.delete_mail(ids),
            Pending::ReparseAll => self.reparse_all(),
            Pending::ResolveTicket { id, code } => self.resolve_ticket(id, code),
            Pending::ResolveAutotask { autotask_id, code } => {
                self.resolve_autotask(autotask_id, code)
            }
            Pending::AutotaskPreview(run_id) => self.open_autotask_preview(run_id),
            Pending::RemoveMapping(customer_id) => self.remove_mapping(customer_id),
            Pending::ResolveRemark(id) => self.resolve_remark(id),
            Pending::DeactivateOverride(id) => self.deactivate_override(id),
            Pending::Archive { job_id, archive } => self.set_archived(job_id, archive),
        }
    }
}

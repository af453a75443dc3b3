//! Autotask work started from keys — the ticket of a run (preview, send, link, resolve), the
//! Settings pane (edit a setting, save, test the connection, fetch picklists) — and the poller's
//! events.

use super::{App, Choice, InputPurpose, LineInput, Overlay};
use crate::psa::autotask::AutotaskClient;
use crate::psa::ticket_flow::{self, FlowError, TicketPreview, TicketRef};
use crate::psa::{doctor, picklist_cache};
use crate::services::autotask_poller::Event;
use crate::tui::action::Action;
use crate::tui::dialogs::{ChoicePurpose, PREVIEW_FIELDS, PreviewDialog};
use crate::tui::keymap::{Command, Context, key_of};
use crate::tui::panes::settings::Field;
use std::sync::Arc;

/// What to tell an operator who reaches for Autotask on a seat without it.
pub const NOT_CONFIGURED: &str = "Autotask is not configured: set autotask.username, \
     autotask.secret and autotask.integration_code in the config file (README, Autotask)";

use crate::tui::action::failed;

impl App {
    /// The shared client, or an error toast saying how to configure it.
    pub(super) fn autotask_client(&mut self) -> Option<Arc<AutotaskClient>> {
        let client = self.services.autotask.clone();
        if client.is_none() {
            self.error(NOT_CONFIGURED);
        }
        client
    }

    /// `t a`: builds the preview in the background; the dialog opens when it arrives.
    pub(crate) fn open_autotask_preview(&mut self, run_id: i64) {
        if self.autotask_client().is_none() {
            return;
        }
        let (pool, now) = (self.pool(), self.now());
        self.toast("preparing the Autotask ticket…");
        self.spawn(async move {
            match ticket_flow::preview(&pool, run_id, now).await {
                Ok(p) => Action::TicketPreviewLoaded(Box::new(p)),
                Err(e) => failed("Autotask ticket", e),
            }
        });
    }

    /// Enter in the preview: creates the ticket (the flow itself refuses a second one per job).
    pub(crate) fn send_autotask(&mut self, p: TicketPreview) {
        let Some(client) = self.autotask_client() else {
            return;
        };
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        self.spawn(async move {
            match ticket_flow::create(&pool, &client, &p, &by, now).await {
                Ok(c) => Action::TicketCreated {
                    number: c.ticket_number,
                    adopted: c.adopted,
                },
                Err(FlowError::AlreadyOpen(t)) => Action::TicketSendFailed {
                    message: FlowError::AlreadyOpen(t.clone()).to_string(),
                    existing: Some(t),
                },
                Err(e) => Action::TicketSendFailed {
                    message: format!("Autotask ticket not created: {e}"),
                    existing: None,
                },
            }
        });
    }

    /// `l` in the preview: puts the job's open ticket on this run and the others of the preview.
    pub(crate) fn link_autotask(&mut self, p: &TicketPreview, autotask_id: i64) {
        let Some(client) = self.autotask_client() else {
            return;
        };
        let mut runs = vec![p.run_id];
        runs.extend(p.linked_runs.iter().filter(|r| **r != p.run_id));
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        let copy = key_of(Context::RunChecks, Command::Copy);
        self.spawn(async move {
            match ticket_flow::link_existing(
                &pool,
                &client,
                &runs,
                &TicketRef::Id(autotask_id),
                &by,
                now,
            )
            .await
            {
                Ok(l) => Action::Done(format!(
                    "ticket {} linked to this run · {copy} copies it",
                    l.ticket_number
                )),
                Err(e) => failed("linking the Autotask ticket", e),
            }
        });
    }

    /// `t r` on an Autotask ticket: Complete and a note in Autotask, then resolved here.
    pub(super) fn resolve_autotask(&mut self, autotask_id: i64, code: String) {
        let Some(client) = self.autotask_client() else {
            return;
        };
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        self.spawn(async move {
            match ticket_flow::resolve(&pool, &client, autotask_id, None, &by, now).await {
                Ok(r) if r.deleted => Action::Done(format!(
                    "{code} no longer exists in Autotask: marked deleted and resolved here"
                )),
                Ok(r) => Action::Done(match r.note_error {
                    Some(e) => {
                        format!("{code} completed in Autotask and resolved (note not added: {e})")
                    }
                    None => format!("{code} completed in Autotask and resolved"),
                }),
                Err(e) => failed("resolving in Autotask", e),
            }
        });
    }

    pub(crate) fn save_setting(&mut self, field: Field, value: serde_json::Value) {
        let (pool, by) = (self.pool(), self.operator.clone());
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("saving the setting", e),
            };
            match crate::db::settings::change(&mut conn, field.key(), &value, &by).await {
                Ok(()) => Action::Done(format!("{} saved", field.label())),
                Err(e) => failed("saving the setting", e),
            }
        });
    }

    /// `f` in the ticket preview: which field to choose (the preview waits in the choice).
    pub(crate) fn choose_ticket_fields(&mut self, dialog: Box<PreviewDialog>) -> Option<Overlay> {
        if self.settings.data.is_none() {
            self.spawn(crate::tui::panes::settings::load(self.pool()));
            self.error("the Autotask picklists are still loading; try again in a moment");
            return Some(Overlay::TicketPreview(dialog));
        }
        let options = PREVIEW_FIELDS
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let shown = format!("{}: {}", f.label(), dialog.field_label(*f));
                (i64::try_from(i).ok(), shown)
            })
            .collect();
        Some(Overlay::Choose(Choice {
            purpose: ChoicePurpose::PreviewField(dialog),
            options,
            cursor: 0,
        }))
    }

    /// The values of `field` for the ticket preview, from the cached picklists.
    pub(crate) fn choose_ticket_field(
        &mut self,
        dialog: Box<PreviewDialog>,
        field: Field,
    ) -> Overlay {
        let options = self
            .settings
            .data
            .as_ref()
            .map(|d| d.choices(field))
            .unwrap_or_default();
        if options.is_empty() {
            self.error(format!(
                "no cached picklist for {}: {} in Settings fetches them",
                field.label(),
                key_of(Context::Settings, Command::RefreshPicklists)
            ));
            return Overlay::TicketPreview(dialog);
        }
        let now = dialog.field(field);
        let cursor = options.iter().position(|(v, _)| *v == now).unwrap_or(0);
        Overlay::Choose(Choice {
            purpose: ChoicePurpose::PreviewValue(dialog, field),
            options,
            cursor,
        })
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
                purpose: ChoicePurpose::Setting(field),
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
            Field::RetentionRaw => {
                "days after arrival the raw .eml goes, parsed mail and runs stay; empty: keep"
            }
            Field::RetentionDeleted => {
                "days after deleting a mail it is removed for good; empty: keep"
            }
            Field::RetentionInterval => "hours between retention passes",
            Field::FeedbackMaxKb => "KB per feedback attachment, screen captures included",
            Field::FeedbackTypes => "media types, comma-separated; screen captures always",
            Field::InboxFolder | Field::ProcessedFolder => "folder path, e.g. Inbox/Processed",
            // No picklists cached: the number Autotask uses, typed by hand.
            _ => &format!(
                "Autotask value (no cached picklist: {} fetches them)",
                key_of(Context::Settings, Command::RefreshPicklists)
            ),
        };
        self.overlay = Some(Overlay::Input(LineInput {
            purpose: InputPurpose::Setting(field),
            title: format!("{} ({hint})", field.label()),
            value: crate::tui::input::TextField::new(value),
        }));
    }

    /// `t` in Settings: zone lookup and one authenticated call, as `doctor` does.
    pub(super) fn test_connection(&mut self) {
        let Some((config, options)) = self.services.autotask_config.clone() else {
            self.error(NOT_CONFIGURED);
            return;
        };
        self.settings.testing = true;
        self.spawn(async move {
            Action::ConnectionTested(
                doctor::check(&config, options)
                    .await
                    .map_err(|e| e.to_string()),
            )
        });
    }

    pub(super) fn refresh_picklists(&mut self) {
        let Some(client) = self.autotask_client() else {
            return;
        };
        let (pool, now) = (self.pool(), self.now());
        self.toast("fetching the Autotask picklists…");
        self.spawn(async move {
            match picklist_cache::refresh(&pool, &client, now).await {
                Ok(n) => Action::Done(format!("{n} picklist values fetched from Autotask")),
                Err(e) => failed("fetching picklists", e),
            }
        });
    }

    /// Asks the poller for a pass (Run Checks was opened).
    pub(super) fn poll_autotask_now(&self) {
        if let Some(poll) = &self.services.autotask_poll_now {
            poll();
        }
    }

    pub(super) fn autotask_event(&mut self, ev: Event) {
        match ev {
            Event::Finished(r) if r.resolved + r.deleted + r.renumbered > 0 => self.stale = true,
            Event::Failed { message } => self.error(format!("Autotask sync: {message}")),
            _ => {}
        }
    }

    pub(super) fn ticket_created(&mut self, number: String, adopted: bool) {
        if matches!(self.overlay, Some(Overlay::TicketPreview(_))) {
            self.overlay = None;
        }
        let copy = key_of(Context::RunChecks, Command::Copy);
        self.toast(if adopted {
            format!(
                "Autotask ticket {number} (made by an earlier attempt) is on the run · {copy} \
                 copies it"
            )
        } else {
            format!("Autotask ticket {number} created · {copy} copies it")
        });
        self.reload();
    }

    pub(super) fn ticket_send_failed(
        &mut self,
        message: String,
        existing: Option<ticket_flow::ExistingTicket>,
    ) {
        if let Some(Overlay::TicketPreview(d)) = &mut self.overlay {
            d.sending = false;
            d.error = Some(message.clone());
            if existing.is_some() {
                d.preview.existing_open_ticket = existing;
            }
        }
        self.error(message);
    }
}

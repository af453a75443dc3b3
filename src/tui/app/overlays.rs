//! The application's side of the popups (their state, keys and drawing are in `tui::dialogs`):
//! the key dispatch, a typed `:` command, the filter of the current pane, and the work a question
//! waited for.

use super::{App, Pending};
use crate::tui::keymap::{self, Command, Context};
use ratatui::crossterm::event::KeyEvent;

impl App {
    /// A key while a popup is open: the popup handles it and says what to show next.
    pub(crate) fn overlay_key(&mut self, key: KeyEvent) {
        let Some(overlay) = self.overlay.take() else {
            return;
        };
        self.overlay = overlay.key(self, key);
    }

    /// Enter on the command line.
    pub(crate) fn run_command_line(&mut self, line: &str) {
        match keymap::by_name(line) {
            // `:q` quits from any pane (asking first when the session has something to lose);
            // `:q!` quits without asking.
            Some(Command::Quit) => self.quit_command(line.trim() == "q!"),
            Some(cmd) => self.command(cmd),
            None if line.trim().is_empty() => {}
            None if line
                .trim()
                .trim_start_matches(':')
                .split_whitespace()
                .next()
                == Some("role") =>
            {
                let arg = line
                    .trim()
                    .trim_start_matches(':')
                    .trim_start_matches("role");
                self.role_command(Some(arg));
            }
            None if self.command_with_argument(line) => {}
            None => self.error(format!(
                "unknown command :{} ({} lists them)",
                line.trim(),
                keymap::key_of(Context::Global, Command::Help)
            )),
        }
    }

    /// The work a question waited for, after its "yes".
    pub(crate) fn run_pending(&mut self, p: Pending) {
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
            Pending::MapCompany {
                customer_id,
                company_id,
            } => self.map_company(customer_id, company_id),
            Pending::ResolveRemark(id) => self.resolve_remark(id),
            Pending::DeactivateOverride(id) => self.deactivate_override(id),
            Pending::Archive { job_id, archive } => self.set_archived(job_id, archive),
            Pending::SoftDelete { kind, id } => self.soft_delete_row(kind, id),
            Pending::Purge { kind, id } => self.purge_row(kind, id),
            Pending::PurgeMail(ids) => self.purge_mail(ids),
            Pending::ImportCustomers(path) => self.import_customers(path, false),
            Pending::RemoveSchedule(id) => self.remove_schedule(id),
            Pending::SettleDelivery { id, how } => self.settle_delivery(id, how),
            Pending::DeleteFeedback(id) => self.delete_feedback(id, true),
            Pending::PurgeFeedback(id) => self.purge_feedback(id),
        }
    }
}

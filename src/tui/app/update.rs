//! What the results of background work change: one arm per [`Action`], the longer ones in a
//! function of their own.

use super::{App, Overlay, PreviewDialog};
use crate::db::review::{QueueRow, ReviewBatch};
use crate::db::runs::Run;
use crate::domain::customer_suggestion::Suggestion;
use crate::psa::autotask::Company;
use crate::services::importer::ImportEvent;
use crate::services::missed_runs;
use crate::tui::action::Action;
use crate::tui::keymap;

impl App {
    /// Applies the result of background work.
    pub fn update(&mut self, action: Action) {
        match action {
            Action::DatabaseDown(message) => {
                // Said once, not on every retry.
                if self.db_ok {
                    self.error(message);
                }
                self.db_ok = false;
            }
            Action::ChangeFailedDatabaseDown(message) => {
                self.db_ok = false;
                self.error(message);
            }
            Action::QueueLoaded(rows) => self.queue_loaded(rows),
            Action::RunsLoaded { job_id, runs } => self.runs_loaded(job_id, runs),
            Action::RunDetailLoaded(d) => self.run_checks.set_detail(*d),
            Action::InboxLoaded {
                rows,
                deleted,
                filter,
                counts,
            } => self.inbox_loaded(rows, deleted, &filter, counts),
            Action::MailDetailLoaded(d) => self.inbox.set_detail(*d),
            Action::DailyLoaded(g) => self.daily.set_grid(*g),
            Action::CustomersLoaded(c) => self.customers = c,
            Action::CustomerSuggested(found) => self.customer_suggested(found),
            Action::CustomersPaneLoaded(rows) => self.customers_pane.set_rows(rows),
            Action::SettingsLoaded(d) => {
                // The timezone may just have been changed here.
                self.tz = d.policy.timezone;
                self.settings.set_data(*d);
            }
            Action::TicketsLoaded {
                include_resolved,
                tickets,
                remarks,
            } => {
                // A toggle may have overtaken this load.
                if include_resolved == self.tickets.include_resolved {
                    self.tickets.set_rows(tickets, remarks);
                }
            }
            Action::OverridesLoaded {
                include_inactive,
                rows,
            } => {
                if include_inactive == self.overrides.include_inactive {
                    self.overrides.set_rows(rows);
                }
            }
            Action::JobsLoaded(d) => {
                let follow = self.jobs.set_data(*d);
                self.follow(follow);
            }
            Action::CompaniesFound { seq, result } => self.companies_found(seq, result),
            Action::TicketPreviewLoaded(p) => self.preview_loaded(*p),
            Action::TicketSendFailed { message, existing } => {
                self.ticket_send_failed(message, existing)
            }
            Action::TicketCreated { number, adopted } => self.ticket_created(number, adopted),
            Action::ConnectionTested(result) => self.connection_tested(result),
            Action::AutotaskEvent(ev) => {
                self.log_autotask(&ev);
                self.autotask_event(ev)
            }
            Action::OverrideDraft(form) => self.overlay = Some(Overlay::Override(form)),
            Action::Ask { question, then } => {
                self.overlay = Some(Overlay::Confirm { question, then })
            }
            Action::Reviewed(batch) => self.reviewed(batch),
            Action::Done(message) => {
                self.toast(message);
                self.reload();
            }
            Action::RulePreview { seq, result } => {
                if let Some(Overlay::Rule(form)) = &mut self.overlay
                    && form.seq == seq
                {
                    form.preview = Some(result);
                }
            }
            Action::OpenPager(raw) => self.pager = Some(raw),
            Action::OpenBrowser(path) => self.browser = Some(path),
            Action::FeedbackSaved(result) => self.feedback_saved(result),
            Action::ScheduleAdded(result) => self.schedule_added(result),
            Action::Copied { value, via } => {
                tracing::info!("copied {value} via {via}");
            }
            Action::ImportEvent(ev) => {
                self.log_import(&ev);
                self.import_event(ev)
            }
            Action::MissedEvent(ev) => {
                self.log_missed(&ev);
                self.missed_event(ev)
            }
            Action::RetentionEvent(ev) => {
                let (text, failed) = ev.describe();
                self.log_task("retention", text.clone(), failed);
                match ev {
                    crate::services::retention::Event::Failed { .. } => {
                        self.error(format!("retention {text}"))
                    }
                    crate::services::retention::Event::Finished(r)
                        if r.raw_dropped + r.mails_deleted > 0 =>
                    {
                        self.stale = true
                    }
                    _ => {}
                }
            }
            Action::ReportEvent(ev) => self.log_reports(&ev),
            Action::DataChanged => self.stale = true,
            Action::PaneLoaded(pane, data) => {
                let follow = self.panes.get_mut(pane).loaded(data);
                self.follow(follow);
            }
            Action::Failed(message) => self.error(message),
            Action::PartlyDone(message) => {
                self.error(message);
                self.reload();
            }
        }
    }

    fn queue_loaded(&mut self, rows: Vec<QueueRow>) {
        if !self.db_ok {
            self.toast("the database is reachable again");
        }
        self.db_ok = true;
        let before = self.run_checks.current_job().map(|j| j.job_id);
        self.run_checks.set_rows(rows);
        let after = self.run_checks.current_job().map(|j| j.job_id);
        if after != before || self.run_checks.runs_job != after {
            self.load_runs_of_cursor();
        }
    }

    fn runs_loaded(&mut self, job_id: i64, runs: Vec<Run>) {
        if self.run_checks.current_job().map(|j| j.job_id) == Some(job_id) {
            self.run_checks.set_runs(job_id, runs);
            // A reload may follow a change to this very run: fetch it again.
            self.load_detail_of_cursor(true);
        }
    }

    /// The Autotask ticket preview opens, with the picklists its `f` chooses from on their way.
    fn preview_loaded(&mut self, preview: crate::psa::ticket_flow::TicketPreview) {
        if self.settings.data.is_none() {
            self.spawn(crate::tui::panes::settings::load(self.pool()));
        }
        self.overlay = Some(Overlay::TicketPreview(Box::new(PreviewDialog::new(
            preview,
        ))));
    }

    fn inbox_loaded(
        &mut self,
        rows: Vec<crate::db::mail::Mail>,
        deleted: bool,
        filter: &str,
        counts: crate::db::mail::WaitingCounts,
    ) {
        if deleted == self.inbox.deleted && filter == self.inbox.list.filter {
            let before = self.inbox.current().map(|m| m.id);
            self.inbox.set_rows(rows, deleted, counts);
            if self.inbox.current().map(|m| m.id) != before || self.inbox.detail.is_none() {
                self.load_mail_of_cursor();
            }
        } else {
            self.inbox.set_counts(counts);
        }
    }

    /// The customer to pre-select in the approval picker, if it is still open.
    fn customer_suggested(&mut self, found: Option<Suggestion>) {
        if let Some(Overlay::Picker {
            suggestion, cursor, ..
        }) = &mut self.overlay
        {
            *suggestion = found;
            *cursor = 0;
        }
    }

    /// The companies of the mapping picker, unless a newer search made them moot.
    fn companies_found(&mut self, seq: u64, result: Option<Result<Vec<Company>, String>>) {
        if let Some(Overlay::CompanyPicker(p)) = &mut self.overlay
            && p.seq == seq
            && let Some(result) = result
        {
            p.searching = false;
            match result {
                Ok(found) => {
                    p.results = found;
                    p.error = None;
                    p.cursor = p.cursor.min(p.results.len().saturating_sub(1));
                }
                Err(e) => p.error = Some(e),
            }
        }
    }

    fn connection_tested(&mut self, result: Result<String, String>) {
        self.settings.testing = false;
        match &result {
            Ok(m) => self.toast(format!("Autotask connection ok: {m}")),
            Err(e) => self.error(format!("Autotask connection failed: {e}")),
        }
        self.settings.test = Some(result);
    }

    fn reviewed(&mut self, batch: ReviewBatch) {
        let n = batch.run_ids.len();
        if n == 0 {
            self.toast("nothing left to review there");
        } else {
            self.toast(format!(
                "reviewed {} · {} to undo",
                crate::domain::wording::plural(n, "run", "runs"),
                keymap::key_of(keymap::Context::RunChecks, keymap::Command::Undo)
            ));
            self.undo.push(batch);
        }
        self.reload();
    }

    fn missed_event(&mut self, ev: missed_runs::Event) {
        match ev {
            missed_runs::Event::Finished { created, removed } if created + removed > 0 => {
                self.stale = true;
            }
            missed_runs::Event::Failed { message } => {
                self.error(format!("missed-run check: {message}"))
            }
            _ => {}
        }
    }

    fn import_event(&mut self, ev: ImportEvent) {
        match ev {
            ImportEvent::Started { .. } => {
                self.importer.running = true;
                self.importer.progress = None;
                self.importer.retrying = None;
            }
            ImportEvent::Progress { done, total } => {
                self.importer.progress = Some((done, total));
                self.importer.retrying = None;
            }
            ImportEvent::Retrying(text) | ImportEvent::Waiting(text) => {
                self.importer.retrying = Some(text)
            }
            ImportEvent::Finished(s) => {
                self.importer.running = false;
                self.importer.progress = None;
                self.importer.retrying = None;
                self.importer.error = None;
                if s.imported > 0 {
                    self.toast(format!(
                        "imported {} · {} runs, {} waiting",
                        s.imported,
                        s.runs,
                        s.waiting + s.unparsed
                    ));
                }
                if let Some(first) = s.failures.first() {
                    self.error(format!(
                        "import: {} failed · {}: {}",
                        s.failures.len(),
                        first.item,
                        first.reason
                    ));
                }
                self.importer.last = Some((self.now(), s));
                if let Some(missed) = &self.services.missed_now {
                    missed();
                }
                self.stale = true;
            }
            ImportEvent::Failed(e) => {
                self.importer.running = false;
                self.importer.progress = None;
                self.importer.retrying = None;
                self.error(format!("import failed: {e}"));
                self.importer.error = Some(e);
            }
        }
    }
}

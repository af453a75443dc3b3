//! What each keymap command does in each pane.

use super::{App, Overlay, Pending};
use crate::tui::keymap;
use crate::tui::keymap::Command;
use crate::tui::panes::Pane;
use crate::tui::panes::pane::Move;

impl App {
    pub fn command(&mut self, cmd: Command) {
        if !self.permitted(cmd) {
            return;
        }
        match cmd {
            Command::Goto(pane) => self.goto(pane),
            Command::Quit => self.back_or_quit(),
            Command::ForceQuit => self.quit = true,
            Command::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Command::CommandLine => {
                self.overlay = Some(Overlay::CommandLine(crate::tui::input::TextField::default()))
            }
            Command::SwitchList => self.tickets.switch(),
            Command::Resolve => self.ask_resolve(),
            Command::IncludeResolved => self.include_resolved(),
            Command::Deactivate => self.ask_deactivate(),
            Command::IncludeInactive => self.include_inactive(),
            Command::NewCustomer => self.new_customer_input(),
            Command::RenameCustomer => self.rename_customer_input(),
            Command::SetContact => self.customer_contact_input(),
            Command::ToggleActive => self.toggle_active(),
            Command::MapCompany => self.open_company_picker(),
            Command::CheckMapping => self.check_mapping(),
            Command::CheckAllMappings => self.check_all_mappings(),
            Command::RemoveMapping => self.ask_remove_mapping(),
            Command::TestConnection => self.test_connection(),
            Command::RefreshPicklists => self.refresh_picklists(),
            Command::Archive => self.ask_archive(),
            Command::PinSchedule => self.open_pin(),
            Command::UnpinSchedule => self.unpin(),
            Command::ToggleLog => self.activity.toggle(),
            Command::ToggleUnrecognised => self.parsers.toggle(),
            Command::NewRule => self.open_new_rule(),
            Command::EditRule => self.open_edit_rule(),
            Command::ImportNow => self.import_now(),
            Command::RunRetention => self.retention_now(),
            Command::CaptureScreen => self.capture_screen(),
            Command::NewFeedback => self.new_feedback(),
            Command::Vote => self.vote_feedback(),
            Command::Reply => self.reply_input(),
            Command::SetStatus => self.status_choice(),
            Command::AttachFile => self.attach_input(),
            Command::SaveAttachment => self.save_attachment_input(),
            Command::CycleKind => self.cycle_feedback_kind(),
            Command::CycleStatus => self.cycle_feedback_status(),
            Command::ScrollLeft => self.scroll_capture(false),
            Command::ScrollRight => self.scroll_capture(true),
            Command::Delete if self.pane == Pane::Feedback => self.ask_delete_feedback(),
            Command::Restore if self.pane == Pane::Feedback => self.restore_feedback(),
            Command::ShowDeleted if self.pane == Pane::Feedback => self.toggle_feedback_deleted(),
            Command::Purge if self.pane == Pane::Feedback => self.ask_purge_feedback(),
            Command::ClearOpened => self.clear_opened(),
            Command::ExportCustomers => self.customers_file_input(false),
            Command::ImportCustomers => self.customers_file_input(true),
            Command::ShowArchived => {
                self.jobs.archived = !self.jobs.archived;
                self.jobs.list.cursor = 0;
                let on = self.jobs.archived;
                self.toggled(
                    on,
                    "archived jobs: a unarchives",
                    "jobs that are not archived",
                );
            }
            Command::Filter => {
                // A second `/` starts a new filter rather than extending the kept one (and
                // drops the banner of a filter another pane set).
                if !self.filter_mut().is_empty() {
                    self.current_pane_mut().list_mut().banner = None;
                    self.filter_mut().clear();
                    self.filter_changed();
                }
                self.overlay = Some(Overlay::Filter)
            }
            Command::Up => self.move_cursor(Move::Up),
            Command::Down => self.move_cursor(Move::Down),
            Command::Top => self.move_cursor(Move::Top),
            Command::Bottom => self.move_cursor(Move::Bottom),
            Command::PageUp => self.move_cursor(Move::PageUp),
            Command::PageDown => self.move_cursor(Move::PageDown),
            Command::Open => self.open(),
            Command::Back => self.back(),
            Command::Mark => self.mark(),
            Command::MarkAll => self.mark_all(),
            Command::IncludeReviewed => self.include_reviewed(),
            Command::Review => self.review(),
            Command::ReviewJob => self.review_job(),
            Command::Undo => self.undo_review(),
            Command::Remark => self.open_remark(),
            Command::Override => self.open_override(),
            Command::Ticket => self.open_ticket_menu(),
            Command::Copy => self.copy_shown(),
            Command::OpenMail => self.open_mail(false),
            Command::OpenMailSource => self.open_mail(true),
            Command::Approve => self.open_approve(),
            Command::Delete if self.deletes_rows() => self.ask_soft_delete(),
            Command::Delete => self.ask_delete(),
            Command::Restore if self.deletes_rows() => self.restore_row(),
            Command::Restore => self.restore(),
            Command::ShowDeleted if self.deletes_rows() => self.toggle_deleted_rows(),
            Command::ShowDeleted => {
                self.inbox.toggle_deleted();
                self.reload();
            }
            Command::Purge if self.deletes_rows() => self.ask_purge(),
            Command::Purge => self.ask_purge_mail(),
            Command::Reparse => self.reparse_one(),
            Command::ReparseAll => {
                self.overlay = Some(Overlay::Confirm {
                    question: "Re-parse all mail waiting in the Inbox?".into(),
                    then: Pending::ReparseAll,
                })
            }
            Command::EarlierDay => self.daily.column = self.daily.column.saturating_sub(1),
            Command::LaterDay => {
                self.daily.column = (self.daily.column + 1).min(crate::tui::panes::daily::DAYS - 1)
            }
            Command::EarlierMonth | Command::LaterMonth => {
                self.reports.shift(cmd == Command::EarlierMonth);
                self.reload_pane(crate::tui::panes::Pane::Reports);
            }
            Command::ExportReport => self.export_report(),
            Command::OpenInBrowser => self.open_report_in_browser(),
            Command::ToggleSchedules => {
                self.reports.toggle();
                self.reload_pane(crate::tui::panes::Pane::Reports);
            }
            Command::RunSchedulesNow => self.run_schedules_now(),
            Command::AddSchedule => self.open_schedule_form(),
            Command::RemoveSchedule => self.ask_remove_schedule(),
            Command::ResendDelivery => self.ask_settle(crate::db::report_schedules::Settle::Resend),
            Command::MarkDeliverySent => {
                self.ask_settle(crate::db::report_schedules::Settle::MarkSent)
            }
            Command::EarlierWeek => self.shift_week(false),
            Command::LaterWeek => self.shift_week(true),
        }
    }

    /// `i` in Tickets & Remarks.
    fn include_resolved(&mut self) {
        let t = &mut self.tickets;
        t.include_resolved = !t.include_resolved;
        let on = t.include_resolved;
        self.toggled(
            on,
            "showing resolved tickets and remarks too",
            "open tickets and remarks only",
        );
    }

    /// `i` in Overrides.
    fn include_inactive(&mut self) {
        let o = &mut self.overrides;
        o.include_inactive = !o.include_inactive;
        let on = o.include_inactive;
        self.toggled(
            on,
            "showing inactive overrides too",
            "active overrides only",
        );
    }

    /// `i` in Run Checks.
    fn include_reviewed(&mut self) {
        let rc = &mut self.run_checks;
        rc.include_reviewed = !rc.include_reviewed;
        let on = rc.include_reviewed;
        self.toggled(
            on,
            "showing reviewed runs of the last 7 days too",
            "unreviewed runs only",
        );
    }

    /// Says what a toggle now shows, and shows it.
    fn toggled(&mut self, on: bool, when_on: &str, when_off: &str) {
        self.toast(if on { when_on } else { when_off });
        self.reload();
    }

    fn import_now(&mut self) {
        match &self.services.import_now {
            Some(go) => {
                go();
                self.toast("import started");
            }
            None => self.error("no mail source is configured for this session"),
        }
    }

    fn retention_now(&mut self) {
        match &self.services.retention_now {
            Some(go) => {
                go();
                self.toast("retention started: Tab shows it in the task log");
            }
            None => self.error("retention does not run in this session (an admin login runs it)"),
        }
    }

    fn open_ticket_menu(&mut self) {
        if self.run_checks.current_run().is_some() {
            self.overlay = Some(Overlay::TicketMenu);
        } else {
            self.error("choose a run first");
        }
    }

    /// `d`: the marked mails (asking first when more than one), else the cursor mail.
    fn ask_delete(&mut self) {
        let ids = self.inbox.targets();
        if self.inbox.deleted || ids.is_empty() {
            return;
        }
        if ids.len() > 1 {
            self.overlay = Some(Overlay::Confirm {
                question: format!(
                    "Delete {} mails? They can be restored from the deleted view ({}).",
                    ids.len(),
                    keymap::key_of(keymap::Context::Inbox, keymap::Command::ShowDeleted)
                ),
                then: Pending::DeleteMail(ids),
            });
        } else {
            self.delete_mail(ids);
        }
    }

    fn restore(&mut self) {
        if self.inbox.deleted {
            let ids = self.inbox.targets();
            self.restore_mail(ids);
        } else {
            self.toast(format!(
                "restore works in the deleted view ({})",
                keymap::key_of(keymap::Context::Inbox, keymap::Command::ShowDeleted)
            ));
        }
    }

    /// `[` and `]` in Daily Jobs: a week earlier or later, never past today.
    fn shift_week(&mut self, later: bool) {
        let today = self.now().with_timezone(&self.tz).date_naive();
        let end = self.daily.end.unwrap_or(today);
        let step = chrono::TimeDelta::days(7);
        let new = if later {
            (end + step).min(today)
        } else {
            end - step
        };
        self.daily.end = (new != today).then_some(new);
        self.reload();
    }

    /// `:q` (asks when something would be lost) and `:q!` (never asks).
    pub(super) fn quit_command(&mut self, force: bool) {
        match self.lost_on_quit().filter(|_| !force) {
            Some(lost) => {
                self.overlay = Some(Overlay::Confirm {
                    question: format!("Quit backupchecks? {lost}"),
                    then: Pending::Quit,
                })
            }
            None => self.quit = true,
        }
    }

    /// What quitting would lose, in words, when there is something: the undo history, marks
    /// and a filter only live in this session.
    fn lost_on_quit(&self) -> Option<String> {
        let mut lost = Vec::new();
        let reviews = self.undo.len();
        if reviews > 0 {
            lost.push(format!(
                "the undo history ({})",
                crate::domain::wording::plural(reviews, "review", "reviews")
            ));
        }
        if !self.run_checks.jobs.marks.is_empty() {
            lost.push("the marks".to_string());
        }
        if !self.run_checks.jobs.filter.is_empty() {
            lost.push("the filter".to_string());
        }
        (!lost.is_empty()).then(|| format!("{} will be lost.", lost.join(", ")))
    }

    /// `r`: marked jobs (asking first when more than one), else the cursor run.
    fn review(&mut self) {
        let marks: Vec<i64> = self.run_checks.jobs.marks.iter().copied().collect();
        if marks.len() > 1 {
            let marked: Vec<_> = self
                .run_checks
                .rows
                .iter()
                .filter(|r| marks.contains(&r.job_id))
                .collect();
            let runs: i64 = marked.iter().map(|r| r.unreviewed).sum();
            // What a bulk review would wave through, so a failure is never reviewed unseen.
            let problems: Vec<String> = [
                (marked.iter().map(|r| r.failed).sum::<i64>(), "failed"),
                (marked.iter().map(|r| r.missed).sum::<i64>(), "missed"),
                (
                    marked.iter().map(|r| r.warning).sum::<i64>(),
                    "with warnings",
                ),
            ]
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
            let among = if problems.is_empty() {
                String::new()
            } else {
                format!(" Among them: {}.", problems.join(", "))
            };
            self.overlay = Some(Overlay::Confirm {
                question: format!(
                    "Review all {runs} runs of {} marked jobs?{among}",
                    marks.len()
                ),
                then: Pending::ReviewJobs(marks),
            });
        } else if let Some(job) = marks.first() {
            self.review_jobs(vec![*job]);
        } else if let Some(run) = self.run_checks.current_run().map(|r| r.id) {
            self.review_run(run);
        } else if !self.db_ok {
            self.error("not reviewed: database unavailable");
        } else {
            self.error("no run to review here");
        }
    }

    fn review_job(&mut self) {
        match self.run_checks.current_job().map(|j| j.job_id) {
            Some(job) => self.review_jobs(vec![job]),
            None => self.error("no job here"),
        }
    }

    /// `y`: what the pane offers to copy (the hint line names it).
    fn copy_shown(&mut self) {
        let pane = self.current_pane();
        let choices = pane.copy_choices();
        if choices.len() > 1 {
            // Several tickets on the run: say which, newest (what `y` would copy) first.
            let (codes, options) = choices
                .into_iter()
                .map(|(code, what)| (code.clone(), (None, format!("{code}  {what}"))))
                .unzip();
            self.overlay = Some(Overlay::Choose(crate::tui::dialogs::Choice {
                purpose: crate::tui::dialogs::ChoicePurpose::CopyTicket(codes),
                options,
                cursor: 0,
            }));
            return;
        }
        match pane.copy_value() {
            Some(value) => self.copy(value),
            None => {
                let why = pane.nothing_to_copy();
                self.error(why);
            }
        }
    }
}

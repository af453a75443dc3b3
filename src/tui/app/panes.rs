//! The keys every pane shares (cursor, Enter, Esc, marks, filter), asked of the pane on screen
//! through [`crate::tui::panes::pane::PaneView`], and the follow-ups the panes ask for.

use super::App;
use crate::tui::panes::Pane;
use crate::tui::panes::pane::{Follow, Move, RELEASE_AFTER};

impl App {
    pub(super) fn goto(&mut self, pane: Pane) {
        if !self.seat.can(pane.info().needs) {
            self.error(format!(
                "{} is not available to the {} role",
                pane.info().title,
                self.seat.role
            ));
            return;
        }
        if pane == Pane::RunChecks && self.pane != Pane::RunChecks {
            // Tickets completed in Autotask should not be worked on again.
            self.poll_autotask_now();
        }
        if pane != self.pane {
            let left = self.pane;
            self.left.retain(|(p, _)| *p != left && *p != pane);
            self.left.push((left, std::time::Instant::now()));
        }
        self.pane = pane;
        self.reload();
    }

    /// Releases the rows of panes out of sight for [`RELEASE_AFTER`] at `now` (not of those the
    /// top line counts, which every reload reads anyway).
    pub fn release_hidden(&mut self, now: std::time::Instant) {
        let due: Vec<Pane> = self
            .left
            .iter()
            .filter(|(p, at)| {
                *p != self.pane && now.saturating_duration_since(*at) >= RELEASE_AFTER
            })
            .map(|(p, _)| *p)
            .collect();
        if due.is_empty() {
            return;
        }
        self.left.retain(|(p, _)| !due.contains(p));
        self.trim.due = true;
        for pane in due {
            let view = self.panes.get_mut(pane);
            if !view.always_loaded() {
                tracing::debug!("releasing the rows of {}", pane.title());
                view.release();
            }
        }
    }

    /// `q`: out of the detail, else out of the pane, else (in Run Checks) quit.
    pub(super) fn back_or_quit(&mut self) {
        if self.current_pane().deeper() {
            self.back();
        } else if self.pane != self.home_pane() {
            // Out of any other pane, `q` goes back to where the day starts; there it quits.
            self.goto(self.home_pane());
        } else {
            self.quit_command(false);
        }
    }

    /// `Esc`: leave the detail, else clear marks, else clear the filter.
    pub fn back(&mut self) {
        self.current_pane_mut().back();
    }

    pub(super) fn open(&mut self) {
        let follows = self.current_pane_mut().open();
        self.follow(follows);
    }

    pub(super) fn move_cursor(&mut self, m: Move) {
        let follows = self.current_pane_mut().move_cursor(m);
        self.follow(follows);
    }

    /// `Space`: marks the cursor row and moves down, in panes that have marks.
    pub(super) fn mark(&mut self) {
        let pane = self.current_pane_mut();
        if let Some(id) = pane.mark_id() {
            pane.list_mut().toggle_mark(id);
            self.move_cursor(Move::Down);
        }
    }

    /// `*`: marks every visible row, in panes that have marks.
    pub(super) fn mark_all(&mut self) {
        let pane = self.current_pane_mut();
        let ids = pane.mark_ids();
        pane.list_mut().marks.extend(ids);
    }

    /// The filter text of the pane on screen, as the filter line edits it.
    pub(crate) fn filter_mut(&mut self) -> &mut String {
        &mut self.current_pane_mut().list_mut().filter
    }

    /// The banner of a list opened from the current pane with a text filter.
    pub(super) fn banner(&self, filter: &str) -> String {
        format!(
            "“{}” · from {}",
            crate::tui::sanitize::line(filter),
            self.pane.title()
        )
    }

    /// `F`: the list as it is when not opened from another pane.
    pub(super) fn clear_opened(&mut self) {
        if self.current_pane().list().banner.is_none() {
            self.toast("this list was not opened with a filter from another pane");
            return;
        }
        self.current_pane_mut().clear_opened();
        self.filter_changed();
    }

    pub(crate) fn filter_changed(&mut self) {
        let follows = self.current_pane_mut().filter_changed();
        self.follow(follows);
    }

    /// Carries out what a pane asked for.
    pub(super) fn follow(&mut self, follows: Vec<Follow>) {
        for f in follows {
            match f {
                Follow::LoadRunsOfCursor => self.load_runs_of_cursor(),
                Follow::LoadDetailOfCursor => self.load_detail_of_cursor(false),
                Follow::LoadMailOfCursor => self.load_mail_of_cursor(),
                Follow::Reload => self.reload(),
                Follow::ReloadPane(pane) => self.reload_pane(pane),
                Follow::OpenInRunChecks(job) => self.open_in_run_checks(job),
                Follow::ShowInRunChecks(filter) => self.show_in_run_checks(filter),
                Follow::ShowInDailyJobs(filter) => {
                    self.daily.list.banner = Some(self.banner(&filter));
                    self.daily.list.filter = filter;
                    self.daily.list.cursor = 0;
                    self.goto(Pane::DailyJobs);
                }
                Follow::ShowInJobs(job) => {
                    self.jobs.list.filter.clear();
                    self.jobs.list.banner = None;
                    self.jobs.customer = None;
                    self.jobs.archived = false;
                    self.jobs.deleted = None;
                    self.jobs.focus = Some(job);
                    self.goto(Pane::Jobs);
                }
                Follow::ShowCustomerInJobs { id, name } => {
                    let from = self.pane.title();
                    let j = &mut self.jobs;
                    j.list.filter.clear();
                    j.list.marks.clear();
                    j.list.cursor = 0;
                    j.list.banner = Some(format!("customer {name} · from {from}"));
                    j.customer = Some(id);
                    j.archived = false;
                    j.deleted = None;
                    self.goto(Pane::Jobs);
                }
                Follow::EditSetting => self.edit_setting(),
                Follow::LoadJobStrips(ids) => {
                    let tz = self.jobs.data.as_ref().map_or(self.tz, |d| d.tz);
                    let load =
                        crate::tui::panes::jobs::load_strips(self.pool(), ids, tz, self.now());
                    self.spawn(load);
                }
                Follow::SaveAttachment => self.save_attachment_input(),
                Follow::Toast(text) => self.toast(text),
            }
        }
    }
}

//! The Jobs pane's work: archive / unarchive, pin and unpin a schedule, open a job in Run
//! Checks; and the background-task log of the Activity pane.

use super::{App, Overlay, Pending, PinForm};
use crate::db;
use crate::domain::schedule::PinnedSchedule;
use crate::domain::wording::plural;
use crate::services::{autotask_poller, importer::ImportEvent, missed_runs, report_scheduler};
use crate::tui::action::Action;
use crate::tui::keymap::{Command, Context, key_of};
use crate::tui::panes::Pane;
use crate::tui::panes::activity::TaskEvent;

use crate::tui::action::failed;

impl App {
    /// `a` in Jobs: asks, then archives or unarchives the cursor job.
    pub(super) fn ask_archive(&mut self) {
        let Some(r) = self.jobs.current() else {
            self.error("no job here");
            return;
        };
        let archive = r.archived_at.is_none();
        let name = format!("{} › {}", r.job.customer_name, r.job.job_name);
        let question = if archive {
            format!("Archive {name}? It gets no Missed runs until it is unarchived.")
        } else {
            format!("Unarchive {name}? Missed runs are checked for it again.")
        };
        self.overlay = Some(Overlay::Confirm {
            question: crate::tui::sanitize::line(&question),
            then: Pending::Archive {
                job_id: r.job.id,
                archive,
            },
        });
    }

    pub(super) fn set_archived(&mut self, job_id: i64, archive: bool) {
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("archive", e),
            };
            match db::jobs::set_archived(&mut conn, job_id, archive, &by, now).await {
                Ok(true) if archive => Action::Done("job archived: no Missed runs for it".into()),
                Ok(true) => Action::Done("job unarchived".into()),
                Ok(false) => Action::Done("nothing changed".into()),
                Err(e) => failed("archive", e),
            }
        });
    }

    /// `p` in Jobs: the pin form, pre-filled from the schedule in force.
    pub(super) fn open_pin(&mut self) {
        let Some(r) = self.jobs.current() else {
            self.error("no job here");
            return;
        };
        let current = r.job.schedule.pinned.as_ref().map(|p| &p.schedule).or(r
            .job
            .schedule
            .learned
            .as_ref());
        let mut form = PinForm::new(
            r.job.id,
            format!("{} › {}", r.job.customer_name, r.job.job_name),
            current,
        );
        if let Some(g) = r.job.schedule.pinned.as_ref().and_then(|p| p.grace_minutes) {
            form.grace.set(g.to_string());
        }
        self.overlay = Some(Overlay::Pin(form));
    }

    pub(crate) fn pin(&mut self, job_id: i64, pinned: PinnedSchedule) {
        let (pool, by) = (self.pool(), self.operator.clone());
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("pin", e),
            };
            let shown = pinned.schedule.to_string();
            match db::schedules::pin(&mut conn, job_id, &pinned, &by).await {
                Ok(()) => Action::Done(format!(
                    "schedule pinned: {shown} · {} unpins",
                    key_of(Context::Jobs, Command::UnpinSchedule)
                )),
                Err(e) => failed("pin", e),
            }
        });
    }

    /// `P` in Jobs.
    pub(super) fn unpin(&mut self) {
        let Some(r) = self.jobs.current() else {
            self.error("no job here");
            return;
        };
        if r.job.schedule.pinned.is_none() {
            self.toast("this job has no pinned schedule");
            return;
        }
        let (pool, by, job_id) = (self.pool(), self.operator.clone(), r.job.id);
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("unpin", e),
            };
            match db::schedules::unpin(&mut conn, job_id, &by).await {
                Ok(()) => Action::Done("schedule unpinned: the learned one applies".into()),
                Err(e) => failed("unpin", e),
            }
        });
    }

    /// Run Checks on job `job` with its reviewed runs (Enter in Daily Jobs and Jobs).
    pub(super) fn open_in_run_checks(&mut self, job: i64) {
        self.poll_autotask_now();
        self.pane = Pane::RunChecks;
        self.run_checks.open_job(job);
        self.reload();
    }

    pub(super) fn log_task(&mut self, task: &'static str, text: String, failed: bool) {
        let at = self.now();
        self.activity.push_task(TaskEvent {
            at,
            task,
            text,
            failed,
        });
    }

    pub(super) fn log_import(&mut self, ev: &ImportEvent) {
        match ev {
            ImportEvent::Started { source } => {
                self.log_task("import", format!("started ({source})"), false)
            }
            ImportEvent::Progress { .. } => {}
            ImportEvent::Retrying(text) | ImportEvent::Waiting(text) => {
                self.log_task("import", text.clone(), false)
            }
            ImportEvent::Finished(s) => self.log_task("import", format!("finished: {s}"), false),
            ImportEvent::Failed(e) => self.log_task("import", format!("failed: {e}"), true),
        }
    }

    pub(super) fn log_missed(&mut self, ev: &missed_runs::Event) {
        let (text, bad) = match ev {
            missed_runs::Event::Started => ("started".to_string(), false),
            missed_runs::Event::Finished { created, removed } => (
                format!(
                    "finished: {} created, {} removed",
                    plural(*created, "Missed run", "Missed runs"),
                    removed
                ),
                false,
            ),
            missed_runs::Event::Skipped => ("skipped: another process runs it".into(), false),
            missed_runs::Event::Failed { message } => (format!("failed: {message}"), true),
        };
        self.log_task("missed runs", text, bad);
    }

    pub(super) fn log_autotask(&mut self, ev: &autotask_poller::Event) {
        let (text, bad) = match ev {
            autotask_poller::Event::Started => ("started".to_string(), false),
            autotask_poller::Event::Finished(r) => (
                format!(
                    "finished: {} checked, {} resolved, {} deleted, {} renumbered",
                    plural(r.checked, "ticket", "tickets"),
                    r.resolved,
                    r.deleted,
                    r.renumbered
                ),
                false,
            ),
            autotask_poller::Event::Skipped => ("skipped: another process polls".into(), false),
            autotask_poller::Event::Failed { message } => (format!("failed: {message}"), true),
        };
        self.log_task("Autotask", text, bad);
    }

    /// The scheduler's passes in Activity: each mail not sent and each unknown outcome as an
    /// error line of its own, since an operator has to act on it.
    pub(super) fn log_reports(&mut self, ev: &report_scheduler::Event) {
        use report_scheduler::Event;
        match ev {
            Event::Started | Event::Skipped => {}
            Event::Finished(r) => {
                for f in &r.failed {
                    self.log_task("reports", format!("not sent: {f}"), true);
                }
                for u in &r.unknown {
                    self.log_task(
                        "reports",
                        format!("maybe sent: {u} (Reports, Tab: s resends, S marks sent)"),
                        true,
                    );
                }
                for n in &r.notes {
                    self.log_task("reports", n.clone(), false);
                }
                if r.generated + r.sent > 0 {
                    self.log_task(
                        "reports",
                        format!("{} generated, {} mailed", r.generated, r.sent),
                        false,
                    );
                }
            }
            Event::Failed { message } => {
                self.log_task("reports", format!("failed: {message}"), true)
            }
        }
    }
}

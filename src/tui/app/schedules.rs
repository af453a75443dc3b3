//! The Reports pane's report schedules (Tab) and `o`: run the scheduler now, add (the form) or
//! remove a schedule,
//! settle a delivery whose outcome is unknown (resend or mark sent), and the month's HTML in
//! `$BROWSER`.

use super::{App, Overlay, Pending};
use crate::db::DbError;
use crate::db::report_schedules::{self as db, Settle};
use crate::domain::report_schedule::NewSchedule;
use crate::tui::action::{Action, failed};
use crate::tui::sanitize;

impl App {
    /// `o` in Reports: writes the month's HTML where `x` writes, then opens it in `$BROWSER`
    /// with the terminal suspended, as the pager is.
    pub(super) fn open_report_in_browser(&mut self) {
        if std::env::var("BROWSER").map_or(true, |b| b.trim().is_empty()) {
            self.toast("$BROWSER is not set: set it (e.g. BROWSER=firefox) to open reports; x writes the files");
            return;
        }
        let Some(report) = self.reports.report.clone() else {
            self.error("the report is still loading");
            return;
        };
        let Some(dir) = crate::paths::default_data_dir().map(|d| d.join("reports")) else {
            self.error("no data directory to write reports into");
            return;
        };
        self.spawn(async move {
            let written = tokio::task::spawn_blocking(move || {
                super::transfer::write_formats(&report, &dir, &[crate::reports::Format::Html])
            })
            .await;
            match written {
                Ok(Ok(mut paths)) => match paths.pop() {
                    Some(path) => Action::OpenBrowser(path),
                    None => Action::Failed("writing the report: nothing written".into()),
                },
                Ok(Err(e)) => Action::Failed(format!("writing the report: {e}")),
                Err(e) => Action::Failed(format!("writing the report: {e}")),
            }
        });
    }

    /// `R` in the schedules: a pass of this process's scheduler now.
    pub(super) fn run_schedules_now(&mut self) {
        match &self.services.reports_now {
            Some(run) => {
                run();
                self.toast("report scheduler: a pass runs now (Activity shows what it did)");
            }
            None => self.error(
                "the report scheduler does not run in this seat: use `backupchecks report \
                 schedule run-now` or the daemon",
            ),
        }
    }

    /// `a` in the schedules: the form for a new schedule.
    pub(super) fn open_schedule_form(&mut self) {
        self.overlay = Some(Overlay::Schedule(Box::default()));
    }

    /// Stores the schedule of the form (audited as `report schedule add` is); the answer comes
    /// back to the form, which stays open when the database refuses it.
    pub(crate) fn add_schedule(&mut self, new: NewSchedule) {
        let (pool, by) = (self.pool(), self.operator.clone());
        self.spawn(async move {
            // Every refusal goes back to the form, which waits for it.
            let result = match pool.acquire().await {
                Err(e) => Err(DbError::from(e)),
                Ok(mut conn) => db::add(&mut conn, &new, &by).await,
            };
            Action::ScheduleAdded(match result {
                Ok(s) => Ok(format!("schedule {} added", s.name)),
                Err(e) if e.is_duplicate() => {
                    Err("a schedule with that name exists already".to_string())
                }
                Err(e) => Err(e.cause()),
            })
        });
    }

    pub(super) fn schedule_added(&mut self, result: Result<String, String>) {
        match (&mut self.overlay, result) {
            (Some(Overlay::Schedule(_)), Ok(message)) => {
                self.overlay = None;
                self.toast(message);
                self.reload();
            }
            (Some(Overlay::Schedule(form)), Err(e)) => {
                form.saving = false;
                form.error = Some(format!("not added: {e}"));
            }
            (_, Ok(message)) => {
                self.toast(message);
                self.reload();
            }
            (_, Err(e)) => self.error(format!("schedule not added: {e}")),
        }
    }

    /// `d` in the schedules: asks, then removes the cursor schedule.
    pub(super) fn ask_remove_schedule(&mut self) {
        let Some(s) = self.reports.current_schedule() else {
            self.error("no schedule here");
            return;
        };
        self.overlay = Some(Overlay::Confirm {
            question: sanitize::line(&format!(
                "Remove report schedule {} and the record of what it sent?",
                s.name
            )),
            then: Pending::RemoveSchedule(s.id),
        });
    }

    pub(super) fn remove_schedule(&mut self, id: i64) {
        let (pool, by) = (self.pool(), self.operator.clone());
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("remove the schedule", e),
            };
            match db::remove(&mut conn, &id.to_string(), &by).await {
                Ok(s) => Action::Done(format!("schedule {} removed", s.name)),
                Err(e) => failed("remove the schedule", e),
            }
        });
    }

    /// `s` / `S` in the schedules: asks about the cursor schedule's delivery to settle.
    pub(super) fn ask_settle(&mut self, how: Settle) {
        let Some(d) = self.reports.to_settle() else {
            self.toast(
                "nothing to settle: no delivery of this schedule is unknown or failed for good",
            );
            return;
        };
        let what = format!(
            "{} {} to {}",
            d.customer_name.as_deref().unwrap_or("internal report"),
            d.period_from,
            d.recipients.join(", ")
        );
        let question = match how {
            Settle::Resend => {
                format!("Send {what} again? If the first mail did arrive, this is a second copy.")
            }
            Settle::MarkSent => format!("Record {what} as sent? It is not sent again."),
        };
        self.overlay = Some(Overlay::Confirm {
            question: sanitize::line(&question),
            then: Pending::SettleDelivery { id: d.id, how },
        });
    }

    pub(super) fn settle_delivery(&mut self, id: i64, how: Settle) {
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        let run = self.services.reports_now.is_some();
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("settle the delivery", e),
            };
            match db::settle(&mut conn, id, how, &by, now).await {
                Ok(_) => Action::Done(match (how, run) {
                    (Settle::Resend, true) => {
                        "the delivery is sent again at the next pass (R runs one now)".into()
                    }
                    (Settle::Resend, false) => {
                        "the delivery is sent again at the scheduler's next pass".into()
                    }
                    (Settle::MarkSent, _) => "the delivery is recorded as sent".into(),
                }),
                Err(e) => failed("settle the delivery", e),
            }
        });
    }
}

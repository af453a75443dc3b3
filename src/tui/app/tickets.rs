//! Tickets & Remarks (pane 6) and Overrides (pane 7) work: resolve a ticket or remark,
//! deactivate an override, copy a ticket code. Changes ask first and run in spawned tasks.

use super::{App, Overlay, Pending};
use crate::db::{overrides, remarks};
use crate::domain::wording::plural;
use crate::tui::action::Action;
use crate::tui::panes::overrides::applies_to;
use crate::tui::panes::tickets::Kind;
use crate::tui::sanitize;

use crate::tui::action::failed;

fn runs(n: u64) -> String {
    plural(n, "run", "runs")
}

impl App {
    /// `x` in Tickets & Remarks: asks before resolving the cursor ticket or remark. An Autotask
    /// ticket goes the way Run Checks `t r` takes: completed in Autotask, then resolved here.
    pub(super) fn ask_resolve(&mut self) {
        let Some(item) = self.tickets.current() else {
            self.error("nothing to resolve here");
            return;
        };
        if item.resolved_at.is_some() {
            self.error("already resolved");
            return;
        }
        let id = item.id;
        let deleted = item.autotask_deleted_at.is_some();
        let (question, then) = match (self.tickets.kind, &item.code, item.autotask_ticket_id) {
            // Gone from Autotask: nothing to complete there, so it is closed here only.
            (Kind::Tickets, Some(code), Some(_)) if deleted => (
                format!(
                    "Resolve {}? It was deleted in Autotask, so it is resolved here only.",
                    sanitize::line(code)
                ),
                Pending::ResolveTicket {
                    id,
                    code: code.clone(),
                },
            ),
            (Kind::Tickets, Some(code), Some(autotask_id)) => (
                format!(
                    "Resolve {}? It is set to Complete in Autotask with a note; new runs no \
                     longer get it.",
                    sanitize::line(code)
                ),
                Pending::ResolveAutotask {
                    autotask_id,
                    code: code.clone(),
                },
            ),
            (Kind::Tickets, code, None) | (Kind::Tickets, code @ None, _) => {
                let code = code.clone().unwrap_or_else(|| format!("ticket {id}"));
                (
                    format!(
                        "Resolve {}? New runs will no longer get it.",
                        sanitize::line(&code)
                    ),
                    Pending::ResolveTicket { id, code },
                )
            }
            (Kind::Remarks, _, _) => (
                format!(
                    "Resolve the remark \"{}\"? New runs will no longer get it.",
                    crate::tui::table::fit(&item.text, 40).trim_end()
                ),
                Pending::ResolveRemark(id),
            ),
        };
        self.overlay = Some(Overlay::Confirm { question, then });
    }

    pub(super) fn resolve_remark(&mut self, remark_id: i64) {
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("resolve", e),
            };
            match remarks::resolve(&mut conn, remark_id, &by, now).await {
                Ok(_) => Action::Done("remark resolved: new runs no longer get it".into()),
                Err(e) => failed("resolve", e),
            }
        });
    }

    /// `y` in Tickets & Remarks: the cursor ticket's code.
    /// `Enter` in panes 6 and 7: Run Checks filtered to the jobs of the row.
    pub(super) fn show_in_run_checks(&mut self, filter: String) {
        let banner = self.banner(&filter);
        let rc = &mut self.run_checks;
        rc.jobs.banner = Some(banner);
        rc.jobs.filter = filter;
        rc.jobs.cursor = 0;
        rc.jobs.marks.clear();
        rc.focus = crate::tui::panes::run_checks::Focus::Jobs;
        self.goto(crate::tui::panes::Pane::RunChecks);
        self.load_runs_of_cursor();
    }

    /// `x` in Overrides: asks before switching the cursor rule off.
    pub(super) fn ask_deactivate(&mut self) {
        let Some(o) = self.overrides.current() else {
            self.error("no override here");
            return;
        };
        if !o.over.rule.active {
            self.error("this override is inactive already");
            return;
        }
        let id = o.over.rule.id;
        let question = format!(
            "Deactivate the override for {}? Unreviewed runs it covers are evaluated again \
             without it.",
            sanitize::line(&applies_to(o))
        );
        self.overlay = Some(Overlay::Confirm {
            question,
            then: Pending::DeactivateOverride(id),
        });
    }

    pub(super) fn deactivate_override(&mut self, id: i64) {
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("deactivate", e),
            };
            match overrides::deactivate_counted(&mut conn, id, &by, now).await {
                Ok((_, changed)) => Action::Done(format!(
                    "override deactivated: unreviewed runs re-evaluated, {} changed status",
                    runs(changed)
                )),
                Err(e) => failed("deactivate", e),
            }
        });
    }
}

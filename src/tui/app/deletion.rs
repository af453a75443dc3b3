//! Deleting customers and jobs (soft, restorable) from their panes, their deleted views, and
//! removing for good (admins) there and in the Inbox's deleted mail, always after a question
//! that names what goes.

use super::{App, Overlay, Pending};
use crate::db::{self, deletion::Kind};
use crate::domain::wording::plural;
use crate::tui::action::{Action, failed};
use crate::tui::panes::Pane;
use crate::tui::panes::deleted::DeletedView;
use crate::tui::sanitize;

impl App {
    /// Whether `d`, `D`, `U` and `X` work on customers or jobs here (not on mail).
    pub(super) fn deletes_rows(&self) -> bool {
        matches!(self.pane, Pane::Customers | Pane::Jobs)
    }

    fn deleted_view(&self) -> Option<&DeletedView> {
        match self.pane {
            Pane::Customers => self.customers_pane.deleted.as_ref(),
            Pane::Jobs => self.jobs.deleted.as_ref(),
            _ => None,
        }
    }

    /// `D` in Customers and Jobs: the deleted ones, or back.
    pub(super) fn toggle_deleted_rows(&mut self) {
        match self.pane {
            Pane::Customers => {
                let d = &mut self.customers_pane.deleted;
                *d = match d {
                    Some(_) => None,
                    None => Some(DeletedView::new(Kind::Customer)),
                };
            }
            Pane::Jobs => {
                let d = &mut self.jobs.deleted;
                *d = match d {
                    Some(_) => None,
                    None => Some(DeletedView::new(Kind::Job)),
                };
            }
            _ => return,
        }
        self.reload();
    }

    /// `d` in Customers and Jobs: asks, then deletes (soft) the cursor row.
    pub(super) fn ask_soft_delete(&mut self) {
        if self.deleted_view().is_some() {
            return;
        }
        let target = match self.pane {
            Pane::Customers => self.customers_pane.current().map(|c| {
                let question = format!(
                    "Delete customer {}? Its {} are hidden and their mail becomes no runs; \
                     an admin can restore it.",
                    c.name,
                    plural(c.jobs as u64, "job", "jobs")
                );
                (Kind::Customer, c.id, question)
            }),
            Pane::Jobs => self.jobs.current().map(|r| {
                let question = format!(
                    "Delete job {} › {}? It is hidden and its mail becomes no runs; \
                     an admin can restore it.",
                    r.job.customer_name, r.job.job_name
                );
                (Kind::Job, r.job.id, question)
            }),
            _ => None,
        };
        let Some((kind, id, question)) = target else {
            self.error("nothing here to delete");
            return;
        };
        self.overlay = Some(Overlay::Confirm {
            question: sanitize::line(&question),
            then: Pending::SoftDelete { kind, id },
        });
    }

    pub(super) fn soft_delete_row(&mut self, kind: Kind, id: i64) {
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("delete", e),
            };
            match db::deletion::soft_delete(&mut conn, kind, id, &by, now).await {
                Ok(true) => Action::Done(format!("{} deleted · D shows deleted ones", kind.noun())),
                Ok(false) => Action::Done("nothing changed".into()),
                Err(e) => failed("delete", e),
            }
        });
    }

    /// `U` in a deleted view.
    pub(super) fn restore_row(&mut self) {
        let Some((kind, id)) = self
            .deleted_view()
            .and_then(|v| v.current().map(|d| (v.kind, d.id)))
        else {
            self.toast("restore works in the deleted view (D)");
            return;
        };
        let (pool, by) = (self.pool(), self.operator.clone());
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("restore", e),
            };
            match db::deletion::restore(&mut conn, kind, id, &by).await {
                Ok(true) => Action::Done(format!("{} restored", kind.noun())),
                Ok(false) => Action::Done("nothing changed".into()),
                Err(e) => failed("restore", e),
            }
        });
    }

    /// `X` in a deleted view: reads what would go, then asks.
    pub(super) fn ask_purge(&mut self) {
        let Some((kind, id, name)) = self
            .deleted_view()
            .and_then(|v| v.current().map(|d| (v.kind, d.id, d.name.clone())))
        else {
            self.toast("removing for good works in the deleted view (D)");
            return;
        };
        let pool = self.pool();
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("count what would go", e),
            };
            match db::deletion::impact(&mut conn, kind, id).await {
                Ok(impact) => Action::Ask {
                    question: sanitize::line(&format!(
                        "Remove {} {name} for good? This takes {}. It cannot be undone.",
                        kind.noun(),
                        impact.describe()
                    )),
                    then: Pending::Purge { kind, id },
                },
                Err(e) => failed("count what would go", e),
            }
        });
    }

    pub(super) fn purge_row(&mut self, kind: Kind, id: i64) {
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("remove for good", e),
            };
            match db::deletion::purge(&mut conn, kind, id, &by, now).await {
                Ok(gone) => Action::Done(format!(
                    "{} removed for good: {}",
                    kind.noun(),
                    gone.describe()
                )),
                Err(e) => failed("remove for good", e),
            }
        });
    }

    /// `X` in the Inbox's deleted mail: the marked mails, else the cursor mail, after a question.
    pub(super) fn ask_purge_mail(&mut self) {
        if self.pane != Pane::Inbox || !self.inbox.deleted {
            return;
        }
        let ids = self.inbox.targets();
        if ids.is_empty() {
            return;
        }
        self.overlay = Some(Overlay::Confirm {
            question: format!(
                "Remove {} for good? Runs made from them keep their results. It cannot be undone.",
                plural(ids.len() as u64, "deleted mail", "deleted mails")
            ),
            then: Pending::PurgeMail(ids),
        });
    }

    pub(super) fn purge_mail(&mut self, ids: Vec<i64>) {
        let (pool, by) = (self.pool(), self.operator.clone());
        self.inbox.list.marks.clear();
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("remove for good", e),
            };
            match db::deletion::purge_mail(&mut conn, &ids, &by).await {
                Ok(n) => Action::Done(format!("removed {} for good", plural(n, "mail", "mails"))),
                Err(e) => failed("remove for good", e),
            }
        });
    }
}

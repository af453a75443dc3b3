//! Database work started from keys. Each runs in a spawned task and reports back as an action,
//! so the interface never waits for it.

use super::{App, Overlay, OverrideForm, RemarkEditor};
use crate::db::{self, inbox::CustomerChoice, remarks, scopes::Scope, tickets};
use crate::domain::wording::plural;
use crate::ingest::{pipeline::Outcome, reparse};
use crate::tui::action::Action;
use crate::tui::clipboard;
use crate::tui::keymap::{Command, Context, key_of};

use crate::tui::action::{failed, load_failed};

impl App {
    pub(crate) fn review_run(&mut self, run_id: i64) {
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("review", e),
            };
            match db::review::review_run(&mut conn, run_id, &by, now).await {
                Ok(batch) => Action::Reviewed(batch),
                Err(e) => failed("review", e),
            }
        });
    }

    pub(crate) fn review_jobs(&mut self, job_ids: Vec<i64>) {
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        self.run_checks.jobs.marks.clear();
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("review", e),
            };
            match db::review::review_jobs(&mut conn, &job_ids, &by, now).await {
                Ok(batch) => Action::Reviewed(batch),
                Err(e) => failed("review", e),
            }
        });
    }

    pub(crate) fn undo_review(&mut self) {
        let Some(batch) = self.undo.pop() else {
            self.toast("nothing to undo");
            return;
        };
        let (pool, by) = (self.pool(), self.operator.clone());
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("undo", e),
            };
            match db::review::undo(&mut conn, &batch, &by).await {
                Ok(n) => Action::Done(format!(
                    "undone: {} back in the queue",
                    plural(n, "run", "runs")
                )),
                Err(e) => failed("undo", e),
            }
        });
    }

    pub(crate) fn delete_mail(&mut self, ids: Vec<i64>) {
        let (pool, now) = (self.pool(), self.now());
        self.inbox.list.marks.clear();
        let deleted_view = key_of(Context::Inbox, Command::ShowDeleted);
        self.spawn(async move {
            match db::mail::soft_delete(&pool, &ids, now).await {
                Ok(n) => Action::Done(format!(
                    "deleted {} · {deleted_view} shows deleted mail",
                    plural(n, "mail", "mails")
                )),
                Err(e) => failed("delete", e),
            }
        });
    }

    pub(crate) fn restore_mail(&mut self, ids: Vec<i64>) {
        let pool = self.pool();
        self.inbox.list.marks.clear();
        self.spawn(async move {
            match db::mail::restore(&pool, &ids).await {
                Ok(n) => Action::Done(format!("restored {}", plural(n, "mail", "mails"))),
                Err(e) => failed("restore", e),
            }
        });
    }

    pub(crate) fn reparse_one(&mut self) {
        let Some((id, dropped)) = self.inbox.current().map(|m| (m.id, m.raw_dropped_at)) else {
            return;
        };
        if let Some(at) = dropped {
            self.toast(format!("skipped: {}", reparse::no_source(id, at)));
            return;
        }
        let (pool, now) = (self.pool(), self.now());
        self.spawn(async move {
            match reparse::reparse_one(&pool, id, now).await {
                Ok(Outcome::Run { .. }) => {
                    Action::Done("re-parsed: the mail became a run of a known job".into())
                }
                Ok(Outcome::Unparsed { .. }) => {
                    Action::Done("re-parsed: still not recognised".into())
                }
                Ok(_) => Action::Done("re-parsed".into()),
                Err(e) => failed("re-parse", e),
            }
        });
    }

    pub(crate) fn reparse_all(&mut self) {
        let (pool, now) = (self.pool(), self.now());
        let progress = self.progress.clone();
        self.spawn(async move {
            let report = |done, total| {
                if let Ok(mut p) = progress.lock() {
                    *p = (done < total).then(|| ("re-parsing".to_string(), done, total));
                }
            };
            let result = reparse::reparse_unapproved(&pool, now, report).await;
            if let Ok(mut p) = progress.lock() {
                *p = None;
            }
            match result {
                Ok(s) => Action::Done(format!(
                    "re-parsed {}: {} became runs, {} waiting, {} unparsed{}",
                    s.total,
                    s.runs_created,
                    s.waiting,
                    s.unparsed,
                    match s.skipped_no_source {
                        0 => String::new(),
                        n => format!(" · {n} skipped (raw source removed by retention)"),
                    }
                )),
                Err(e) => failed("re-parse", e),
            }
        });
    }

    /// Opens the customer picker for the marked waiting mails, else the one under the cursor.
    /// Mail no parser recognised cannot be approved and is left out, with a word why.
    pub(crate) fn open_approve(&mut self) {
        if self.inbox.deleted {
            self.error("restore the mail first (U)");
            return;
        }
        let targets = self.inbox.targets();
        let chosen: Vec<crate::db::mail::Mail> = self
            .inbox
            .rows
            .iter()
            .filter(|m| targets.contains(&m.id))
            .cloned()
            .collect();
        let parsed: Vec<&crate::db::mail::Mail> = chosen
            .iter()
            .filter(|m| m.parsed_status.is_some())
            .collect();
        if parsed.is_empty() {
            if !chosen.is_empty() {
                self.error("this mail was not recognised: re-parse it (p) or delete it (d)");
            }
            return;
        }
        let unrecognised = chosen.len() - parsed.len();
        if unrecognised > 0 {
            self.toast(format!(
                "{} left out",
                plural(unrecognised, "unrecognised mail", "unrecognised mails")
            ));
        }
        let mail_ids: Vec<i64> = parsed.iter().map(|m| m.id).collect();
        let job = match parsed.as_slice() {
            [one] => one.job_name.clone().unwrap_or_default(),
            many => {
                let mut names: Vec<String> = many
                    .iter()
                    .map(|m| {
                        format!(
                            "{}|{}|{}|{}",
                            m.from_address,
                            m.backup_software.as_deref().unwrap_or(""),
                            m.backup_type.as_deref().unwrap_or(""),
                            m.job_name.as_deref().unwrap_or("")
                        )
                    })
                    .collect();
                names.sort();
                names.dedup();
                format!(
                    "{} marked mails, {}",
                    many.len(),
                    plural(names.len(), "job", "jobs")
                )
            }
        };
        self.overlay = Some(Overlay::Picker {
            mail_ids: mail_ids.clone(),
            job,
            query: String::new(),
            cursor: 0,
            suggestion: None,
        });
        let pool = self.pool();
        self.spawn(async move {
            match db::customers::list(&pool).await {
                Ok(c) => Action::CustomersLoaded(c),
                Err(e) => load_failed("loading customers", e),
            }
        });
        let pool = self.pool();
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("suggesting a customer", e),
            };
            match db::inbox::suggest_customer(&mut conn, &mail_ids).await {
                Ok(s) => Action::CustomerSuggested(s),
                Err(e) => failed("suggesting a customer", e),
            }
        });
    }

    /// Approves the jobs of several waiting mails for one customer in one step.
    pub(crate) fn approve_many(&mut self, mail_ids: Vec<i64>, choice: CustomerChoice) {
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        // The mails approved leave the Inbox; their marks go with them.
        self.inbox.list.marks.retain(|id| !mail_ids.contains(id));
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("approve", e),
            };
            match db::inbox::approve_many(&mut conn, &mail_ids, &choice, &by, now).await {
                Ok(a) => Action::Done(format!(
                    "approved {}: {} created",
                    plural(a.jobs, "job", "jobs"),
                    plural(a.runs_created, "run", "runs")
                )),
                Err(e) => failed("approve", e),
            }
        });
    }

    pub(crate) fn approve(&mut self, mail_id: i64, choice: CustomerChoice) {
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        self.spawn(async move {
            let result = async {
                let mut tx = pool.begin().await?;
                let a = db::inbox::approve(&mut tx, mail_id, &choice, &by, now).await?;
                tx.commit().await?;
                Ok::<_, db::DbError>(a)
            }
            .await;
            match result {
                Ok(a) => Action::Done(format!(
                    "approved: {} created",
                    plural(a.runs_created, "run", "runs")
                )),
                Err(e) => failed("approve", e),
            }
        });
    }

    pub(crate) fn open_remark(&mut self) {
        let Some(run) = self.run_checks.current_run().map(|r| (r.id, r.job_id)) else {
            self.error("choose a run first");
            return;
        };
        let title = self
            .run_checks
            .current_job()
            .map(|j| format!("{} › {}", j.customer_name, j.job_name))
            .unwrap_or_default();
        self.overlay = Some(Overlay::Remark(Box::new(RemarkEditor::new(
            run.0, run.1, title,
        ))));
    }

    pub(crate) fn save_remark(&mut self, run_id: i64, job_id: i64, body: String) {
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        self.spawn(async move {
            let result = async {
                let mut tx = pool.begin().await?;
                let r = remarks::create(
                    &mut tx,
                    &remarks::NewRemark {
                        body,
                        scopes: vec![Scope::Job { job_id }],
                    },
                    &by,
                    now,
                )
                .await?;
                remarks::link_run(&mut tx, r.id, run_id, &by).await?;
                tx.commit().await?;
                Ok::<_, db::DbError>(())
            }
            .await;
            match result {
                Ok(()) => Action::Done("remark added to the job (💬 until resolved)".into()),
                Err(e) => failed("remark", e),
            }
        });
    }

    pub(crate) fn open_override(&mut self) {
        let Some(run) = self.run_checks.current_run().cloned() else {
            self.error("choose a run first");
            return;
        };
        if run.missed {
            self.error("a Missed run has no report to treat as success");
            return;
        }
        let Some(job) = self.run_checks.current_job().cloned() else {
            return;
        };
        let objects = self
            .run_checks
            .detail
            .as_ref()
            .filter(|d| d.run.id == run.id)
            .map(|d| d.objects.clone())
            .unwrap_or_default();
        let pool = self.pool();
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("override", e),
            };
            match db::overrides::draft_from_run(&mut conn, run.id).await {
                Ok(draft) => {
                    Action::OverrideDraft(Box::new(OverrideForm::new(draft, &job, &objects)))
                }
                Err(e) => failed("override", e),
            }
        });
    }

    /// Saves the rule of the override form, valid until `valid_until` (`None`: no end).
    pub(crate) fn save_override(
        &mut self,
        form: OverrideForm,
        valid_until: Option<chrono::DateTime<chrono::Utc>>,
    ) {
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        let draft = crate::domain::overrides::OverrideDraft {
            valid_until,
            ..form.draft()
        };
        let comment = Some(form.comment.trim().to_string()).filter(|c| !c.is_empty());
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("override", e),
            };
            match db::overrides::create(&mut conn, &draft, comment.as_deref(), &by, now).await {
                Ok(_) => Action::Done(
                    "override saved; unreviewed runs it covers were re-evaluated".into(),
                ),
                Err(e) => failed("override", e),
            }
        });
    }

    pub(crate) fn new_ticket(
        &mut self,
        run_id: i64,
        job_id: i64,
        description: String,
        code: tickets::Code,
    ) {
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        let copy = key_of(Context::RunChecks, Command::Copy);
        self.spawn(async move {
            let result = async {
                let mut tx = pool.begin().await?;
                let t = tickets::create(
                    &mut tx,
                    &tickets::NewTicket {
                        code,
                        description,
                        autotask_ticket_id: None,
                        scopes: vec![Scope::Job { job_id }],
                    },
                    &by,
                    now,
                )
                .await?;
                tickets::link_run(&mut tx, t.id, run_id, &by).await?;
                tx.commit().await?;
                Ok::<_, db::DbError>(t.ticket_code)
            }
            .await;
            match result {
                Ok(code) => Action::Done(format!(
                    "ticket {code} on this job until resolved · {copy} copies it"
                )),
                Err(e) => failed("ticket", e),
            }
        });
    }

    /// Links an existing ticket by code, or creates one with that code (an outside number).
    pub(crate) fn link_ticket(&mut self, run_id: i64, job_id: i64, code: String) {
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        self.spawn(async move {
            let result = async {
                let mut tx = pool.begin().await?;
                let existing = tickets::find_by_code(&mut *tx, code.trim()).await?;
                let t = match existing {
                    Some(t) => t,
                    None => {
                        tickets::create(
                            &mut tx,
                            &tickets::NewTicket {
                                code: tickets::Code::External(code.clone()),
                                description: String::new(),
                                autotask_ticket_id: None,
                                scopes: vec![Scope::Job { job_id }],
                            },
                            &by,
                            now,
                        )
                        .await?
                    }
                };
                tickets::link_run(&mut tx, t.id, run_id, &by).await?;
                tx.commit().await?;
                Ok::<_, db::DbError>(t.ticket_code)
            }
            .await;
            match result {
                Ok(code) => Action::Done(format!("ticket {code} linked to this run")),
                Err(e) => failed("link ticket", e),
            }
        });
    }

    pub(crate) fn resolve_ticket(&mut self, ticket_id: i64, code: String) {
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("resolve", e),
            };
            match tickets::resolve(&mut conn, ticket_id, &by, now).await {
                Ok(_) => Action::Done(format!("{code} resolved: new runs no longer get it")),
                Err(e) => failed("resolve", e),
            }
        });
    }

    /// `e` (decoded text) and `E` (raw source): either way sanitized, so nothing in a mail can
    /// reach the terminal through the pager as an escape sequence.
    pub(crate) fn open_mail(&mut self, source: bool) {
        let mail_id = self.current_pane().mail_id();
        let Some(mail_id) = mail_id else {
            self.error("no mail here (a Missed run has none)");
            return;
        };
        let pool = self.pool();
        self.spawn(async move {
            match db::mail::source(&pool, mail_id).await {
                Ok(Some(src)) => match crate::tui::pager::for_source(&src, source) {
                    Ok(text) => Action::OpenPager(text),
                    Err(why) => Action::Failed(why),
                },
                Ok(None) => Action::Failed("the mail is gone".into()),
                Err(e) => load_failed("opening the mail", e),
            }
        });
    }

    /// Copies a value: always a toast; OSC 52 between frames and/or tmux or the native clipboard
    /// in the background, as the environment allows.
    pub fn copy(&mut self, value: String) {
        let plan = clipboard::plan(&clipboard::Env::from_process());
        self.toast(format!("copied {value}"));
        if plan.osc52 {
            self.osc52.push(value.clone());
        }
        if plan.tmux || plan.native {
            self.spawn(async move {
                match clipboard::copy_out_of_band(&value, plan).await {
                    Ok(via) => Action::Copied { value, via },
                    Err(e) => Action::Failed(format!("copy: {e} (the value is in the toast)")),
                }
            });
        }
    }
}

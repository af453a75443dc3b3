//! The Feedback pane's work and the capture key: a new item (with the screen attached), votes,
//! replies, status, attachments in and out, deleting and removing for good.

use super::{App, Choice, FeedbackForm, InputPurpose, LineInput, Overlay, Pending};
use crate::db::feedback::{self, NewAttachment, NewItem};
use crate::db::settings;
use crate::domain::feedback::{Context as ItemContext, SCREEN_TYPE, Status, media_type};
use crate::domain::roles::Capability;
use crate::tui::action::{Action, failed};
use crate::tui::dialogs::ChoicePurpose;
use crate::tui::input::TextField;
use crate::tui::keymap::{Command, Context, key_of};
use crate::tui::panes::Pane;
use crate::tui::panes::feedback::{next_kind, scroll_sideways};
use crate::tui::panes::pane::PaneView;
use crate::tui::screen_capture;
use sqlx::PgPool;
use std::path::Path;

/// Reads a file to attach: its size checked before it is read, its type from its name and
/// content, both against the shared settings.
async fn read_attachment(pool: &PgPool, path: &str) -> Result<NewAttachment, String> {
    let policy = settings::policy(pool)
        .await
        .map_err(|e| e.to_string())?
        .feedback;
    let name = Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string());
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|e| format!("cannot read {path}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{path} is not a file"));
    }
    policy.check_size(&name, usize::try_from(meta.len()).unwrap_or(usize::MAX))?;
    let data = tokio::fs::read(path)
        .await
        .map_err(|e| format!("cannot read {path}: {e}"))?;
    let media = media_type(&name, &data)?;
    policy.check(&name, media, data.len())?;
    Ok(NewAttachment {
        name,
        media_type: media.to_string(),
        data,
    })
}

impl App {
    fn feedback_context(&self) -> ItemContext {
        let pane = self.current_pane();
        let list = pane.list();
        let rows = pane.row_count();
        let mut row = if rows == 0 {
            String::new()
        } else {
            format!("row {} of {rows}", list.cursor + 1)
        };
        if let Some(words) = pane.cursor_words() {
            row = if row.is_empty() {
                words
            } else {
                format!("{row}: {words}")
            };
        }
        ItemContext {
            pane: self.pane.title().to_string(),
            filter: list.filter.clone(),
            row,
            version: env!("CARGO_PKG_VERSION").to_string(),
            size: self
                .last_frame
                .as_ref()
                .map(|b| format!("{}×{}", b.area.width, b.area.height))
                .unwrap_or_default(),
        }
    }

    /// The capture key: a new item with the screen as last drawn attached; a popup it
    /// interrupts comes back when the form closes.
    pub(super) fn capture_screen(&mut self) {
        if !self.seat.can(Capability::Feedback) {
            return;
        }
        let Some(frame) = &self.last_frame else {
            self.error("nothing is on screen yet to capture");
            return;
        };
        let data = screen_capture::encode(frame);
        let at = self.now().with_timezone(&self.tz).format("%Y-%m-%d %H%M");
        let capture = NewAttachment {
            name: format!("{} screen {at}", self.pane.title()),
            media_type: SCREEN_TYPE.to_string(),
            data,
        };
        let mut form = Box::new(FeedbackForm::new(self.feedback_context(), Some(capture)));
        form.resume = self.overlay.take().map(Box::new);
        self.overlay = Some(Overlay::Feedback(form));
    }

    /// `n` in Feedback: a new item without a capture.
    pub(super) fn new_feedback(&mut self) {
        let mut form = FeedbackForm::new(self.feedback_context(), None);
        form.context.size.clear();
        self.overlay = Some(Overlay::Feedback(Box::new(form)));
    }

    /// Saves the form's item with its capture and file; the form waits for the answer.
    pub(crate) fn save_feedback(&mut self, form: &FeedbackForm) {
        let (pool, by) = (self.pool(), self.operator.clone());
        let item = NewItem {
            kind: form.kind,
            title: form.title.as_str().trim().to_string(),
            body: form.body(),
            context: form.context.clone(),
        };
        let capture = form.capture.clone();
        let file = form.file.as_str().trim().to_string();
        self.spawn(async move {
            let result = async {
                let mut attachments: Vec<NewAttachment> = capture.into_iter().collect();
                if !file.is_empty() {
                    attachments.push(read_attachment(&pool, &file).await?);
                }
                let id = feedback::create(&pool, &by, &item, &attachments)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(format!(
                    "feedback item #{id} saved{}",
                    match attachments.len() {
                        0 => String::new(),
                        1 => " with 1 attachment".into(),
                        n => format!(" with {n} attachments"),
                    }
                ))
            }
            .await;
            Action::FeedbackSaved(result)
        });
    }

    pub(super) fn feedback_saved(&mut self, result: Result<String, String>) {
        match (&mut self.overlay, result) {
            (Some(Overlay::Feedback(form)), Ok(message)) => {
                self.overlay = form.resume.take().map(|o| *o);
                self.toast(message);
                self.reload();
            }
            (Some(Overlay::Feedback(form)), Err(e)) => {
                form.saving = false;
                form.error = Some(format!("not saved: {e}"));
            }
            (_, Ok(message)) => {
                self.toast(message);
                self.reload();
            }
            (_, Err(e)) => self.error(format!("feedback not saved: {e}")),
        }
    }

    /// The item the keys act on: the one open, else the one under the cursor.
    fn feedback_item(&mut self) -> Option<i64> {
        let id = self.feedback.current().map(|i| i.id);
        if id.is_none() {
            self.error(format!(
                "no feedback item here ({} writes one)",
                key_of(Context::Feedback, Command::NewFeedback)
            ));
        }
        id
    }

    pub(super) fn vote_feedback(&mut self) {
        let Some(id) = self.feedback_item() else {
            return;
        };
        let (pool, by) = (self.pool(), self.operator.clone());
        self.spawn(async move {
            match feedback::toggle_vote(&pool, &by, id).await {
                Ok(true) => Action::Done(format!("voted for #{id}")),
                Ok(false) => Action::Done(format!("vote for #{id} taken back")),
                Err(e) => failed("vote", e),
            }
        });
    }

    pub(super) fn reply_input(&mut self) {
        if let Some(id) = self.feedback_item() {
            self.overlay = Some(Overlay::Input(LineInput {
                purpose: InputPurpose::FeedbackReply(id),
                title: format!("Reply to feedback item #{id}"),
                value: TextField::default(),
            }));
        }
    }

    pub(crate) fn reply_feedback(&mut self, id: i64, text: String) {
        let (pool, by) = (self.pool(), self.operator.clone());
        self.spawn(async move {
            match feedback::reply(&pool, &by, id, &text).await {
                Ok(_) => Action::Done(format!("reply to #{id} saved")),
                Err(e) => failed("reply", e),
            }
        });
    }

    /// `s`: the statuses to choose from (admins).
    pub(super) fn status_choice(&mut self) {
        let Some(id) = self.feedback_item() else {
            return;
        };
        let current = self.feedback.current().map(|i| i.status);
        self.overlay = Some(Overlay::Choose(Choice {
            purpose: ChoicePurpose::FeedbackStatus(id),
            options: Status::ALL
                .iter()
                .enumerate()
                .map(|(i, s)| (i64::try_from(i).ok(), s.name().to_string()))
                .collect(),
            cursor: Status::ALL
                .iter()
                .position(|s| Some(*s) == current)
                .unwrap_or(0),
        }));
    }

    pub(crate) fn set_feedback_status(&mut self, id: i64, status: Status) {
        let (pool, by) = (self.pool(), self.operator.clone());
        self.spawn(async move {
            match feedback::set_status(&pool, &by, id, status).await {
                Ok(()) => Action::Done(format!("#{id} is {status} now")),
                Err(e) => failed("status change", e),
            }
        });
    }

    pub(super) fn attach_input(&mut self) {
        if let Some(id) = self.feedback_item() {
            self.overlay = Some(Overlay::Input(LineInput {
                purpose: InputPurpose::FeedbackAttach(id),
                title: format!("Attach a file to feedback item #{id} (path)"),
                value: TextField::default(),
            }));
        }
    }

    pub(crate) fn attach_feedback_file(&mut self, id: i64, path: String) {
        let (pool, by) = (self.pool(), self.operator.clone());
        self.spawn(async move {
            let a = match read_attachment(&pool, &path).await {
                Ok(a) => a,
                Err(e) => return Action::Failed(format!("not attached: {e}")),
            };
            match feedback::attach(&pool, &by, id, &a).await {
                Ok(_) => Action::Done(format!("{} attached to #{id}", a.name)),
                Err(e) => failed("attaching the file", e),
            }
        });
    }

    /// `w`, or Enter on a file: where to save the attachment under the cursor.
    pub(crate) fn save_attachment_input(&mut self) {
        let Some(a) = self.feedback.current_attachment() else {
            self.error(format!(
                "open an item ({}) and choose one of its attachments first",
                key_of(Context::List, Command::Open)
            ));
            return;
        };
        // A capture is saved as its text; a file by its own name, in the working directory.
        let name: String = a
            .name
            .chars()
            .map(|c| if c == '/' || c.is_control() { '_' } else { c })
            .collect();
        let name = if a.media_type == SCREEN_TYPE {
            format!("{name}.txt")
        } else {
            name
        };
        self.overlay = Some(Overlay::Input(LineInput {
            purpose: InputPurpose::FeedbackSave(a.id),
            title: format!("Save {} to (an existing file is not replaced)", a.name),
            value: TextField::new(name),
        }));
    }

    pub(crate) fn save_attachment(&mut self, id: i64, path: String) {
        let pool = self.pool();
        self.spawn(async move {
            let a = match feedback::attachment(&pool, id).await {
                Ok(a) => a,
                Err(e) => return failed("reading the attachment", e),
            };
            let bytes = if a.media_type == SCREEN_TYPE {
                match screen_capture::decode(&a.data) {
                    Ok(b) => screen_capture::text(&b).into_bytes(),
                    Err(e) => return Action::Failed(format!("{}: {e}", a.name)),
                }
            } else {
                a.data
            };
            let write = async {
                use tokio::io::AsyncWriteExt;
                let mut file = tokio::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .await?;
                file.write_all(&bytes).await?;
                file.flush().await
            };
            match write.await {
                Ok(()) => Action::Done(format!("{} saved to {path}", a.name)),
                Err(e) => Action::Failed(format!("not saved to {path}: {e}")),
            }
        });
    }

    /// `d`: asks, then deletes (soft) the item; its author or an admin.
    pub(super) fn ask_delete_feedback(&mut self) {
        let Some(item) = self.feedback.current() else {
            return;
        };
        if item.deleted_at.is_some() {
            self.toast(format!("#{} is deleted already", item.id));
            return;
        }
        let mine = item.author == self.seat.login.name;
        if !mine && !self.seat.can(Capability::Administer) {
            let text = format!(
                "only its author ({}) or an admin may delete #{}",
                item.author, item.id
            );
            self.error(text);
            return;
        }
        self.overlay = Some(Overlay::Confirm {
            question: format!(
                "Delete feedback item #{} “{}”? An admin can restore it.",
                item.id,
                crate::tui::sanitize::line(&item.title)
            ),
            then: Pending::DeleteFeedback(item.id),
        });
    }

    pub(crate) fn delete_feedback(&mut self, id: i64, deleted: bool) {
        let (pool, by) = (self.pool(), self.operator.clone());
        if deleted && self.feedback.open == Some(id) {
            self.feedback.back();
        }
        self.spawn(async move {
            match feedback::set_deleted(&pool, &by, id, deleted).await {
                Ok(()) if deleted => Action::Done(format!("feedback item #{id} deleted")),
                Ok(()) => Action::Done(format!("feedback item #{id} restored")),
                Err(e) => failed(if deleted { "delete" } else { "restore" }, e),
            }
        });
    }

    /// `U` in the deleted view.
    pub(super) fn restore_feedback(&mut self) {
        match self.feedback.current() {
            Some(item) if item.deleted_at.is_some() => {
                let id = item.id;
                self.delete_feedback(id, false);
            }
            _ => self.toast(format!(
                "restore works in the deleted view ({})",
                key_of(Context::Feedback, Command::ShowDeleted)
            )),
        }
    }

    /// `X`: asks, then removes a deleted item for good (admins).
    pub(super) fn ask_purge_feedback(&mut self) {
        let Some(item) = self.feedback.current() else {
            return;
        };
        if item.deleted_at.is_none() {
            self.error(format!(
                "#{} is removed for good only after it was deleted ({} first)",
                item.id,
                key_of(Context::Feedback, Command::Delete)
            ));
            return;
        }
        self.overlay = Some(Overlay::Confirm {
            question: format!(
                "Remove feedback item #{} for good, with its votes, replies and attachments?",
                item.id
            ),
            then: Pending::PurgeFeedback(item.id),
        });
    }

    pub(crate) fn purge_feedback(&mut self, id: i64) {
        let (pool, by) = (self.pool(), self.operator.clone());
        if self.feedback.open == Some(id) {
            self.feedback.back();
        }
        self.spawn(async move {
            match feedback::purge(&pool, &by, id).await {
                Ok(()) => Action::Done(format!("feedback item #{id} removed for good")),
                Err(e) => failed("removing for good", e),
            }
        });
    }

    pub(super) fn toggle_feedback_deleted(&mut self) {
        self.feedback.toggle_deleted();
        let on = self.feedback.deleted;
        self.toast(if on {
            "deleted feedback: U restores, X removes for good"
        } else {
            "feedback that is not deleted"
        });
        self.reload_pane(Pane::Feedback);
    }

    pub(super) fn cycle_feedback_kind(&mut self) {
        self.feedback.kind = next_kind(self.feedback.kind);
        self.feedback.list.cursor = 0;
    }

    pub(super) fn cycle_feedback_status(&mut self) {
        self.feedback.status = self.feedback.status.next();
        self.feedback.list.cursor = 0;
    }

    pub(super) fn scroll_capture(&mut self, right: bool) {
        if let Some(c) = &mut self.feedback.capture {
            scroll_sideways(c, right);
        }
    }
}

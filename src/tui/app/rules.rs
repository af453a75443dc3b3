//! The Parsers pane's work: a new rule from an unrecognised group, its preview and saving it.

use super::{App, Overlay, RuleForm};
use crate::ingest::rules::{preview, save_and_reparse};
use crate::parsers::rules::Rule;
use crate::tui::action::{Action, failed};
use crate::tui::keymap::{Command, Context, key_of};

impl App {
    /// `n` in Parsers: the rule form pre-filled from the group under the cursor, previewed at once.
    pub(super) fn open_new_rule(&mut self) {
        let Some(group) = self.parsers.current_group() else {
            self.error(format!(
                "{} shows the unrecognised mail; n starts a rule from a group there",
                key_of(Context::Parsers, Command::ToggleUnrecognised)
            ));
            return;
        };
        let mut form = Box::new(RuleForm::new(&group.draft()));
        form.refresh_preview(self);
        self.overlay = Some(Overlay::Rule(form));
    }

    /// `e` in Parsers: the rule form on the custom rule under the cursor.
    pub(super) fn open_edit_rule(&mut self) {
        let Some(row) = self.parsers.current_row() else {
            self.error(format!(
                "{} shows the parser list; e edits a custom rule there",
                key_of(Context::Parsers, Command::ToggleUnrecognised)
            ));
            return;
        };
        let Some(rule) = row.rule.clone() else {
            self.error(format!(
                "{} is built in; a rule for a new format starts from its unrecognised mail (n)",
                row.name
            ));
            return;
        };
        let mut form = Box::new(RuleForm::new(&rule));
        form.refresh_preview(self);
        self.overlay = Some(Overlay::Rule(form));
    }

    /// Reads the waiting mail with a draft rule in the background; nothing is stored.
    pub(crate) fn preview_rule(&mut self, seq: u64, rule: Rule) {
        let pool = self.pool();
        self.spawn(async move {
            Action::RulePreview {
                seq,
                result: preview(&pool, &rule).await.map_err(|e| e.to_string()),
            }
        });
    }

    /// Saves a rule (the database refuses anyone but an admin) and re-parses the waiting mail
    /// it matches, which becomes approvable in the Inbox.
    pub(crate) fn save_rule(&mut self, rule: Rule) {
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        self.spawn(async move {
            match save_and_reparse(&pool, &rule, &by, now).await {
                Ok(s) => Action::Done(format!(
                    "rule {:?} saved: it read {} waiting mail ({} became runs); approve the rest in the Inbox",
                    rule.name, s.reparsed, s.runs_created
                )),
                Err(e) => failed("saving the rule", e),
            }
        });
    }
}

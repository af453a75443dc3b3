//! The keys of the popups, as data like the pane keys: one table of (dialog, keys, command,
//! help, hint) drives every dialog's key handling, its hint line and the dialog part of the `?`
//! help. Dialog commands are not `:` commands: they mean something inside their dialog only.
//!
//! Held Ctrl: a dialog takes Ctrl with a key as the key itself unless the combination has a
//! binding of its own (Ctrl-s, Ctrl-n), so Ctrl-y still confirms and Ctrl-Esc still cancels.

use super::Key;
use ratatui::crossterm::event::KeyCode;

/// A popup, as far as its keys go. The ticket preview has two: while its description is edited,
/// keys type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialog {
    Help,
    CommandLine,
    Filter,
    Confirm,
    CustomerPicker,
    Remark,
    Override,
    TicketMenu,
    TicketInput,
    CompanyPicker,
    TicketPreview,
    PreviewEditing,
    LineInput,
    Choice,
    PinForm,
    RuleForm,
    FeedbackForm,
    ScheduleForm,
}

impl Dialog {
    pub const ALL: [Dialog; 18] = [
        Dialog::Help,
        Dialog::CommandLine,
        Dialog::Filter,
        Dialog::Confirm,
        Dialog::CustomerPicker,
        Dialog::Remark,
        Dialog::Override,
        Dialog::TicketMenu,
        Dialog::TicketInput,
        Dialog::CompanyPicker,
        Dialog::TicketPreview,
        Dialog::PreviewEditing,
        Dialog::LineInput,
        Dialog::Choice,
        Dialog::PinForm,
        Dialog::RuleForm,
        Dialog::FeedbackForm,
        Dialog::ScheduleForm,
    ];

    /// The section title in the `?` help.
    pub fn title(self) -> &'static str {
        match self {
            Dialog::Help => "Help",
            Dialog::CommandLine => "Command line",
            Dialog::Filter => "Filter",
            Dialog::Confirm => "Questions",
            Dialog::CustomerPicker => "Approve: the customer picker",
            Dialog::Remark => "Remark editor",
            Dialog::Override => "Override form",
            Dialog::TicketMenu => "Ticket menu",
            Dialog::TicketInput => "New or linked ticket",
            Dialog::CompanyPicker => "Autotask company picker",
            Dialog::TicketPreview => "Autotask ticket preview",
            Dialog::PreviewEditing => "Autotask ticket preview: editing the description",
            Dialog::LineInput => "Text fields",
            Dialog::Choice => "Picklists",
            Dialog::PinForm => "Pin a schedule",
            Dialog::RuleForm => "New parser rule",
            Dialog::FeedbackForm => "New feedback item",
            Dialog::ScheduleForm => "New report schedule",
        }
    }

    /// The operator types text here: letters must type, so only Enter, Esc, arrows, Tab and
    /// Ctrl keys are bound (the override form's Space changes a choice row and types in the
    /// text row, which takes typed keys first).
    pub fn is_text(self) -> bool {
        !matches!(
            self,
            Dialog::Help
                | Dialog::Confirm
                | Dialog::TicketMenu
                | Dialog::TicketPreview
                | Dialog::Choice
        )
    }

    /// What typing does, where the hint line says so first ("type to search").
    pub fn typing(self) -> Option<&'static str> {
        match self {
            Dialog::CustomerPicker | Dialog::CompanyPicker => Some("to search"),
            Dialog::Override => Some("in the text rows"),
            _ => None,
        }
    }
}

/// What a key asks of a dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DialogCommand {
    /// Leaves the dialog without doing anything.
    Cancel,
    /// Does what the dialog is for: save, map, approve, run, pin…
    Accept,
    Yes,
    No,
    Up,
    Down,
    PageUp,
    PageDown,
    NewCustomer,
    PrevField,
    NextField,
    ChangeBack,
    Change,
    NewTicket,
    AutotaskTicket,
    LinkTicket,
    ResolveTicket,
    Edit,
    DoneEditing,
    /// The ticket preview: choose its queue, priority, status… from the cached picklists.
    ChooseFields,
    /// Take the value chosen and keep it as the default of new tickets too.
    AcceptAsDefault,
    /// The command line: complete the command name typed so far.
    Complete,
}

#[derive(Debug, Clone, Copy)]
pub struct DialogBinding {
    pub dialog: Dialog,
    pub keys: &'static [Key],
    pub command: DialogCommand,
    /// The line in the `?` help.
    pub help: &'static str,
    /// The word(s) of the hint line, if the binding has one. Neighbours with the same hint share
    /// one entry: "↑↓ choose".
    pub hint: Option<&'static str>,
}

const fn d(
    dialog: Dialog,
    keys: &'static [Key],
    command: DialogCommand,
    help: &'static str,
    hint: Option<&'static str>,
) -> DialogBinding {
    DialogBinding {
        dialog,
        keys,
        command,
        help,
        hint,
    }
}

use Dialog as D;
use DialogCommand as C;

const ENTER: Key = Key::code(KeyCode::Enter);
const ESC: Key = Key::ESC;
const UP: Key = Key::code(KeyCode::Up);
const DOWN: Key = Key::code(KeyCode::Down);
const LEFT: Key = Key::code(KeyCode::Left);
const RIGHT: Key = Key::code(KeyCode::Right);
const TAB: Key = Key::code(KeyCode::Tab);
const BACK_TAB: Key = Key::code(KeyCode::BackTab);

/// Every key of every dialog. Keys not listed: typed text in text dialogs; elsewhere nothing,
/// except in Help and the ticket menu, where any other key closes.
pub const DIALOG_BINDINGS: &[DialogBinding] = &[
    // Help: "scroll" is listed down first so the hint reads "j/k scroll".
    d(
        D::Help,
        &[Key::ch('j'), DOWN],
        C::Down,
        "scroll down",
        Some("scroll"),
    ),
    d(
        D::Help,
        &[Key::ch('k'), UP],
        C::Up,
        "scroll up",
        Some("scroll"),
    ),
    d(
        D::Help,
        &[Key::code(KeyCode::PageDown)],
        C::PageDown,
        "scroll a page down",
        None,
    ),
    d(
        D::Help,
        &[Key::code(KeyCode::PageUp)],
        C::PageUp,
        "scroll a page up",
        None,
    ),
    d(
        D::CommandLine,
        &[ENTER],
        C::Accept,
        "run the command",
        Some("run"),
    ),
    d(D::CommandLine, &[ESC], C::Cancel, "cancel", Some("cancel")),
    d(
        D::CommandLine,
        &[TAB],
        C::Complete,
        "complete the command name (the matches show as you type)",
        Some("complete"),
    ),
    d(
        D::Filter,
        &[ENTER],
        C::Accept,
        "keep the filter",
        Some("keep"),
    ),
    d(
        D::Filter,
        &[ESC],
        C::Cancel,
        "clear the filter",
        Some("clear"),
    ),
    d(
        D::Confirm,
        &[Key::ch('y'), Key::ch('Y'), ENTER],
        C::Yes,
        "yes: do it",
        Some("yes"),
    ),
    d(
        D::Confirm,
        &[ESC, Key::ch('n')],
        C::No,
        "no: leave it",
        Some("no"),
    ),
    d(
        D::CustomerPicker,
        &[UP],
        C::Up,
        "previous customer",
        Some("choose"),
    ),
    d(
        D::CustomerPicker,
        &[DOWN],
        C::Down,
        "next customer",
        Some("choose"),
    ),
    d(
        D::CustomerPicker,
        &[ENTER],
        C::Accept,
        "approve for the chosen (or the typed new) customer",
        Some("approve"),
    ),
    d(
        D::CustomerPicker,
        &[Key::ctrl('n')],
        C::NewCustomer,
        "approve for a new customer by the typed name",
        Some("new customer"),
    ),
    d(
        D::CustomerPicker,
        &[ESC],
        C::Cancel,
        "cancel",
        Some("cancel"),
    ),
    d(
        D::Remark,
        &[Key::ctrl('s')],
        C::Accept,
        "save the remark",
        Some("save"),
    ),
    d(
        D::Remark,
        &[ESC],
        C::Cancel,
        "cancel (asks once more when there is text)",
        Some("cancel"),
    ),
    d(
        D::Override,
        &[UP],
        C::PrevField,
        "previous row",
        Some("field"),
    ),
    d(
        D::Override,
        &[DOWN, TAB],
        C::NextField,
        "next row",
        Some("field"),
    ),
    d(
        D::Override,
        &[LEFT],
        C::ChangeBack,
        "previous choice",
        Some("change"),
    ),
    d(
        D::Override,
        &[RIGHT, Key::ch(' ')],
        C::Change,
        "next choice",
        Some("change"),
    ),
    d(
        D::Override,
        &[ENTER],
        C::Accept,
        "save the override",
        Some("save"),
    ),
    d(D::Override, &[ESC], C::Cancel, "cancel", Some("cancel")),
    d(
        D::TicketMenu,
        &[Key::ch('n'), Key::ch('i')],
        C::NewTicket,
        "new internal ticket for this job",
        None,
    ),
    d(
        D::TicketMenu,
        &[Key::ch('a')],
        C::AutotaskTicket,
        "Autotask ticket (preview, then send)",
        None,
    ),
    d(
        D::TicketMenu,
        &[Key::ch('l')],
        C::LinkTicket,
        "link an existing ticket number",
        None,
    ),
    d(
        D::TicketMenu,
        &[Key::ch('r')],
        C::ResolveTicket,
        "resolve the open ticket of this run",
        None,
    ),
    d(
        D::TicketMenu,
        &[ESC],
        C::Cancel,
        "close (so does any other key)",
        Some("closes"),
    ),
    d(D::TicketInput, &[ENTER], C::Accept, "save", Some("save")),
    d(D::TicketInput, &[ESC], C::Cancel, "cancel", Some("cancel")),
    d(
        D::CompanyPicker,
        &[UP],
        C::Up,
        "previous company",
        Some("choose"),
    ),
    d(
        D::CompanyPicker,
        &[DOWN],
        C::Down,
        "next company",
        Some("choose"),
    ),
    d(
        D::CompanyPicker,
        &[ENTER],
        C::Accept,
        "map to the chosen company (or the typed id)",
        Some("map"),
    ),
    d(
        D::CompanyPicker,
        &[ESC],
        C::Cancel,
        "cancel",
        Some("cancel"),
    ),
    d(
        D::TicketPreview,
        &[ENTER],
        C::Accept,
        "send to Autotask",
        Some("send"),
    ),
    d(
        D::TicketPreview,
        &[Key::ch('e')],
        C::Edit,
        "edit the description",
        Some("edit description"),
    ),
    d(
        D::TicketPreview,
        &[Key::ch('f')],
        C::ChooseFields,
        "choose queue, priority, status, source or issue type",
        Some("fields"),
    ),
    d(
        D::TicketPreview,
        &[Key::ch('l')],
        C::LinkTicket,
        "link the job's open ticket instead",
        Some("link the open ticket"),
    ),
    d(
        D::TicketPreview,
        &[ESC, Key::ch('q')],
        C::Cancel,
        "cancel",
        Some("cancel"),
    ),
    d(
        D::PreviewEditing,
        &[ESC, Key::ctrl('s')],
        C::DoneEditing,
        "done editing the description",
        Some("done editing"),
    ),
    d(D::LineInput, &[ENTER], C::Accept, "save", Some("save")),
    d(D::LineInput, &[ESC], C::Cancel, "cancel", Some("cancel")),
    d(
        D::Choice,
        &[UP, Key::ch('k')],
        C::Up,
        "previous value",
        Some("choose"),
    ),
    d(
        D::Choice,
        &[DOWN, Key::ch('j')],
        C::Down,
        "next value",
        Some("choose"),
    ),
    d(D::Choice, &[ENTER], C::Accept, "save", Some("save")),
    d(
        D::Choice,
        &[Key::ch('d')],
        C::AcceptAsDefault,
        "for a ticket: use it and keep it as the default of new tickets",
        Some("as default"),
    ),
    d(D::Choice, &[ESC], C::Cancel, "cancel", Some("cancel")),
    d(
        D::PinForm,
        &[TAB, DOWN],
        C::NextField,
        "next field",
        Some("next field"),
    ),
    d(
        D::PinForm,
        &[BACK_TAB, UP],
        C::PrevField,
        "previous field",
        None,
    ),
    d(
        D::PinForm,
        &[ENTER],
        C::Accept,
        "pin the schedule",
        Some("pin"),
    ),
    d(D::PinForm, &[ESC], C::Cancel, "cancel", Some("cancel")),
    d(
        D::RuleForm,
        &[TAB, DOWN],
        C::NextField,
        "next field (the preview follows the rule as it changes)",
        Some("next field"),
    ),
    d(
        D::RuleForm,
        &[BACK_TAB, UP],
        C::PrevField,
        "previous field",
        None,
    ),
    d(
        D::RuleForm,
        &[ENTER],
        C::Accept,
        "save the rule and re-parse the waiting mail it matches",
        Some("save"),
    ),
    d(D::RuleForm, &[ESC], C::Cancel, "cancel", Some("cancel")),
    d(
        D::ScheduleForm,
        &[TAB, DOWN],
        C::NextField,
        "next field",
        Some("next field"),
    ),
    d(
        D::ScheduleForm,
        &[BACK_TAB, UP],
        C::PrevField,
        "previous field",
        None,
    ),
    d(
        D::ScheduleForm,
        &[LEFT],
        C::ChangeBack,
        "no / yes (on the each-customer row)",
        Some("yes/no"),
    ),
    d(
        D::ScheduleForm,
        &[RIGHT],
        C::Change,
        "yes / no (on the each-customer row)",
        Some("yes/no"),
    ),
    d(
        D::ScheduleForm,
        &[ENTER],
        C::Accept,
        "add the schedule (checked as `report schedule add` checks it)",
        Some("add"),
    ),
    d(D::ScheduleForm, &[ESC], C::Cancel, "cancel", Some("cancel")),
    d(
        D::FeedbackForm,
        &[Key::ctrl('s')],
        C::Accept,
        "save the item with its capture and file",
        Some("save"),
    ),
    d(
        D::FeedbackForm,
        &[TAB],
        C::NextField,
        "next field",
        Some("next field"),
    ),
    d(
        D::FeedbackForm,
        &[BACK_TAB],
        C::PrevField,
        "previous field",
        None,
    ),
    d(
        D::FeedbackForm,
        &[LEFT],
        C::ChangeBack,
        "previous kind (on the kind row)",
        Some("kind"),
    ),
    d(
        D::FeedbackForm,
        &[RIGHT],
        C::Change,
        "next kind (on the kind row)",
        Some("kind"),
    ),
    d(
        D::FeedbackForm,
        &[ESC],
        C::Cancel,
        "cancel (asks once more when there is text)",
        Some("cancel"),
    ),
];

fn bindings(dialog: Dialog) -> impl Iterator<Item = &'static DialogBinding> {
    DIALOG_BINDINGS.iter().filter(move |b| b.dialog == dialog)
}

/// The command a key means in a dialog; Ctrl with a key that has no binding of its own counts
/// as the key itself.
pub fn lookup(dialog: Dialog, key: Key) -> Option<DialogCommand> {
    let find = |k: Key| {
        bindings(dialog)
            .find(|b| b.keys.contains(&k))
            .map(|b| b.command)
    };
    find(key).or_else(|| key.ctrl.then(|| find(key.plain())).flatten())
}

/// How hints and messages name the key of a dialog command: its first key.
pub fn key_of(dialog: Dialog, command: DialogCommand) -> String {
    bindings(dialog)
        .find(|b| b.command == command)
        .and_then(|b| b.keys.first())
        .map(Key::label)
        .unwrap_or_default()
}

/// The hint line of a dialog as (keys, what): typing first, then the hinted bindings for which
/// `shown` holds, neighbours with the same words sharing an entry.
pub fn hints(dialog: Dialog, shown: impl Fn(DialogCommand) -> bool) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    if let Some(what) = dialog.typing() {
        out.push(("type".into(), what));
    }
    let mut last_hint = None;
    for b in bindings(dialog).filter(|b| shown(b.command)) {
        let (Some(hint), Some(key)) = (b.hint, b.keys.first()) else {
            continue;
        };
        let label = key.label();
        match out.last_mut() {
            Some((keys, _)) if last_hint == Some(hint) => {
                keys.push_str(joiner(keys, &label));
                keys.push_str(&label);
            }
            _ => out.push((label, hint)),
        }
        last_hint = Some(hint);
    }
    out
}

/// Arrows sit side by side ("↑↓"), other keys take a slash ("j/k").
fn joiner(before: &str, next: &str) -> &'static str {
    let arrow = |s: &str| s.chars().all(|c| matches!(c, '↑' | '↓' | '←' | '→'));
    if arrow(before) && arrow(next) {
        ""
    } else {
        "/"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn no_key_means_two_things_inside_any_dialog() {
        for dialog in Dialog::ALL {
            let mut seen: HashMap<Key, DialogCommand> = HashMap::new();
            for b in bindings(dialog) {
                for k in b.keys {
                    if let Some(prev) = seen.insert(*k, b.command) {
                        panic!(
                            "{} means both {prev:?} and {:?} in {dialog:?}",
                            k.label(),
                            b.command
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_dialog_has_a_hint_line_and_help() {
        for dialog in Dialog::ALL {
            assert!(
                !hints(dialog, |_| true).is_empty(),
                "{dialog:?} has no hints"
            );
            assert!(bindings(dialog).next().is_some(), "{dialog:?} has no keys");
            assert!(!dialog.title().is_empty());
        }
    }

    #[test]
    fn letters_type_in_text_dialogs() {
        for dialog in Dialog::ALL.into_iter().filter(|d| d.is_text()) {
            for b in bindings(dialog) {
                for k in b.keys {
                    let typed = matches!(k.code, KeyCode::Char(c) if c != ' ') && !k.ctrl;
                    assert!(!typed, "{} would not type in {dialog:?}", k.label());
                    if k.code == KeyCode::Char(' ') && !k.ctrl {
                        assert_eq!(dialog, Dialog::Override, "Space would not type");
                    }
                }
            }
        }
    }

    #[test]
    fn hints_share_an_entry_and_name_the_first_key() {
        assert_eq!(
            hints(Dialog::Choice, |_| true),
            vec![
                ("↑↓".to_string(), "choose"),
                ("Enter".to_string(), "save"),
                ("d".to_string(), "as default"),
                ("Esc".to_string(), "cancel"),
            ]
        );
        assert_eq!(
            hints(Dialog::Help, |_| true)[0],
            ("j/k".to_string(), "scroll")
        );
        assert_eq!(
            hints(Dialog::CompanyPicker, |_| true)[0],
            ("type".to_string(), "to search")
        );
        let no_send = hints(Dialog::TicketPreview, |c| c != DialogCommand::Accept);
        assert_eq!(no_send[0], ("e".to_string(), "edit description"));
    }

    #[test]
    fn key_of_names_the_tables_first_key() {
        assert_eq!(key_of(Dialog::Confirm, DialogCommand::Yes), "y");
        assert_eq!(key_of(Dialog::Confirm, DialogCommand::No), "Esc");
        assert_eq!(
            key_of(Dialog::TicketPreview, DialogCommand::LinkTicket),
            "l"
        );
        assert_eq!(key_of(Dialog::Remark, DialogCommand::Accept), "Ctrl-s");
    }

    #[test]
    fn ctrl_with_an_unbound_key_is_the_key() {
        assert_eq!(
            lookup(Dialog::Confirm, Key::ctrl('y')),
            Some(DialogCommand::Yes)
        );
        assert_eq!(
            lookup(Dialog::CustomerPicker, Key::ctrl('n')),
            Some(DialogCommand::NewCustomer)
        );
        assert_eq!(lookup(Dialog::CustomerPicker, Key::ch('n')), None);
        assert_eq!(lookup(Dialog::Remark, Key::ctrl('x')), None);
    }
}

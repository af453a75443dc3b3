//! The keymap is data: one table of (context, keys, command, description) drives key handling,
//! the `?` help overlay and the hint line. The popups have a table of their own in [`dialogs`].

pub mod dialogs;

use crate::domain::roles::{Capability, Role};
use crate::tui::panes::Pane;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key as the table names it: a code plus "Ctrl held".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    pub const ESC: Key = Key::code(KeyCode::Esc);

    pub const fn ch(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            ctrl: false,
        }
    }
    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            ctrl: true,
        }
    }
    pub const fn code(code: KeyCode) -> Key {
        Key { code, ctrl: false }
    }

    /// The same key without Ctrl.
    pub const fn plain(self) -> Key {
        Key {
            code: self.code,
            ctrl: false,
        }
    }

    pub fn from_event(e: &KeyEvent) -> Key {
        Key {
            code: e.code,
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
        }
    }

    /// How help and hints spell the key.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{base}")
        } else {
            base
        }
    }
}

/// Where a binding applies. The active set is the pane's context, then `List`, then `Global`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    Global,
    List,
    RunChecks,
    Inbox,
    /// The Inbox showing deleted mail.
    DeletedMail,
    DailyJobs,
    Jobs,
    /// Jobs showing deleted jobs.
    DeletedJobs,
    Customers,
    /// Customers showing deleted customers.
    DeletedCustomers,
    Tickets,
    Overrides,
    Activity,
    Settings,
    Reports,
    /// Reports showing the report schedules.
    ReportSchedules,
    Parsers,
    /// Feedback: the list and an open item.
    Feedback,
    /// Feedback showing a screen capture.
    FeedbackCapture,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::List => "Lists",
            Context::RunChecks => "Run Checks",
            Context::Inbox => "Inbox",
            Context::DeletedMail => "Inbox: deleted mail",
            Context::DailyJobs => "Daily Jobs",
            Context::Jobs => "Jobs",
            Context::Customers => "Customers",
            Context::DeletedJobs => "Jobs: deleted jobs",
            Context::DeletedCustomers => "Customers: deleted customers",
            Context::Tickets => "Tickets & Remarks",
            Context::Overrides => "Overrides",
            Context::Activity => "Activity",
            Context::Settings => "Settings",
            Context::Reports => "Reports",
            Context::ReportSchedules => "Reports: schedules",
            Context::Parsers => "Parsers",
            Context::Feedback => "Feedback",
            Context::FeedbackCapture => "Feedback: a screen capture",
        }
    }
}

/// What a key asks for. The snake-case names are also `:` commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Quit,
    ForceQuit,
    Help,
    CommandLine,
    /// Show a pane (its number key; its `:` name is the pane's own).
    Goto(Pane),
    ImportNow,
    /// Activity: a retention pass now.
    RunRetention,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    Back,
    Filter,
    Mark,
    MarkAll,
    Review,
    ReviewJob,
    Undo,
    Remark,
    Override,
    Ticket,
    Copy,
    OpenMail,
    OpenMailSource,
    IncludeReviewed,
    Approve,
    Delete,
    Restore,
    ShowDeleted,
    /// Remove a deleted customer, job or mail for good.
    Purge,
    /// Drop the filter another pane opened this list with.
    ClearOpened,
    /// Jobs: the archived ones, or back.
    ShowArchived,
    /// Customers: write them to a CSV file.
    ExportCustomers,
    /// Customers: read a CSV file (dry run, then a question).
    ImportCustomers,
    Reparse,
    ReparseAll,
    EarlierDay,
    LaterDay,
    EarlierWeek,
    LaterWeek,
    NewCustomer,
    RenameCustomer,
    /// Customers: the contact address for the customer's own scheduled report.
    SetContact,
    ToggleActive,
    MapCompany,
    CheckMapping,
    CheckAllMappings,
    RemoveMapping,
    TestConnection,
    RefreshPicklists,
    SwitchList,
    Resolve,
    IncludeResolved,
    Deactivate,
    IncludeInactive,
    Archive,
    PinSchedule,
    UnpinSchedule,
    ToggleLog,
    EarlierMonth,
    LaterMonth,
    ExportReport,
    /// Reports: the month's HTML in `$BROWSER`.
    OpenInBrowser,
    /// Reports: the report / the schedules.
    ToggleSchedules,
    /// Report schedules: a pass of this process's scheduler now.
    RunSchedulesNow,
    /// Report schedules: the form for a new schedule.
    AddSchedule,
    RemoveSchedule,
    /// Report schedules: send a delivery whose outcome is unknown (or that failed for good)
    /// again.
    ResendDelivery,
    /// Report schedules: record such a delivery as sent.
    MarkDeliverySent,
    /// Parsers: the parser list / the unrecognised mail.
    ToggleUnrecognised,
    /// Parsers: a new rule from the unrecognised group under the cursor.
    NewRule,
    /// Parsers: the rule under the cursor in the rule form.
    EditRule,
    /// Anywhere: a new feedback item with the screen as it is attached.
    CaptureScreen,
    /// Feedback: a new item.
    NewFeedback,
    /// Feedback: vote for the item, or take the vote back.
    Vote,
    /// Feedback: reply to the item.
    Reply,
    /// Feedback: change the item's status (admins).
    SetStatus,
    /// Feedback: attach a file from a path.
    AttachFile,
    /// Feedback: save the attachment under the cursor to a path.
    SaveAttachment,
    /// Feedback: every kind, bugs, ideas, questions.
    CycleKind,
    /// Feedback: open and planned, each status, all.
    CycleStatus,
    /// Feedback: scroll the capture sideways.
    ScrollLeft,
    ScrollRight,
}

impl Command {
    /// Name used by the `:` command line.
    pub fn name(self) -> &'static str {
        match self {
            Command::Quit => "quit",
            Command::ForceQuit => "force_quit",
            Command::Help => "help",
            Command::CommandLine => "command_line",
            Command::Goto(pane) => pane.info().command,
            Command::ImportNow => "import",
            Command::RunRetention => "retention",
            Command::Up => "up",
            Command::Down => "down",
            Command::Top => "top",
            Command::Bottom => "bottom",
            Command::PageUp => "page_up",
            Command::PageDown => "page_down",
            Command::Open => "open",
            Command::Back => "back",
            Command::Filter => "filter",
            Command::Mark => "mark",
            Command::MarkAll => "mark_all",
            Command::Review => "review",
            Command::ReviewJob => "review_job",
            Command::Undo => "undo",
            Command::Remark => "remark",
            Command::Override => "override",
            Command::Ticket => "ticket",
            Command::Copy => "copy",
            Command::OpenMail => "mail",
            Command::OpenMailSource => "mail_source",
            Command::IncludeReviewed => "include_reviewed",
            Command::Approve => "approve",
            Command::Delete => "delete",
            Command::Restore => "restore",
            Command::ShowDeleted => "deleted",
            Command::Purge => "purge",
            Command::ClearOpened => "clear_opened",
            Command::ShowArchived => "archived",
            Command::ExportCustomers => "export_customers",
            Command::ImportCustomers => "import_customers",
            Command::Reparse => "reparse_one",
            Command::ReparseAll => "reparse",
            Command::EarlierDay => "earlier_day",
            Command::LaterDay => "later_day",
            Command::EarlierWeek => "earlier_week",
            Command::LaterWeek => "later_week",
            Command::NewCustomer => "new_customer",
            Command::RenameCustomer => "rename_customer",
            Command::SetContact => "contact",
            Command::ToggleActive => "toggle_active",
            Command::MapCompany => "map_company",
            Command::CheckMapping => "check_mapping",
            Command::CheckAllMappings => "check_mappings",
            Command::RemoveMapping => "unmap",
            Command::TestConnection => "test_autotask",
            Command::RefreshPicklists => "refresh_picklists",
            Command::SwitchList => "switch_list",
            Command::Resolve => "resolve",
            Command::IncludeResolved => "include_resolved",
            Command::Deactivate => "deactivate",
            Command::IncludeInactive => "include_inactive",
            Command::Archive => "archive",
            Command::PinSchedule => "pin",
            Command::UnpinSchedule => "unpin",
            Command::ToggleLog => "toggle_log",
            Command::EarlierMonth => "earlier_month",
            Command::LaterMonth => "later_month",
            Command::ExportReport => "export_report",
            Command::OpenInBrowser => "browser",
            Command::ToggleSchedules => "schedules",
            Command::RunSchedulesNow => "run_schedules",
            Command::AddSchedule => "add_schedule",
            Command::RemoveSchedule => "remove_schedule",
            Command::ResendDelivery => "resend",
            Command::MarkDeliverySent => "mark_sent",
            Command::ToggleUnrecognised => "unrecognised",
            Command::NewRule => "new_rule",
            Command::EditRule => "edit_rule",
            Command::CaptureScreen => "capture",
            Command::NewFeedback => "new_feedback",
            Command::Vote => "vote",
            Command::Reply => "reply",
            Command::SetStatus => "status",
            Command::AttachFile => "attach",
            Command::SaveAttachment => "save_attachment",
            Command::CycleKind => "kind",
            Command::CycleStatus => "status_filter",
            Command::ScrollLeft => "scroll_left",
            Command::ScrollRight => "scroll_right",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub context: Context,
    pub keys: &'static [Key],
    pub command: Command,
    pub help: &'static str,
    /// Shown in the hint line of its context.
    pub hint: bool,
}

const fn b(
    context: Context,
    keys: &'static [Key],
    command: Command,
    help: &'static str,
    hint: bool,
) -> Binding {
    Binding {
        context,
        keys,
        command,
        help,
        hint,
    }
}

use Command as C;
use Context as X;

/// Every binding of the program.
pub const BINDINGS: &[Binding] = &[
    b(
        X::Global,
        &[Key::ch('?'), Key::code(KeyCode::F(1))],
        C::Help,
        "help",
        true,
    ),
    b(
        X::Global,
        &[Key::ch(':')],
        C::CommandLine,
        "command line (:import, :reparse, :q)",
        false,
    ),
    b(
        X::Global,
        &[Key::ch('q')],
        C::Quit,
        "back out / quit",
        false,
    ),
    b(
        X::Global,
        &[Key::ctrl('c')],
        C::ForceQuit,
        "quit now",
        false,
    ),
    b(
        X::Global,
        &[Key::ch('1')],
        C::Goto(Pane::Inbox),
        "Inbox",
        false,
    ),
    b(
        X::Global,
        &[Key::ch('2')],
        C::Goto(Pane::DailyJobs),
        "Daily Jobs",
        false,
    ),
    b(
        X::Global,
        &[Key::ch('3')],
        C::Goto(Pane::RunChecks),
        "Run Checks",
        false,
    ),
    b(
        X::Global,
        &[Key::ch('4')],
        C::Goto(Pane::Jobs),
        "Jobs",
        false,
    ),
    b(
        X::Global,
        &[Key::ch('5')],
        C::Goto(Pane::Customers),
        "Customers",
        false,
    ),
    b(
        X::Global,
        &[Key::ch('6')],
        C::Goto(Pane::Tickets),
        "Tickets & Remarks",
        false,
    ),
    b(
        X::Global,
        &[Key::ch('7')],
        C::Goto(Pane::Overrides),
        "Overrides",
        false,
    ),
    b(
        X::Global,
        &[Key::ch('8')],
        C::Goto(Pane::Activity),
        "Activity",
        false,
    ),
    b(
        X::Global,
        &[Key::ch('9')],
        C::Goto(Pane::Settings),
        "Settings",
        false,
    ),
    b(
        X::Global,
        &[Key::ch('0')],
        C::Goto(Pane::Reports),
        "Reports",
        false,
    ),
    // No digit is left for the Parsers pane: `:parsers` goes there.
    b(
        X::Global,
        &[],
        C::Goto(Pane::Parsers),
        "Parsers (:parsers)",
        false,
    ),
    b(
        X::Global,
        &[],
        C::Goto(Pane::Feedback),
        "Feedback (:feedback)",
        false,
    ),
    b(
        X::Global,
        &[Key::ctrl('r')],
        C::ImportNow,
        "import mail now",
        false,
    ),
    b(
        X::Global,
        &[Key::ctrl('p')],
        C::CaptureScreen,
        "capture the screen into a new feedback item (pane, filter, row and version noted)",
        false,
    ),
    b(
        X::List,
        &[Key::ch('k'), Key::code(KeyCode::Up)],
        C::Up,
        "up",
        false,
    ),
    b(
        X::List,
        &[Key::ch('j'), Key::code(KeyCode::Down)],
        C::Down,
        "down",
        false,
    ),
    b(
        X::List,
        &[Key::ch('g'), Key::code(KeyCode::Home)],
        C::Top,
        "first row",
        false,
    ),
    b(
        X::List,
        &[Key::ch('G'), Key::code(KeyCode::End)],
        C::Bottom,
        "last row",
        false,
    ),
    b(
        X::List,
        &[Key::code(KeyCode::PageUp), Key::ctrl('u')],
        C::PageUp,
        "page up",
        false,
    ),
    b(
        X::List,
        &[Key::code(KeyCode::PageDown), Key::ctrl('d')],
        C::PageDown,
        "page down",
        false,
    ),
    b(
        X::List,
        &[Key::code(KeyCode::Enter), Key::ch('l')],
        C::Open,
        "open",
        true,
    ),
    b(
        X::List,
        &[Key::code(KeyCode::Esc), Key::ch('h')],
        C::Back,
        "dismiss errors / back / clear marks and filter",
        false,
    ),
    b(
        X::List,
        &[Key::ch('/')],
        C::Filter,
        "filter (by name or state: /failed, /missed, /unparsed)",
        true,
    ),
    b(
        X::List,
        &[Key::ch(' ')],
        C::Mark,
        "mark and move down",
        false,
    ),
    b(
        X::List,
        &[Key::ch('*')],
        C::MarkAll,
        "mark all visible",
        false,
    ),
    b(
        X::RunChecks,
        &[Key::ch('r')],
        C::Review,
        "review (marked jobs, or this run)",
        true,
    ),
    b(
        X::RunChecks,
        &[Key::ch('R')],
        C::ReviewJob,
        "review job (all its runs)",
        true,
    ),
    b(
        X::RunChecks,
        &[Key::ch('u')],
        C::Undo,
        "undo last review",
        false,
    ),
    b(X::RunChecks, &[Key::ch('m')], C::Remark, "remark", true),
    b(
        X::RunChecks,
        &[Key::ch('o')],
        C::Override,
        "override (treat as success)",
        true,
    ),
    b(
        X::RunChecks,
        &[Key::ch('t')],
        C::Ticket,
        "ticket menu",
        true,
    ),
    b(
        X::RunChecks,
        &[Key::ch('y')],
        C::Copy,
        "copy ticket number",
        true,
    ),
    b(
        X::RunChecks,
        &[Key::ch('e')],
        C::OpenMail,
        "read the mail in $PAGER (decoded text)",
        false,
    ),
    b(
        X::RunChecks,
        &[Key::ch('E')],
        C::OpenMailSource,
        "the mail's raw source in $PAGER",
        false,
    ),
    b(
        X::RunChecks,
        &[Key::ch('i')],
        C::IncludeReviewed,
        "include reviewed runs",
        false,
    ),
    b(
        X::Inbox,
        &[Key::ch('a')],
        C::Approve,
        "approve (marked mails too)",
        true,
    ),
    b(X::Inbox, &[Key::ch('d')], C::Delete, "delete", true),
    b(
        X::DeletedMail,
        &[Key::ch('U')],
        C::Restore,
        "restore (marked mails too)",
        true,
    ),
    b(
        X::DeletedMail,
        &[Key::ch('D')],
        C::ShowDeleted,
        "back to waiting mail",
        true,
    ),
    b(
        X::DeletedMail,
        &[Key::ch('X')],
        C::Purge,
        "remove for good (marked mails too; asks first)",
        true,
    ),
    b(
        X::Customers,
        &[Key::ch('d')],
        C::Delete,
        "delete (asks first; restorable)",
        false,
    ),
    b(
        X::Customers,
        &[Key::ch('D')],
        C::ShowDeleted,
        "show deleted customers",
        false,
    ),
    b(
        X::DeletedCustomers,
        &[Key::ch('U')],
        C::Restore,
        "restore",
        true,
    ),
    b(
        X::DeletedCustomers,
        &[Key::ch('X')],
        C::Purge,
        "remove for good with its jobs, runs and mail (asks first)",
        true,
    ),
    b(
        X::DeletedCustomers,
        &[Key::ch('D')],
        C::ShowDeleted,
        "back to customers",
        true,
    ),
    b(
        X::Jobs,
        &[Key::ch('d')],
        C::Delete,
        "delete (asks first; restorable)",
        false,
    ),
    b(
        X::Jobs,
        &[Key::ch('D')],
        C::ShowDeleted,
        "show deleted jobs",
        false,
    ),
    b(X::DeletedJobs, &[Key::ch('U')], C::Restore, "restore", true),
    b(
        X::Jobs,
        &[Key::ch('A')],
        C::ShowArchived,
        "archived jobs (a unarchives) / back",
        false,
    ),
    b(
        X::Customers,
        &[Key::ch('E')],
        C::ExportCustomers,
        "export to a CSV file",
        false,
    ),
    b(
        X::Customers,
        &[Key::ch('I')],
        C::ImportCustomers,
        "import a CSV file (shows a dry run first)",
        false,
    ),
    b(
        X::List,
        &[Key::ch('F')],
        C::ClearOpened,
        "clear the filter another pane opened this list with",
        false,
    ),
    b(
        X::DeletedJobs,
        &[Key::ch('X')],
        C::Purge,
        "remove for good with its runs and mail (asks first)",
        true,
    ),
    b(
        X::DeletedJobs,
        &[Key::ch('D')],
        C::ShowDeleted,
        "back to jobs",
        true,
    ),
    b(
        X::DeletedMail,
        &[Key::ch('e')],
        C::OpenMail,
        "read the mail in $PAGER (decoded text)",
        false,
    ),
    b(
        X::DeletedMail,
        &[Key::ch('E')],
        C::OpenMailSource,
        "the mail's raw source in $PAGER",
        false,
    ),
    b(
        X::Inbox,
        &[Key::ch('D')],
        C::ShowDeleted,
        "show deleted mail",
        true,
    ),
    b(
        X::Inbox,
        &[Key::ch('p')],
        C::Reparse,
        "re-parse this mail",
        true,
    ),
    b(
        X::Inbox,
        &[Key::ch('P')],
        C::ReparseAll,
        "re-parse all waiting mail",
        false,
    ),
    b(
        X::Inbox,
        &[Key::ch('e')],
        C::OpenMail,
        "read the mail in $PAGER (decoded text)",
        false,
    ),
    b(
        X::Inbox,
        &[Key::ch('E')],
        C::OpenMailSource,
        "the mail's raw source in $PAGER",
        false,
    ),
    b(
        X::DailyJobs,
        &[Key::code(KeyCode::Left)],
        C::EarlierDay,
        "day left",
        true,
    ),
    b(
        X::DailyJobs,
        &[Key::code(KeyCode::Right)],
        C::LaterDay,
        "day right",
        true,
    ),
    b(
        X::DailyJobs,
        &[Key::ch('[')],
        C::EarlierWeek,
        "week earlier",
        true,
    ),
    b(
        X::DailyJobs,
        &[Key::ch(']')],
        C::LaterWeek,
        "week later",
        true,
    ),
    b(
        X::Customers,
        &[Key::ch('n')],
        C::NewCustomer,
        "new customer",
        true,
    ),
    b(
        X::Customers,
        &[Key::ch('e')],
        C::RenameCustomer,
        "rename",
        true,
    ),
    b(
        X::Customers,
        &[Key::ch('@')],
        C::SetContact,
        "contact address for its scheduled report",
        false,
    ),
    b(
        X::Customers,
        &[Key::ch('a')],
        C::ToggleActive,
        "activate / deactivate",
        false,
    ),
    b(
        X::Customers,
        &[Key::ch('m')],
        C::MapCompany,
        "map to an Autotask company (search)",
        true,
    ),
    b(
        X::Customers,
        &[Key::ch('c')],
        C::CheckMapping,
        "check this mapping in Autotask",
        true,
    ),
    b(
        X::Customers,
        &[Key::ch('C')],
        C::CheckAllMappings,
        "check all mappings in Autotask",
        false,
    ),
    b(
        X::Customers,
        &[Key::ch('x')],
        C::RemoveMapping,
        "remove the Autotask mapping",
        false,
    ),
    b(
        X::Settings,
        &[Key::ch('e')],
        C::Open,
        "edit the setting",
        true,
    ),
    b(
        X::Settings,
        &[Key::ch('t')],
        C::TestConnection,
        "test the Autotask connection",
        true,
    ),
    b(
        X::Settings,
        &[Key::ch('p')],
        C::RefreshPicklists,
        "fetch the Autotask picklists now",
        true,
    ),
    b(
        X::Tickets,
        &[Key::ch('x')],
        C::Resolve,
        "resolve (asks first)",
        true,
    ),
    b(
        X::Tickets,
        &[Key::ch('y')],
        C::Copy,
        "copy ticket code",
        true,
    ),
    b(
        X::Tickets,
        &[Key::code(KeyCode::Tab)],
        C::SwitchList,
        "tickets / remarks",
        true,
    ),
    b(
        X::Tickets,
        &[Key::ch('i')],
        C::IncludeResolved,
        "show resolved ones too",
        true,
    ),
    b(
        X::Overrides,
        &[Key::ch('x')],
        C::Deactivate,
        "deactivate (asks first)",
        true,
    ),
    b(
        X::Overrides,
        &[Key::ch('i')],
        C::IncludeInactive,
        "show inactive ones too",
        true,
    ),
    b(
        X::Jobs,
        &[Key::ch('a')],
        C::Archive,
        "archive / unarchive",
        true,
    ),
    b(
        X::Jobs,
        &[Key::ch('p')],
        C::PinSchedule,
        "pin a schedule (days, time, grace)",
        true,
    ),
    b(
        X::Jobs,
        &[Key::ch('P')],
        C::UnpinSchedule,
        "unpin (the learned schedule applies)",
        false,
    ),
    b(
        X::Activity,
        &[Key::code(KeyCode::Tab)],
        C::ToggleLog,
        "audit log / background tasks (Enter on a job entry opens it in Jobs)",
        true,
    ),
    b(
        X::Activity,
        &[Key::ch('R')],
        C::RunRetention,
        "run retention now (drop old raw mail, remove old deleted mail; Settings)",
        false,
    ),
    b(
        X::Reports,
        &[Key::ch('[')],
        C::EarlierMonth,
        "the month before",
        true,
    ),
    b(
        X::Reports,
        &[Key::ch(']')],
        C::LaterMonth,
        "the month after",
        true,
    ),
    b(
        X::Reports,
        &[Key::ch('x')],
        C::ExportReport,
        "write the month's report as PDF, HTML and CSV",
        true,
    ),
    b(
        X::Reports,
        &[Key::ch('o')],
        C::OpenInBrowser,
        "open the month's report (HTML) in $BROWSER",
        true,
    ),
    b(
        X::Reports,
        &[Key::code(KeyCode::Tab)],
        C::ToggleSchedules,
        "report schedules and their deliveries",
        true,
    ),
    b(
        X::ReportSchedules,
        &[Key::code(KeyCode::Tab)],
        C::ToggleSchedules,
        "back to the report",
        true,
    ),
    b(
        X::ReportSchedules,
        &[Key::ch('a')],
        C::AddSchedule,
        "add a schedule",
        true,
    ),
    b(
        X::ReportSchedules,
        &[Key::ch('R')],
        C::RunSchedulesNow,
        "run the scheduler now",
        true,
    ),
    b(
        X::ReportSchedules,
        &[Key::ch('s')],
        C::ResendDelivery,
        "resend a maybe-sent delivery",
        true,
    ),
    b(
        X::ReportSchedules,
        &[Key::ch('S')],
        C::MarkDeliverySent,
        "mark it sent",
        true,
    ),
    b(
        X::ReportSchedules,
        &[Key::ch('d')],
        C::RemoveSchedule,
        "remove the schedule and its delivery records",
        false,
    ),
    b(
        X::Parsers,
        &[Key::code(KeyCode::Tab)],
        C::ToggleUnrecognised,
        "parsers / unrecognised mail",
        true,
    ),
    b(
        X::Parsers,
        &[Key::ch('n')],
        C::NewRule,
        "new rule from this group (previewed, then saved)",
        true,
    ),
    b(
        X::Parsers,
        &[Key::ch('e')],
        C::EditRule,
        "edit this rule (a new name saves a new one)",
        true,
    ),
    b(
        X::Feedback,
        &[Key::ch('n')],
        C::NewFeedback,
        "new item",
        true,
    ),
    b(
        X::Feedback,
        &[Key::ch('v')],
        C::Vote,
        "vote (again: take the vote back)",
        true,
    ),
    b(X::Feedback, &[Key::ch('r')], C::Reply, "reply", true),
    b(
        X::Feedback,
        &[Key::ch('a')],
        C::AttachFile,
        "attach a file (path; type and size as Settings allow)",
        false,
    ),
    b(
        X::Feedback,
        &[Key::ch('w')],
        C::SaveAttachment,
        "save the attachment under the cursor to a file",
        false,
    ),
    b(
        X::Feedback,
        &[Key::ch('s')],
        C::SetStatus,
        "status (open, planned, done, declined)",
        true,
    ),
    b(
        X::Feedback,
        &[Key::ch('f')],
        C::CycleKind,
        "kind shown (every kind, bugs, ideas, questions)",
        true,
    ),
    b(
        X::Feedback,
        &[Key::ch('o')],
        C::CycleStatus,
        "status shown (open and planned, each status, all)",
        true,
    ),
    b(
        X::Feedback,
        &[Key::ch('d')],
        C::Delete,
        "delete (yours; asks first)",
        false,
    ),
    b(
        X::Feedback,
        &[Key::ch('D')],
        C::ShowDeleted,
        "show deleted items",
        false,
    ),
    b(X::Feedback, &[Key::ch('U')], C::Restore, "restore", false),
    b(
        X::Feedback,
        &[Key::ch('X')],
        C::Purge,
        "remove a deleted item for good (asks first)",
        false,
    ),
    b(
        X::FeedbackCapture,
        &[Key::code(KeyCode::Left)],
        C::ScrollLeft,
        "scroll left",
        true,
    ),
    b(
        X::FeedbackCapture,
        &[Key::code(KeyCode::Right)],
        C::ScrollRight,
        "scroll right",
        true,
    ),
];

/// What a command needs of the seat's role in a context. PostgreSQL enforces the same rules;
/// the interface hides what a role may not use so that nobody is offered a refusal.
pub fn capability(context: Context, command: Command) -> Capability {
    use Capability as P;
    match command {
        C::Goto(pane) => pane.info().needs,
        C::Delete | C::Restore | C::ShowDeleted | C::Purge
            if matches!(context, X::Feedback | X::FeedbackCapture) =>
        {
            match command {
                C::Delete => P::Feedback,
                C::ShowDeleted => P::SeeDeleted,
                _ => P::Administer,
            }
        }
        C::Review | C::ReviewJob | C::Undo | C::IncludeReviewed => P::Review,
        C::Remark | C::Ticket | C::Resolve => P::Ticket,
        C::Override | C::Deactivate => P::EditOverrides,
        C::Approve | C::Reparse | C::ReparseAll | C::ImportNow => P::Approve,
        C::Delete | C::Restore
            if matches!(
                context,
                X::Customers | X::Jobs | X::DeletedCustomers | X::DeletedJobs
            ) =>
        {
            P::ManageJobs
        }
        C::Delete | C::Restore => P::DeleteMail,
        C::ShowDeleted => P::SeeDeleted,
        C::Purge | C::RunRetention => P::Administer,
        C::NewCustomer
        | C::RenameCustomer
        | C::SetContact
        | C::ToggleActive
        | C::MapCompany
        | C::CheckMapping
        | C::CheckAllMappings
        | C::RemoveMapping
        | C::TestConnection
        | C::RefreshPicklists
        | C::Archive
        | C::ImportCustomers
        | C::PinSchedule
        | C::UnpinSchedule => P::ManageJobs,
        // Enter on a setting edits it.
        C::Open if context == Context::Settings => P::Settings,
        C::EarlierMonth
        | C::LaterMonth
        | C::ExportReport
        | C::OpenInBrowser
        | C::ToggleSchedules => P::Reports,
        // Schedules mail customers: changing them or what was sent is an admin's.
        C::RunSchedulesNow
        | C::AddSchedule
        | C::RemoveSchedule
        | C::ResendDelivery
        | C::MarkDeliverySent => P::Settings,
        C::NewRule | C::EditRule => P::Administer,
        C::SetStatus => P::Administer,
        C::CaptureScreen | C::NewFeedback | C::Vote | C::Reply | C::AttachFile => P::Feedback,
        _ => P::Read,
    }
}

/// Whether `role` may use `command` in `context`.
pub fn allowed(role: Role, context: Context, command: Command) -> bool {
    role.can(capability(context, command))
}

/// The command a key means in the given pane context.
pub fn lookup(pane: Context, key: Key) -> Option<Command> {
    [pane, Context::List, Context::Global]
        .into_iter()
        .find_map(|ctx| {
            BINDINGS
                .iter()
                .find(|b| b.context == ctx && b.keys.contains(&key))
                .map(|b| b.command)
        })
}

/// The hint line of a pane for a role: its own hinted bindings the role may use, then the list
/// and global ones.
pub fn hints(pane: Context, role: Role) -> Vec<(String, &'static str)> {
    // Help first, so that it survives on narrow terminals.
    [Context::Global, pane, Context::List]
        .into_iter()
        .flat_map(|ctx| BINDINGS.iter().filter(move |b| b.context == ctx && b.hint))
        .filter(|b| allowed(role, pane, b.command))
        .map(|b| (b.keys.first().map(Key::label).unwrap_or_default(), b.help))
        .collect()
}

/// How messages name the key of a command: the first key of its binding in `context` (empty if
/// it has none), so that a toast says what the table says.
pub fn key_of(context: Context, command: Command) -> String {
    BINDINGS
        .iter()
        .find(|b| b.context == context && b.command == command)
        .and_then(|b| b.keys.first())
        .map(Key::label)
        .unwrap_or_default()
}

/// `:` commands that take an argument, for the help overlay: (usage, what it does).
pub const LINE_COMMANDS: &[(&str, &str)] = &[
    (
        ":role [NAME]",
        "your roles; act as another of them (viewer, reporter, operator, admin)",
    ),
    (":jobs-export FILE", "write every job to a JSON job list"),
    (
        ":jobs-import FILE",
        "create the jobs of a JSON job list and approve their waiting mail",
    ),
];

/// Every `:` command name the role may use, sorted: the commands of the key table, then those
/// that take an argument.
pub fn command_names(role: Role) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = BINDINGS
        .iter()
        .filter(|b| allowed(role, b.context, b.command))
        .map(|b| b.command.name())
        .chain(
            LINE_COMMANDS
                .iter()
                .filter_map(|(usage, _)| usage.trim_start_matches(':').split(' ').next()),
        )
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Completes the command name at the start of `line`: the one match in full (with a space when
/// it takes an argument), else the longest prefix the matches share. Returns the new line and
/// the matches.
pub fn complete(line: &str, role: Role) -> (String, Vec<&'static str>) {
    let typed = line.trim_start().trim_start_matches(':');
    if typed.contains(char::is_whitespace) {
        return (line.to_string(), Vec::new());
    }
    let typed_norm = typed.replace('-', "_");
    let matches: Vec<&'static str> = command_names(role)
        .into_iter()
        .filter(|n| n.replace('-', "_").starts_with(&typed_norm))
        .collect();
    let completed = match matches.as_slice() {
        [] => line.to_string(),
        [one] => {
            let takes_argument = LINE_COMMANDS.iter().any(|(usage, _)| {
                usage
                    .trim_start_matches(':')
                    .starts_with(&format!("{one} "))
            });
            if takes_argument {
                format!("{one} ")
            } else {
                one.to_string()
            }
        }
        [first, rest @ ..] => {
            let mut prefix = first.to_string();
            for m in rest {
                while !m.starts_with(&prefix) {
                    prefix.pop();
                }
            }
            if prefix.len() > typed.len() {
                prefix
            } else {
                line.to_string()
            }
        }
    };
    (completed, matches)
}

/// A `:` command by name (also `q`).
pub fn by_name(name: &str) -> Option<Command> {
    let name = name.trim().trim_start_matches(':');
    if matches!(name, "q" | "q!" | "quit" | "exit") {
        return Some(Command::Quit);
    }
    BINDINGS
        .iter()
        .map(|b| b.command)
        .find(|c| c.name() == name.replace('-', "_"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn no_key_means_two_things_in_any_pane() {
        for pane in [
            Context::RunChecks,
            Context::Inbox,
            Context::DeletedMail,
            Context::DailyJobs,
            Context::Jobs,
            Context::DeletedJobs,
            Context::Customers,
            Context::DeletedCustomers,
            Context::Tickets,
            Context::Overrides,
            Context::Activity,
            Context::Settings,
            Context::Reports,
            Context::ReportSchedules,
            Context::Parsers,
            Context::Feedback,
            Context::FeedbackCapture,
        ] {
            let mut seen: HashMap<Key, Command> = HashMap::new();
            for ctx in [pane, Context::List, Context::Global] {
                for b in BINDINGS.iter().filter(|b| b.context == ctx) {
                    for k in b.keys {
                        if let Some(prev) = seen.insert(*k, b.command) {
                            panic!(
                                "{} means both {:?} and {:?} in {:?}",
                                k.label(),
                                prev,
                                b.command,
                                pane
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn vim_keys_and_arrows_both_move() {
        for (k, a) in [('j', KeyCode::Down), ('k', KeyCode::Up)] {
            assert_eq!(
                lookup(Context::Inbox, Key::ch(k)),
                lookup(Context::Inbox, Key::code(a))
            );
        }
    }

    #[test]
    fn command_line_names() {
        assert_eq!(by_name(":q"), Some(Command::Quit));
        assert_eq!(by_name("import"), Some(Command::ImportNow));
        assert_eq!(by_name("reparse"), Some(Command::ReparseAll));
        assert_eq!(by_name("include-reviewed"), Some(Command::IncludeReviewed));
        assert_eq!(by_name("nonsense"), None);
    }

    #[test]
    fn key_of_names_the_tables_first_key() {
        assert_eq!(key_of(Context::RunChecks, Command::Undo), "u");
        assert_eq!(key_of(Context::RunChecks, Command::Copy), "y");
        assert_eq!(key_of(Context::List, Command::Open), "Enter");
        assert_eq!(key_of(Context::Jobs, Command::UnpinSchedule), "P");
        assert_eq!(key_of(Context::Inbox, Command::Undo), "");
    }

    #[test]
    fn every_pane_has_its_number_key_and_its_command_name() {
        for pane in Pane::ALL {
            let info = pane.info();
            if let Some(n) = info.number {
                let digit = char::from(b'0' + n);
                assert_eq!(
                    lookup(info.context, Key::ch(digit)),
                    Some(Command::Goto(pane))
                );
            }
            assert_eq!(by_name(info.command), Some(Command::Goto(pane)));
        }
    }

    #[test]
    fn hints_come_from_the_table() {
        let h = hints(Context::RunChecks, Role::Admin);
        assert_eq!(h.first().map(|(k, _)| k.as_str()), Some("?"));
        assert_eq!(h.get(1).map(|(k, _)| k.as_str()), Some("r"));
        assert!(h.iter().any(|(k, d)| k == "?" && *d == "help"));
    }

    #[test]
    fn command_names_complete_to_the_one_match_or_the_shared_prefix() {
        assert_eq!(complete("impo", Role::Admin).0, "import");
        let (line, matches) = complete("include", Role::Admin);
        assert_eq!(line, "include_");
        assert!(matches.contains(&"include_reviewed") && matches.contains(&"include_resolved"));
        assert_eq!(complete("jobs-e", Role::Admin).0, "jobs-export ");
        assert_eq!(complete("ro", Role::Admin).0, "role ");
        assert_eq!(complete("zzz", Role::Admin), ("zzz".to_string(), vec![]));
        // What the role may not use is not offered.
        assert!(complete("appr", Role::Viewer).1.is_empty());
        assert!(complete("", Role::Viewer).1.contains(&"help"));
    }

    #[test]
    fn a_role_is_offered_only_what_it_may_do() {
        let inbox = hints(Context::Inbox, Role::Viewer);
        assert!(inbox.iter().all(|(k, _)| k != "a" && k != "d"), "{inbox:?}");
        assert!(
            hints(Context::Inbox, Role::Operator)
                .iter()
                .any(|(k, _)| k == "a")
        );
        assert!(!allowed(Role::Operator, Context::Settings, Command::Open));
        assert!(allowed(Role::Operator, Context::Jobs, Command::Open));
        assert!(!allowed(
            Role::Viewer,
            Context::Global,
            Command::Goto(Pane::RunChecks)
        ));
        assert!(!allowed(
            Role::Operator,
            Context::Inbox,
            Command::ShowDeleted
        ));
        assert!(allowed(Role::Admin, Context::Inbox, Command::ShowDeleted));
        // Every command a viewer may use only reads.
        for b in BINDINGS {
            if allowed(Role::Viewer, b.context, b.command) {
                let cap = capability(b.context, b.command);
                assert!(
                    matches!(
                        cap,
                        Capability::Read
                            | Capability::Browse
                            | Capability::Reports
                            | Capability::Feedback
                    ),
                    "{b:?}: {cap:?}"
                );
            }
        }
    }
}

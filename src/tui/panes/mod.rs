//! The panes: each holds its state, its loaders (async database reads that return an
//! [`crate::tui::action::Action`]) and its drawing.

pub mod activity;
pub mod customers;
pub mod daily;
pub mod inbox;
pub mod jobs;
pub mod overrides;
pub mod run_checks;
pub mod settings;
pub mod tickets;

/// Which pane is shown (number keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Inbox,
    DailyJobs,
    RunChecks,
    Jobs,
    Customers,
    Tickets,
    Overrides,
    Activity,
    Settings,
}

impl Pane {
    pub const ALL: [Pane; 9] = [
        Pane::Inbox,
        Pane::DailyJobs,
        Pane::RunChecks,
        Pane::Jobs,
        Pane::Customers,
        Pane::Tickets,
        Pane::Overrides,
        Pane::Activity,
        Pane::Settings,
    ];

    pub fn number(self) -> u8 {
        match self {
            Pane::Inbox => 1,
            Pane::DailyJobs => 2,
            Pane::RunChecks => 3,
            Pane::Jobs => 4,
            Pane::Customers => 5,
            Pane::Tickets => 6,
            Pane::Overrides => 7,
            Pane::Activity => 8,
            Pane::Settings => 9,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Inbox => "Inbox",
            Pane::DailyJobs => "Daily Jobs",
            Pane::RunChecks => "Run Checks",
            Pane::Jobs => "Jobs",
            Pane::Customers => "Customers",
            Pane::Tickets => "Tickets & Remarks",
            Pane::Overrides => "Overrides",
            Pane::Activity => "Activity",
            Pane::Settings => "Settings",
        }
    }

    /// The tab label when the full titles do not fit (80 columns).
    pub fn short_title(self) -> &'static str {
        match self {
            Pane::DailyJobs => "Daily",
            Pane::RunChecks => "Checks",
            Pane::Customers => "Cust",
            Pane::Tickets => "Tkt",
            Pane::Overrides => "Ovr",
            Pane::Activity => "Log",
            Pane::Settings => "Set",
            other => other.title(),
        }
    }

    pub fn context(self) -> crate::tui::keymap::Context {
        use crate::tui::keymap::Context;
        match self {
            Pane::Inbox => Context::Inbox,
            Pane::DailyJobs => Context::DailyJobs,
            Pane::RunChecks => Context::RunChecks,
            Pane::Jobs => Context::Jobs,
            Pane::Customers => Context::Customers,
            Pane::Tickets => Context::Tickets,
            Pane::Overrides => Context::Overrides,
            Pane::Activity => Context::Activity,
            Pane::Settings => Context::Settings,
        }
    }
}

//! The panes: each holds its state, its loaders (async database reads that return an
//! [`crate::tui::action::Action`]) and its drawing.

pub mod daily;
pub mod inbox;
pub mod run_checks;

/// Which pane is shown (number keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Inbox,
    DailyJobs,
    RunChecks,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::Inbox, Pane::DailyJobs, Pane::RunChecks];

    pub fn number(self) -> u8 {
        match self {
            Pane::Inbox => 1,
            Pane::DailyJobs => 2,
            Pane::RunChecks => 3,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Inbox => "Inbox",
            Pane::DailyJobs => "Daily Jobs",
            Pane::RunChecks => "Run Checks",
        }
    }

    pub fn context(self) -> crate::tui::keymap::Context {
        use crate::tui::keymap::Context;
        match self {
            Pane::Inbox => Context::Inbox,
            Pane::DailyJobs => Context::DailyJobs,
            Pane::RunChecks => Context::RunChecks,
        }
    }
}

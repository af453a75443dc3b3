//! The panes: each holds its state, its loaders (async database reads that return an
//! [`crate::tui::action::Action`]) and its drawing, and answers [`pane::PaneView`], which says
//! how to add one.

pub mod activity;
pub mod customers;
pub mod daily;
pub mod deleted;
pub mod feedback;
pub mod inbox;
pub mod jobs;
pub mod overrides;
pub mod pane;
pub mod parsers;
pub mod registry;
pub mod reports;
pub mod run_checks;
pub mod settings;
pub mod tickets;

pub use registry::{Pane, Panes};

impl Pane {
    pub fn number(self) -> Option<u8> {
        self.info().number
    }

    pub fn title(self) -> &'static str {
        self.info().title
    }

    /// The tab label when the full titles do not fit (80 columns).
    pub fn short_title(self) -> &'static str {
        self.info().short_title
    }

    pub fn context(self) -> crate::tui::keymap::Context {
        self.info().context
    }
}

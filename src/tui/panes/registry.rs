//! Every pane's state in one place, and the one place that turns a [`Pane`] into its pane.

use super::Pane;
use super::activity::{self, Activity};
use super::customers::{self, Customers};
use super::daily::{self, Daily};
use super::inbox::{self, Inbox};
use super::jobs::{self, Jobs};
use super::overrides::{self, Overrides};
use super::pane::{PaneInfo, PaneView};
use super::run_checks::{self, RunChecks};
use super::settings::{self, Settings};
use super::tickets::{self, Tickets};

#[derive(Debug, Default)]
pub struct Panes {
    pub inbox: Inbox,
    pub daily: Daily,
    pub run_checks: RunChecks,
    pub jobs: Jobs,
    pub customers_pane: Customers,
    pub tickets: Tickets,
    pub overrides: Overrides,
    pub activity: Activity,
    pub settings: Settings,
}

impl Panes {
    pub fn get(&self, id: Pane) -> &dyn PaneView {
        match id {
            Pane::Inbox => &self.inbox,
            Pane::DailyJobs => &self.daily,
            Pane::RunChecks => &self.run_checks,
            Pane::Jobs => &self.jobs,
            Pane::Customers => &self.customers_pane,
            Pane::Tickets => &self.tickets,
            Pane::Overrides => &self.overrides,
            Pane::Activity => &self.activity,
            Pane::Settings => &self.settings,
        }
    }

    pub fn get_mut(&mut self, id: Pane) -> &mut dyn PaneView {
        match id {
            Pane::Inbox => &mut self.inbox,
            Pane::DailyJobs => &mut self.daily,
            Pane::RunChecks => &mut self.run_checks,
            Pane::Jobs => &mut self.jobs,
            Pane::Customers => &mut self.customers_pane,
            Pane::Tickets => &mut self.tickets,
            Pane::Overrides => &mut self.overrides,
            Pane::Activity => &mut self.activity,
            Pane::Settings => &mut self.settings,
        }
    }
}

impl Pane {
    /// The pane's identity without its state (the keymap and the help need only this).
    pub fn info(self) -> &'static PaneInfo {
        match self {
            Pane::Inbox => &inbox::INFO,
            Pane::DailyJobs => &daily::INFO,
            Pane::RunChecks => &run_checks::INFO,
            Pane::Jobs => &jobs::INFO,
            Pane::Customers => &customers::INFO,
            Pane::Tickets => &tickets::INFO,
            Pane::Overrides => &overrides::INFO,
            Pane::Activity => &activity::INFO,
            Pane::Settings => &settings::INFO,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_pane_answers_who_it_is() {
        let panes = Panes::default();
        let mut numbers = HashSet::new();
        let mut contexts = HashSet::new();
        for id in Pane::ALL {
            let info = panes.get(id).info();
            assert_eq!(info.id, id);
            assert_eq!(id.info(), info, "{id:?}: Pane::info and the pane disagree");
            assert!(!info.title.is_empty() && !info.short_title.is_empty());
            // One digit key each.
            assert!(info.number <= 9, "{id:?}: {}", info.number);
            assert!(numbers.insert(info.number), "{id:?}: number taken");
            assert!(contexts.insert(info.context), "{id:?}: context taken");
        }
    }
}

//! Every pane's state in one place, and the one place that turns a [`Pane`] into its pane.

use super::activity::{self, Activity};
use super::customers::{self, Customers};
use super::daily::{self, Daily};
use super::feedback::{self, Feedback};
use super::inbox::{self, Inbox};
use super::jobs::{self, Jobs};
use super::overrides::{self, Overrides};
use super::pane::{PaneInfo, PaneView};
use super::parsers::{self, Parsers};
use super::reports::{self, Reports};
use super::run_checks::{self, RunChecks};
use super::settings::{self, Settings};
use super::tickets::{self, Tickets};

/// Declares the panes from one list: the [`Pane`] ids (in tab order, [`Pane::ALL`]), the
/// [`Panes`] that hold their state, and the one dispatch from an id to its pane
/// ([`Panes::get`], [`Panes::get_mut`], [`Pane::info`]). A new pane is one line here.
macro_rules! panes {
    ($($id:ident => $field:ident: $state:ty = $module:ident),* $(,)?) => {
        /// Which pane is shown: the id of a pane (its state is in [`Panes`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Pane {
            $($id,)*
        }

        impl Pane {
            /// In tab order.
            pub const ALL: [Pane; [$(stringify!($id)),*].len()] = [$(Pane::$id,)*];

            /// The pane's identity without its state (the keymap and the help need only this).
            pub fn info(self) -> &'static PaneInfo {
                match self {
                    $(Pane::$id => &$module::INFO,)*
                }
            }
        }

        #[derive(Debug, Default)]
        pub struct Panes {
            $(pub $field: $state,)*
        }

        impl Panes {
            pub fn get(&self, id: Pane) -> &dyn PaneView {
                match id {
                    $(Pane::$id => &self.$field,)*
                }
            }

            pub fn get_mut(&mut self, id: Pane) -> &mut dyn PaneView {
                match id {
                    $(Pane::$id => &mut self.$field,)*
                }
            }
        }
    };
}

panes! {
    Inbox => inbox: Inbox = inbox,
    DailyJobs => daily: Daily = daily,
    RunChecks => run_checks: RunChecks = run_checks,
    Jobs => jobs: Jobs = jobs,
    Customers => customers_pane: Customers = customers,
    Tickets => tickets: Tickets = tickets,
    Overrides => overrides: Overrides = overrides,
    Activity => activity: Activity = activity,
    Settings => settings: Settings = settings,
    Reports => reports: Reports = reports,
    Parsers => parsers: Parsers = parsers,
    Feedback => feedback: Feedback = feedback,
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
            // One digit key each, where there is one.
            if let Some(n) = info.number {
                assert!(n <= 9, "{id:?}: {n}");
                assert!(numbers.insert(n), "{id:?}: number taken");
            }
            assert!(contexts.insert(info.context), "{id:?}: context taken");
        }
    }
}

//! Results of background work, reported back to the event loop. Key presses become
//! [`crate::tui::keymap::Command`]s; everything that finishes later arrives as an `Action`.

use super::panes::daily::DailyGrid;
use super::panes::inbox::MailDetail;
use super::panes::jobs::JobsData;
use super::panes::run_checks::RunDetail;
use super::panes::settings::SettingsData;
use crate::db::customers::{Customer, CustomerRow};
use crate::db::mail::Mail;
use crate::db::overrides::ListedOverride;
use crate::db::review::{QueueRow, ReviewBatch};
use crate::db::runs::Run;
use crate::db::scopes::ListedItem;
use crate::psa::autotask::Company;
use crate::psa::ticket_flow::{ExistingTicket, TicketPreview};
use crate::services::autotask_poller;
use crate::services::importer::ImportEvent;
use crate::services::missed_runs;
use crate::services::retention;

/// The action for a failed load (a pane, a detail, a mail): the database marked down when the
/// cause is an unreachable database (said once, in one readable sentence), else an error toast.
pub fn load_failed<E: std::error::Error + 'static>(what: &str, e: E) -> Action {
    if unavailable(&e) {
        Action::DatabaseDown(format!("database unavailable: {}", root_cause(&e)))
    } else {
        Action::Failed(format!("{what}: {e}"))
    }
}

/// The action for a failed change (a review, a remark, a ticket …): when the database is
/// unreachable it is marked down and the operator hears, every time, that the change did not
/// happen; else an error toast.
pub fn failed<E: std::error::Error + 'static>(what: &str, e: E) -> Action {
    if unavailable(&e) {
        Action::ChangeFailedDatabaseDown(format!(
            "{}: database unavailable ({})",
            not_done(what),
            root_cause(&e)
        ))
    } else {
        Action::Failed(format!("{what}: {e}"))
    }
}

/// "not reviewed", "remark not done": what did not happen, in the operator's words.
fn not_done(what: &str) -> String {
    match what {
        "review" => "not reviewed".into(),
        "undo" => "not undone".into(),
        "approve" => "not approved".into(),
        other => format!("{other} not done"),
    }
}

fn unavailable(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err
            .downcast_ref::<crate::db::DbError>()
            .is_some_and(|d| d.is_unavailable())
            || err
                .downcast_ref::<sqlx::Error>()
                .is_some_and(crate::db::error::is_unavailable)
        {
            return true;
        }
        cur = err.source();
    }
    false
}

/// The innermost database error's text, without the wrappers that repeat it.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = Some(e);
    let mut found = e.to_string();
    while let Some(err) = cur {
        if let Some(d) = err.downcast_ref::<crate::db::DbError>() {
            found = d.cause();
        } else if let Some(sq) = err.downcast_ref::<sqlx::Error>() {
            found = crate::db::error::readable(sq);
        }
        cur = err.source();
    }
    found
}

#[derive(Debug)]
pub enum Action {
    /// A pane's load came back: handed to that pane's [`PaneView::loaded`], so a pane needs no
    /// variant of its own here.
    ///
    /// [`PaneView::loaded`]: crate::tui::panes::pane::PaneView::loaded
    PaneLoaded(crate::tui::panes::Pane, Box<dyn std::any::Any + Send>),
    QueueLoaded(Vec<QueueRow>),
    /// A question that needed a read first (what a removal takes with it).
    Ask {
        question: String,
        then: crate::tui::dialogs::Pending,
    },
    /// A load failed because the database is unreachable: marked down, said once.
    DatabaseDown(String),
    /// A change failed because the database is unreachable: marked down, and said every time,
    /// because the operator must know that this change did not happen.
    ChangeFailedDatabaseDown(String),
    RunsLoaded {
        job_id: i64,
        runs: Vec<Run>,
    },
    RunDetailLoaded(Box<RunDetail>),
    InboxLoaded {
        rows: Vec<Mail>,
        deleted: bool,
        /// The filter the rows were searched with (a newer one may have overtaken it).
        filter: String,
        counts: crate::db::mail::WaitingCounts,
    },
    MailDetailLoaded(Box<MailDetail>),
    DailyLoaded(Box<DailyGrid>),
    CustomersLoaded(Vec<Customer>),
    /// The customer to pre-select in the open approval picker, if one fits.
    CustomerSuggested(Option<crate::domain::customer_suggestion::Suggestion>),
    CustomersPaneLoaded(Vec<CustomerRow>),
    SettingsLoaded(Box<SettingsData>),
    /// Tickets and remarks for pane 6; `include_resolved` as asked.
    TicketsLoaded {
        include_resolved: bool,
        tickets: Vec<ListedItem>,
        remarks: Vec<ListedItem>,
    },
    /// Override rules for pane 7; `include_inactive` as asked.
    OverridesLoaded {
        include_inactive: bool,
        rows: Vec<ListedOverride>,
    },
    JobsLoaded(Box<JobsData>),
    /// Autotask companies for the mapping picker; `seq` names the search (older ones are
    /// dropped), `None` when a newer search made this one moot.
    CompaniesFound {
        seq: u64,
        result: Option<Result<Vec<Company>, String>>,
    },
    /// The preview of an Autotask ticket for a run, ready to show.
    TicketPreviewLoaded(Box<TicketPreview>),
    /// Sending the previewed ticket failed; `existing` when the job turned out to have one.
    TicketSendFailed {
        message: String,
        existing: Option<ExistingTicket>,
    },
    /// The Autotask ticket exists and is on the runs.
    TicketCreated {
        number: String,
        adopted: bool,
    },
    ConnectionTested(Result<String, String>),
    AutotaskEvent(autotask_poller::Event),
    /// The override form, pre-filled from a run.
    OverrideDraft(Box<super::app::OverrideForm>),
    /// A review went through; kept for undo.
    Reviewed(ReviewBatch),
    /// Something changed; reload what is visible and say `message`.
    Done(String),
    /// What a draft parser rule reads in the waiting mail, for the rule form asking as `seq`.
    RulePreview {
        seq: u64,
        result: Result<Vec<crate::ingest::rules::PreviewRow>, String>,
    },
    /// Something changed but part of the work failed; reload and show `message` as an error.
    PartlyDone(String),
    /// The raw mail to show in the pager.
    OpenPager(String),
    /// A written report file to open in `$BROWSER`.
    OpenBrowser(String),
    /// The new feedback item was saved (what to say), or why not (the form stays open).
    FeedbackSaved(Result<String, String>),
    /// The new report schedule was added (what to say), or why not (the form stays open).
    ScheduleAdded(Result<String, String>),
    Copied {
        value: String,
        via: String,
    },
    ImportEvent(ImportEvent),
    MissedEvent(missed_runs::Event),
    RetentionEvent(retention::Event),
    ReportEvent(crate::services::report_scheduler::Event),
    /// Another process changed the database (LISTEN/NOTIFY).
    DataChanged,
    Failed(String),
}

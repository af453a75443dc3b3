//! An Autotask ticket from a run, as the Run Checks screen drives it: [`preview`] (what would be
//! sent, or why it cannot be), [`create`] (never a second ticket for one job), [`link_existing`]
//! (put a ticket that exists on the runs instead), and [`resolve`] (Complete + a note in Autotask,
//! then resolved here).

mod create;
mod link;
mod preview;
mod resolve;

pub use create::{Created, create};
pub use link::{Linked, TicketRef, link_existing};
pub use preview::{ExistingTicket, Labels, TicketPreview, preview};
pub use resolve::{Resolved, resolve};

use crate::db::DbError;
use crate::psa::autotask::AutotaskError;

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Autotask(#[from] AutotaskError),
    /// The ticket cannot be made; the text says why and what to do.
    #[error("{0}")]
    Blocked(String),
    /// The job has an open Autotask ticket already: link it instead of making a second one.
    #[error(
        "this job already has the open Autotask ticket {}; link it instead",
        .0.ticket_number.as_deref().unwrap_or("(number unknown)")
    )]
    AlreadyOpen(ExistingTicket),
    /// A field the ticket needs has no value.
    #[error("{0}")]
    Incomplete(String),
    #[error("not found: {0}")]
    NotFound(String),
}

impl From<sqlx::Error> for FlowError {
    fn from(e: sqlx::Error) -> Self {
        FlowError::Db(e.into())
    }
}

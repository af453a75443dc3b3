//! Backup status reports: per customer and job, for a period, what was expected and what became of
//! it. `db::report::load` reads a [`ReportInput`] in a few set-based queries and [`build`]
//! computes the [`Report`] once; the renderers (`crate::reports`) and the interface only show it,
//! so the numbers agree everywhere.

mod build;
pub mod input;
pub mod model;
mod outcomes;
pub mod period;

#[cfg(test)]
pub(crate) mod tests;

pub use build::build;
pub use input::{CustomerInput, JobInput, NoteInput, NoteKind, ReportInput, RunInput};
pub use model::{
    Counts, CustomerReport, Day, JobKind, JobReport, NoteReport, Report, ReviewCoverage, Streak,
    Summary,
};
pub use period::{Period, PeriodError};

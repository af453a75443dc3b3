//! Long-running tokio tasks (importer, missed-run scheduler, Autotask poller) and what they share:
//! intervals, "run now", retry with backoff after a failed pass, advisory-lock leadership and
//! progress events. Services decide *when*;
//! `ingest`, `psa` and `db` decide *what*.

pub mod autotask_poller;
pub mod backoff;
pub mod importer;
pub mod missed_runs;

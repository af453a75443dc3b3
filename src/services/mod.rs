//! Long-running tokio tasks (importer, missed-run check, Autotask poller, report scheduler,
//! retention) on one [`harness`]:
//! intervals, "run now", stop, retry with backoff after a failed pass, advisory-lock leadership
//! and progress events. A service is one file implementing [`harness::Service`]. Services decide
//! *when*; `ingest`, `psa` and `db` decide *what*.

pub mod autotask_poller;
pub mod backoff;
pub mod harness;
pub mod health;
pub mod importer;
pub mod missed_runs;
pub mod report_scheduler;
pub mod retention;
pub mod running;
pub mod status;

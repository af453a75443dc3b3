//! What the database keeps about Autotask: customer ↔ company mappings, the picklist cache, the
//! ticket defaults, and the Autotask ticket of runs (set, looked up, completed, deleted,
//! renumbered). The REST calls themselves live in `psa`.

pub mod defaults;
pub mod mapping;
pub mod picklists;
pub mod run_context;
pub mod run_tickets;

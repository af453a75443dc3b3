//! The Autotask PSA: the REST client, and what the program does with it — tickets from runs,
//! customer ↔ company mappings, picklists, keeping linked tickets in sync.

pub mod autotask;
pub mod company_sync;
pub mod doctor;
pub mod picklist_cache;
pub mod ticket_flow;
pub mod ticket_sync;

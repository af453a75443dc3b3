//! The Autotask REST client: zone discovery, queries with paging, tickets, notes, companies and
//! picklists, plus [`fake`], an in-process stand-in that follows the same contract.

pub mod client;
pub mod companies;
pub mod errors;
pub mod fake;
pub mod picklists;
pub mod query;
pub mod tickets;

pub use client::{AutotaskClient, ClientOptions, Zone};
pub use companies::Company;
pub use errors::AutotaskError;
pub use picklists::{FieldInfo, PicklistValue};
pub use query::Filter;
pub use tickets::{Lookup, NewNote, NewTicket, Ticket};

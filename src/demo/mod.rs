//! The demo: a catalogue of invented customers and jobs, 35 days of their report mails fed
//! through the real ingest pipeline into a separate database, and a simulated mailbox that keeps
//! delivering reports while the demo runs.
//!
//! Everything is deterministic (one seed, no clock reads): `now` and the timezone are passed in.
//! The same `now` gives the same data; only database ids may differ, as seeding works on several
//! connections at once.

pub mod catalogue;
pub mod database;
pub mod history;
pub mod mailbox;
mod mails;
mod mime;
pub(crate) mod rng;
pub mod seed;

pub use catalogue::{Catalogue, DemoCustomer, DemoJob, Featured, Pattern, Product};
pub use database::open_demo_database;
pub use history::{GeneratedMail, HISTORY_DAYS, Intended, history};
pub use mailbox::DemoMailbox;
pub use seed::{SeedSummary, seed};

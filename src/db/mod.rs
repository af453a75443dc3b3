//! Every SQL statement of the program: one module per aggregate, migrations, the embedded
//! PostgreSQL cluster and the connection pool. Queries are checked at run time
//! (`query_as` + `FromRow`), so building never needs a live database. Functions take any
//! executor, so callers can run several of them in one transaction.

pub mod audit;
pub mod autotask;
pub mod backup;
pub mod copy_binary;
pub mod customers;
pub mod customers_import;
pub mod deletion;
pub mod demo;
pub mod embedded;
pub mod error;
pub mod feedback;
pub mod inbox;
pub mod indicators;
pub mod jobs;
pub mod jobs_transfer;
pub mod locks;
pub mod mail;
pub mod mail_batch;
pub mod missed;
pub mod notify;
pub mod open;
pub mod overrides;
pub mod parser_rules;
pub mod propagation;
pub mod remarks;
pub mod report;
pub mod report_schedules;
pub mod retention;
pub mod review;
pub mod roles;
pub mod run_objects;
pub mod runs;
pub mod schedules;
pub mod schema;
pub mod scopes;
pub mod settings;
pub mod tickets;
pub mod upkeep;
pub mod users;

pub use error::DbError;
pub use open::{Database, Target};

/// The migrations compiled into the binary; run at start-up.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Name of the application database inside the embedded cluster.
pub const EMBEDDED_DATABASE: &str = "backupchecks";

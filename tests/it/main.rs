//! The one integration-test binary: each module tests one area against real parts.

// Test code and its support helpers: a failed unwrap is a failed test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accuracy;
mod archive;
mod autotask;
mod backup;
mod cli_docs;
mod config_cli;
mod customers_csv;
mod deletion;
mod demo;
mod e2e;
mod embedded;
mod feedback;
mod graph;
mod health;
mod ingest;
mod jobs_transfer;
mod mail_batch;
mod parser_rules;
mod parsers;
mod report;
mod report_schedules;
mod retention;
mod review;
mod roles;
mod schema;
mod services;
mod support;
mod tui;
mod upkeep;
mod variants;

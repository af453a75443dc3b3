//! backupchecks: checks every morning that the customers' backups ran.
//!
//! Layers (arrows point down only):
//! `tui`/`cli` → `services` → `ingest`/`psa` → `db` → `parsers`/`domain`.
//! `domain` and `parsers` are pure: no I/O, no async, no clock reads.

pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod http;
pub mod ingest;
pub mod logging;
pub mod memory;
pub mod parsers;
pub mod paths;
pub mod psa;
pub mod reports;
pub mod services;
pub mod tui;

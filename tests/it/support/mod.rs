//! Shared test helpers.

pub mod autotask;
pub mod db;
pub mod graph;
pub mod mail;

//! Shared test helpers.

pub mod db;
pub mod graph;
pub mod mail;

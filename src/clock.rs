//! Where the current time comes from. Code that needs "now" takes a [`Clock`] so tests can fix or
//! move time; the program passes [`system`].

use chrono::{DateTime, Utc};
use std::sync::Arc;

/// A source of the current time, shared between tasks.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The wall clock.
pub fn system() -> Clock {
    Arc::new(Utc::now)
}

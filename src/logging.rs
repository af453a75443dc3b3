//! Logging to a file in the user state directory.

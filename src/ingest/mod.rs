//! Mail sources (Microsoft Graph, a folder of `.eml` files) and the pipeline that takes raw MIME
//! bytes to stored mail, parse result, job match, run + objects, overrides and propagation.

pub mod configured;
pub mod folder;
pub mod graph;
pub mod limits;
pub mod pipeline;
pub mod reparse;
pub mod rules;
pub mod source;

pub use source::{MailSource, Notices, SourceError, SourceMessage};

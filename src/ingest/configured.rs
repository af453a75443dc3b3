//! The mail source chosen at run time: a folder, or the Microsoft Graph mailbox.

use super::folder::FolderSource;
use super::graph::GraphSource;
use super::source::{MailSource, SourceError, SourceMessage};
use crate::config::GraphConfig;
use crate::db::settings::Policy;
use std::path::PathBuf;

pub enum AnySource {
    Folder(FolderSource),
    Graph(Box<GraphSource>),
}

impl AnySource {
    pub fn folder(dir: impl Into<PathBuf>) -> AnySource {
        AnySource::Folder(FolderSource::new(dir))
    }

    /// The configured mailbox, with the folders of the shared policy.
    pub fn graph(cfg: &GraphConfig, policy: &Policy) -> Result<AnySource, SourceError> {
        Ok(AnySource::Graph(Box::new(GraphSource::new(
            cfg,
            &policy.graph_inbox_folder,
            &policy.graph_processed_folder,
        )?)))
    }
}

impl MailSource for AnySource {
    fn kind(&self) -> &'static str {
        match self {
            AnySource::Folder(s) => s.kind(),
            AnySource::Graph(s) => s.kind(),
        }
    }

    fn set_notices(&mut self, notices: crate::ingest::Notices) {
        match self {
            AnySource::Folder(s) => s.set_notices(notices),
            AnySource::Graph(s) => s.set_notices(notices),
        }
    }

    fn describe(&self) -> String {
        match self {
            AnySource::Folder(s) => s.describe(),
            AnySource::Graph(s) => s.describe(),
        }
    }

    fn set_max_mail_bytes(&mut self, bytes: usize) {
        match self {
            AnySource::Folder(s) => s.set_max_mail_bytes(bytes),
            AnySource::Graph(s) => s.set_max_mail_bytes(bytes),
        }
    }

    fn stored_id(&self, msg: &SourceMessage, raw: &[u8]) -> String {
        match self {
            AnySource::Folder(s) => s.stored_id(msg, raw),
            AnySource::Graph(s) => s.stored_id(msg, raw),
        }
    }

    async fn list(&mut self) -> Result<Vec<SourceMessage>, SourceError> {
        match self {
            AnySource::Folder(s) => s.list().await,
            AnySource::Graph(s) => s.list().await,
        }
    }

    async fn fetch(&mut self, msg: &SourceMessage) -> Result<Vec<u8>, SourceError> {
        match self {
            AnySource::Folder(s) => s.fetch(msg).await,
            AnySource::Graph(s) => s.fetch(msg).await,
        }
    }

    async fn mark_processed(&mut self, msg: &SourceMessage) -> Result<(), SourceError> {
        match self {
            AnySource::Folder(s) => s.mark_processed(msg).await,
            AnySource::Graph(s) => s.mark_processed(msg).await,
        }
    }
}

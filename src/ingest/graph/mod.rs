//! Microsoft Graph mail source: drains one folder of a mailbox, oldest first, and moves each
//! stored message to the processed folder.

mod client;
mod errors;
mod folders;
mod send;

pub use client::{GraphOptions, GraphTimeouts};
pub use send::{Attachment, GraphMailer, OutgoingMail, SendError, request_body};

use crate::config::GraphConfig;
use crate::ingest::{MailSource, Notices, SourceError, SourceMessage};
use chrono::{DateTime, Utc};
use client::{Call, GraphClient};
use errors::GraphError;
use reqwest::Method;
use serde::Deserialize;

/// Reads a mailbox through Microsoft Graph with application (client-credentials) access.
pub struct GraphSource {
    client: GraphClient,
    inbox_path: String,
    processed_path: String,
    /// Resolved once per source: folder ids do not change when mail moves.
    inbox_id: Option<String>,
    processed_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListedMessage {
    id: String,
    received_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    internet_message_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct MovedMessage {
    id: String,
}

impl GraphSource {
    /// A source for `config.mailbox` that reads `inbox_path` and moves processed mail to
    /// `processed_path` (paths like `Inbox/Processed`; the first segment may be a well-known
    /// name). Nothing is sent until the first call.
    pub fn new(
        config: &GraphConfig,
        inbox_path: &str,
        processed_path: &str,
    ) -> Result<Self, SourceError> {
        Self::with_options(config, inbox_path, processed_path, GraphOptions::default())
    }

    /// As [`GraphSource::new`], with non-default paging, retry and timeout settings.
    pub fn with_options(
        config: &GraphConfig,
        inbox_path: &str,
        processed_path: &str,
        options: GraphOptions,
    ) -> Result<Self, SourceError> {
        let client = GraphClient::new(config, options).map_err(SourceError::Source)?;
        for (what, path) in [("inbox", inbox_path), ("processed", processed_path)] {
            if folders::segments(path).is_empty() {
                return Err(SourceError::Source(format!(
                    "the Graph {what} folder path is empty"
                )));
            }
        }
        Ok(GraphSource {
            client,
            inbox_path: inbox_path.to_string(),
            processed_path: processed_path.to_string(),
            inbox_id: None,
            processed_id: None,
        })
    }

    /// Signs in and resolves both folders: what `doctor` reports.
    pub async fn check(&mut self) -> Result<String, SourceError> {
        self.client.token().await.map_err(|e| self.source_err(e))?;
        self.inbox_id().await?;
        self.processed_id().await?;
        let cx = self.client.context();
        Ok(format!(
            "signed in as app {} in tenant {}; mailbox {}: folders \"{}\" and \"{}\" found",
            cx.client_id, cx.tenant, cx.mailbox, self.inbox_path, self.processed_path
        ))
    }

    async fn inbox_id(&mut self) -> Result<String, SourceError> {
        if let Some(id) = &self.inbox_id {
            return Ok(id.clone());
        }
        let id = folders::resolve(&mut self.client, &self.inbox_path)
            .await
            .map_err(|e| self.source_err(e))?;
        self.inbox_id = Some(id.clone());
        Ok(id)
    }

    async fn processed_id(&mut self) -> Result<String, SourceError> {
        if let Some(id) = &self.processed_id {
            return Ok(id.clone());
        }
        let inbox = self.inbox_id().await?;
        let id = folders::resolve(&mut self.client, &self.processed_path)
            .await
            .map_err(|e| self.source_err(e))?;
        // Moving mail into the folder it is read from would import it again every cycle.
        if id == inbox {
            return Err(SourceError::Source(format!(
                "the Graph processed folder \"{}\" is the inbox folder \"{}\"",
                self.processed_path, self.inbox_path
            )));
        }
        self.processed_id = Some(id.clone());
        Ok(id)
    }

    /// A move answered "not found": either the message is gone (moved by an interrupted
    /// cycle or by hand: all this call promises) or the processed folder is.
    async fn confirm_gone(&mut self, msg: &SourceMessage) -> Result<(), SourceError> {
        let mut url = self.client.user_url(&["messages", &msg.id]);
        url.set_query(Some("$select=id"));
        match self
            .client
            .call(Call::Lookup, Method::GET, &url, None)
            .await
        {
            Err(e) if e.has_code("ErrorItemNotFound") => {
                tracing::info!(id = %msg.id, "message already moved or deleted");
                Ok(())
            }
            Ok(_) => {
                // Resolve again next time; the folder may have been deleted or recreated.
                self.processed_id = None;
                Err(SourceError::Source(format!(
                    "cannot move mail to \"{}\" in mailbox {}: the folder no longer exists",
                    self.processed_path,
                    self.client.mailbox()
                )))
            }
            Err(e) => Err(self.message_err(e, &msg.id)),
        }
    }

    fn source_err(&self, e: GraphError) -> SourceError {
        e.into_source(&self.client.context(), None)
    }

    fn message_err(&self, e: GraphError, id: &str) -> SourceError {
        e.into_source(&self.client.context(), Some(id))
    }
}

impl MailSource for GraphSource {
    fn kind(&self) -> &'static str {
        "graph"
    }

    fn set_notices(&mut self, notices: Notices) {
        self.client.set_notices(notices);
    }

    fn describe(&self) -> String {
        format!(
            "mailbox {} folder {}",
            self.client.mailbox(),
            self.inbox_path
        )
    }

    async fn list(&mut self) -> Result<Vec<SourceMessage>, SourceError> {
        let folder = self.inbox_id().await?;
        let mut url = self.client.user_url(&["mailFolders", &folder, "messages"]);
        // Only what is used: the id to fetch and move, the time to keep the order (the
        // internet message id is logged at trace level to follow a message across moves).
        url.set_query(Some(&format!(
            "$select=id,receivedDateTime,internetMessageId\
             &$orderby=receivedDateTime%20asc&$top={}",
            self.client.options().page_size.clamp(1, 1000)
        )));
        let listed: Vec<ListedMessage> = match self.client.get_all(Call::List, url).await {
            Ok(listed) => listed,
            // The cached folder id went stale (folder deleted or recreated): resolve it again
            // next cycle, and say which folder rather than "item not found".
            Err(e) if e.has_code("ErrorItemNotFound") => {
                self.inbox_id = None;
                return Err(SourceError::Source(format!(
                    "mail folder \"{}\" in mailbox {} no longer exists",
                    self.inbox_path,
                    self.client.mailbox()
                )));
            }
            Err(e) => return Err(self.source_err(e)),
        };
        tracing::info!(
            mailbox = self.client.mailbox(),
            folder = %self.inbox_path,
            count = listed.len(),
            "listed waiting mail"
        );
        Ok(listed
            .into_iter()
            .map(|m| {
                tracing::trace!(id = %m.id, internet_message_id = ?m.internet_message_id, "waiting");
                SourceMessage {
                    id: m.id,
                    received_at: m.received_date_time,
                }
            })
            .collect())
    }

    async fn fetch(&mut self, msg: &SourceMessage) -> Result<Vec<u8>, SourceError> {
        let url = self.client.user_url(&["messages", &msg.id, "$value"]);
        self.client
            .call(Call::Fetch, Method::GET, &url, None)
            .await
            .map_err(|e| self.message_err(e, &msg.id))
    }

    async fn mark_processed(&mut self, msg: &SourceMessage) -> Result<(), SourceError> {
        let destination = self.processed_id().await?;
        let url = self.client.user_url(&["messages", &msg.id, "move"]);
        let body = serde_json::json!({ "destinationId": destination });
        match self
            .client
            .call(Call::Move, Method::POST, &url, Some(&body))
            .await
        {
            Ok(answer) => {
                // The move is done either way; the new id only helps to follow the message.
                let new_id = serde_json::from_slice::<MovedMessage>(&answer)
                    .map(|m| m.id)
                    .unwrap_or_default();
                tracing::info!(id = %msg.id, %new_id, folder = %self.processed_path, "message moved");
                Ok(())
            }
            Err(e) if e.has_code("ErrorItemNotFound") => self.confirm_gone(msg).await,
            Err(e) => Err(self.message_err(e, &msg.id)),
        }
    }
}

//! Sending mail through Microsoft Graph (`POST /users/{mailbox}/sendMail`, formats.md §2.9) with
//! the sign-in, throttling and error wording of the mail source. Graph answers 202 with no id, so
//! the caller keeps its own record; a request whose outcome is unknown is never repeated here.

use super::client::{Call, GraphClient, GraphOptions};
use super::errors::GraphError;
use crate::config::GraphConfig;
use base64::Engine;
use serde_json::{Value, json};

/// A file sent along.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// One mail to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub subject: String,
    /// HTML body.
    pub body: String,
    pub to: Vec<String>,
    pub attachments: Vec<Attachment>,
}

/// Why a mail was not (certainly) sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Graph refused the mail or could not be reached: it was not sent and may be tried again.
    #[error("{0}")]
    NotSent(String),
    /// The request went out and no answer came back: the mail may have been sent.
    #[error("{0}")]
    Unknown(String),
}

/// Sends mail as one mailbox through Microsoft Graph (application permission Mail.Send).
pub struct GraphMailer {
    client: GraphClient,
}

impl GraphMailer {
    /// Sends as `sender`, or as `graph.mailbox` when `None`. Checks the configuration only.
    pub fn new(
        config: &GraphConfig,
        sender: Option<&str>,
        options: GraphOptions,
    ) -> Result<GraphMailer, String> {
        let mut config = config.clone();
        if let Some(s) = sender.map(str::trim).filter(|s| !s.is_empty()) {
            config.mailbox = Some(s.to_string());
        }
        Ok(GraphMailer {
            client: GraphClient::new(&config, options)?,
        })
    }

    /// The mailbox the mail is sent from.
    pub fn sender(&self) -> &str {
        self.client.mailbox()
    }

    /// Sends `mail`; `Ok` when Graph accepted it (202).
    pub async fn send(&mut self, mail: &OutgoingMail) -> Result<(), SendError> {
        let url = self.client.user_url(&["sendMail"]);
        let body = request_body(mail);
        match self.client.send_once(Call::Send, &url, &body).await {
            Ok(_) => Ok(()),
            Err(e @ GraphError::Unknown { .. }) => {
                Err(SendError::Unknown(e.describe(&self.client.context())))
            }
            Err(e) => Err(SendError::NotSent(self.describe(&e))),
        }
    }

    fn describe(&self, e: &GraphError) -> String {
        let cx = self.client.context();
        match e {
            GraphError::Api { status: 403, .. } => format!(
                "sending as {} denied (HTTP 403): the app {} needs the Mail.Send application \
                 permission with admin consent, and an Exchange application access policy that \
                 includes this mailbox",
                cx.mailbox, cx.client_id
            ),
            GraphError::Api { status: 413, .. } => format!(
                "Microsoft Graph refused the mail as too large (HTTP 413); the limit is {} MB \
                 for the whole request",
                crate::domain::report_schedule::SEND_LIMIT / (1024 * 1024)
            ),
            other => other.describe(&cx),
        }
    }
}

/// The sendMail body of §2.9; the sent copy is kept in Sent Items.
pub fn request_body(mail: &OutgoingMail) -> Value {
    let to: Vec<Value> = mail
        .to
        .iter()
        .map(|a| json!({"emailAddress": {"address": a}}))
        .collect();
    let attachments: Vec<Value> = mail
        .attachments
        .iter()
        .map(|a| {
            json!({
                "@odata.type": "#microsoft.graph.fileAttachment",
                "name": a.name,
                "contentType": a.content_type,
                "contentBytes": base64::engine::general_purpose::STANDARD.encode(&a.bytes),
            })
        })
        .collect();
    let mut message = json!({
        "subject": mail.subject,
        "body": {"contentType": "HTML", "content": mail.body},
        "toRecipients": to,
    });
    if !attachments.is_empty() {
        message["attachments"] = Value::Array(attachments);
    }
    json!({"message": message, "saveToSentItems": true})
}

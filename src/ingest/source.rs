//! Where mail comes from: a source lists waiting messages oldest first, hands out their raw
//! MIME bytes, and moves a message aside once it is safely stored.

use chrono::{DateTime, Utc};
use std::future::Future;
use std::sync::Arc;

/// Where a source says what it is waiting for (a retry after a timeout, a throttled
/// request), so that the progress line shows it while it happens.
pub type Notices = Arc<dyn Fn(&str) + Send + Sync>;

/// One waiting message as a source knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceMessage {
    /// The source's id (Graph message id, file path); stable until the message is moved.
    pub id: String,
    /// Receive time as the source reports it, when it knows one.
    pub received_at: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// One message could not be read or moved; the others are unaffected.
    #[error("{id}: {message}")]
    Message { id: String, message: String },
    /// The source as a whole is unusable (wrong secret, mailbox or folder not found, ...).
    #[error("{0}")]
    Source(String),
}

/// A mailbox or folder the importer drains. Store first, then [`MailSource::mark_processed`]:
/// a crash in between leaves the message in place, and the next cycle recognises it as stored.
pub trait MailSource: Send {
    /// `graph` or `folder`: stored with each mail.
    fn kind(&self) -> &'static str;

    /// The size limit of one mail (the setting `max_mail_mb`): a source reads at most one byte
    /// more, so a larger mail is known without reading it all. Sources that cannot bound a read
    /// ignore it; the pipeline applies the limit either way.
    fn set_max_mail_bytes(&mut self, _bytes: usize) {}

    /// Sources that talk to a server announce their retries here; others ignore it.
    fn set_notices(&mut self, _notices: Notices) {}

    /// Human-readable description for progress lines ("folder /srv/mail", "mailbox x@y").
    fn describe(&self) -> String;

    /// Every waiting message, oldest first.
    fn list(&mut self) -> impl Future<Output = Result<Vec<SourceMessage>, SourceError>> + Send;

    /// The id stored with the mail to recognise it again. Defaults to the source's id; a
    /// folder, whose file names can be reused, uses the content instead.
    fn stored_id(&self, msg: &SourceMessage, _raw: &[u8]) -> String {
        msg.id.clone()
    }

    /// The raw MIME bytes of one message.
    fn fetch(
        &mut self,
        msg: &SourceMessage,
    ) -> impl Future<Output = Result<Vec<u8>, SourceError>> + Send;

    /// Moves a stored message out of the way (to the processed folder).
    fn mark_processed(
        &mut self,
        msg: &SourceMessage,
    ) -> impl Future<Output = Result<(), SourceError>> + Send;
}

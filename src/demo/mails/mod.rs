//! Report mails as the products write them (modelled on the parser fixtures in
//! `tests/fixtures/mail/`): one function per product family, plus mail no parser knows.

mod other;
mod proxmox;
mod synology;
mod veeam;

use super::catalogue::{DemoJob, Product};
use super::history::RunResult;
use super::mime::{self, Encoding, Envelope, Part};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// The raw MIME bytes of `run` as job `job` reports it, arriving at `at`.
pub fn render(
    job: &DemoJob,
    run: &RunResult,
    at: DateTime<Utc>,
    tz: Tz,
    message_id: &str,
) -> Vec<u8> {
    let r = Render {
        job,
        run,
        at,
        tz,
        message_id,
    };
    match job.product {
        Product::VeeamBackup
        | Product::VeeamBackupCopy
        | Product::VeeamReplication
        | Product::VeeamAgent => veeam::job(&r),
        Product::VeeamM365 => veeam::m365(&r),
        Product::SynologyActiveBackup => synology::active_backup(&r),
        Product::SynologyHyperBackup => synology::hyper_backup(&r),
        Product::SynologyUpdates => synology::updates(&r),
        Product::ProxmoxVzdump => proxmox::vzdump(&r),
        Product::PbsVerify | Product::PbsGarbageCollection => proxmox::pbs(&r),
        Product::Duplicati => other::duplicati(&r),
        Product::Nakivo => other::nakivo(&r),
        Product::Acronis => other::acronis(&r),
        Product::Script => other::script(&r),
    }
}

/// Everything a product template needs.
struct Render<'a> {
    job: &'a DemoJob,
    run: &'a RunResult,
    at: DateTime<Utc>,
    tz: Tz,
    message_id: &'a str,
}

impl Render<'_> {
    fn envelope<'s>(&'s self, subject: &'s str) -> Envelope<'s> {
        Envelope {
            from_name: self.job.from_name,
            from: &self.job.from,
            subject,
            at: self.at,
            tz: self.tz,
            message_id: self.message_id,
        }
    }

    /// The local time of `at` in a format.
    fn local(&self, at: DateTime<Utc>, fmt: &str) -> String {
        at.with_timezone(&self.tz).format(fmt).to_string()
    }
}

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Mail in the backup mailbox that is no report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stray {
    Newsletter,
    Bounce,
    CustomerReply,
}

/// A mail no parser recognises: it waits in the Inbox as unparsed.
pub fn stray(kind: Stray, at: DateTime<Utc>, tz: Tz) -> Vec<u8> {
    let id = format!("{}.stray.demo@msp.example", at.timestamp());
    let (from_name, from, subject, part) = match kind {
        Stray::Newsletter => (
            "StorageWorld",
            "news@storageworld.example",
            "Your monthly storage digest: 5 tips for faster restores",
            Part {
                content_type: "text/html",
                encoding: Encoding::QuotedPrintable,
                body: "<html><body><h1>Storage digest</h1><p>Tip 1: test your restores \
                       every quarter.</p><p>Tip 2: keep one copy offline.</p>\
                       <p><a href=\"https://storageworld.example/unsubscribe\">Unsubscribe</a>\
                       </p></body></html>",
            },
        ),
        Stray::Bounce => (
            "Mail Delivery System",
            "mailer-daemon@mx.msp.example",
            "Undelivered Mail Returned to Sender",
            Part {
                content_type: "text/plain",
                encoding: Encoding::EightBit,
                body: "This is the mail system at host mx.msp.example.\n\n\
                       I'm sorry to have to inform you that your message could not\n\
                       be delivered to one or more recipients.\n\n\
                       <it@oldclient.example>: host mx.oldclient.example said:\n    \
                       550 5.1.1 User unknown (in reply to RCPT TO command)\n",
            },
        ),
        Stray::CustomerReply => (
            "Marieke de Vos",
            "m.devos@lindenvos.example",
            "RE: restore of the dossier share",
            Part {
                content_type: "text/plain",
                encoding: Encoding::QuotedPrintable,
                body: "Hi,\n\nThanks, the restored folder is complete. Could you check \
                       whether last night's run also included the new scans folder?\n\n\
                       Kind regards,\nMarieke\n",
            },
        ),
    };
    let env = Envelope {
        from_name,
        from,
        subject,
        at,
        tz,
        message_id: &id,
    };
    mime::single(&env, &part)
}

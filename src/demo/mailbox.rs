//! The demo's simulated mailbox: while the demo runs, a new report from the catalogue arrives
//! every [`DemoMailbox::INTERVAL`] of wall time, for the importer to pick up like real mail.

use super::catalogue::{Catalogue, Pattern};
use super::history::{SEED, report_mail, run_result};
use super::rng::Rng;
use crate::clock::Clock;
use crate::ingest::{MailSource, SourceError, SourceMessage};
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use std::collections::BTreeSet;

/// A [`MailSource`] (kind `demo`) whose messages appear one by one as time passes: message `n`
/// arrives at `start + n × interval`, is a report of the next job in a fixed rotation, and
/// disappears from the listing once marked processed.
pub struct DemoMailbox {
    catalogue: Catalogue,
    tz: Tz,
    start: DateTime<Utc>,
    interval: TimeDelta,
    clock: Clock,
    /// Catalogue indices of the jobs that deliver, in delivery order.
    rotation: Vec<usize>,
    processed: BTreeSet<u64>,
}

impl DemoMailbox {
    /// Time between two deliveries.
    pub const INTERVAL: TimeDelta = TimeDelta::seconds(20);

    /// A mailbox that starts delivering after `start` (usually the moment seeding finished).
    pub fn new(
        tz: Tz,
        start: DateTime<Utc>,
        clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static,
    ) -> DemoMailbox {
        let catalogue = Catalogue::standard();
        // Every job that still mails, shuffled once, so consecutive deliveries vary.
        let mut rotation: Vec<usize> = catalogue
            .jobs
            .iter()
            .enumerate()
            .filter(|(_, j)| !j.informational() && !matches!(j.pattern, Pattern::SilentFor(_)))
            .map(|(i, _)| i)
            .collect();
        let mut rng = Rng::new(SEED ^ 0x6d61_696c);
        for i in (1..rotation.len()).rev() {
            let j = usize::try_from(rng.below(i as u64 + 1)).unwrap_or(0);
            rotation.swap(i, j);
        }
        DemoMailbox {
            catalogue,
            tz,
            start,
            interval: Self::INTERVAL,
            clock: std::sync::Arc::new(clock),
            rotation,
            processed: BTreeSet::new(),
        }
    }

    /// Another delivery interval (at least one second).
    pub fn with_interval(mut self, interval: TimeDelta) -> DemoMailbox {
        self.interval = interval.max(TimeDelta::seconds(1));
        self
    }

    /// How many messages have arrived so far.
    pub fn delivered(&self) -> u64 {
        let elapsed = (self.clock)() - self.start;
        u64::try_from(elapsed.num_milliseconds() / self.interval.num_milliseconds().max(1))
            .unwrap_or(0)
    }

    /// When the next message arrives.
    pub fn next_delivery(&self) -> DateTime<Utc> {
        self.arrival(self.delivered() + 1)
    }

    fn arrival(&self, n: u64) -> DateTime<Utc> {
        let n = i32::try_from(n).unwrap_or(i32::MAX);
        self.start + self.interval * n
    }

    /// The raw mail of message `n` (1-based).
    fn message(&self, n: u64) -> Option<Vec<u8>> {
        let len = self.rotation.len() as u64;
        let index = *self
            .rotation
            .get(usize::try_from((n.checked_sub(1)?) % len.max(1)).ok()?)?;
        let job = self.catalogue.jobs.get(index)?;
        let at = self.arrival(n);
        let date = at.with_timezone(&self.tz).date_naive();
        let mut rng = Rng::for_parts(&[SEED, index as u64, n]);
        let mut run = run_result(job, 0, date, &mut rng);
        if job.product.mail_per_object() && run.objects.len() > 1 {
            // One device per delivery, as those products mail per device.
            let pick = usize::try_from(n % run.objects.len() as u64).unwrap_or(0);
            let object = run.objects.swap_remove(pick);
            run.status = object.status;
            run.objects = vec![object];
        }
        Some(report_mail(job, index, run, at, self.tz, 0).raw)
    }
}

fn number(msg: &SourceMessage) -> Result<u64, SourceError> {
    msg.id
        .strip_prefix("demo-")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| SourceError::Message {
            id: msg.id.clone(),
            message: "not a demo message".into(),
        })
}

impl MailSource for DemoMailbox {
    fn kind(&self) -> &'static str {
        "demo"
    }

    fn describe(&self) -> String {
        format!(
            "demo mailbox (a report every {} s)",
            self.interval.num_seconds()
        )
    }

    async fn list(&mut self) -> Result<Vec<SourceMessage>, SourceError> {
        Ok((1..=self.delivered())
            .filter(|n| !self.processed.contains(n))
            .map(|n| SourceMessage {
                id: format!("demo-{n}"),
                received_at: Some(self.arrival(n)),
            })
            .collect())
    }

    async fn fetch(&mut self, msg: &SourceMessage) -> Result<Vec<u8>, SourceError> {
        let n = number(msg)?;
        if n > self.delivered() {
            return Err(SourceError::Message {
                id: msg.id.clone(),
                message: "not delivered yet".into(),
            });
        }
        self.message(n).ok_or_else(|| SourceError::Message {
            id: msg.id.clone(),
            message: "no such message".into(),
        })
    }

    async fn mark_processed(&mut self, msg: &SourceMessage) -> Result<(), SourceError> {
        let n = number(msg)?;
        self.processed.insert(n);
        Ok(())
    }
}

//! The service harness, once for every service: leadership across two processes on one
//! database, "run now", a bounded stop, and retry with backoff after a failed pass.

use crate::support::db::TestDb;
use backupchecks::db::locks;
use backupchecks::services::backoff::Backoff;
use backupchecks::services::harness::{self, Contended, PassContext, ServiceHandle, Step};
use sqlx::PgPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// A service whose pass takes `hold`, reads the database and counts itself. `WAIT` chooses what
/// a process does while another one leads.
struct Probe<const WAIT: bool> {
    passes: Arc<AtomicUsize>,
    hold: Duration,
}

impl<const WAIT: bool> harness::Service for Probe<WAIT> {
    type Report = usize;
    type Event = Step<usize>;
    const NAME: &'static str = "probe";
    const LOCK: locks::Service = locks::Service::MissedRuns;
    const CONTENDED: Contended = if WAIT {
        Contended::Wait
    } else {
        Contended::Skip
    };
    const RUN_AT_START: bool = false;

    async fn interval(&mut self, _pool: &PgPool) -> Result<Option<Duration>, String> {
        // Longer than any test: a pass comes only from "run now" or a retry.
        Ok(Some(Duration::from_secs(3600)))
    }

    async fn pass(&mut self, cx: &PassContext<Step<usize>>) -> Result<usize, String> {
        tokio::time::sleep(self.hold).await;
        sqlx::query("SELECT 1")
            .execute(&cx.pool)
            .await
            .map_err(|e| e.to_string())?;
        Ok(self.passes.fetch_add(1, Ordering::SeqCst) + 1)
    }

    fn event(step: Step<usize>) -> Option<Step<usize>> {
        Some(step)
    }
}

type Events = mpsc::UnboundedReceiver<Step<usize>>;

fn start<const WAIT: bool>(
    pool: &PgPool,
    passes: &Arc<AtomicUsize>,
    hold: Duration,
    retry: Backoff,
) -> (ServiceHandle, Events) {
    let (tx, rx) = mpsc::unbounded_channel();
    let probe = Probe::<WAIT> {
        passes: Arc::clone(passes),
        hold,
    };
    (harness::spawn(pool.clone(), probe, tx, retry), rx)
}

async fn next(rx: &mut Events) -> Step<usize> {
    tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("an event within 30 s")
        .expect("the service is running")
}

/// The end of one attempt: the steps up to Finished, Skipped or Failed.
async fn attempt(rx: &mut Events) -> Vec<Step<usize>> {
    let mut steps = Vec::new();
    loop {
        let step = next(rx).await;
        let end = matches!(
            step,
            Step::Finished(_) | Step::Skipped | Step::Failed { .. }
        );
        steps.push(step);
        if end {
            return steps;
        }
    }
}

#[tokio::test]
async fn runs_only_when_asked_and_requests_during_a_pass_bring_one_more() {
    let t = TestDb::new().await;
    let passes = Arc::new(AtomicUsize::new(0));
    let (h, mut rx) = start::<false>(
        &t.pool,
        &passes,
        Duration::from_millis(300),
        Backoff::default(),
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(300), rx.recv())
            .await
            .is_err(),
        "no pass before the interval or a request"
    );
    h.run_now();
    assert_eq!(next(&mut rx).await, Step::Started);
    // Three requests during the pass are one pending request: one more pass after it.
    let trigger = h.trigger();
    h.run_now();
    trigger();
    trigger();
    assert_eq!(attempt(&mut rx).await, [Step::Finished(1)]);
    assert_eq!(attempt(&mut rx).await, [Step::Started, Step::Finished(2)]);
    assert!(
        tokio::time::timeout(Duration::from_millis(500), rx.recv())
            .await
            .is_err(),
        "requests are not queued one by one"
    );
    h.stop().await;
    assert!(rx.recv().await.is_none(), "the task ended");
}

#[tokio::test]
async fn of_two_processes_on_one_database_only_the_leader_runs_a_pass() {
    let t = TestDb::new().await;
    let passes = Arc::new(AtomicUsize::new(0));
    let hold = Duration::from_millis(800);
    let (a, mut ra) = start::<false>(&t.pool, &passes, hold, Backoff::default());
    let (b, mut rb) = start::<false>(&t.pool, &passes, hold, Backoff::default());
    a.run_now();
    assert_eq!(next(&mut ra).await, Step::Started);
    // A leads for the whole pass: B skips, since A's pass covers it.
    b.run_now();
    assert_eq!(attempt(&mut rb).await, [Step::Skipped]);
    assert_eq!(attempt(&mut ra).await, [Step::Finished(1)]);
    assert_eq!(passes.load(Ordering::SeqCst), 1, "one pass in all");
    // The lock is let go after the pass: B leads now.
    b.run_now();
    assert_eq!(attempt(&mut rb).await, [Step::Started, Step::Finished(2)]);
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn a_waiting_service_says_so_and_runs_after_the_leader() {
    let t = TestDb::new().await;
    let passes = Arc::new(AtomicUsize::new(0));
    let other = locks::acquire(&t.pool, locks::Service::MissedRuns)
        .await
        .unwrap();
    let (h, mut rx) = start::<true>(&t.pool, &passes, Duration::ZERO, Backoff::default());
    h.run_now();
    assert_eq!(
        next(&mut rx).await,
        Step::Waiting("another probe is running; waiting".into())
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        passes.load(Ordering::SeqCst),
        0,
        "no pass while the other leads"
    );
    other.release().await.unwrap();
    assert_eq!(attempt(&mut rx).await, [Step::Started, Step::Finished(1)]);
    h.stop().await;
}

#[tokio::test]
async fn a_failed_pass_is_tried_again_after_the_backoff_not_at_the_next_interval() {
    let t = TestDb::new().await;
    let passes = Arc::new(AtomicUsize::new(0));
    let retry = Backoff::new(Duration::from_millis(200), Duration::from_millis(400));
    let (h, mut rx) = start::<false>(&t.pool, &passes, Duration::ZERO, retry);
    t.refuse_connections().await;
    h.run_now();
    let Step::Failed { retry_in, .. } = next(&mut rx).await else {
        panic!("the outage is reported as a failure")
    };
    assert_eq!(retry_in, Duration::from_millis(200));
    // The delays grow while the outage lasts.
    let Step::Failed { retry_in, .. } = next(&mut rx).await else {
        panic!("tried again and failed again")
    };
    assert_eq!(retry_in, Duration::from_millis(400));
    t.allow_connections().await;
    // Nobody asks again; the interval is an hour: only the retry brings this pass.
    let finished = loop {
        match next(&mut rx).await {
            Step::Finished(n) => break n,
            Step::Failed { .. } | Step::Started => {}
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(finished, 1);
    h.stop().await;
}

#[tokio::test]
async fn stop_waits_for_a_pass_but_not_for_ever() {
    let t = TestDb::new().await;
    let passes = Arc::new(AtomicUsize::new(0));
    // A pass in progress finishes before the service stops.
    let (h, mut rx) = start::<false>(
        &t.pool,
        &passes,
        Duration::from_millis(500),
        Backoff::default(),
    );
    h.run_now();
    assert_eq!(next(&mut rx).await, Step::Started);
    h.stop().await;
    assert_eq!(next(&mut rx).await, Step::Finished(1));
    assert!(rx.recv().await.is_none(), "stopped after its pass");

    // A pass that hangs is abandoned after the bounded wait, and its lock is free again.
    let (h, mut rx) = start::<false>(
        &t.pool,
        &passes,
        Duration::from_secs(3600),
        Backoff::default(),
    );
    h.run_now();
    assert_eq!(next(&mut rx).await, Step::Started);
    let began = Instant::now();
    h.stop().await;
    let took = began.elapsed();
    assert!(
        took >= harness::STOP_WAIT && took < harness::STOP_WAIT + Duration::from_secs(3),
        "{took:?}"
    );
    assert!(rx.recv().await.is_none(), "the task is gone");
    let mut free = None;
    for _ in 0..100 {
        free = locks::try_acquire(&t.pool, locks::Service::MissedRuns)
            .await
            .unwrap();
        if free.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    free.expect("the abandoned pass let go of the lock")
        .release()
        .await
        .unwrap();
}

/// A service whose every pass fails.
struct Broken;

impl harness::Service for Broken {
    type Report = ();
    type Event = Step<()>;
    const NAME: &'static str = "broken";
    const LOCK: locks::Service = locks::Service::MissedRuns;
    const CONTENDED: Contended = Contended::Skip;
    const RUN_AT_START: bool = true;

    async fn interval(&mut self, _pool: &PgPool) -> Result<Option<Duration>, String> {
        Ok(Some(Duration::from_secs(3600)))
    }

    async fn pass(&mut self, _cx: &PassContext<Step<()>>) -> Result<(), String> {
        Err("the mailbox refused the login".into())
    }

    fn event(step: Step<()>) -> Option<Step<()>> {
        Some(step)
    }
}

#[tokio::test]
async fn a_service_that_failed_three_attempts_in_a_row_makes_health_unhealthy() {
    use backupchecks::services::health;
    let t = TestDb::new().await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let retry = Backoff::new(Duration::from_millis(20), Duration::from_millis(20));
    let h = harness::spawn(t.pool.clone(), Broken, tx, retry);
    let status = h.status();
    let mut failed = 0;
    let mut reports = Vec::new();
    while failed < 3 {
        if let Step::Failed { .. } = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .unwrap()
            .unwrap()
        {
            failed += 1;
            // The report of a process whose service has failed `failed` times so far.
            reports.push(health::check(&t.pool, std::slice::from_ref(&status)).await);
        }
    }
    assert!(reports[0].is_healthy(), "one failure is a blip");
    assert!(reports[1].is_healthy(), "two are too");
    let third = &reports[2];
    assert!(!third.is_healthy());
    assert_eq!(
        third.problems,
        ["broken failed its last 3 attempts: the mailbox refused the login"]
    );
    let s = &third.services[0];
    assert!(s.last_start.is_some() && s.last_finish.is_some());
    assert!(s.next_run.is_some(), "the retry is due: {s:?}");
    h.stop().await;
}

/// A service of lock number `L` whose pass works on a connection of its own for a while: five of
/// them starting at once need two connections each (leadership and work).
struct Holder<const L: u8>;

impl<const L: u8> harness::Service for Holder<L> {
    type Report = usize;
    type Event = Step<usize>;
    const NAME: &'static str = "holder";
    const LOCK: locks::Service = match L {
        0 => locks::Service::Importer,
        1 => locks::Service::MissedRuns,
        2 => locks::Service::AutotaskPoller,
        3 => locks::Service::Reports,
        _ => locks::Service::Retention,
    };
    const CONTENDED: Contended = Contended::Skip;
    const RUN_AT_START: bool = true;

    async fn interval(&mut self, _pool: &PgPool) -> Result<Option<Duration>, String> {
        Ok(Some(Duration::from_secs(3600)))
    }

    async fn pass(&mut self, cx: &PassContext<Step<usize>>) -> Result<usize, String> {
        let mut conn = cx.pool.acquire().await.map_err(|e| e.to_string())?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        sqlx::query("SELECT 1")
            .execute(&mut *conn)
            .await
            .map_err(|e| e.to_string())?;
        Ok(1)
    }

    fn event(step: Step<usize>) -> Option<Step<usize>> {
        Some(step)
    }
}

#[tokio::test]
async fn every_service_starting_at_once_gets_its_connections_from_the_services_pool() {
    let t = TestDb::new().await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(backupchecks::db::open::SERVICE_CONNECTIONS)
        .acquire_timeout(Duration::from_secs(5))
        .connect(&t.url())
        .await
        .unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let retry = Backoff::default();
    let handles = vec![
        harness::spawn(pool.clone(), Holder::<0>, tx.clone(), retry),
        harness::spawn(pool.clone(), Holder::<1>, tx.clone(), retry),
        harness::spawn(pool.clone(), Holder::<2>, tx.clone(), retry),
        harness::spawn(pool.clone(), Holder::<3>, tx.clone(), retry),
        harness::spawn(pool.clone(), Holder::<4>, tx, retry),
    ];
    let mut finished = 0;
    while finished < 5 {
        match next(&mut rx).await {
            Step::Finished(_) => finished += 1,
            Step::Failed { message, .. } => panic!("a service starved: {message}"),
            _ => {}
        }
    }
    for h in handles {
        h.stop().await;
    }
}

//! Lists opened from another pane: Enter on a customer shows its jobs under a banner, `F` (or
//! `Esc`) shows everything again; the same banner over Run Checks opened from a ticket.

use super::{app, fixture, keys, ready, screen};
use backupchecks::tui::panes::Pane;

#[tokio::test]
async fn enter_on_a_customer_shows_its_jobs_under_a_banner_that_f_clears() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "5").await;
    let customer = a.customers_pane.current().unwrap().clone();
    assert_eq!(customer.name, "Acme Dental");
    keys(&mut a, "\n").await;
    assert_eq!(a.pane, Pane::Jobs);
    let shown: Vec<String> = a
        .jobs
        .visible()
        .into_iter()
        .map(|i| {
            a.jobs.data.as_ref().unwrap().rows[i]
                .job
                .customer_name
                .clone()
        })
        .collect();
    assert_eq!(shown, ["Acme Dental"], "only the customer's jobs");
    let s = screen(&mut a, 100, 24);
    let banner = s.lines().nth(1).unwrap();
    assert!(
        banner.contains("Showing customer Acme Dental · from Customers · F shows all"),
        "{s}"
    );

    keys(&mut a, "F").await;
    assert_eq!(a.jobs.visible().len(), 3, "every job again");
    let s = screen(&mut a, 100, 24);
    assert!(!s.contains("Showing customer"), "{s}");
    assert!(s.lines().nth(1).unwrap().contains("Jobs — 3"), "{s}");

    // Esc clears it too; and F with nothing opened says so instead of acting.
    keys(&mut a, "5j\n").await;
    assert_eq!(a.jobs.visible().len(), 2, "Bakker & Zn has two jobs");
    keys(&mut a, "\u{1b}").await;
    assert_eq!(a.jobs.visible().len(), 3);
    assert!(a.jobs.list.banner.is_none());
    keys(&mut a, "F").await;
    assert!(
        a.toasts
            .last()
            .unwrap()
            .text
            .contains("not opened with a filter")
    );
}

#[tokio::test]
async fn run_checks_opened_from_a_ticket_shows_the_same_banner() {
    let t = fixture().await;
    let mut a = app(&t);
    ready(&mut a).await;
    // A ticket on the cursor job, made from Run Checks.
    keys(&mut a, "3tn\n").await;
    assert!(a.overlay.is_none());
    keys(&mut a, "6\n").await;
    assert_eq!(a.pane, Pane::RunChecks);
    let s = screen(&mut a, 120, 30);
    assert!(
        s.contains("Showing “Acme Dental Daily VM Backup” · from Tickets & Remarks · F shows all"),
        "{s}"
    );
    keys(&mut a, "F").await;
    assert!(a.run_checks.jobs.filter.is_empty());
    assert!(!screen(&mut a, 120, 30).contains("Showing"));
}

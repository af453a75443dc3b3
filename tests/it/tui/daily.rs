//! Daily Jobs: weekday letters over the days, one sign per meaning, and jobs of one name told
//! apart.

use super::{app, approve, date, fixture, ingest, keys, ready, screen};
use crate::support::mail::generic;

#[tokio::test]
async fn days_carry_their_weekday_and_jobs_of_one_name_show_software_and_type() {
    let t = fixture().await;
    // A second "Daily VM Backup", of another customer.
    let id = ingest(
        &t,
        generic(
            "other-1@x",
            "backup@meridian.example",
            "Daily VM Backup",
            "Success",
            &date(19, 21),
        ),
    )
    .await;
    approve(&t, id, "Meridian Architects").await;
    let mut a = app(&t);
    ready(&mut a).await;
    keys(&mut a, "2").await;
    let s = screen(&mut a, 160, 30);
    // 20 November 2026 is a Friday, the 16th a Monday.
    assert!(s.contains(" M16") && s.contains(" F20"), "{s}");
    let rows: Vec<&str> = s
        .lines()
        .filter(|l| l.contains("Daily VM Backup"))
        .collect();
    assert_eq!(rows.len(), 2, "{s}");
    assert!(
        rows.iter().all(|r| r.contains("Daily VM Backup (")),
        "{rows:?}"
    );
}

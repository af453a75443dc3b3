//! Schedule learning and Missed runs against a generated history whose truth is known: 42 jobs
//! of 10 customers over 60 days (near-midnight jobs, Mon–Fri, several weekdays, 1st and 15th,
//! jobs on UTC and New York clocks, the end of summer time in the back-fill week, a changed
//! schedule, a young job), imported through the folder importer before approval, then approved
//! and checked. The figures are printed (`--nocapture`) and by `cargo bench --bench accuracy`.

pub mod corpus;
pub mod evaluate;

use crate::support::db::TestDb;

#[tokio::test]
async fn missed_runs_from_imported_history_are_precise_and_complete() {
    let t = TestDb::new().await;
    let corpus = corpus::onboarding();
    let dir = tempfile::tempdir().unwrap();
    evaluate::import_history(&t.pool, &corpus, dir.path())
        .await
        .unwrap();
    evaluate::approve_all(&t.pool, &corpus).await.unwrap();
    let figures = evaluate::pass_and_score(&t.pool, &corpus).await.unwrap();
    let report = figures.report();
    println!("{report}");
    assert!(
        figures.positives() >= 30,
        "too few misses to score:\n{report}"
    );
    assert_eq!(figures.false_positives(), 0, "{report}");
    assert!(figures.recall() >= 0.95, "{report}");
    assert!(figures.schedule_accuracy() >= 0.9, "{report}");
}

#[tokio::test]
async fn the_same_history_approved_through_a_job_list_gives_the_same_missed_runs() {
    let t = TestDb::new().await;
    let corpus = corpus::onboarding();
    let dir = tempfile::tempdir().unwrap();
    evaluate::import_history(&t.pool, &corpus, dir.path())
        .await
        .unwrap();
    evaluate::approve_by_job_list(&t.pool, &corpus)
        .await
        .unwrap();
    let figures = evaluate::pass_and_score(&t.pool, &corpus).await.unwrap();
    let report = figures.report();
    assert_eq!(figures.false_positives(), 0, "{report}");
    assert!(figures.recall() >= 0.95, "{report}");
    assert!(figures.positives() >= 30, "{report}");
}

//! Review decisions on the device: kept once by id with the pulled page and the decision
//! feed's cursor, read as the report's latest, "changed since" after a later edit.

use serde_json::{Value, json};
use terrain_domain::{ReviewDecision, ReviewState, ValidReport, check, parse_json};
use terrain_store::Store;
use uuid::Uuid;

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

fn report(edit: impl FnOnce(&mut Value)) -> ValidReport {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    edit(&mut v);
    check(
        parse_json(&v.to_string()).unwrap(),
        chrono::Local::now().date_naive(),
    )
    .unwrap()
}

fn decision(
    report: Uuid,
    revision: Uuid,
    state: ReviewState,
    comment: Option<&str>,
) -> ReviewDecision {
    ReviewDecision {
        id: Uuid::now_v7(),
        report_id: report,
        revision,
        state,
        comment: comment.map(str::to_string),
        by: "fanta".into(),
        at: "2026-11-28T10:00:00Z".into(),
    }
}

#[test]
fn decisions_are_kept_once_with_their_cursor_and_an_edit_after_shows_a_change() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let first = store.save(report(|_| {}), "awa").unwrap().revision;
    let id = first.report_id;
    assert_eq!(store.review(id).unwrap(), None);
    assert_eq!(store.reviews_cursor().unwrap(), 0);

    let asked = decision(
        id,
        first.id,
        ReviewState::NeedsFollowUp,
        Some("Which plants?"),
    );
    let applied = store
        .apply_pulled_page(vec![], 0, std::slice::from_ref(&asked), Some(3), "sync")
        .unwrap();
    assert_eq!(applied.reviews, 1);
    assert_eq!(store.reviews_cursor().unwrap(), 3);
    let verified = decision(id, first.id, ReviewState::Verified, None);
    let again = store
        .apply_pulled_page(
            vec![],
            0,
            &[asked.clone(), verified.clone()],
            Some(5),
            "sync",
        )
        .unwrap();
    assert_eq!(again.reviews, 1, "a decision received twice is kept once");
    assert_eq!(store.reviews(id).unwrap(), [asked, verified.clone()]);
    let review = store.review(id).unwrap().unwrap();
    assert_eq!(review.decision, verified);
    assert!(!review.changed_since);

    // A page without decisions (an older server) leaves the decision cursor where it was.
    store
        .apply_pulled_page(vec![], 0, &[], None, "sync")
        .unwrap();
    assert_eq!(store.reviews_cursor().unwrap(), 5);

    let edited = store
        .save(
            report(|v| v["title"] = json!("Attaque des usines, bilan revu")),
            "awa",
        )
        .unwrap();
    assert!(!edited.unchanged);
    let review = store.review(id).unwrap().unwrap();
    assert_eq!(review.decision, verified, "the decision survives the edit");
    assert!(review.changed_since, "changed since verified");

    // A decision on a report not on this device yet is kept until the report arrives.
    let elsewhere = decision(
        Uuid::now_v7(),
        Uuid::now_v7(),
        ReviewState::Rejected,
        Some("Doublon"),
    );
    store
        .apply_pulled_page(vec![], 0, std::slice::from_ref(&elsewhere), Some(6), "sync")
        .unwrap();
    assert_eq!(store.reviews(elsewhere.report_id).unwrap(), [elsewhere]);
}

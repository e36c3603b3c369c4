//! Review decisions (issue 14): every engine appends them in order, gives a report's history
//! and latest decision, and serves the decision feed by region without skipping one that
//! commits late.

use crate::{event, incoming, no_audit, revision};
use chrono::Utc;
use std::collections::HashSet;
use std::sync::Arc;
use terrain_domain::{ReviewDecision, ReviewState};
use terrain_server_store::{ServerStore, actions};
use uuid::Uuid;

fn decision(
    report: Uuid,
    revision: Uuid,
    state: ReviewState,
    comment: Option<&str>,
    by: &str,
) -> ReviewDecision {
    ReviewDecision {
        id: Uuid::now_v7(),
        report_id: report,
        revision,
        state,
        comment: comment.map(str::to_string),
        by: by.into(),
        at: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

async fn decide(store: &dyn ServerStore, d: &ReviewDecision) -> i64 {
    let detail = format!("report {} {}", d.report_id, d.state.key());
    store
        .review(d, event(Utc::now(), Some(&d.by), actions::REVIEW, &detail))
        .await
        .unwrap()
}

/// Runs every check against an empty store.
pub async fn run(store: Arc<dyn ServerStore>) {
    decisions_are_kept_in_order_and_fed_by_region(&*store).await;
    concurrent_decisions_never_let_the_feed_skip(store).await;
}

async fn decisions_are_kept_in_order_and_fed_by_region(store: &dyn ServerStore) {
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let (a1, b1) = (
        revision(a, "Kayes", "à revoir", vec![]),
        revision(b, "Gao", "ailleurs", vec![]),
    );
    store
        .push(vec![incoming(&a1), incoming(&b1)], no_audit())
        .await
        .unwrap();
    let empty = store.review_feed(0, 10, None).await.unwrap();
    assert!(empty.items.is_empty() && !empty.more);
    assert_eq!(empty.next, 0);
    assert!(store.reviews(a).await.unwrap().is_empty());
    assert_eq!(store.report_of(a1.id).await.unwrap(), Some(a));
    assert_eq!(store.report_of(Uuid::now_v7()).await.unwrap(), None);

    let asked = decision(
        a,
        a1.id,
        ReviewState::NeedsFollowUp,
        Some("Quelles usines ? « Kalana » ou كالانا"),
        "fanta",
    );
    let s1 = decide(store, &asked).await;
    let elsewhere = decision(b, b1.id, ReviewState::Rejected, Some("Doublon"), "bina");
    let s2 = decide(store, &elsewhere).await;
    let verified = decision(a, a1.id, ReviewState::Verified, None, "fanta");
    let s3 = decide(store, &verified).await;
    assert!(
        0 < s1 && s1 < s2 && s2 < s3,
        "positions {s1} {s2} {s3} in order"
    );

    assert_eq!(
        store.reviews(a).await.unwrap(),
        [asked.clone(), verified.clone()],
        "a report's history, oldest first, as decided"
    );
    let mut latest = store
        .latest_reviews(vec![a, b, Uuid::now_v7()])
        .await
        .unwrap();
    latest.sort_by_key(|d| d.report_id);
    assert_eq!(latest, [verified.clone(), elsewhere.clone()]);

    let kayes = Some(vec!["Kayes".to_string()]);
    let page = store.review_feed(0, 10, kayes.clone()).await.unwrap();
    let got: Vec<_> = page.items.iter().map(|(_, d)| d.clone()).collect();
    assert_eq!(
        got,
        [asked.clone(), verified.clone()],
        "Kayes reads Kayes only"
    );
    assert_eq!((page.next, page.more), (s3, false));
    let first = store.review_feed(0, 1, kayes.clone()).await.unwrap();
    assert_eq!(first.items, [(s1, asked.clone())]);
    assert!(first.more);
    assert_eq!(first.next, s1);
    let rest = store
        .review_feed(first.next, 1, kayes.clone())
        .await
        .unwrap();
    assert_eq!(rest.items, [(s3, verified.clone())]);
    let after = store.review_feed(s3, 10, kayes).await.unwrap();
    assert!(after.items.is_empty() && !after.more);
    assert_eq!(after.next, s3, "an empty page keeps the cursor");
    let all = store.review_feed(0, 10, None).await.unwrap();
    assert_eq!(all.items.len(), 3, "an administrator reads every region");

    let audit = store
        .audit(&terrain_server_store::AuditQuery {
            since: None,
            user: Some("fanta".into()),
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(
        audit.iter().filter(|e| e.action == actions::REVIEW).count(),
        2,
        "each decision audited"
    );
}

/// Reviewers deciding at once while a reader follows the feed: the reader ends with every
/// decision, each once.
async fn concurrent_decisions_never_let_the_feed_skip(store: Arc<dyn ServerStore>) {
    let start = store.review_feed(0, 100_000, None).await.unwrap().next;
    let report = Uuid::now_v7();
    let rev = revision(report, "Mopti", "souvent revu", vec![]);
    store.push(vec![incoming(&rev)], no_audit()).await.unwrap();
    let (writers, each) = (4, 10);
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for _ in 0..each {
                    let d = decision(
                        report,
                        rev.id,
                        ReviewState::Verified,
                        None,
                        &format!("r{w}"),
                    );
                    decide(&*store, &d).await;
                    ids.push(d.id);
                }
                ids
            })
        })
        .collect();
    let (mut seen, mut cursor) = (HashSet::new(), start);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while seen.len() < writers * each {
        assert!(
            std::time::Instant::now() < deadline,
            "the feed lost decisions"
        );
        let page = store.review_feed(cursor, 7, None).await.unwrap();
        for (_, d) in page.items {
            assert!(seen.insert(d.id), "decision {} given twice", d.id);
        }
        cursor = page.next;
        tokio::task::yield_now().await;
    }
    let mut made = HashSet::new();
    for t in tasks {
        made.extend(t.await.unwrap());
    }
    assert_eq!(seen, made);
}

//! Review decisions on SQLite: the shared checks, and verifications made before reviews
//! existed kept as `verified` decisions on the report's head.

use std::sync::Arc;
use terrain_domain::ReviewState;
use terrain_server_conformance as conformance;
use terrain_server_sqlite::SqliteStore;
use terrain_server_store::ServerStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_engine_keeps_and_feeds_decisions_as_every_engine() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("server.db")).unwrap();
    conformance::reviews::run(Arc::new(store)).await;
}

#[tokio::test]
async fn verifications_before_reviews_become_verified_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    let report = uuid::Uuid::now_v7();
    let rev = conformance::revision(report, "Kayes", "Vérifié avant les revues", vec![]);
    {
        let old = rusqlite::Connection::open(&path).unwrap();
        old.execute_batch(include_str!("schema_v1.sql")).unwrap();
        old.execute(
            "INSERT INTO revisions (id, report_id, region, revision, received_at)
             VALUES (?1, ?2, 'Kayes', ?3, '2026-01-01T00:00:00Z')",
            rusqlite::params![
                rev.id.to_string(),
                report.to_string(),
                serde_json::to_string(&rev).unwrap()
            ],
        )
        .unwrap();
        old.execute(
            "INSERT INTO heads (report_id, rev_id) VALUES (?1, ?2)",
            [report.to_string(), rev.id.to_string()],
        )
        .unwrap();
        old.execute(
            "INSERT INTO verifications (report_id, by_user, at)
             VALUES (?1, 'fanta', '2026-01-02T10:00:00+00:00')",
            [report.to_string()],
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    let kept = store.reviews(report).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].state, ReviewState::Verified);
    assert_eq!(kept[0].by, "fanta");
    assert_eq!(kept[0].revision, rev.id, "the head at the upgrade");
    assert_eq!(kept[0].at, "2026-01-02T10:00:00+00:00");
    let feed = store
        .review_feed(0, 10, Some(vec!["Kayes".into()]))
        .await
        .unwrap();
    assert_eq!(feed.items.len(), 1, "devices receive it");
}

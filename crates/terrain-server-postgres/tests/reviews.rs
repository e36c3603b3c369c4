//! Review decisions on PostgreSQL: the shared checks (writers lock the table, so the feed
//! never skips), and verifications made before reviews existed kept as `verified` decisions
//! on the report's head. Each in a fresh schema.

mod common;

use common::{connect, url};
use std::sync::Arc;
use terrain_domain::ReviewState;
use terrain_server_conformance as conformance;
use terrain_server_postgres::{PgStore, drop_schema};
use terrain_server_store::ServerStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_engine_keeps_and_feeds_decisions_as_every_engine() {
    let schema = format!("reviews_{}", uuid::Uuid::now_v7().simple());
    let Some(store) = connect(&schema).await else {
        return;
    };
    conformance::reviews::run(Arc::new(store)).await;
    drop_schema(&url(), &schema).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verifications_before_reviews_become_verified_decisions() {
    let schema = format!("reviews_up_{}", uuid::Uuid::now_v7().simple());
    if connect(&format!("{schema}_probe")).await.is_none() {
        return;
    }
    drop_schema(&url(), &format!("{schema}_probe"))
        .await
        .unwrap();
    let old = common::raw().await;
    old.batch_execute(&format!(
        "CREATE SCHEMA {schema}; SET search_path = {schema}; {}",
        include_str!("schema_v1.sql")
    ))
    .await
    .unwrap();
    let report = uuid::Uuid::now_v7();
    let rev = conformance::revision(report, "Kayes", "Vérifié avant les revues", vec![]);
    old.execute(
        "INSERT INTO revisions (seq, id, report_id, region, revision) VALUES (1, $1, $2, 'Kayes', $3)",
        &[&rev.id, &report, &serde_json::to_string(&rev).unwrap()],
    )
    .await
    .unwrap();
    old.execute(
        "INSERT INTO heads (report_id, rev_id) VALUES ($1, $2)",
        &[&report, &rev.id],
    )
    .await
    .unwrap();
    old.execute(
        "INSERT INTO verifications (report_id, by_user, at)
         VALUES ($1, 'fanta', '2026-01-02T10:00:00Z')",
        &[&report],
    )
    .await
    .unwrap();
    let store = PgStore::connect(&url(), &schema).await.unwrap();
    let kept = store.reviews(report).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].state, ReviewState::Verified);
    assert_eq!(kept[0].by, "fanta");
    assert_eq!(kept[0].revision, rev.id, "the head at the upgrade");
    assert_eq!(kept[0].at, "2026-01-02T10:00:00Z");
    let feed = store
        .review_feed(0, 10, Some(vec!["Kayes".into()]))
        .await
        .unwrap();
    assert_eq!(feed.items.len(), 1, "devices receive it");
    drop_schema(&url(), &schema).await.unwrap();
}

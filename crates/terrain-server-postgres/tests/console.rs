//! The console's reading side on PostgreSQL: the shared checks (full text with `unaccent`),
//! and the index filled for reports stored before it existed. Each in a fresh schema.

mod common;

use common::{connect, url};
use terrain_protocol::ReportFilter;
use terrain_server_conformance as conformance;
use terrain_server_postgres::{PgStore, drop_schema};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_engine_searches_filters_counts_and_pages_as_every_engine() {
    let schema = format!("console_{}", uuid::Uuid::now_v7().simple());
    let Some(store) = connect(&schema).await else {
        return;
    };
    conformance::console::run(&store).await;
    drop_schema(&url(), &schema).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_stored_before_the_index_are_found_after_the_upgrade() {
    let schema = format!("console_up_{}", uuid::Uuid::now_v7().simple());
    let old = common::raw().await;
    old.batch_execute(&format!(
        "CREATE SCHEMA {schema}; SET search_path = {schema}; {}",
        include_str!("schema_v1.sql")
    ))
    .await
    .unwrap();
    let report = uuid::Uuid::now_v7();
    let rev = conformance::revision(report, "Kayes", "Rapport d'avant l'index", vec![]);
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
    let store = PgStore::connect(&url(), &schema).await.unwrap();
    let filter = ReportFilter {
        q: Some("rapport avant".into()),
        region: Some("kayes".into()),
        ..ReportFilter::default()
    };
    assert_eq!(
        conformance::console::find(&store, filter, None).await,
        [report]
    );
    drop_schema(&url(), &schema).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_reach_past_the_newest_reports_a_walk_reads() {
    let schema = format!("console_deep_{}", uuid::Uuid::now_v7().simple());
    let Some(store) = connect(&schema).await else {
        return;
    };
    conformance::console::run_deep(&store).await;
    drop_schema(&url(), &schema).await.unwrap();
}

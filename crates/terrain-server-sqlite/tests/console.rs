//! The console's reading side on SQLite: the shared checks, and the index filled for reports
//! stored before it existed.

use terrain_protocol::ReportFilter;
use terrain_server_conformance as conformance;
use terrain_server_sqlite::SqliteStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_engine_searches_filters_counts_and_pages_as_every_engine() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("server.db")).unwrap();
    conformance::console::run(&store).await;
}

#[tokio::test]
async fn reports_stored_before_the_index_are_found_after_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    let report = uuid::Uuid::now_v7();
    let rev = conformance::revision(report, "Kayes", "Rapport d'avant l'index", vec![]);
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
    }
    let store = SqliteStore::open(&path).unwrap();
    let filter = ReportFilter {
        q: Some("rapport avant".into()),
        region: Some("kayes".into()),
        ..ReportFilter::default()
    };
    assert_eq!(
        conformance::console::find(&store, filter, None).await,
        [report]
    );
}

#[tokio::test]
async fn searches_reach_past_the_newest_reports() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("server.db")).unwrap();
    conformance::console::run_deep(&store).await;
}

//! A site's reports on SQLite (schema step 14): the shared checks.

use terrain_server_conformance as conformance;
use terrain_server_sqlite::SqliteStore;

#[tokio::test]
async fn the_sqlite_engine_finds_a_sites_reports_as_every_engine() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("server.db")).unwrap();
    conformance::site_reports::run(&store).await;
}

//! Shared sites on SQLite: the shared checks, with a second connection to the same file for
//! the concurrent stores.

use std::sync::Arc;
use terrain_server_conformance as conformance;
use terrain_server_sqlite::SqliteStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_engine_keeps_and_feeds_site_revisions_as_every_engine() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    let store = SqliteStore::open(&path).unwrap();
    let other = SqliteStore::open(&path).unwrap();
    conformance::sites::run(Arc::new(store), Arc::new(other)).await;
}

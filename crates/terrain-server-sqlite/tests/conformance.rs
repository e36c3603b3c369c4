use std::sync::Arc;
use terrain_server_sqlite::SqliteStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_sqlite_engine_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("server.db")).unwrap();
    terrain_server_store::conformance::run(Arc::new(store)).await;
}

//! The duplicate check's candidates on SQLite: the shared checks (the domain index's answers
//! on normal data, the bound under a flood, a shared site found however far its point).

use terrain_server_conformance as conformance;
use terrain_server_sqlite::SqliteStore;

#[tokio::test]
async fn the_sqlite_engine_finds_candidates_as_every_engine() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("server.db")).unwrap();
    conformance::duplicates::run(&store).await;
}

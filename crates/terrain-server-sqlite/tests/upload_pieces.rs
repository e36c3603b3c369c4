//! An upload takes at most `limits::UPLOAD_PIECES` pieces (one byte each would be millions of
//! rows): the shared check, the count set in the file.

use terrain_server_conformance as conformance;
use terrain_server_sqlite::SqliteStore;

#[tokio::test]
async fn an_upload_at_its_piece_limit_takes_no_more() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    let store = SqliteStore::open(&path).unwrap();
    conformance::an_upload_at_its_piece_limit_takes_no_more(&store, async |pieces| {
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute("UPDATE uploads SET pieces = ?1", [pieces])
            .unwrap();
    })
    .await;
}

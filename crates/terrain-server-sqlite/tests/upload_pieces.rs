//! An upload takes at most `limits::UPLOAD_PIECES` pieces (one byte each would be millions of
//! rows). The count is set in the file rather than sent piece by piece, to stay quick.

use terrain_protocol::limits;
use terrain_server_sqlite::SqliteStore;
use terrain_server_store::{ServerStore, StoreError};

#[tokio::test]
async fn an_upload_at_its_piece_limit_takes_no_more() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    let store = SqliteStore::open(&path).unwrap();
    let sha = "ab".repeat(32);
    let now = chrono::Utc::now();
    store
        .blob_append(&sha, "mallory", 0, vec![1], now)
        .await
        .unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE uploads SET pieces = ?1 - 1",
            [limits::UPLOAD_PIECES as i64],
        )
        .unwrap();
    store
        .blob_append(&sha, "mallory", 1, vec![2], now)
        .await
        .unwrap();
    match store.blob_append(&sha, "mallory", 2, vec![3], now).await {
        Err(StoreError::TooManyPieces { limit }) => assert_eq!(limit, limits::UPLOAD_PIECES),
        other => panic!("{other:?}"),
    }
    assert_eq!(store.upload_state(&sha, "mallory").await.unwrap(), Some(2));
    // Its owner may still start again.
    assert!(store.upload_reset(&sha, "mallory").await.unwrap());
    store
        .blob_append(&sha, "mallory", 0, vec![1], now)
        .await
        .unwrap();
}

//! An upload takes at most `limits::UPLOAD_PIECES` pieces (one byte each would be millions of
//! rows). The count is set in the database rather than sent piece by piece, to stay quick.

use terrain_protocol::limits;
use terrain_server_postgres::{PgStore, drop_schema};
use terrain_server_store::{ServerStore, StoreError};

fn url() -> String {
    std::env::var("TERRAIN_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_at_its_piece_limit_takes_no_more() {
    let schema = format!("pieces_{}", uuid::Uuid::now_v7().simple());
    let store = match PgStore::connect(&url(), &schema).await {
        Ok(store) => store,
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: PostgreSQL not reachable at {} ({e})", url());
            return;
        }
        Err(e) => panic!("PostgreSQL is required in CI: {e}"),
    };
    let sha = "ab".repeat(32);
    let now = chrono::Utc::now();
    store
        .blob_append(&sha, "mallory", 0, vec![1], now)
        .await
        .unwrap();
    let (client, conn) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .execute(
            &format!("UPDATE {schema}.uploads SET pieces = $1::bigint - 1"),
            &[&(limits::UPLOAD_PIECES as i64)],
        )
        .await
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
    drop(store);
    drop_schema(&url(), &schema).await.unwrap();
}

use std::sync::Arc;
use terrain_server_conformance as conformance;
use terrain_server_sqlite::SqliteStore;
use terrain_server_store::{ServerStore, actions};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_sqlite_engine_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("server.db")).unwrap();
    conformance::run(Arc::new(store)).await;
}

#[tokio::test]
async fn the_audit_log_refuses_update_and_delete_in_sql() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    let store = SqliteStore::open(&path).unwrap();
    store
        .audit_append(&conformance::event(
            chrono::Utc::now(),
            Some("awa"),
            actions::SIGN_IN_FAILED,
            "wrong password",
        ))
        .await
        .unwrap();
    // Behind the store's back, straight to the file: still refused.
    let raw = rusqlite::Connection::open(&path).unwrap();
    for sql in [
        "UPDATE audit SET actor = 'someone else'",
        "DELETE FROM audit",
    ] {
        let err = raw.execute(sql, []).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    let left: (i64, String) = raw
        .query_row("SELECT count(*), max(actor) FROM audit", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(left, (1, "awa".into()));
}

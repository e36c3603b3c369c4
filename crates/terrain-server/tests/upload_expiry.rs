//! `terrain-server serve` sweeps uploads in progress at start: those no piece came to for
//! `--upload-expiry-hours` are deleted and the sweep audited; fresher ones stay.

use std::process::{Command, Stdio};
use std::time::Duration;
use terrain_server_sqlite::SqliteStore;
use terrain_server_store::{AuditQuery, ServerStore, actions};

#[tokio::test]
async fn serve_deletes_uploads_idle_past_the_expiry_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let (stale, fresh) = ("ab".repeat(32), "cd".repeat(32));
    {
        let store = SqliteStore::open(&path).unwrap();
        let now = chrono::Utc::now();
        store
            .blob_append(
                &stale,
                "awa",
                0,
                b"old".to_vec(),
                now - chrono::Duration::hours(3),
            )
            .await
            .unwrap();
        store
            .blob_append(&fresh, "awa", 0, b"new".to_vec(), now)
            .await
            .unwrap();
    }
    let db = format!("sqlite:{}", path.display());
    let zero = Command::new(env!("CARGO_BIN_EXE_terrain-server"))
        .args(["--db", &db, "serve", "--upload-expiry-hours", "0"])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(!zero.status.success(), "an expiry of 0 hours is refused");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_terrain-server"))
        .args(["--db", &db, "serve", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["--upload-expiry-hours", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let store = SqliteStore::open(&path).unwrap();
    let mut swept = false;
    for _ in 0..100 {
        if store.upload_state(&stale, "awa").await.unwrap().is_none() {
            swept = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Command::new("kill")
        .arg(server.id().to_string())
        .status()
        .unwrap();
    server.wait().unwrap();
    assert!(swept, "the stale upload is deleted at start");
    assert_eq!(store.upload_state(&fresh, "awa").await.unwrap(), Some(3));
    let expired: Vec<String> = store
        .audit(&AuditQuery {
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == actions::UPLOADS_EXPIRED)
        .map(|e| e.detail)
        .collect();
    assert_eq!(
        expired,
        ["1 upload(s) in progress deleted: no piece for 2 h"]
    );
}

//! Attachments an older server stored: whole ones stay readable, partial ones (which had no
//! owner) are swept, and revisions stored before `revision_blobs` name their blobs.

use terrain_server_sqlite::SqliteStore;
use terrain_server_store::{BlobState, ServerStore, conformance};

#[tokio::test]
async fn an_older_servers_blobs_stay_readable_and_its_partial_uploads_are_swept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    drop(SqliteStore::open(&path).unwrap());
    let photo = b"an older server's photo".to_vec();
    let sha = terrain_domain::sha256_hex(&photo);
    let partial = "ab".repeat(32);
    let mut rev = conformance::revision(uuid::Uuid::now_v7(), "Kayes", "old report", vec![]);
    rev.content.attachments.push(terrain_domain::Attachment {
        sha256: sha.clone(),
        media_type: "image/jpeg".into(),
        size: photo.len() as u64,
        file_name: "old.jpg".into(),
        caption: None,
    });
    {
        // As the older server left it: rows in `blobs`, a revision named by no `revision_blobs`.
        let old = rusqlite::Connection::open(&path).unwrap();
        old.execute(
            "INSERT INTO blobs (sha256, data, complete) VALUES (?1, ?2, 1), (?3, x'0102', 0)",
            rusqlite::params![sha, photo, partial],
        )
        .unwrap();
        old.execute(
            "INSERT INTO revisions (id, report_id, region, revision, received_at)
             VALUES (?1, ?2, 'Kayes', ?3, '2026-01-01T00:00:00Z')",
            rusqlite::params![
                rev.id.to_string(),
                rev.report_id.to_string(),
                serde_json::to_string(&rev).unwrap()
            ],
        )
        .unwrap();
        old.execute("DELETE FROM revision_blobs_filled", [])
            .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.blob_state(&sha).await.unwrap(),
        BlobState::Complete {
            size: photo.len() as u64
        }
    );
    assert_eq!(store.blob_bytes(&sha).await.unwrap().unwrap(), photo);
    assert!(
        store
            .blob_visible(&sha, "fanta", Some(vec!["Kayes".into()]))
            .await
            .unwrap(),
        "the old revision names its photo"
    );
    assert!(
        !store
            .blob_visible(&sha, "oumar", Some(vec!["Mopti".into()]))
            .await
            .unwrap()
    );
    assert_eq!(store.blob_state(&partial).await.unwrap(), BlobState::Absent);
    assert_eq!(store.expire_uploads(chrono::Utc::now()).await.unwrap(), 1);
    // A second upload of the old photo completes without storing it twice.
    store
        .blob_append(&sha, "awa", 0, photo.clone(), chrono::Utc::now())
        .await
        .unwrap();
    store.blob_finish(&sha, "awa").await.unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    let copies: i64 = raw
        .query_row(
            "SELECT (SELECT count(*) FROM blobs WHERE sha256 = ?1)
                  + (SELECT count(*) FROM blob_files WHERE sha256 = ?1)",
            [&sha],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(copies, 1);
}

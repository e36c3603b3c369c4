//! Attachments an older server stored: whole ones stay readable, partial ones (which had no
//! owner) are swept, and revisions stored before `revision_blobs` name their blobs.

use terrain_server_conformance::OlderBlobs;
use terrain_server_sqlite::SqliteStore;

#[tokio::test]
async fn an_older_servers_blobs_stay_readable_and_its_partial_uploads_are_swept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    drop(SqliteStore::open(&path).unwrap());
    let old = OlderBlobs::new();
    {
        // As the older server left it: rows in `blobs`, a revision named by no `revision_blobs`.
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.execute(
            "INSERT INTO blobs (sha256, data, complete) VALUES (?1, ?2, 1), (?3, x'0102', 0)",
            rusqlite::params![old.sha, old.photo, old.partial],
        )
        .unwrap();
        raw.execute(
            "INSERT INTO revisions (id, report_id, region, revision, received_at)
             VALUES (?1, ?2, 'Kayes', ?3, '2026-01-01T00:00:00Z')",
            rusqlite::params![
                old.rev.id.to_string(),
                old.rev.report_id.to_string(),
                serde_json::to_string(&old.rev).unwrap()
            ],
        )
        .unwrap();
        raw.execute("DELETE FROM revision_blobs_filled", [])
            .unwrap();
    }
    old.check(&SqliteStore::open(&path).unwrap()).await;
    let copies: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT (SELECT count(*) FROM blobs WHERE sha256 = ?1)
                  + (SELECT count(*) FROM blob_files WHERE sha256 = ?1)",
            [&old.sha],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(copies, 1, "the second upload is not stored twice");
}

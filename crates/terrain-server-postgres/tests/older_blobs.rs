//! Attachments an older server stored: whole ones stay readable, partial ones (which had no
//! owner) are swept, and revisions stored before `revision_blobs` name their blobs.

mod common;

use terrain_server_conformance::OlderBlobs;
use terrain_server_postgres::{PgStore, drop_schema};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_servers_blobs_stay_readable_and_its_partial_uploads_are_swept() {
    let schema = format!("older_blobs_{}", uuid::Uuid::now_v7().simple());
    let Some(store) = common::connect(&schema).await else {
        return;
    };
    drop(store);
    let old = OlderBlobs::new();
    // As the older server left it: rows in `blobs`, a revision named by no `revision_blobs`.
    let client = common::raw().await;
    client
        .execute(
            &format!(
                "INSERT INTO {schema}.blobs (sha256, data, complete)
                 VALUES ($1, $2, TRUE), ($3, '\\x0102', FALSE)"
            ),
            &[&old.sha, &old.photo, &old.partial],
        )
        .await
        .unwrap();
    client
        .execute(
            &format!(
                "INSERT INTO {schema}.revisions (seq, id, report_id, region, revision)
                 VALUES (1, $1, $2, 'Kayes', $3)"
            ),
            &[
                &old.rev.id,
                &old.rev.report_id,
                &serde_json::to_string(&old.rev).unwrap(),
            ],
        )
        .await
        .unwrap();
    client
        .batch_execute(&format!("DELETE FROM {schema}.revision_blobs_filled"))
        .await
        .unwrap();
    let store = PgStore::connect(&common::url(), &schema).await.unwrap();
    old.check(&store).await;
    let copies: i64 = client
        .query_one(
            &format!(
                "SELECT (SELECT count(*) FROM {schema}.blobs WHERE sha256 = $1)
                      + (SELECT count(*) FROM {schema}.blob_files WHERE sha256 = $1)"
            ),
            &[&old.sha],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(copies, 1, "the second upload is not stored twice");
    drop(store);
    drop_schema(&common::url(), &schema).await.unwrap();
}

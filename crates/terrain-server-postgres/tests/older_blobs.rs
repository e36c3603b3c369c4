//! Attachments an older server stored: whole ones stay readable, partial ones (which had no
//! owner) are swept, and revisions stored before `revision_blobs` name their blobs. On the real
//! server at 127.0.0.1:5432 (TERRAIN_TEST_PG overrides), in a fresh schema dropped afterwards.

use terrain_server_postgres::{PgStore, drop_schema};
use terrain_server_store::{BlobState, ServerStore, conformance};

fn url() -> String {
    std::env::var("TERRAIN_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_servers_blobs_stay_readable_and_its_partial_uploads_are_swept() {
    let schema = format!("older_blobs_{}", uuid::Uuid::now_v7().simple());
    match PgStore::connect(&url(), &schema).await {
        Ok(store) => drop(store),
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: PostgreSQL not reachable at {} ({e})", url());
            return;
        }
        Err(e) => panic!("PostgreSQL is required in CI: {e}"),
    }
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
    // As the older server left it: rows in `blobs`, a revision named by no `revision_blobs`.
    let (client, conn) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .execute(
            &format!(
                "INSERT INTO {schema}.blobs (sha256, data, complete)
                 VALUES ($1, $2, TRUE), ($3, '\\x0102', FALSE)"
            ),
            &[&sha, &photo, &partial],
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
                &rev.id,
                &rev.report_id,
                &serde_json::to_string(&rev).unwrap(),
            ],
        )
        .await
        .unwrap();
    client
        .batch_execute(&format!("DELETE FROM {schema}.revision_blobs_filled"))
        .await
        .unwrap();
    let store = PgStore::connect(&url(), &schema).await.unwrap();
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
    let copies: i64 = client
        .query_one(
            &format!(
                "SELECT (SELECT count(*) FROM {schema}.blobs WHERE sha256 = $1)
                      + (SELECT count(*) FROM {schema}.blob_files WHERE sha256 = $1)"
            ),
            &[&sha],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(copies, 1);
    drop(store);
    drop_schema(&url(), &schema).await.unwrap();
}

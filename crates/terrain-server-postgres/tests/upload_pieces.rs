//! An upload takes at most `limits::UPLOAD_PIECES` pieces (one byte each would be millions of
//! rows): the shared check, the count set in the database.

mod common;

use terrain_server_conformance as conformance;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_at_its_piece_limit_takes_no_more() {
    let schema = format!("pieces_{}", uuid::Uuid::now_v7().simple());
    let Some(store) = common::connect(&schema).await else {
        return;
    };
    let client = common::raw().await;
    conformance::an_upload_at_its_piece_limit_takes_no_more(&store, async |pieces| {
        client
            .execute(
                &format!("UPDATE {schema}.uploads SET pieces = $1"),
                &[&pieces],
            )
            .await
            .unwrap();
    })
    .await;
    drop(store);
    terrain_server_postgres::drop_schema(&common::url(), &schema)
        .await
        .unwrap();
}

//! The PostgreSQL engine against the shared conformance suite, on the real server at
//! 127.0.0.1:5432 (TERRAIN_TEST_PG overrides), in a fresh schema dropped afterwards.

mod common;

use common::{connect, url};
use std::sync::Arc;
use terrain_server_conformance as conformance;
use terrain_server_postgres::drop_schema;
use terrain_server_store::{ServerStore, actions};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_postgres_engine_passes_the_conformance_suite() {
    let schema = format!("conformance_{}", uuid::Uuid::now_v7().simple());
    let Some(store) = connect(&schema).await else {
        return;
    };
    conformance::run(Arc::new(store)).await;
    drop_schema(&url(), &schema).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_refuses_update_delete_and_truncate_in_sql() {
    let schema = format!("audit_{}", uuid::Uuid::now_v7().simple());
    let Some(store) = connect(&schema).await else {
        return;
    };
    store
        .audit_append(&conformance::event(
            chrono::Utc::now(),
            Some("awa"),
            actions::SIGN_IN_FAILED,
            "wrong password",
        ))
        .await
        .unwrap();
    // Behind the store's back, on a connection of its own: still refused.
    let client = common::raw().await;
    for sql in [
        "UPDATE {s}.audit SET actor = 'someone else'",
        "DELETE FROM {s}.audit",
        "TRUNCATE {s}.audit",
    ] {
        let sql = sql.replace("{s}", &schema);
        let err = client.batch_execute(&sql).await.unwrap_err();
        let text = format!("{err:?}");
        assert!(text.contains("append-only"), "{sql}: {text}");
    }
    let row = client
        .query_one(
            &format!("SELECT count(*), max(actor) FROM {schema}.audit"),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        (row.get::<_, i64>(0), row.get::<_, String>(1)),
        (1, "awa".into())
    );
    drop_schema(&url(), &schema).await.unwrap();
}

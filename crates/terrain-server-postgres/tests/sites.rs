//! Shared sites on PostgreSQL: the shared checks in a fresh schema, with a second pool on the
//! same schema (as a second server process) storing the same revisions at the same time.

mod common;

use common::{connect, url};
use std::sync::Arc;
use terrain_server_conformance as conformance;
use terrain_server_postgres::drop_schema;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_postgres_engine_keeps_and_feeds_site_revisions_as_every_engine() {
    let schema = format!("sites_{}", uuid::Uuid::now_v7().simple());
    let Some(store) = connect(&schema).await else {
        return;
    };
    let other = connect(&schema).await.expect("a second pool");
    conformance::sites::run(Arc::new(store), Arc::new(other)).await;
    drop_schema(&url(), &schema).await.unwrap();
}

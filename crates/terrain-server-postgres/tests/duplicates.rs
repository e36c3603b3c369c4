//! The duplicate check's candidates on PostgreSQL: the shared checks (the domain index's
//! answers on normal data, the bound under a flood, a shared site found however far its
//! point), in a fresh schema.

mod common;

use common::{connect, url};
use terrain_server_conformance as conformance;
use terrain_server_postgres::drop_schema;

#[tokio::test]
async fn the_postgres_engine_finds_candidates_as_every_engine() {
    let schema = format!("duplicates_{}", uuid::Uuid::now_v7().simple());
    let Some(store) = connect(&schema).await else {
        return;
    };
    conformance::duplicates::run(&store).await;
    drop_schema(&url(), &schema).await.unwrap();
}

//! A site's reports on PostgreSQL (schema step 14): the shared checks in a fresh schema.

mod common;

use common::{connect, url};
use terrain_server_conformance as conformance;
use terrain_server_postgres::drop_schema;

#[tokio::test]
async fn the_postgres_engine_finds_a_sites_reports_as_every_engine() {
    let schema = format!("site_reports_{}", uuid::Uuid::now_v7().simple());
    let Some(store) = connect(&schema).await else {
        return;
    };
    conformance::site_reports::run(&store).await;
    drop_schema(&url(), &schema).await.unwrap();
}

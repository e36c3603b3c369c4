//! The PostgreSQL engine against the shared conformance suite, on the real server at
//! 127.0.0.1:5432 (TERRAIN_TEST_PG overrides), in a fresh schema dropped afterwards.

use std::sync::Arc;
use terrain_server_postgres::{PgStore, drop_schema};

fn url() -> String {
    std::env::var("TERRAIN_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_postgres_engine_passes_the_conformance_suite() {
    let schema = format!("conformance_{}", uuid::Uuid::now_v7().simple());
    let store = match PgStore::connect(&url(), &schema).await {
        Ok(store) => store,
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!(
                "SKIPPED: PostgreSQL not reachable at {} ({e}); CI requires it",
                url()
            );
            return;
        }
        Err(e) => panic!("PostgreSQL is required in CI: {e}"),
    };
    terrain_server_store::conformance::run(Arc::new(store)).await;
    drop_schema(&url(), &schema).await.unwrap();
}

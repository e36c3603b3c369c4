//! The real PostgreSQL at 127.0.0.1:5432 (TERRAIN_TEST_PG overrides) for this engine's tests,
//! each in a fresh schema it drops afterwards.
#![allow(dead_code)] // each test file uses its own part

use terrain_server_postgres::PgStore;

pub fn url() -> String {
    std::env::var("TERRAIN_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// The engine in a fresh `schema`; None (with a note) when PostgreSQL is unreachable outside CI.
pub async fn connect(schema: &str) -> Option<PgStore> {
    match PgStore::connect(&url(), schema).await {
        Ok(store) => Some(store),
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!(
                "SKIPPED: PostgreSQL not reachable at {} ({e}); CI requires it",
                url()
            );
            None
        }
        Err(e) => panic!("PostgreSQL is required in CI: {e}"),
    }
}

/// A connection of its own, behind the store's back.
pub async fn raw() -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
}

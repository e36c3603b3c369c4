//! A schema made by the first version (`schema_v1.sql`, as released), opened by this server:
//! upgraded in place, its data kept, its regions canonical; servers starting together apply
//! each step once.

mod common;

use common::url;
use terrain_server_conformance as conformance;
use terrain_server_postgres::{PgStore, SCHEMA_VERSION, drop_schema};
use terrain_server_store::ServerStore;

/// A client with `search_path` on `schema`; None (with a note) when PostgreSQL is unreachable
/// outside CI.
async fn raw(schema: &str) -> Option<tokio_postgres::Client> {
    match tokio_postgres::connect(&url(), tokio_postgres::NoTls).await {
        Ok((client, conn)) => {
            tokio::spawn(conn);
            client
                .batch_execute(&format!(
                    "CREATE SCHEMA IF NOT EXISTS {schema}; SET search_path = {schema}"
                ))
                .await
                .unwrap();
            Some(client)
        }
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: PostgreSQL not reachable at {} ({e})", url());
            None
        }
        Err(e) => panic!("PostgreSQL is required in CI: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_first_version_schema_is_upgraded_with_its_data() {
    let schema = format!("migrate_{}", uuid::Uuid::now_v7().simple());
    let Some(old) = raw(&schema).await else {
        return;
    };
    old.batch_execute(include_str!("schema_v1.sql"))
        .await
        .unwrap();
    let report = uuid::Uuid::now_v7();
    let rev = conformance::revision(report, "Kayes", "old report", vec![]);
    old.execute(
        "INSERT INTO users (name, role, regions, password_hash)
         VALUES ('awa', 'reporter', '[\"KAYES\", \" mopti \"]', 'x')",
        &[],
    )
    .await
    .unwrap();
    old.execute(
        "INSERT INTO revisions (seq, id, report_id, region, revision) VALUES (1, $1, $2, 'kayes', $3)",
        &[&rev.id, &report, &serde_json::to_string(&rev).unwrap()],
    )
    .await
    .unwrap();
    old.execute("UPDATE feed_counter SET n = 1", &[])
        .await
        .unwrap();
    // Three servers start at once on the old schema.
    let opened = futures_join(&schema).await;
    for store in &opened {
        let (user, hash) = store.user("awa").await.unwrap().unwrap();
        assert_eq!(user.regions, ["Kayes", "Mopti"]);
        assert_eq!(hash, "x");
    }
    let page = opened[0]
        .pull(0, 10, Some(vec!["Kayes".into()]))
        .await
        .unwrap();
    assert_eq!(
        page.items.len(),
        1,
        "the report in \"kayes\" is Kayes's now"
    );
    assert_eq!(page.items[0].1, rev);
    let versions: Vec<i32> = old
        .query("SELECT version FROM schema_version ORDER BY version", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions[..4], [1, 2, 3, 4]);
    assert_eq!(
        versions.last(),
        Some(&SCHEMA_VERSION),
        "every step up to this build's"
    );
    old.execute("INSERT INTO schema_version (version) VALUES (999)", &[])
        .await
        .unwrap();
    let err = PgStore::connect(&url(), &schema)
        .await
        .err()
        .expect("refused");
    assert_eq!(
        err.to_string(),
        format!(
            "this database is at schema version 999 but this terrain-server knows up \
             to {SCHEMA_VERSION}: upgrade terrain-server"
        )
    );
    drop_schema(&url(), &schema).await.unwrap();
}

async fn futures_join(schema: &str) -> Vec<PgStore> {
    let tasks: Vec<_> = (0..3)
        .map(|_| {
            let (url, schema) = (url(), schema.to_string());
            tokio::spawn(async move { PgStore::connect(&url, &schema).await.unwrap() })
        })
        .collect();
    let mut stores = Vec::new();
    for task in tasks {
        stores.push(task.await.unwrap());
    }
    stores
}

//! A database made by the first schema (`schema_v1.sql`, as released), opened by this server:
//! upgraded in place, its data kept, its regions canonical.

use terrain_server_conformance as conformance;
use terrain_server_sqlite::{SCHEMA_VERSION, SqliteStore};
use terrain_server_store::ServerStore;

#[tokio::test]
async fn a_first_version_database_is_upgraded_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    let report = uuid::Uuid::now_v7();
    let rev = conformance::revision(report, "Kayes", "old report", vec![]);
    {
        let old = rusqlite::Connection::open(&path).unwrap();
        old.execute_batch(include_str!("schema_v1.sql")).unwrap();
        // Regions as an older server stored them: as sent.
        old.execute(
            "INSERT INTO users (name, role, regions, password_hash)
             VALUES ('awa', 'reporter', '[\"KAYES\", \" mopti \"]', 'x')",
            [],
        )
        .unwrap();
        old.execute(
            "INSERT INTO revisions (id, report_id, region, revision, received_at)
             VALUES (?1, ?2, 'kayes', ?3, '2026-01-01T00:00:00Z')",
            rusqlite::params![
                rev.id.to_string(),
                report.to_string(),
                serde_json::to_string(&rev).unwrap()
            ],
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    let (user, hash) = store.user("awa").await.unwrap().unwrap();
    assert_eq!(user.regions, ["Kayes", "Mopti"]);
    assert_eq!(hash, "x");
    let page = store.pull(0, 10, Some(vec!["Kayes".into()])).await.unwrap();
    assert_eq!(
        page.items.len(),
        1,
        "the report in \"kayes\" is Kayes's now"
    );
    assert_eq!(page.items[0].1, rev);
    drop(store);
    let raw = rusqlite::Connection::open(&path).unwrap();
    let versions: Vec<i64> = raw
        .prepare("SELECT version FROM schema_version ORDER BY version")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(versions[..4], [1, 2, 3, 4]);
    assert_eq!(
        versions.last(),
        Some(&SCHEMA_VERSION),
        "every step up to this build's"
    );
    // Opening again applies nothing twice.
    drop(raw);
    SqliteStore::open(&path).unwrap();
}

#[tokio::test]
async fn a_database_from_a_newer_server_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    drop(SqliteStore::open(&path).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (999, 'later')",
            [],
        )
        .unwrap();
    let err = SqliteStore::open(&path).err().expect("refused");
    assert_eq!(
        err.to_string(),
        format!(
            "this database is at schema version 999 but this terrain-server knows up \
             to {SCHEMA_VERSION}: upgrade terrain-server"
        )
    );
}

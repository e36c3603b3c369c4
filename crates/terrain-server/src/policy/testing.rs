//! For the policy tests: a state over a real SQLite file, and devices.

use crate::AppState;
use std::sync::Arc;
use terrain_protocol::Role;
use terrain_server_store::{ContactKey, Device, User};

/// A state over a fresh SQLite file; keep the folder while the state is used.
pub fn state() -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = terrain_server_sqlite::SqliteStore::open(&dir.path().join("server.db")).unwrap();
    (AppState::new(Arc::new(store), ContactKey::random()), dir)
}

pub fn device(user: &str, role: Role, regions: &[&str]) -> Device {
    Device {
        user: User {
            name: user.into(),
            role,
            regions: regions.iter().map(|r| r.to_string()).collect(),
        },
        name: format!("{user}'s phone"),
        revoked: false,
        last_used: chrono::Utc::now(),
        replaces: false,
    }
}

/// A final report in `region` (admin1), as a first revision.
pub fn revision(region: &str) -> terrain_domain::Revision {
    const SEED: &str = include_str!("../../../../docs/examples/bafoulabe-plants-attack.json");
    let mut v: serde_json::Value = serde_json::from_str(SEED).unwrap();
    v["id"] = serde_json::json!(uuid::Uuid::now_v7());
    v["where"] = serde_json::json!({ "admin1": region });
    let today = chrono::Utc::now().date_naive();
    let report = terrain_domain::check(terrain_domain::parse_json(&v.to_string()).unwrap(), today);
    terrain_domain::Revision::new(
        report.unwrap(),
        vec![],
        "tester",
        "device-1",
        chrono::Utc::now(),
    )
}

//! End-to-end suites that span crates and processes: durability under SIGKILL now, device ↔
//! server sync next. Shared fixtures live here.

use serde_json::{Value, json};
use terrain_domain::{ValidReport, check, parse_json};

/// The seed incident of the Bafoulabé attacks, as shipped in docs/examples.
pub const SEED: &str = include_str!("../../docs/examples/bafoulabe-plants-attack.json");

/// The seed incident under a new id: a realistic final report of about 2.5 KB.
pub fn seed_with_new_id() -> ValidReport {
    let mut v: Value = serde_json::from_str(SEED).expect("the seed is JSON");
    v["id"] = json!(uuid::Uuid::now_v7());
    check(
        parse_json(&v.to_string()).expect("the seed parses"),
        chrono::Local::now().date_naive(),
    )
    .expect("the seed is valid")
}

pub mod desktop;
pub mod harness;
pub mod proxy;

/// For each `async fn NAME(engine: Engine)`, a module `NAME` with one test per storage engine.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::harness::Engine::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::harness::Engine::Postgres).await
            }
        }
    )*};
}

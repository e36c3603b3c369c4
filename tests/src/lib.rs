//! End-to-end suites that span crates and processes: durability under SIGKILL now, device ↔
//! server sync next. Shared fixtures live here.

use serde_json::{Value, json};
use terrain_domain::{ValidReport, check, parse_json};

/// The seed incident of the Bafoulabé attacks, as shipped in docs/examples.
pub const SEED: &str = include_str!("../../docs/examples/bafoulabe-plants-attack.json");

/// The seed incident under a new id: a realistic final report of about 2.5 KB.
pub fn seed_with_new_id() -> ValidReport {
    seed_edited(|_| {})
}

/// The seed incident under a new id, its JSON changed by `edit` first, checked.
pub fn seed_edited(edit: impl FnOnce(&mut Value)) -> ValidReport {
    let mut v: Value = serde_json::from_str(SEED).expect("the seed is JSON");
    v["id"] = json!(uuid::Uuid::now_v7());
    edit(&mut v);
    check(
        parse_json(&v.to_string()).expect("the seed parses"),
        chrono::Local::now().date_naive(),
    )
    .expect("the seed, edited, is valid")
}

/// Issue 15's seed case, the first official's report of the Bafoulabé attack: Wamaps' 3
/// abducted, with the security and owner sources; `edit` changes its JSON first.
pub fn first_official_report(edit: impl FnOnce(&mut Value)) -> ValidReport {
    seed_edited(|v| {
        let sources: Vec<Value> = v["sources"]
            .as_array()
            .expect("the seed has sources")
            .iter()
            .filter(|s| s["key"] != "elected-official")
            .cloned()
            .collect();
        v["sources"] = json!(sources);
        v["figures"]["abducted"] = json!([{ "amount": 3, "source": "wamaps" }]);
        edit(v);
    })
}

/// The second official's report of the same attack, in their own words: only the elected
/// official's 4 abducted; `edit` changes its JSON first.
pub fn second_official_report(edit: impl FnOnce(&mut Value)) -> ValidReport {
    seed_edited(|v| {
        v["title"] = json!("Bafoulabé: armed men attack the plants, four workers abducted");
        v["sources"] = json!([{
            "key": "elected-official",
            "name": "An elected official of the Kayes region",
            "kind": "official",
            "reliability": "fairly_reliable"
        }]);
        v["figures"] = json!({ "abducted": [{ "amount": 4, "source": "elected-official" }] });
        edit(v);
    })
}

/// A report whose title and narrative differ from every other's, as real ones do (identical
/// copies would compress far better than real traffic).
pub fn varied_report() -> terrain_domain::ValidReport {
    use rand::Rng;
    const WORDS: &[&str] = &[
        "armed",
        "men",
        "motorbikes",
        "convoy",
        "tanker",
        "plant",
        "mine",
        "gold",
        "quarry",
        "village",
        "market",
        "road",
        "checkpoint",
        "workers",
        "guards",
        "abducted",
        "burned",
        "warehouse",
        "fuel",
        "trucks",
        "drivers",
        "night",
        "dawn",
        "attack",
        "blockade",
        "bridge",
        "school",
        "clinic",
        "gendarmes",
        "witnesses",
        "prefect",
        "mayor",
        "kilns",
        "generator",
        "pump",
        "cattle",
        "herders",
        "bush",
        "river",
    ];
    let mut rng = rand::rng();
    let mut words = |n: usize| {
        (0..n)
            .map(|_| WORDS[rng.random_range(0..WORDS.len())])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut r = seed_with_new_id().into_inner();
    r.title = format!("{} {}", words(6), rand::rng().random_range(0..100_000));
    r.narrative = format!("{}. {}. {}.", words(40), words(35), words(30));
    terrain_domain::check(r, chrono::Local::now().date_naive()).unwrap()
}

pub mod browser;
pub mod desktop;
pub mod field;
pub mod harness;
pub mod link;
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

//! The console's reading side at volume: `cargo bench -p terrain-server --bench console`.
//!
//! Loads N reports into a fresh server database through the engine's own push path (the
//! trait's `push`, batches of 1,000, so the report index and its search words are written as
//! a device's push writes them), then times what the console asks, through the server's policy
//! (`policy::reports`, the handlers' one call; no HTTP): the inbox's first page, a one-word
//! search, a filtered count, and (for a reporter of one region) their first page. Each is run
//! 11 times after one warm-up; prints the median and the slowest, in ms.
//!
//! `TERRAIN_BENCH_CONSOLE=sqlite:100000,postgres:1000000` (the default) says which engines and
//! how many reports; PostgreSQL is the one at `TERRAIN_TEST_PG` (default
//! `postgres://postgres@127.0.0.1:5432/test`), in a schema of its own dropped afterwards
//! (`TERRAIN_BENCH_KEEP=1` keeps it and prints its name; `TERRAIN_BENCH_PG_SCHEMA=NAME` measures
//! a kept one, first topping it up to N reports). Reports are spread over 8 regions,
//! 2 years, 6 event types, with titles and narratives drawn from French, English and Arabic
//! words (most words of the list are in most narratives: a one-word search matches nearly
//! every report, the worst case; titles end with the report's number, a rare word), half of
//! them with disputed figures.
//!
//! To add a measure (the exports' helper adds the CSV export of everything), add a line to
//! `measures` below: a name and an async closure over the state and the devices.

use std::sync::Arc;
use std::time::{Duration, Instant};
use terrain_domain::EventType;
use terrain_domain::Revision;
use terrain_protocol::{CountBy, ReportFilter, Role};
use terrain_server::policy::reports;
use terrain_server_store::{
    AuditEvent, ContactKey, Device, Incoming, Outcome, PushRules, ServerStore, User,
};

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");
const REGIONS: &[(&str, &str)] = &[
    ("Kayes", "Bafoulabé"),
    ("Koulikoro", "Kati"),
    ("Sikasso", "Bougouni"),
    ("Ségou", "Niono"),
    ("Mopti", "Bandiagara"),
    ("Tombouctou", "Goundam"),
    ("Gao", "Ansongo"),
    ("Kidal", "Tessalit"),
];
const EVENTS: &[(&str, &str)] = &[
    ("Battles", "Armed clash"),
    (
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
    ),
    (
        "Violence against civilians",
        "Abduction/forced disappearance",
    ),
    ("Protests", "Peaceful protest"),
    ("Riots", "Mob violence"),
    ("Strategic developments", "Looting/property destruction"),
];
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
    "hommes",
    "armés",
    "camion",
    "citerne",
    "usine",
    "incendiée",
    "village",
    "route",
    "marché",
    "blessés",
    "enlevés",
    "nuit",
    "matin",
    "attaque",
    "embuscade",
    "pont",
    "puits",
    "école",
    "اختطاف",
    "هجوم",
    "سوق",
    "قرية",
    "مسلحين",
    "شاحنة",
    "طريق",
    "jihadistes",
    "militaires",
    "bétail",
    "récolte",
    "orpailleurs",
    "chauffeurs",
    "commerçants",
    "forains",
    "pirogue",
];

/// The `i`-th report: its region, event type, date and words all vary with `i`.
fn report(i: usize, today: chrono::NaiveDate) -> terrain_domain::ValidReport {
    let mut v: serde_json::Value = serde_json::from_str(SEED).unwrap();
    let word = |k: usize| WORDS[(i * 7 + k * 13 + i / 7) % WORDS.len()];
    let (region, cercle) = REGIONS[i % REGIONS.len()];
    let (event, sub) = EVENTS[(i / 3) % EVENTS.len()];
    let date = today - chrono::Days::new((i % 730) as u64 + 1);
    v["id"] = serde_json::json!(uuid::Uuid::now_v7());
    v["title"] = serde_json::json!(format!("{} {} {} {i}", word(1), word(2), word(3)));
    let narrative: Vec<&str> = (0..60).map(word).collect();
    v["narrative"] = serde_json::json!(narrative.join(" "));
    v["where"] = serde_json::json!({ "admin1": region, "admin2": cercle, "place": word(4) });
    v["what"] = serde_json::json!({ "event_type": event, "sub_event_type": sub });
    v["when"] = serde_json::json!({ "date": date.to_string(), "precision": "day" });
    if i % 2 == 1 {
        v["figures"] = serde_json::json!({});
    }
    v.as_object_mut().unwrap().remove("damage");
    terrain_domain::check(terrain_domain::parse_json(&v.to_string()).unwrap(), today).unwrap()
}

/// Every revision stored, no audit event: the bench measures reading, not the load's rules.
struct Load;

impl PushRules for Load {
    fn judge(&mut self, _: &Incoming, _: &[String]) -> Option<String> {
        None
    }
    fn events(self: Box<Self>, _: &[Outcome]) -> Vec<AuditEvent> {
        Vec::new()
    }
}

/// `n` reports through the engine's push path, 1,000 a batch (made on a blocking thread
/// while the previous batch is stored).
async fn load(store: &dyn ServerStore, from: usize, n: usize) -> Duration {
    let started = Instant::now();
    let today = chrono::Utc::now().date_naive();
    let make = move |from: usize, to: usize| {
        tokio::task::spawn_blocking(move || {
            let now = chrono::Utc::now();
            (from..to)
                .map(|i| {
                    let device = format!("bench-{}", i % 50);
                    let revision = Revision::new(report(i, today), vec![], "awa", &device, now);
                    Incoming {
                        region: terrain_server_store::canonical_region(
                            &revision.content.location.admin1,
                        ),
                        revision,
                        pushed_by: "awa".into(),
                        pushed_device: "bench".into(),
                        contacts: Vec::new(),
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    let mut next = (from < n).then(|| make(from, n.min(from + 1000)));
    let mut done = from;
    while let Some(making) = next.take() {
        let batch = making.await.unwrap();
        let end = done + batch.len();
        if end < n {
            next = Some(make(end, n.min(end + 1000)));
        }
        store.push(batch, Box::new(Load)).await.unwrap();
        done = end;
        if done.is_multiple_of(100_000) {
            eprintln!("  {done} loaded, {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    started.elapsed()
}

fn device(user: &str, role: Role, regions: &[&str]) -> Device {
    Device {
        user: User {
            name: user.into(),
            role,
            regions: regions.iter().map(|r| r.to_string()).collect(),
        },
        name: "bench".into(),
        revoked: false,
        last_used: chrono::Utc::now(),
        replaces: false,
    }
}

type Measure = Box<
    dyn Fn(
        terrain_server::AppState,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = usize> + Send>>,
>;

/// What is timed: a name and what it does (answering how many rows it got, so a measure that
/// finds nothing shows).
fn measures() -> Vec<(&'static str, Measure)> {
    let admin = device("root", Role::Admin, &[]);
    let reporter = device("awa", Role::Reporter, &["Gao"]);
    let page = |device: Device, filter: ReportFilter| -> Measure {
        Box::new(move |state| {
            let (device, filter) = (device.clone(), filter.clone());
            Box::pin(async move {
                reports::inbox(&state, &device, filter)
                    .await
                    .unwrap()
                    .reports
                    .len()
            })
        })
    };
    let count = |device: Device, filter: ReportFilter, by: CountBy| -> Measure {
        Box::new(move |state| {
            let (device, filter) = (device.clone(), filter.clone());
            Box::pin(async move {
                reports::counts(&state, &device, filter, by)
                    .await
                    .unwrap()
                    .total as usize
            })
        })
    };
    let search = |words: &str| ReportFilter {
        q: Some(words.into()),
        ..ReportFilter::default()
    };
    vec![
        (
            "inbox, first page (admin)",
            page(admin.clone(), ReportFilter::default()),
        ),
        (
            "inbox, first page (reporter, Gao)",
            page(reporter.clone(), ReportFilter::default()),
        ),
        (
            "search one word 'embuscade'",
            page(admin.clone(), search("embuscade")),
        ),
        (
            "search one word, prefix 'orpail'",
            page(admin.clone(), search("orpail")),
        ),
        (
            "search a rare word (a title's '2777')",
            page(admin.clone(), search("2777")),
        ),
        (
            "search Arabic 'هجوم' (reporter)",
            page(reporter.clone(), search("هجوم")),
        ),
        (
            "search two words 'pont pirogue'",
            page(admin.clone(), search("pont pirogue")),
        ),
        (
            "count Kayes battles by region_week",
            count(
                admin.clone(),
                ReportFilter {
                    region: Some("Kayes".into()),
                    event_type: Some(EventType::Battles),
                    ..ReportFilter::default()
                },
                CountBy::RegionWeek,
            ),
        ),
        (
            "count all by event_type",
            count(admin.clone(), ReportFilter::default(), CountBy::EventType),
        ),
        (
            "count disputed 'attaque' by region_week",
            count(
                admin,
                ReportFilter {
                    q: Some("attaque".into()),
                    disputed: Some(true),
                    ..ReportFilter::default()
                },
                CountBy::RegionWeek,
            ),
        ),
    ]
}

async fn time(state: &terrain_server::AppState, what: &Measure) -> (f64, f64, usize) {
    let rows = what(state.clone()).await; // warm-up
    let mut ms = Vec::new();
    for _ in 0..11 {
        let started = Instant::now();
        what(state.clone()).await;
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], ms[ms.len() - 1], rows)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let runs: Vec<(String, usize)> = std::env::var("TERRAIN_BENCH_CONSOLE")
        .unwrap_or_else(|_| "sqlite:100000,postgres:1000000".into())
        .split(',')
        .map(|run| {
            let (engine, n) = run.trim().split_once(':').expect("engine:reports");
            (engine.to_string(), n.parse().expect("a number of reports"))
        })
        .collect();
    let pg = std::env::var("TERRAIN_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    for (engine, n) in runs {
        let dir = tempfile::tempdir().unwrap();
        // A schema kept by an earlier run: measured as it is, topped up to `n`, kept.
        let kept = std::env::var("TERRAIN_BENCH_PG_SCHEMA").ok();
        let schema = kept
            .clone()
            .unwrap_or_else(|| format!("bench_console_{}", uuid::Uuid::now_v7().simple()));
        let store: Arc<dyn ServerStore> = match engine.as_str() {
            "sqlite" => Arc::new(
                terrain_server_sqlite::SqliteStore::open(&dir.path().join("server.db")).unwrap(),
            ),
            "postgres" => Arc::new(
                terrain_server_postgres::PgStore::connect(&pg, &schema)
                    .await
                    .unwrap(),
            ),
            other => panic!("engine {other}: sqlite or postgres"),
        };
        let admin = device("root", Role::Admin, &[]);
        let all = ReportFilter::default();
        let count = |store: Arc<dyn ServerStore>| {
            let (admin, all) = (admin.clone(), all.clone());
            async move {
                let state = terrain_server::AppState::new(store, ContactKey::random());
                reports::counts(&state, &admin, all, CountBy::EventType)
                    .await
                    .unwrap()
                    .total as usize
            }
        };
        let had = count(store.clone()).await;
        eprintln!("{engine}: {had} reports, loading up to {n} through push...");
        let loaded = load(&*store, had, n).await;
        let n = count(store.clone()).await;
        println!(
            "\n{engine}, {n} reports ({} loaded through push in {:.0} s, {:.0} reports/s)",
            n - had,
            loaded.as_secs_f64(),
            (n - had) as f64 / loaded.as_secs_f64()
        );
        println!(
            "{:<42} {:>10} {:>10} {:>8}",
            "", "median ms", "max ms", "rows"
        );
        let state = terrain_server::AppState::new(store, ContactKey::random());
        for (name, what) in measures() {
            let (median, max, rows) = time(&state, &what).await;
            println!("{name:<42} {median:>10.1} {max:>10.1} {rows:>8}");
        }
        if engine == "postgres" {
            if kept.is_some() || std::env::var_os("TERRAIN_BENCH_KEEP").is_some() {
                println!("(kept schema {schema})");
            } else {
                terrain_server_postgres::drop_schema(&pg, &schema)
                    .await
                    .unwrap();
            }
        }
    }
}

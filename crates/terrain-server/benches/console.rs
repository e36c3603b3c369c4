//! The console at volume: `cargo bench -p terrain-server --bench console` (or, not to hold
//! cargo's lock for the whole run, `cargo bench -p terrain-server --bench console --no-run` and
//! the `target/release/deps/console-*` binary it names).
//!
//! For each engine, N reports (`TERRAIN_BENCH_CONSOLE=sqlite:100000,postgres:1000000`, the
//! default) are loaded through the engine's own push path (the trait's `push`, batches of
//! 1,000, so the report index and its search words are written as a device's push writes them)
//! and kept for the next run: a SQLite file `sqlite-N.db` in `TERRAIN_BENCH_DIR` (default
//! `$TMPDIR/terrain-bench-console`), a schema `console_N` of the PostgreSQL database at
//! `TERRAIN_BENCH_PG` (default `postgres://root@127.0.0.1:5432/terrain_bench_console`, made
//! if missing; `TERRAIN_BENCH_PG_SCHEMA` names another schema). A dataset already holding N
//! reports is reused (the output says so), one holding fewer is topped up;
//! `TERRAIN_BENCH_FRESH=1` starts again from nothing.
//!
//! Then it times what the console asks, through the server's policy (`policy::reports`, the
//! handlers' one call; no HTTP): the inbox's first page, one-word searches, filtered counts,
//! and (for a reporter of one region) their first page. Each is run 11 times after one
//! warm-up; prints the median and the slowest, in ms. Last (unless
//! `TERRAIN_BENCH_NO_EXPORT=1`), the real server binary (`terrain-server serve`) on the same
//! dataset answers `GET /v1/exports/reports.csv` over loopback for a tenth of the reports,
//! then for every report: reports, time to the first byte and to the last, MB, and the server
//! process's peak resident memory (`VmHWM`) after each, with its anonymous resident memory at
//! each quarter. Memory is flat when the peak after every report is the peak after a tenth.
//!
//! Reports are spread over 8 regions, 2 years, 6 event types, with titles and narratives drawn
//! from French, English and Arabic words (most words of the list are in most narratives: a
//! one-word search matches nearly every report, the worst case; titles end with the report's
//! number, a rare word), half of them with disputed figures.
//!
//! To add a measure, add a line to `measures` below: a name and an async closure over the
//! state and the devices.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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
/// while the previous batch is stored); `every` runs after each 100,000.
async fn load(store: &dyn ServerStore, from: usize, n: usize, every: &dyn Fn()) -> Duration {
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
            every();
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

/// Where a run's reports are kept between runs: its store, and the server binary's options
/// that open the same one.
struct Dataset {
    store: Arc<dyn ServerStore>,
    server_args: Vec<String>,
    name: String,
}

/// Runs `psql` on the server of `url`'s `postgres` database (to make the bench's database).
fn psql(url: &str, sql: &str) {
    let (server, _) = url
        .rsplit_once('/')
        .expect("postgres://user@host:port/database");
    let status = Command::new("psql")
        .args([&format!("{server}/postgres"), "-qAtc", sql])
        .status()
        .expect("psql (postgresql-client)");
    assert!(status.success(), "psql {sql}");
}

/// Fresh planner statistics for the PostgreSQL dataset's tables, while loading and before
/// measuring. The statistics are autovacuum's job, but a test machine may run with it off:
/// without them the planner takes a thousand reports' ids for a quarter of the table and joins
/// heads to revisions by reading both whole (seconds per thousand reports pushed or exported).
fn analyze(pg: &str, name: &str) {
    let schema = name.rsplit_once("schema ").expect("a schema").1;
    let status = Command::new("psql")
        .args([
            pg,
            "-qAtc",
            &format!("SET search_path = {schema}; ANALYZE heads, revisions, report_index"),
        ])
        .status()
        .expect("psql (postgresql-client)");
    assert!(status.success(), "ANALYZE {schema}");
}

/// The dataset of `n` reports on `engine`: a SQLite file in `dir`, or a schema of the
/// PostgreSQL database at `pg` (made if missing); `fresh` drops an earlier one first.
async fn dataset(engine: &str, n: usize, dir: &Path, pg: &str, fresh: bool) -> Dataset {
    let key = dir.join("contact.key");
    match engine {
        "sqlite" => {
            let path = dir.join(format!("sqlite-{n}.db"));
            if fresh {
                for end in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{end}", path.display()));
                }
            }
            Dataset {
                store: Arc::new(terrain_server_sqlite::SqliteStore::open(&path).unwrap()),
                server_args: vec![
                    "--db".into(),
                    format!("sqlite:{}", path.display()),
                    "--contact-key".into(),
                    key.display().to_string(),
                ],
                name: path.display().to_string(),
            }
        }
        "postgres" => {
            let schema =
                std::env::var("TERRAIN_BENCH_PG_SCHEMA").unwrap_or_else(|_| format!("console_{n}"));
            if fresh {
                let _ = terrain_server_postgres::drop_schema(pg, &schema).await;
            }
            let store = match terrain_server_postgres::PgStore::connect(pg, &schema).await {
                Ok(store) => store,
                // The pool's error does not say why: most likely no database yet.
                Err(_) => {
                    let db = pg.rsplit_once('/').unwrap().1;
                    psql(pg, &format!("CREATE DATABASE {db}"));
                    terrain_server_postgres::PgStore::connect(pg, &schema)
                        .await
                        .unwrap()
                }
            };
            Dataset {
                store: Arc::new(store),
                server_args: vec![
                    "--db".into(),
                    pg.into(),
                    "--pg-schema".into(),
                    schema.clone(),
                    "--contact-key".into(),
                    key.display().to_string(),
                ],
                name: format!("{pg}, schema {schema}"),
            }
        }
        other => panic!("engine {other}: sqlite or postgres"),
    }
}

/// The server binary on a dataset; killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const PASSWORD: &str = "correct horse battery";

/// The real `terrain-server` serving `args`' dataset on a free loopback port, with an
/// administrator `bench` (made or replaced) signed in: the server and the session's token.
async fn serve(args: &[String]) -> (Server, String) {
    let bin = env!("CARGO_BIN_EXE_terrain-server");
    let mut add = Command::new(bin)
        .args(args)
        .args([
            "user",
            "add",
            "bench",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .env("RUST_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(add.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(add.wait().unwrap().success(), "terrain-server user add");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Server {
        child: Command::new(bin)
            .args(args)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
        url: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    for _ in 0..400 {
        if client
            .get(format!("{}/health", server.url))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let session: serde_json::Value = client
        .post(format!("{}/v1/sessions", server.url))
        .header("Terrain-Protocol", "1")
        .json(&serde_json::json!({"user": "bench", "password": PASSWORD, "device_name": "bench"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().expect("a session").to_string();
    (server, token)
}

/// A figure of `/proc/<pid>/status` (`VmHWM:`, `RssAnon:`), MiB.
fn status_mib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap()
        / 1024
}

/// One CSV export (`query` selects, as the console's filter does) read to its end and
/// checked: reports, first byte, total time, bytes, the server's peak after it and its
/// anonymous resident memory at each quarter.
struct Exported {
    reports: usize,
    first: Duration,
    took: Duration,
    bytes: usize,
    peak: u64,
    quarters: Vec<u64>,
}

async fn export(server: &mut Server, token: &str, query: &str) -> Exported {
    let pid = server.child.id();
    let started = Instant::now();
    let mut resp = reqwest::Client::new()
        .get(format!("{}/v1/exports/reports.csv{query}", server.url))
        .bearer_auth(token)
        .header("Terrain-Protocol", "1")
        .header("Accept-Encoding", "identity")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let reports: usize = resp.headers()["x-terrain-total"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let (mut bytes, mut lines, mut first, mut quarters) = (0, 0, None, Vec::new());
    while let Some(piece) = resp.chunk().await.unwrap() {
        first.get_or_insert_with(|| started.elapsed());
        bytes += piece.len();
        lines += piece.iter().filter(|b| **b == b'\n').count();
        if lines * 4 >= (quarters.len() + 1) * reports.max(1) {
            quarters.push(status_mib(pid, "RssAnon:"));
        }
    }
    let took = started.elapsed();
    // Header and HXL row, then at least one line per report (narratives may hold more).
    assert!(lines >= reports + 2, "{lines} lines for {reports} reports");
    Exported {
        reports,
        first: first.unwrap_or_default(),
        took,
        bytes,
        peak: status_mib(pid, "VmHWM:"),
        quarters,
    }
}

/// The CSV export of a tenth of the reports (73 of the 730 days), then of every report, by
/// one server process: a peak that does not grow from the first to the second is flat memory.
async fn exports(args: &[String]) {
    let (mut server, token) = serve(args).await;
    let before = status_mib(server.child.id(), "VmHWM:");
    let today = chrono::Utc::now().date_naive();
    let tenth = format!(
        "?from={}&to={}",
        today - chrono::Days::new(73),
        today - chrono::Days::new(1)
    );
    println!(
        "\nCSV export, the server binary over loopback (server's peak RSS before: {before} MiB)"
    );
    println!(
        "{:<26} {:>9} {:>9} {:>9} {:>8} {:>7} {:>9}   anon RSS at each quarter",
        "", "reports", "first ms", "total s", "MB", "MB/s", "peak MiB"
    );
    for (name, query) in [("a tenth (73 days)", tenth.as_str()), ("everything", "")] {
        let e = export(&mut server, &token, query).await;
        let mb = e.bytes as f64 / 1e6;
        println!(
            "{name:<26} {:>9} {:>9.0} {:>9.1} {mb:>8.0} {:>7.1} {:>9}   {:?} MiB",
            e.reports,
            e.first.as_secs_f64() * 1000.0,
            e.took.as_secs_f64(),
            mb / e.took.as_secs_f64(),
            e.peak,
            e.quarters,
        );
    }
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
    let pg = std::env::var("TERRAIN_BENCH_PG")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/terrain_bench_console".into());
    let dir = std::env::var_os("TERRAIN_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("terrain-bench-console"));
    std::fs::create_dir_all(&dir).unwrap();
    let fresh = std::env::var_os("TERRAIN_BENCH_FRESH").is_some();
    let skip_export = std::env::var_os("TERRAIN_BENCH_NO_EXPORT").is_some();
    for (engine, n) in runs {
        let data = dataset(&engine, n, &dir, &pg, fresh).await;
        let store = data.store.clone();
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
        if had >= n {
            println!(
                "\n{engine}, {had} reports: reused, already held in {}",
                data.name
            );
        } else {
            eprintln!(
                "{engine}: {had} reports in {}, loading up to {n} through push...",
                data.name
            );
            // PostgreSQL's statistics kept fresh as the tables grow (autovacuum may be off).
            let every = || {
                if engine == "postgres" {
                    analyze(&pg, &data.name);
                }
            };
            let loaded = load(&*store, had, n, &every).await;
            let now = count(store.clone()).await;
            println!(
                "\n{engine}, {now} reports in {} ({} loaded through push in {:.0} s, {:.0} reports/s)",
                data.name,
                now - had,
                loaded.as_secs_f64(),
                (now - had) as f64 / loaded.as_secs_f64()
            );
        }
        if engine == "postgres" {
            analyze(&pg, &data.name);
        }
        println!(
            "{:<42} {:>10} {:>10} {:>8}",
            "", "median ms", "max ms", "rows"
        );
        let state = terrain_server::AppState::new(store, ContactKey::random());
        for (name, what) in measures() {
            let (median, max, rows) = time(&state, &what).await;
            println!("{name:<42} {median:>10.1} {max:>10.1} {rows:>8}");
        }
        drop(state);
        drop(data.store);
        if !skip_export {
            exports(&data.server_args).await;
        }
    }
}

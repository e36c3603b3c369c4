//! The console's CSV export of everything: `cargo bench -p terrain-server --bench console_export`.
//!
//! For 10,000 and 100,000 reports (`TERRAIN_BENCH_EXPORT=N,M` for others) in a SQLite server
//! database, loaded through the engine's push path in batches of 1,000 (varied titles and
//! narratives, about 2.5 KB of JSON each), the real server binary (`terrain-server`) serves
//! `GET /v1/exports/reports.csv` over loopback to a reader of every report; prints the
//! time to the first byte and to the last, MB and MB/s (uncompressed), and the server process's
//! peak resident memory (`VmHWM` of `/proc/<pid>/status`) before, after a first export and after
//! a second one, with its resident memory at each quarter of the first. Memory is flat when
//! the peak does not grow with the number of reports, nor from one export to the next.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::Instant;
use terrain_domain::Revision;
use terrain_server_store::{AuditEvent, Incoming, Outcome, PushRules, ServerStore};

const PASSWORD: &str = "correct horse battery";
const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");
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
    "Kayes",
    "Bafoulabé",
    "Diamou",
    "Kita",
    "Nioro",
    "blessés",
    "enlevés",
    "nuit",
    "matin",
];

/// A final Kayes report whose title and narrative differ from every other's.
fn varied(i: usize) -> terrain_domain::ValidReport {
    let mut v: serde_json::Value = serde_json::from_str(SEED).unwrap();
    let word = |k: usize| WORDS[(i * 7 + k * 13 + i / 7) % WORDS.len()];
    v["id"] = serde_json::json!(uuid::Uuid::now_v7());
    v["title"] = serde_json::json!(format!("{i}: {} {} {}", word(1), word(2), word(3)));
    let narrative: Vec<&str> = (0..120).map(word).collect();
    v["narrative"] = serde_json::json!(narrative.join(" "));
    let today = chrono::Utc::now().date_naive();
    terrain_domain::check(terrain_domain::parse_json(&v.to_string()).unwrap(), today).unwrap()
}

/// The server binary serving `db` on `port`; killed when dropped.
struct Server(Child, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Every revision stored, no audit event: the bench measures the export, not the load.
struct Load;

impl PushRules for Load {
    fn judge(&mut self, _: &Incoming, _: &[String]) -> Option<String> {
        None
    }
    fn events(self: Box<Self>, _: &[Outcome]) -> Vec<AuditEvent> {
        Vec::new()
    }
}

/// `n` varied Kayes reports in a fresh SQLite server database at `path`.
async fn load(path: &std::path::Path, n: usize) -> std::time::Duration {
    let started = Instant::now();
    let store = terrain_server_sqlite::SqliteStore::open(path).unwrap();
    let now = chrono::Utc::now();
    let mut left = n;
    while left > 0 {
        let batch: Vec<Incoming> = (0..left.min(1000))
            .map(|k| {
                let revision = Revision::new(varied(n - left + k), vec![], "awa", "bench", now);
                Incoming {
                    region: revision.content.location.admin1.clone(),
                    revision,
                    pushed_by: "awa".into(),
                    pushed_device: "bench".into(),
                    contacts: Vec::new(),
                }
            })
            .collect();
        left -= batch.len();
        store.push(batch, Box::new(Load)).await.unwrap();
    }
    started.elapsed()
}

/// A figure of `/proc/<pid>/status` (`VmHWM:`, `VmRSS:`), KiB.
fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// The process's peak resident memory, KiB.
fn peak_kib(pid: u32) -> u64 {
    status_kib(pid, "VmHWM:")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let sizes: Vec<usize> = std::env::var("TERRAIN_BENCH_EXPORT")
        .ok()
        .map(|s| s.split(',').map(|n| n.trim().parse().unwrap()).collect())
        .unwrap_or(vec![10_000, 100_000]);
    let bin = env!("CARGO_BIN_EXE_terrain-server");
    println!("CSV export of every report, SQLite, the server binary over loopback");
    println!(
        "{:>9} {:>8} {:>10} {:>9} {:>8} {:>8} {:>13} {:>12} {:>12} {:>12} {:>9}   (anon, file) RSS at each quarter of the 1st",
        "reports",
        "load s",
        "first ms",
        "total s",
        "MB",
        "MB/s",
        "peak before",
        "peak 1st",
        "peak 2nd",
        "compressed",
        "its time",
    );
    for n in sizes {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        let loaded = load(&path, n).await;
        let db = format!("sqlite:{}", path.display());
        let mut add = Command::new(bin)
            .args(["--db", &db, "user", "add", "awa", "--role", "reporter"])
            .args(["--region", "Kayes", "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        writeln!(add.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        assert!(add.wait().unwrap().success());
        let port = free_port();
        let server = Server(
            Command::new(bin)
                .args([
                    "--db",
                    &db,
                    "serve",
                    "--listen",
                    &format!("127.0.0.1:{port}"),
                ])
                .env("RUST_LOG", "error")
                .stdout(Stdio::null())
                .spawn()
                .unwrap(),
            port,
        );
        let url = format!("http://127.0.0.1:{}", server.1);
        let client = reqwest::Client::new();
        for _ in 0..400 {
            if client.get(format!("{url}/health")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        let pid = server.0.id();
        let session: serde_json::Value = client
            .post(format!("{url}/v1/sessions"))
            .header("Terrain-Protocol", "1")
            .json(&serde_json::json!({"user": "awa", "password": PASSWORD, "device_name": "bench"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = session["token"].as_str().unwrap().to_string();
        let before = peak_kib(pid);
        // Twice: a second export finding the peak where the first left it shows the memory
        // bounded, whatever the first one warmed up (allocator arenas, caches).
        let mut peaks = Vec::new();
        let mut runs = Vec::new();
        for compressed in [false, false, true] {
            let started = Instant::now();
            let mut request = client
                .get(format!("{url}/v1/exports/reports.csv"))
                .bearer_auth(&token)
                .header("Terrain-Protocol", "1");
            // As a browser asks (reqwest then says gzip and zstd, and expands what comes).
            if !compressed {
                request = request.header("Accept-Encoding", "identity");
            }
            let mut resp = request.send().await.unwrap();
            assert_eq!(resp.status(), 200);
            let total: usize = resp.headers()["x-terrain-total"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(total, n);
            let (mut bytes, mut lines, mut first) = (0usize, 0usize, None);
            // The server's resident memory at each quarter of the way.
            let mut rss = Vec::new();
            while let Some(piece) = resp.chunk().await.unwrap() {
                first.get_or_insert_with(|| started.elapsed());
                bytes += piece.len();
                lines += piece.iter().filter(|b| **b == b'\n').count();
                if lines * 4 >= (rss.len() + 1) * n {
                    rss.push((
                        status_kib(pid, "RssAnon:") / 1024,
                        status_kib(pid, "RssFile:") / 1024,
                    ));
                }
            }
            let took = started.elapsed();
            // Header and HXL row, then at least one line per report (narratives may hold more).
            assert!(lines >= n + 2, "{lines} lines for {n} reports");
            peaks.push(peak_kib(pid) / 1024);
            runs.push((first.unwrap_or_default(), took, bytes, rss));
        }
        let (first, took, bytes, rss) = &runs[0];
        let mb = *bytes as f64 / 1e6;
        println!(
            "{n:>9} {:>8.1} {:>10.0} {:>9.2} {mb:>8.1} {:>8.1} {:>10} MiB {:>8} MiB {:>8} MiB {:>8} MiB {:>7.2} s   {rss:?} MiB",
            loaded.as_secs_f64(),
            first.as_secs_f64() * 1000.0,
            took.as_secs_f64(),
            mb / took.as_secs_f64(),
            before / 1024,
            peaks[0],
            peaks[1],
            peaks[2],
            runs[2].1.as_secs_f64(),
        );
        drop(server);
    }
}

//! The server's duplicate check at volume (issue 15): N fingerprint rows filed in one engine,
//! then 1,000 checks of new reports, each the store's candidate query
//! (`ServerStore::fingerprint_candidates`, one indexed query on region and weeks, cercle and
//! grid cell) and the domain's `compare` on every row it gives: what
//! `policy::incidents::check` does on `GET /v1/reports/{id}/similar`. Prints median and p99
//! per check and the rows compared.
//!
//! `cargo bench -p terrain-server --bench incidents` (`TERRAIN_BENCH_INCIDENTS=sqlite:100000,
//! postgres:1000000` by default; PostgreSQL at `TERRAIN_BENCH_PG`, default
//! `postgres://root@127.0.0.1:5432/test`, in a schema of its own dropped afterwards).
//!
//! The pessimistic case, as the domain's bench: every report in one region over two years,
//! seven in ten with a point somewhere in the Kayes region, cercles and communes drawn from a
//! few, words from a vocabulary of 2,000.

use std::time::Instant;
use terrain_domain::EventType;
use terrain_domain::incident::similar::Point;
use terrain_domain::incident::{Fingerprint, compare};
use terrain_server_store::{CandidateQuery, FingerprintRow, ServerStore};
use uuid::Uuid;

/// A small deterministic generator (no dependency): xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const EVENT_TYPES: [EventType; 3] = [
    EventType::ViolenceAgainstCivilians,
    EventType::Battles,
    EventType::StrategicDevelopments,
];

fn fingerprint(rng: &mut Rng) -> Fingerprint {
    // 2025-01-01 as days from the common era, then two years.
    let first_day = 739_252 + rng.below(730) as i32;
    let last_day = first_day + if rng.below(10) == 0 { 6 } else { 0 };
    let point = (rng.below(10) < 7).then(|| Point {
        latitude: 12.5 + rng.unit() * 3.0,
        longitude: -12.5 + rng.unit() * 4.0,
        radius_km: if rng.below(2) == 0 { 5.0 } else { 15.0 },
    });
    let mut words: Vec<u32> = (0..8).map(|_| rng.below(2_000) as u32).collect();
    words.sort_unstable();
    words.dedup();
    Fingerprint {
        report: Uuid::from_u64_pair(rng.next(), rng.next()),
        region: 7,
        first_day,
        last_day,
        point,
        cercle: (rng.below(10) < 9).then(|| rng.below(7) as u32),
        commune: (rng.below(10) < 6).then(|| rng.below(130) as u32),
        place: None,
        sites: Vec::new(),
        event_type: Some(EVENT_TYPES[rng.below(3) as usize]),
        targets: 0,
        words,
    }
}

/// N fingerprint rows, 10,000 at a time, the same on every run.
fn batches(n: usize) -> impl Iterator<Item = Vec<FingerprintRow>> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut left = n;
    std::iter::from_fn(move || {
        let take = left.min(10_000);
        left -= take;
        (take > 0).then(|| {
            (0..take)
                .map(|_| FingerprintRow::of(&fingerprint(&mut rng)))
                .collect()
        })
    })
}

async fn measure(label: &str, store: &dyn ServerStore) {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let mut times = Vec::new();
    let (mut rows, mut found) = (0usize, 0usize);
    for _ in 0..1_000 {
        let f = fingerprint(&mut rng);
        let started = Instant::now();
        let candidates = store
            .fingerprint_candidates(CandidateQuery::of(&f))
            .await
            .unwrap();
        found += candidates
            .iter()
            .filter(|c| compare(&f, c).is_some())
            .count();
        times.push(started.elapsed().as_secs_f64() * 1_000.0);
        rows += candidates.len();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "  {label}: per check median {:.2} ms, p99 {:.2} ms; {} rows compared on average, {:.1} suggested",
        times[times.len() / 2],
        times[times.len() * 99 / 100],
        rows / times.len(),
        found as f64 / times.len() as f64
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let plan = std::env::var("TERRAIN_BENCH_INCIDENTS")
        .unwrap_or_else(|_| "sqlite:100000,postgres:1000000".into());
    for part in plan.split(',') {
        let (engine, n) = part.split_once(':').expect("engine:N");
        let n: usize = n.parse().expect("a count");
        println!("{engine}, {n} reports");
        match engine {
            "sqlite" => {
                let dir = tempfile::tempdir().unwrap();
                let store =
                    terrain_server_sqlite::SqliteStore::open(&dir.path().join("bench.db")).unwrap();
                let started = Instant::now();
                for rows in batches(n) {
                    store.file_fingerprints(rows).await.unwrap();
                }
                println!("  loaded in {:.1} s", started.elapsed().as_secs_f64());
                measure(engine, &store).await;
            }
            "postgres" => {
                let url = std::env::var("TERRAIN_BENCH_PG")
                    .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".into());
                let schema = format!("bench_incidents_{}", std::process::id());
                let store = terrain_server_postgres::PgStore::connect(&url, &schema)
                    .await
                    .unwrap();
                let started = Instant::now();
                for rows in batches(n) {
                    store.file_fingerprints(&rows).await.unwrap();
                }
                println!("  loaded in {:.1} s", started.elapsed().as_secs_f64());
                measure(engine, &store).await;
                drop(store);
                terrain_server_postgres::drop_schema(&url, &schema)
                    .await
                    .unwrap();
            }
            other => panic!("unknown engine {other}"),
        }
    }
}

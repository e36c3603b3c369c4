//! Store figures: `cargo bench -p terrain-store` (set TERRAIN_BENCH_REPORTS to change 100,000).
//!
//! Prints save latency for a final report (encrypted store, as shipped, and plain) next to a
//! bare rusqlite insert+commit with the same settings (WAL, synchronous=FULL); list/search
//! latency over a large encrypted store; and the costs of encryption itself: encrypting a plain
//! store in place, unlocking (Argon2id), changing the passphrase, quick delete.

use rusqlite::params;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use terrain_domain::{ValidReport, check, gazetteer, parse_json};
use terrain_store::{Filter, Page, Passphrase, Store};

mod common;
use common::{SEED, WORDS, ms, percentiles};

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// A final report varied by `i`: different places, dates, words, so searches select a part.
fn report(i: usize) -> ValidReport {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    let regions = gazetteer::regions();
    let region = &regions[i % regions.len()];
    let cercle = &region.cercles[(i / regions.len()) % region.cercles.len()];
    let (a, b) = (WORDS[i % WORDS.len()], WORDS[(i / 7) % WORDS.len()]);
    v["id"] = json!(uuid::Uuid::now_v7());
    v["title"] = json!(format!("Attack on {a} and {b} near {} #{i}", cercle.name));
    v["when"]["date"] = json!((today() - chrono::Days::new((i % 3000) as u64)).to_string());
    v["where"] = json!({"admin1": region.name, "admin2": cercle.name});
    v["narrative"] = json!(format!(
        "Armed men attacked the {a} and burned the {b}. Report {i}."
    ));
    check(parse_json(&v.to_string()).unwrap(), today()).unwrap()
}

fn bench_save(store: &Store, n: usize) -> (Duration, Duration) {
    let reports: Vec<ValidReport> = (0..n).map(report).collect();
    let samples = reports
        .into_iter()
        .map(|r| {
            let t = Instant::now();
            store.save(r, "bench").unwrap();
            t.elapsed()
        })
        .collect();
    percentiles(samples)
}

/// The floor: one INSERT of the same JSON and a COMMIT, same pragmas, nothing else.
fn bench_bare(dir: &std::path::Path, n: usize) -> (Duration, Duration) {
    let conn = rusqlite::Connection::open(dir.join("bare.db")).unwrap();
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .unwrap();
    conn.execute_batch(
        "PRAGMA synchronous = FULL; CREATE TABLE t (id TEXT PRIMARY KEY, body TEXT NOT NULL);",
    )
    .unwrap();
    let body = terrain_domain::canonical_report_json(&report(0));
    let samples = (0..n)
        .map(|_| {
            let t = Instant::now();
            conn.execute(
                "INSERT INTO t (id, body) VALUES (?1, ?2)",
                params![uuid::Uuid::now_v7().to_string(), body],
            )
            .unwrap();
            t.elapsed()
        })
        .collect();
    percentiles(samples)
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration) {
    f();
    percentiles(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` lists targets; nothing to list here
    }
    let total: usize = std::env::var("TERRAIN_BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let n = 500;
    let pass = Passphrase::new("bench passphrase, long enough");
    let encrypted = Store::create(&dir.path().join("save-encrypted"), &pass).unwrap();
    let (save50, save99) = bench_save(&encrypted, n);
    let (plain50, plain99) = bench_save(&Store::open(&dir.path().join("save")).unwrap(), n);
    let (bare50, bare99) = bench_bare(dir.path(), n);
    println!("save of a final report ({n} saves, WAL, synchronous=FULL):");
    println!(
        "  terrain-store save      p50 {}  p99 {}  (encrypted, as shipped)",
        ms(save50),
        ms(save99)
    );
    println!(
        "  plain store save        p50 {}  p99 {}",
        ms(plain50),
        ms(plain99)
    );
    println!(
        "  bare insert + commit    p50 {}  p99 {}",
        ms(bare50),
        ms(bare99)
    );
    println!(
        "  ratio                   p50 {:.2}x  p99 {:.2}x",
        save50.as_secs_f64() / bare50.as_secs_f64(),
        save99.as_secs_f64() / bare99.as_secs_f64()
    );

    let large = dir.path().join("large");
    let plain = Store::open(&large).unwrap();
    let t = Instant::now();
    for chunk in (0..total).collect::<Vec<_>>().chunks(5_000) {
        plain
            .save_all(chunk.iter().map(|i| report(*i)).collect(), "bench")
            .unwrap();
    }
    println!(
        "\nloaded {total} reports into a plain store in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    drop(plain);
    let t = Instant::now();
    let store = Store::encrypt(&large, &pass).unwrap();
    let size = std::fs::metadata(large.join("terrain.db")).unwrap().len();
    println!(
        "encrypted it in place ({:.0} MiB) in {:.1} s; on the encrypted store:",
        size as f64 / (1 << 20) as f64,
        t.elapsed().as_secs_f64()
    );
    let cases: [(&str, Filter); 5] = [
        ("list, first page of 50", Filter::default()),
        (
            "list, region Kayes",
            Filter {
                admin1: Some("Kayes".into()),
                ..Filter::default()
            },
        ),
        (
            "search \"bafoulabe\"",
            Filter {
                query: Some("bafoulabe".into()),
                ..Filter::default()
            },
        ),
        (
            "search \"convoy tanker\"",
            Filter {
                query: Some("convoy tanker".into()),
                ..Filter::default()
            },
        ),
        (
            "search \"wamaps\" (every report)",
            Filter {
                query: Some("wamaps".into()),
                ..Filter::default()
            },
        ),
    ];
    for (name, filter) in cases {
        let (p50, p99) = time(50, || store.list(&filter, Page::first(50)).unwrap().len());
        let found = store.count(&filter).unwrap();
        println!(
            "  {name:<34} p50 {}  p99 {}  ({found} match)",
            ms(p50),
            ms(p99)
        );
    }
    drop(store);

    let (unlock50, _) = time(5, || {
        Store::unlock(&large, &pass).unwrap().device_id().len()
    });
    println!(
        "\nunlock (Argon2id 64 MiB, 3 passes; open, check schema) p50 {}",
        ms(unlock50)
    );
    let new = Passphrase::new("another bench passphrase");
    let t = Instant::now();
    Store::change_passphrase(&large, &pass, &new).unwrap();
    println!("change the passphrase: {}", ms(t.elapsed()));
    let t = Instant::now();
    terrain_store::wipe(&large).unwrap();
    println!(
        "quick delete of the {total}-report store: {}",
        ms(t.elapsed())
    );
}

//! Duplicate checks on the device: `cargo bench -p terrain-store --bench incidents`
//! (TERRAIN_BENCH_INCIDENTS sets how many reports are held, 100,000 by default).
//!
//! The pessimistic case of docs/incidents.md: every report in one region (Kayes) over two
//! years, seven in ten with a point. Loads them through `save_all` (each save files its
//! fingerprint and works out its suggestions), then times `Store::similar` (the check the
//! report page makes: fingerprints of its region and weeks and of its sites read from SQLite,
//! compared) for 1,000 reports held, and the save of a new report (fingerprint, suggestions
//! and all) on top.

use serde_json::{Value, json};
use std::time::Instant;
use terrain_domain::{ValidReport, check, gazetteer, parse_json};
use terrain_store::Store;

mod common;
use common::{SEED, WORDS, ms, percentiles};

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
}

/// A small deterministic generator (xorshift), so runs compare.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() % 1_000_000) as f64 / 1_000_000.0
    }
}

fn report(rng: &mut Rng, i: usize) -> ValidReport {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    let region = gazetteer::regions()
        .iter()
        .find(|r| r.name == "Kayes")
        .unwrap();
    let cercle = &region.cercles[rng.below(region.cercles.len())];
    let w: Vec<&str> = (0..4).map(|_| WORDS[rng.below(WORDS.len())]).collect();
    v["id"] = json!(uuid::Uuid::now_v7());
    v["title"] = json!(format!(
        "Attack on the {} and {} near {}",
        w[0], w[1], cercle.name
    ));
    v["when"]["date"] = json!((today() - chrono::Days::new(rng.below(730) as u64)).to_string());
    let mut place = json!({"admin1": region.name, "admin2": cercle.name});
    if rng.below(10) < 7 {
        place["coordinates"] = json!({
            "latitude": 12.5 + 2.5 * rng.unit(),
            "longitude": -12.0 + 3.0 * rng.unit(),
        });
        place["geo_precision"] = json!("place");
    }
    v["where"] = place;
    v["narrative"] = json!(format!(
        "Armed men attacked the {} and burned the {}. Report {i}.",
        w[2], w[3]
    ));
    check(parse_json(&v.to_string()).unwrap(), today()).unwrap()
}

fn main() {
    let n: usize = std::env::var("TERRAIN_BENCH_INCIDENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let started = Instant::now();
    let mut ids = Vec::with_capacity(n);
    for batch in 0..n.div_ceil(1000) {
        let reports: Vec<ValidReport> = (batch * 1000..((batch + 1) * 1000).min(n))
            .map(|i| report(&mut rng, i))
            .collect();
        for saved in store.save_all(reports, "bench").unwrap() {
            ids.push(saved.revision.report_id);
        }
    }
    let load = started.elapsed();
    println!(
        "{n} reports (one region, two years, 7 in 10 with a point) saved in {:.1} s ({:.2} ms a report, fingerprint and suggestions included)",
        load.as_secs_f64(),
        load.as_secs_f64() * 1000.0 / n as f64
    );
    let mut with_point = Vec::new();
    let mut without = Vec::new();
    let mut found = 0;
    for _ in 0..1000 {
        let id = ids[rng.below(ids.len())];
        let has_point = store
            .fingerprint(id)
            .unwrap()
            .is_some_and(|f| f.point.is_some());
        let t = Instant::now();
        found += store.similar(id).unwrap().len();
        let took = t.elapsed();
        if has_point {
            with_point.push(took);
        } else {
            without.push(took);
        }
    }
    for (what, samples) in [("with a point", with_point), ("without a point", without)] {
        let count = samples.len();
        let (median, p99) = percentiles(samples);
        println!(
            "similar(report) {what}: median {}, p99 {} ({count} checks)",
            ms(median),
            ms(p99)
        );
    }
    println!("suggestions found per check: {:.1}", found as f64 / 1000.0);
    let mut saves = Vec::new();
    for i in 0..200 {
        let r = report(&mut rng, n + i);
        let t = Instant::now();
        store.save(r, "bench").unwrap();
        saves.push(t.elapsed());
    }
    let (median, p99) = percentiles(saves);
    println!(
        "save of a new final report (fsynced; fingerprint and suggestions in its transaction): median {}, p99 {}",
        ms(median),
        ms(p99)
    );
    flood();
}

/// 2,000 copies of the seed report saved in one `save_all`, as the fault suite does.
fn flood() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let seed: Value = serde_json::from_str(SEED).unwrap();
    let copies: Vec<ValidReport> = (0..2000)
        .map(|_| {
            let mut v = seed.clone();
            v["id"] = json!(uuid::Uuid::now_v7());
            check(parse_json(&v.to_string()).unwrap(), today()).unwrap()
        })
        .collect();
    let started = Instant::now();
    let saved = store.save_all(copies, "bench").unwrap();
    let took = started.elapsed();
    let last = saved.last().unwrap().revision.report_id;
    println!(
        "flood: 2,000 copies of one report saved at once in {:.1} s ({:.2} ms a report); the last has {} suggestions",
        took.as_secs_f64(),
        took.as_secs_f64() * 1000.0 / 2000.0,
        store.remembered_suggestions(last).unwrap().len()
    );
}

//! The duplicate check's figures: `cargo bench -p terrain-domain --bench duplicates`
//! (set TERRAIN_BENCH_REPORTS to a comma-separated list of sizes; 100000,1000000 by default).
//!
//! For each size, fills a [`DuplicateIndex`] with synthetic reports as the region's officials
//! write them (`tests/corpus`), all in one region and two years, so the index's blocking key
//! has as little to separate as it will ever have: the pessimistic case. Then times checking one
//! new report (its fingerprint, the look-up and every comparison), for reports with a point
//! and for reports without one (compared with their whole region and weeks), and prints the
//! median and 99th percentile with the candidates compared and matches found.

#[path = "../tests/corpus/mod.rs"]
mod corpus;

use chrono::{Days, NaiveDate};
use corpus::{LANGS, PLACES, Placing, Rng, Spec, report};
use std::time::{Duration, Instant};
use terrain_domain::DatePrecision;
use terrain_domain::incident::{DuplicateIndex, Fingerprint};

const DAYS: usize = 730;

fn spec(rng: &mut Rng, with_point: bool) -> Spec {
    let placing = if with_point {
        let km = rng.unit() * 60.0 - 30.0;
        if rng.below(2) == 0 {
            Placing::Point(km)
        } else {
            Placing::Near(km)
        }
    } else if rng.below(2) == 0 {
        Placing::Commune
    } else {
        Placing::Cercle
    };
    let precision = match rng.below(10) {
        0 => DatePrecision::Week,
        1 => DatePrecision::Month,
        _ => DatePrecision::Day,
    };
    Spec {
        kind: rng.below(6),
        lang: LANGS[rng.below(3)],
        variant: rng.below(2),
        place: rng.below(PLACES.len()),
        date: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + Days::new(rng.below(DAYS) as u64),
        precision,
        placing,
    }
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    (at(0.50), at(0.99))
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let sizes: Vec<usize> = std::env::var("TERRAIN_BENCH_REPORTS")
        .unwrap_or_else(|_| "100000,1000000".into())
        .split(',')
        .map(|s| {
            s.trim()
                .parse()
                .expect("TERRAIN_BENCH_REPORTS: sizes, comma-separated")
        })
        .collect();
    for n in sizes {
        let mut rng = Rng(0x00be_ec4d_0c5a_11ce);
        let t = Instant::now();
        let mut index = DuplicateIndex::new();
        for i in 0..n {
            // Seven reports in ten carry a point (a GPS fix or a site's coordinates).
            let with_point = rng.below(10) < 7;
            let r = report(i as u64, &spec(&mut rng, with_point));
            index.insert(Fingerprint::of(&r, &[][..]));
        }
        println!(
            "{n} reports in one region over {DAYS} days: index built in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        for with_point in [true, false] {
            let mut samples = Vec::new();
            let (mut candidates, mut matches) = (0usize, 0usize);
            for q in 0..1000u64 {
                let r = report(u64::MAX / 2 + q, &spec(&mut rng, with_point));
                let t = Instant::now();
                let f = Fingerprint::of(&r, &[][..]);
                let found = index.check(&f);
                samples.push(t.elapsed());
                candidates += index.candidates_for(&f);
                matches += found.len();
            }
            let (p50, p99) = percentiles(samples);
            println!(
                "  check one new report {}: median {}, p99 {} ({} candidates compared, {} \
                 matches on average)",
                if with_point {
                    "with a point"
                } else {
                    "without a point"
                },
                ms(p50),
                ms(p99),
                candidates / 1000,
                matches / 1000
            );
        }
    }
}

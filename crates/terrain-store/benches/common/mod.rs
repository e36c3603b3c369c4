//! What the store's benchmarks share: the seed report, words to vary titles by, and how
//! figures are printed.

use std::time::Duration;

pub const SEED: &str = include_str!("../../../../docs/examples/bafoulabe-plants-attack.json");

/// Targets and places a field report names, to vary titles and narratives by.
pub const WORDS: &[&str] = &[
    "convoy",
    "plant",
    "mine",
    "quarry",
    "market",
    "road",
    "fuel",
    "tanker",
    "generator",
    "school",
    "clinic",
    "bridge",
    "checkpoint",
    "village",
    "warehouse",
    "trucks",
    "workers",
    "guards",
    "cattle",
    "herders",
    "wells",
    "farm",
    "bus",
    "teachers",
];

/// The median and the 99th percentile.
pub fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    (at(0.50), at(0.99))
}

pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

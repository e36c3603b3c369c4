//! Field-link figures (issue 12): `cargo bench -p terrain-tests --bench field_link [NAME...]`
//! (as root: it builds network namespaces; needs `cargo build -p terrain-cli` first).
//!
//! Each scenario runs `terrain sync --watch` on a device with queued reports behind the link
//! emulator and prints time to text, time to all, bytes on the wire and the ratio of the time
//! to all to the payload's time at the line rate. Names choose scenarios (default: all, about
//! 25 minutes); `FIELD_LINK_LIMIT=SECONDS` bounds each run (default 900).

use std::time::Duration;
use terrain_tests::field::{Scenario, run};
use terrain_tests::link::{Shape, Side, available_or_skip};

/// The office of issue 12: 100 reports, 10 with a photo of about 300 KB (3.16 MB in all), on
/// 600 ms of round trip and 10 % loss at `kbps`.
fn office(kbps: u64) -> Scenario {
    Scenario {
        reports: 100,
        photos: 10,
        photo_bytes: 300_000,
        shape: Shape::new(kbps, 300, 0.10),
        cut: None,
        limit: Duration::from_secs(900),
    }
}

fn scenarios() -> Vec<(&'static str, Scenario)> {
    vec![
        ("office-1024", office(1024)),
        ("office-256", office(256)),
        ("office-64", office(64)),
        (
            // The backlog the issue measured: 400 reports, no photo, 64 kbit/s.
            "backlog-400",
            Scenario {
                reports: 400,
                photos: 0,
                photo_bytes: 0,
                ..office(64)
            },
        ),
        (
            // The backlog the issue asks to get through: 1,000 reports, no photo, 64 kbit/s.
            "backlog-1000",
            Scenario {
                reports: 1000,
                photos: 0,
                photo_bytes: 0,
                ..office(64)
            },
        ),
    ]
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if std::env::args().any(|a| a == "--list") {
        for (name, _) in scenarios() {
            println!("{name}: bench");
        }
        return;
    }
    if !available_or_skip() {
        return;
    }
    let limit = std::env::var("FIELD_LINK_LIMIT")
        .ok()
        .map(|s| Duration::from_secs(s.parse().expect("FIELD_LINK_LIMIT is seconds")));
    for (name, mut scenario) in scenarios() {
        if !args.is_empty() && !args.iter().any(|a| a == name) {
            continue;
        }
        scenario.limit = limit.unwrap_or(scenario.limit);
        let run = run(&scenario, env!("CARGO_BIN_EXE_terrain-server-under-test"));
        let (stored, pushed) = run.counts();
        println!(
            "{name}: {} reports, {} photos of {} KB at {} kbit/s, {} ms each way, {:.0} % loss: {}",
            scenario.reports,
            scenario.photos,
            scenario.photo_bytes / 1000,
            scenario.shape.rate_bps / 1000,
            scenario.shape.delay.as_millis(),
            scenario.shape.loss * 100.0,
            run.figures
        );
        println!(
            "{name}: server holds {stored} revisions ({pushed} in push events), {} photos not \
             identical; link A→B {:?}, B→A {:?}",
            run.photos_not_identical().len(),
            run.link.stats(Side::A),
            run.link.stats(Side::B),
        );
    }
}

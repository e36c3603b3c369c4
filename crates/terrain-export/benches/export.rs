//! Export figures: `cargo bench -p terrain-export` (TERRAIN_BENCH_ROWS changes 1,000,000).
//! Prints the time to write a CSV of a million reports and the process's peak memory before and
//! after, which stays flat because rows stream; then the time to write a one-report PDF and a
//! PDF summary of 1,000 reports (median of a few runs).

use std::time::Instant;
use terrain_domain::{Revision, check, parse_json};
use terrain_export::csv::CsvOptions;
use terrain_export::pdf::{ReportPdf, SummaryPdf};
use terrain_export::{Incidents, SiteNames, write_atomically};

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rows: u64 = std::env::var("TERRAIN_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let today = chrono::Local::now().date_naive();
    let template = check(parse_json(SEED).unwrap(), today).unwrap();
    let base = Revision::new(template, vec![], "bench", "bench", chrono::Utc::now());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reports.csv");
    let before = peak_kib();
    let t = Instant::now();
    // Each row a distinct report, made as it is written, as the store's cursor hands them out.
    let mut reports = (0..rows).map(|i| {
        let mut r = base.clone();
        r.content.id = uuid::Uuid::now_v7();
        r.content.title = format!("Report {i}");
        Ok::<_, String>(r)
    });
    let written = write_atomically(&path, |w| {
        terrain_export::csv::write(
            w,
            &mut reports,
            &SiteNames::new(),
            &Incidents::none(),
            CsvOptions {
                bom: true,
                hxl: true,
                per_incident: false,
            },
        )
    })
    .unwrap();
    let secs = t.elapsed().as_secs_f64();
    let size = std::fs::metadata(&path).unwrap().len();
    println!(
        "CSV of {written} reports: {secs:.2} s ({:.0} rows/s), {:.0} MB; peak memory {} MiB before, {} MiB after",
        written as f64 / secs,
        size as f64 / 1e6,
        before / 1024,
        peak_kib() / 1024
    );
    pdfs(&base, dir.path());
}

/// Median of `runs` timings of `f`, in milliseconds.
fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

fn pdfs(base: &Revision, dir: &std::path::Path) {
    let path = dir.join("report.pdf");
    let no_photos = |_: &str| Err("not on this device");
    let mut pages = 0;
    let ms = median_ms(9, || {
        let pdf = ReportPdf {
            revision: base,
            sites: &SiteNames::new(),
            heads: 1,
            review: None,
            attachment: &no_photos,
            generated_at: chrono::Utc::now(),
            lang: terrain_domain::Lang::En,
        };
        pages = write_atomically(&path, |w| terrain_export::pdf::write_report(w, &pdf))
            .unwrap()
            .pages;
    });
    println!("PDF of one report ({pages} pages): {ms:.1} ms");

    let path = dir.join("summary.pdf");
    let ms = median_ms(5, || {
        let mut reports = (0..1000).map(|i| {
            let mut r = base.clone();
            r.content.title = format!("Report {i}");
            Ok::<_, String>(r)
        });
        let pdf = SummaryPdf {
            selection: "",
            generated_at: chrono::Utc::now(),
            lang: terrain_domain::Lang::En,
            sites: &SiteNames::new(),
            incidents: &Incidents::none(),
            per_incident: false,
        };
        pages = write_atomically(&path, |w| {
            terrain_export::pdf::write_summary(w, &mut reports, &pdf)
        })
        .unwrap()
        .pages;
    });
    println!(
        "PDF summary of 1,000 reports ({pages} pages, {:.0} KB): {ms:.0} ms",
        std::fs::metadata(&path).unwrap().len() as f64 / 1e3
    );
}

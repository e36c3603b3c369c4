//! A report's JSON, as the CLI reads a file (`report new --json`, `report import`, `report
//! edit`) and the app reads the form: `parse_json` then `check`.
//!
//! Must never panic, whatever the bytes. And for every report that passes `check`:
//! - its JSON form reads back as the same report (what the store writes, it reads back);
//! - checking it again changes nothing (tidying is done once and for all);
//! - its content hash is the same after the trip (a revision's sha256 survives storage and sync);
//! - what lists, exports and the PDF derive from it (figures' summaries, place and date lines)
//!   does not panic.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use terrain_domain::{FigureKind, Report, canonical_report_json, check, content_hash, parse_json};

fuzz_target!(|data: &[u8]| {
    // Files and the UI's form reach parse_json as text; bytes that are not UTF-8 stop earlier.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 24).expect("a date");
    let report = match parse_json(text) {
        Ok(r) => r,
        Err(problems) => {
            // The CLI and the app show these: they must be printable and never empty.
            assert!(!problems.0.is_empty(), "parse_json failed with no problem");
            let _ = problems.to_string();
            return;
        }
    };
    let valid = match check(report, today) {
        Ok(v) => v,
        Err(problems) => {
            assert!(!problems.0.is_empty(), "check failed with no problem");
            let _ = problems.to_string();
            return;
        }
    };

    // Its JSON form reads back as the same report.
    let json = serde_json::to_string(&*valid).expect("a checked report serialises");
    let again: Report = parse_json(&json).unwrap_or_else(|p| {
        panic!("a checked report's own JSON does not read back: {p}\nJSON: {json}")
    });
    assert_eq!(
        again, *valid,
        "a checked report changed through its JSON form\nJSON: {json}"
    );
    // The canonical form (what is hashed) reads back as the same report too.
    let canonical = canonical_report_json(&valid);
    let from_canonical: Report = parse_json(&canonical).unwrap_or_else(|p| {
        panic!("a checked report's canonical JSON does not read back: {p}\nJSON: {canonical}")
    });
    assert_eq!(
        from_canonical, *valid,
        "a checked report changed through its canonical JSON\nJSON: {canonical}"
    );
    assert_eq!(
        content_hash(&again),
        content_hash(&valid),
        "the content hash changed through the JSON form\nJSON: {json}"
    );

    // Checking is idempotent.
    let rechecked = check(again, today)
        .unwrap_or_else(|p| panic!("a checked report fails its second check: {p}\nJSON: {json}"));
    assert_eq!(
        rechecked, valid,
        "a second check changed a checked report\nJSON: {json}"
    );

    // What lists, exports and the PDF derive from a checked report.
    for kind in FigureKind::ALL {
        if let Some(summary) = valid.figure(*kind) {
            assert!(summary.min <= summary.max && summary.conservative == summary.min);
            let _ = summary.to_string();
        }
    }
    let _ = valid.place_line();
    let _ = valid.when.line();
});

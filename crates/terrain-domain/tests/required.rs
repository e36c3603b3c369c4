//! The list of required fields the form marks is the list `check` enforces.

use chrono::NaiveDate;
use serde_json::json;
use terrain_domain::{REQUIRED, check, parse_json};

/// `figures.killed[0].source` as the list spells it: `figures.*[].source`.
fn pattern(field: &str) -> String {
    let mut out = String::new();
    let mut in_index = false;
    for ch in field.chars() {
        match ch {
            '[' => {
                in_index = true;
                out.push_str("[]");
            }
            ']' => in_index = false,
            _ if in_index => {}
            _ => out.push(ch),
        }
    }
    match out.strip_prefix("figures.") {
        Some(rest) => format!("figures.*{}", &rest[rest.find('[').unwrap_or(rest.len())..]),
        None => out,
    }
}

#[test]
fn an_empty_final_report_is_refused_at_exactly_the_required_fields() {
    let report = json!({
        "schema_version": 1,
        "id": "019a8f7e-8a3b-7c2d-9e4f-0a1b2c3d4e5f",
        "title": "",
        "status": "final",
        "when": { "date": "2026-11-19", "precision": "day" },
        "where": { "admin1": "" },
        "what": {},
        "perpetrators": [{ "name": "", "attribution": "suspected" }],
        "sources": [{ "key": "s1", "name": "", "kind": "witness", "reliability": "unknown" }],
        "figures": { "killed": [{ "amount": 2, "source": "" }] },
        "narrative": "Gunmen came at dawn."
    });
    let report = parse_json(&report.to_string()).expect("the JSON reads");
    let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let problems = check(report, today)
        .expect_err("an empty final report is refused")
        .0;
    let mut refused: Vec<String> = problems.iter().map(|p| pattern(&p.field)).collect();
    refused.sort();
    refused.dedup();
    let mut required: Vec<String> = REQUIRED.iter().map(|s| s.to_string()).collect();
    required.sort();
    assert_eq!(refused, required, "{problems:#?}");
}

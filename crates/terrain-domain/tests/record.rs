//! The record's public API: reading JSON, every validation rule and its message, round trips,
//! revision hashes.

use chrono::NaiveDate;
use serde_json::{Value, json};
use terrain_domain::*;

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

fn seed_value() -> Value {
    serde_json::from_str(SEED).unwrap()
}

/// The problems (field, message) for the seed report changed by `edit`.
fn problems_after(edit: impl FnOnce(&mut Value)) -> Vec<(String, String)> {
    let mut v = seed_value();
    edit(&mut v);
    let report = parse_json(&v.to_string()).map_err(|p| p.0);
    let report = match report {
        Ok(r) => r,
        Err(p) => return p.into_iter().map(|p| (p.field, p.message)).collect(),
    };
    match check(report, today()) {
        Ok(_) => Vec::new(),
        Err(p) => p.0.into_iter().map(|p| (p.field, p.message)).collect(),
    }
}

fn assert_problem(edit: impl FnOnce(&mut Value), field: &str, message_part: &str) {
    let problems = problems_after(edit);
    assert!(
        problems
            .iter()
            .any(|(f, m)| f == field && m.contains(message_part)),
        "expected {field}: …{message_part}… in {problems:#?}"
    );
}

#[test]
fn the_seed_incident_is_valid_and_keeps_both_abduction_counts() {
    let report = check(parse_json(SEED).unwrap(), today()).unwrap();
    let abducted = &report.figures[&FigureKind::Abducted];
    assert_eq!(abducted.len(), 2);
    assert_eq!(abducted[0].source, "wamaps");
    assert_eq!(abducted[1].source, "elected-official");
    let summary = report.figure(FigureKind::Abducted).unwrap();
    assert_eq!(summary.to_string(), "3\u{2013}4, sources disagree");
    assert_eq!(summary.conservative, 3);
}

#[test]
fn json_round_trip_gives_back_the_same_report() {
    let report = parse_json(SEED).unwrap();
    let text = serde_json::to_string_pretty(&report).unwrap();
    assert_eq!(parse_json(&text).unwrap(), report);
    let canonical = canonical_report_json(&report);
    assert_eq!(parse_json(&canonical).unwrap(), report);
}

/// Found by the `report_json` fuzz target: without serde_json's `float_roundtrip`, a coordinate
/// with 17 or more significant digits read back one unit off, so the server refused the
/// revision as a hash mismatch.
#[test]
fn a_coordinate_with_many_digits_keeps_its_value_and_hash_through_json() {
    let text = include_str!("../../../fuzz/regressions/report_json/coordinate-17-digits.json");
    let report = parse_json(text).unwrap();
    let canonical = canonical_report_json(&report);
    let again = parse_json(&canonical).unwrap();
    assert_eq!(again, report);
    assert_eq!(content_hash(&again), content_hash(&report));
}

#[test]
fn content_hash_ignores_key_order_and_changes_with_content() {
    let report = parse_json(SEED).unwrap();
    let mut reordered: serde_json::Map<String, Value> = serde_json::Map::new();
    let v = seed_value();
    for (k, val) in v.as_object().unwrap().iter().rev() {
        reordered.insert(k.clone(), val.clone());
    }
    let again = parse_json(&Value::Object(reordered).to_string()).unwrap();
    assert_eq!(content_hash(&report), content_hash(&again));
    assert_eq!(content_hash(&report).len(), 64);
    let mut changed = report.clone();
    changed.narrative.push('.');
    assert_ne!(content_hash(&report), content_hash(&changed));
}

#[test]
fn a_revision_carries_its_parents_and_a_verifiable_hash() {
    let report = check(parse_json(SEED).unwrap(), today()).unwrap();
    let parent = uuid::Uuid::now_v7();
    let now = chrono::Utc::now();
    let rev = Revision::new(report, vec![parent], "awa", "laptop-1", now);
    assert_eq!(rev.parents, vec![parent]);
    assert_eq!(rev.report_id, rev.content.id);
    assert_eq!(rev.id.get_version_num(), 7);
    assert!(rev.hash_matches());
    let mut tampered = rev.clone();
    tampered
        .content
        .figures
        .get_mut(&FigureKind::Abducted)
        .unwrap()[0]
        .amount = Amount::Exact(30);
    assert!(!tampered.hash_matches());
}

#[test]
fn every_problem_is_reported_at_once() {
    let problems = problems_after(|v| {
        v["title"] = json!("");
        v["where"]["admin1"] = json!("Kaye");
        v["figures"]["abducted"][0]["source"] = json!("nobody");
        v["when"]["date"] = json!("2030-01-01");
    });
    let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        [
            "title",
            "when.date",
            "where.admin1",
            "figures.abducted[0].source"
        ]
    );
}

#[test]
fn structural_errors_name_the_field_path() {
    let problems = problems_after(|v| v["figures"]["abducted"][1]["amount"] = json!(-4));
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].0, "figures.abducted[1].amount");
    let problems = problems_after(|v| v["what"]["event_type"] = json!("War"));
    assert_eq!(problems[0].0, "what.event_type");
    assert!(
        problems[0].1.contains("\"War\" is not one of: Battles"),
        "{problems:?}"
    );
    let problems = problems_after(|v| v["colour"] = json!("red"));
    assert!(
        problems[0].0 == "colour" && problems[0].1.contains("is not a field Terrain knows"),
        "{problems:?}"
    );
    let problems = problems_after(|v| v["when"]["date"] = json!("18/11/2026"));
    assert_eq!(problems[0].0, "when.date");
    assert!(
        parse_json("{not json").unwrap_err().0[0]
            .message
            .contains("line 1")
    );
    let problems = problems_after(|v| v["figures"]["kidnapped"] = json!([]));
    assert_eq!(problems[0].0, "figures.kidnapped");
    assert!(
        problems[0]
            .1
            .contains("unknown figure `kidnapped`, expected one of killed"),
        "{problems:?}"
    );
}

#[test]
fn schema_version_must_be_one_this_build_reads() {
    assert_problem(
        |v| v["schema_version"] = json!(2),
        "schema_version",
        "is newer than this version of Terrain reads",
    );
    assert_problem(
        |v| v["schema_version"] = json!(0),
        "schema_version",
        "is not a schema version Terrain knows",
    );
}

#[test]
fn ids_must_be_uuid_v7() {
    assert_problem(
        |v| v["id"] = json!("4b6f1c2e-8d3a-4f5b-9c7d-1e2f3a4b5c6d"),
        "id",
        "must be a UUIDv7",
    );
    let without_id = problems_after(|v| {
        v.as_object_mut().unwrap().remove("id");
    });
    assert!(
        without_id.is_empty(),
        "a missing id is made on the device: {without_id:?}"
    );
}

#[test]
fn a_final_report_needs_title_region_event_type_and_a_source() {
    let problems = problems_after(|v| {
        v["title"] = json!("  ");
        v["where"] = json!({});
        v["what"] = json!({});
        v["sources"] = json!([]);
        v["figures"] = json!({});
    });
    let expected = [
        ("title", "is required for a final report"),
        ("where.admin1", "is required for a final report"),
        ("what.event_type", "is required for a final report"),
        ("sources", "a final report needs at least one source"),
    ];
    for (field, message) in expected {
        assert!(
            problems.contains(&(field.into(), message.into())),
            "{field} in {problems:#?}"
        );
    }
}

#[test]
fn a_draft_may_be_incomplete() {
    let problems = problems_after(|v| {
        v["status"] = json!("draft");
        v["title"] = json!("");
        v["where"] = json!({});
        v["what"] = json!({});
        v["sources"] = json!([]);
        v["figures"] = json!({});
    });
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn dates_must_be_plausible() {
    assert_problem(
        |v| v["when"]["date"] = json!("2026-12-01"),
        "when.date",
        "2026-12-01 is in the future (today is 2026-11-24)",
    );
    assert_problem(
        |v| v["when"]["date"] = json!("1926-11-18"),
        "when.date",
        "is before 1960",
    );
    assert_problem(
        |v| v["when"]["end_date"] = json!("2026-11-10"),
        "when.end_date",
        "is before the start date 2026-11-18",
    );
    assert_problem(
        |v| v["when"]["precision"] = json!("exact"),
        "when.time",
        "is required when the precision is \"exact\"",
    );
    assert_problem(
        |v| v["when"]["utc_offset_minutes"] = json!(900),
        "when.utc_offset_minutes",
        "offsets run from -720",
    );
    assert!(
        problems_after(|v| v["when"]["date"] = json!("2026-11-25")).is_empty(),
        "a day of clock slack"
    );
}

#[test]
fn admin_names_come_from_the_gazetteer_and_are_spelled_canonically() {
    let mut v = seed_value();
    v["where"]["admin1"] = json!("kayes");
    v["where"]["admin2"] = json!("BAFOULABE");
    v["where"]["admin3"] = json!("sidibela");
    let report = check(parse_json(&v.to_string()).unwrap(), today()).unwrap();
    assert_eq!(report.location.admin1, "Kayes");
    assert_eq!(report.location.admin2.as_deref(), Some("Bafoulabé"));
    assert_eq!(report.location.admin3.as_deref(), Some("Sidibéla"));

    assert_problem(
        |v| v["where"]["admin1"] = json!("Kaye"),
        "where.admin1",
        "\"Kaye\" is not a region of Mali; did you mean \"Kayes\"?",
    );
    assert_problem(
        |v| v["where"]["admin1"] = json!("Paris"),
        "where.admin1",
        "known regions: Kayes, Koulikoro",
    );
    assert_problem(
        |v| v["where"]["admin2"] = json!("Mopti"),
        "where.admin2",
        "\"Mopti\" is not a cercle of Kayes; it is a cercle of Mopti",
    );
    assert_problem(
        |v| v["where"]["admin2"] = json!("Bafulabe"),
        "where.admin2",
        "did you mean \"Bafoulabé\"?",
    );
    assert_problem(
        |v| {
            v["status"] = json!("draft");
            v["where"]["admin1"] = json!("");
        },
        "where.admin2",
        "needs a region first",
    );
}

#[test]
fn coordinates_must_be_in_mali() {
    assert_problem(
        |v| v["where"]["coordinates"] = json!({"latitude": -10.83, "longitude": 13.81}),
        "where.coordinates",
        "is outside Mali",
    );
    assert_problem(
        |v| v["where"]["coordinates"] = json!({"latitude": -10.83, "longitude": 13.81}),
        "where.coordinates",
        "are latitude and longitude swapped?",
    );
    assert_problem(
        |v| v["where"]["coordinates"] = json!({"latitude": 95.0, "longitude": 1.0}),
        "where.coordinates.latitude",
        "is not a latitude",
    );
    assert_problem(
        |v| v["where"]["coordinates"] = json!({"latitude": 14.0, "longitude": 200.0}),
        "where.coordinates.longitude",
        "is not a longitude",
    );
}

#[test]
fn sub_event_type_must_belong_to_the_event_type_and_implies_it() {
    assert_problem(
        |v| v["what"]["event_type"] = json!("Battles"),
        "what.sub_event_type",
        "\"Abduction/forced disappearance\" belongs to \"Violence against civilians\", not to \"Battles\"",
    );
    let mut v = seed_value();
    v["what"].as_object_mut().unwrap().remove("event_type");
    let report = check(parse_json(&v.to_string()).unwrap(), today()).unwrap();
    assert_eq!(
        report.what.event_type,
        Some(EventType::ViolenceAgainstCivilians)
    );
    assert_problem(
        |v| v["what"]["categories"] = json!(["arson", "arson"]),
        "what.categories[1]",
        "\"arson\" is listed twice",
    );
}

#[test]
fn claims_must_name_a_source_of_the_report_and_sane_amounts() {
    assert_problem(
        |v| v["figures"]["abducted"][1]["source"] = json!("s9"),
        "figures.abducted[1].source",
        "no source with key \"s9\" in this report's sources",
    );
    assert_problem(
        |v| v["figures"]["abducted"][1]["source"] = json!(""),
        "figures.abducted[1].source",
        "every claim names its source",
    );
    assert_problem(
        |v| v["figures"]["abducted"][0]["amount"] = json!({"min": 5, "max": 3}),
        "figures.abducted[0].amount",
        "runs backwards",
    );
    assert_problem(
        |v| v["figures"]["abducted"][0]["amount"] = json!({"min": 3, "max": 3}),
        "figures.abducted[0].amount",
        "is one number; write 3",
    );
    assert_problem(
        |v| v["figures"]["abducted"][0]["amount"] = json!(20_000_000),
        "figures.abducted[0].amount",
        "is more than 10000000",
    );
    assert_problem(
        |v| v["figures"]["killed"] = json!([]),
        "figures.killed",
        "has no claims",
    );
}

#[test]
fn sources_need_unique_well_formed_keys_and_a_name() {
    assert_problem(
        |v| v["sources"][1]["key"] = json!("wamaps"),
        "sources[1].key",
        "\"wamaps\" is used by another source",
    );
    assert_problem(
        |v| v["sources"][0]["key"] = json!("a key"),
        "sources[0].key",
        "must be 1 to 32 letters",
    );
    assert_problem(
        |v| v["sources"][0]["name"] = json!(""),
        "sources[0].name",
        "is required",
    );
    assert_problem(
        |v| v["sources"][0]["kind"] = json!("rumour"),
        "sources[0].kind",
        "\"rumour\" is not one of: official",
    );
}

#[test]
fn perpetrators_targets_sites_and_tags_are_checked() {
    assert_problem(
        |v| v["perpetrators"][0]["inter"] = json!(9),
        "perpetrators[0].inter",
        "ACLED's actor types run from 1 to 8",
    );
    assert_problem(
        |v| v["perpetrators"][0]["name"] = json!(" "),
        "perpetrators[0].name",
        "is required",
    );
    assert_problem(|v| v["targets"][0] = json!(""), "targets[0]", "is required");
    let site = uuid::Uuid::now_v7().to_string();
    assert_problem(
        |v| v["sites"] = json!([{"site_id": site}, {"site_id": site}]),
        "sites[1].site_id",
        "lists the same site twice",
    );
    assert_problem(
        |v| v["tags"] = json!(["x".repeat(65)]),
        "tags[0]",
        "is 65 characters long; at most 64",
    );
}

#[test]
fn tidying_trims_text_and_drops_repeated_tags() {
    let mut v = seed_value();
    v["title"] = json!("  Plants burned  ");
    v["tags"] = json!(["industry", " Industry ", "", "mines"]);
    let report = check(parse_json(&v.to_string()).unwrap(), today()).unwrap();
    assert_eq!(report.title, "Plants burned");
    assert_eq!(report.tags, ["industry", "mines"]);
}

#[test]
fn sizes_are_bounded() {
    assert_problem(
        |v| v["title"] = json!("t".repeat(201)),
        "title",
        "is 201 characters long; at most 200",
    );
    assert_problem(
        |v| v["narrative"] = json!("n".repeat(100_001)),
        "narrative",
        "at most 100000",
    );
    let sources: Vec<Value> = (0..101)
        .map(|i| json!({"key": format!("k{i}"), "name": "x", "kind": "other"}))
        .collect();
    assert_problem(
        |v| v["sources"] = json!(sources),
        "sources",
        "has 101 items; at most 100",
    );
    let huge = format!(
        "{{\"title\": \"{}\"}}",
        "x".repeat(limits::REPORT_JSON_BYTES)
    );
    assert_eq!(parse_json(&huge).unwrap_err().0[0].field, "(file)");
}

#[test]
fn attachments_are_checked() {
    let good = json!({"sha256": "a".repeat(64), "media_type": "image/jpeg", "size": 1000, "file_name": "plant.jpg"});
    assert!(problems_after(|v| v["attachments"] = json!([good.clone()])).is_empty());
    let mut bad = good.clone();
    bad["sha256"] = json!("ABC");
    bad["media_type"] = json!("jpeg");
    bad["size"] = json!(0);
    let problems = problems_after(|v| v["attachments"] = json!([bad]));
    let fields: Vec<&str> = problems.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(
        fields,
        [
            "attachments[0].sha256",
            "attachments[0].size",
            "attachments[0].media_type"
        ]
    );
}

#[test]
fn a_final_report_cannot_return_to_draft() {
    assert!(check_transition(None, Status::Draft).is_ok());
    assert!(check_transition(Some(Status::Draft), Status::Final).is_ok());
    assert!(check_transition(Some(Status::Final), Status::Final).is_ok());
    let err = check_transition(Some(Status::Final), Status::Draft).unwrap_err();
    assert_eq!(err.0[0].field, "status");
    assert!(err.to_string().contains("cannot go back to draft"));
}

#[test]
fn sites_are_checked_and_spelled_canonically() {
    let site: Site = serde_json::from_str(include_str!(
        "../../../docs/examples/sites/diawara-plant.json"
    ))
    .unwrap();
    let site = site.check().unwrap();
    assert_eq!(site.admin2.as_deref(), Some("Bafoulabé"));
    let mut bad = site.clone();
    bad.name = " ".into();
    bad.admin1 = "Atlantis".into();
    let err = bad.check().unwrap_err();
    let fields: Vec<_> = err.0.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["name", "admin1"]);
}

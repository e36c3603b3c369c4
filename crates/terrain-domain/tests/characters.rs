//! Which characters a report's and a site's text may hold: control characters, bidirectional
//! controls and invisible characters are refused, naming the field, the character and where.

use chrono::NaiveDate;
use serde_json::{Value, json};
use terrain_domain::*;

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");
const SITE: &str = include_str!("../../../docs/examples/sites/diawara-plant.json");

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

/// The problems of the seed report with `text` put at `pointer` (a JSON pointer).
fn problems_with(pointer: &str, text: &str) -> Vec<String> {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    v["attachments"] = json!([{"sha256": "a".repeat(64), "media_type": "image/jpeg",
        "size": 10, "file_name": "plant.jpg", "caption": "the kilns"}]);
    v["sites"] = json!([{"site_id": uuid::Uuid::now_v7(), "damage": "kilns burned"}]);
    v["sources"][0]["contact"] = json!("+223 70 00 00 00");
    v["sources"][0]["url"] = json!("https://wamaps.example/article");
    v["sources"][0]["note"] = json!("by telephone");
    *v.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer}")) = json!(text);
    match check(parse_json(&v.to_string()).unwrap(), today()) {
        Ok(_) => Vec::new(),
        Err(p) => p.0.iter().map(Problem::to_string).collect(),
    }
}

/// Every text field of a report: its JSON pointer, its field path, and whether it is prose.
const REPORT_TEXT: &[(&str, &str, bool)] = &[
    ("/title", "title", false),
    ("/where/admin1", "where.admin1", false),
    ("/where/admin2", "where.admin2", false),
    ("/where/admin3", "where.admin3", false),
    ("/where/place", "where.place", false),
    ("/perpetrators/0/name", "perpetrators[0].name", false),
    ("/targets/0", "targets[0]", false),
    ("/sites/0/damage", "sites[0].damage", true),
    ("/sources/0/key", "sources[0].key", false),
    ("/sources/0/name", "sources[0].name", false),
    ("/sources/0/contact", "sources[0].contact", false),
    ("/sources/0/url", "sources[0].url", false),
    ("/sources/0/note", "sources[0].note", true),
    (
        "/figures/abducted/0/source",
        "figures.abducted[0].source",
        false,
    ),
    (
        "/figures/attackers/0/note",
        "figures.attackers[0].note",
        true,
    ),
    ("/narrative", "narrative", true),
    ("/damage", "damage", true),
    ("/tags/0", "tags[0]", false),
    (
        "/attachments/0/media_type",
        "attachments[0].media_type",
        false,
    ),
    (
        "/attachments/0/file_name",
        "attachments[0].file_name",
        false,
    ),
    ("/attachments/0/caption", "attachments[0].caption", false),
];

#[test]
fn the_seed_with_every_text_field_filled_is_valid() {
    assert_eq!(
        problems_with("/title", "Plants burned"),
        Vec::<String>::new()
    );
}

#[test]
fn an_escape_sequence_is_refused_in_every_text_field_of_a_report() {
    for (pointer, field, _) in REPORT_TEXT {
        let problems = problems_with(pointer, "abc\u{1b}[31m");
        let expected = format!("{field}: contains a control character (U+001B) at position 4");
        assert!(problems.contains(&expected), "{expected} in {problems:#?}");
    }
}

#[test]
fn nul_and_right_to_left_override_are_refused_in_every_text_field() {
    for (pointer, field, _) in REPORT_TEXT {
        let problems = problems_with(pointer, "a\0b");
        assert!(
            problems.contains(&format!(
                "{field}: contains a control character (U+0000) at position 2"
            )),
            "{field}: {problems:#?}"
        );
        let problems = problems_with(pointer, "my\u{202E}gnp.exe");
        assert!(
            problems.iter().any(|p| p.starts_with(&format!(
                "{field}: contains a bidirectional control (U+202E) at position 3"
            ))),
            "{field}: {problems:#?}"
        );
        let problems = problems_with(pointer, "Kay\u{200B}es");
        assert!(
            problems.contains(&format!(
                "{field}: contains an invisible character (U+200B) at position 4"
            )),
            "{field}: {problems:#?}"
        );
    }
}

#[test]
fn line_breaks_and_tabs_are_allowed_in_prose_only() {
    for (pointer, field, prose) in REPORT_TEXT {
        let problems = problems_with(pointer, "one\n\ttwo");
        let refused = problems
            .iter()
            .any(|p| p.starts_with(&format!("{field}: ")));
        assert_eq!(refused, !prose, "{field}: {problems:#?}");
    }
    let problems = problems_with("/title", "one\ntwo");
    assert!(
        problems.contains(
            &"title: contains a line break (U+000A) at position 4; this field is one line".into()
        ),
        "{problems:#?}"
    );
}

#[test]
fn windows_line_ends_in_prose_become_line_breaks() {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    v["narrative"] = json!("First.\r\n\r\nSecond.\rThird.");
    let report = check(parse_json(&v.to_string()).unwrap(), today()).unwrap();
    assert_eq!(report.narrative, "First.\n\nSecond.\nThird.");
}

#[test]
fn arabic_with_marks_for_direction_and_joiners_is_accepted() {
    let title = "اختُطف ثلاثة عمال \u{200F}(Bafoulabé)\u{200E} — fils\u{200C}de";
    assert_eq!(problems_with("/title", title), Vec::<String>::new());
}

#[test]
fn a_refused_source_key_is_named_once_without_repeating_its_text() {
    let problems = problems_with("/sources/0/key", "w\u{1b}");
    let about_key: Vec<_> = problems
        .iter()
        .filter(|p| p.starts_with("sources[0].key"))
        .collect();
    assert_eq!(
        about_key,
        ["sources[0].key: contains a control character (U+001B) at position 2"]
    );
}

#[test]
fn every_text_field_of_a_site_refuses_control_and_bidirectional_characters() {
    for field in ["name", "operator", "admin1", "admin2", "place"] {
        let mut site: Value = serde_json::from_str(SITE).unwrap();
        site[field] = json!("x\u{7}");
        let site: Site = serde_json::from_value(site).unwrap();
        let problems: Vec<String> = site
            .check()
            .unwrap_err()
            .0
            .iter()
            .map(Problem::to_string)
            .collect();
        assert!(
            problems.contains(&format!(
                "{field}: contains a control character (U+0007) at position 2"
            )),
            "{problems:#?}"
        );
        let mut site: Value = serde_json::from_str(SITE).unwrap();
        site[field] = json!("\u{2067}x");
        let site: Site = serde_json::from_value(site).unwrap();
        let err = site.check().unwrap_err().to_string();
        assert!(
            err.contains(&format!(
                "{field}: contains a bidirectional control (U+2067) at position 1"
            )),
            "{err}"
        );
    }
    let site: Site = serde_json::from_str(SITE).unwrap();
    assert!(site.check().is_ok());
}

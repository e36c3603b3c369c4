//! The message catalogue: every code worded in both languages, and no French message left in
//! English. Problems are made the way users meet them (a bad report checked or read), then
//! rendered in French.

use chrono::NaiveDate;
use serde_json::{Value, json};
use terrain_domain::messages::{self, Lang};
use terrain_domain::*;

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

/// English words a French message must not hold (ACLED labels and record values aside).
const ENGLISH: &[&str] = &[
    " is ",
    " the ",
    " must ",
    " not ",
    " required",
    "expected",
    " found",
    " field",
    " known",
    " and ",
    " or ",
    "characters",
    "claim",
    "report",
    " more than",
    " before ",
    " future",
    "line ",
    "column",
];

/// Codes whose French is rightly the same as the English (words both languages share).
const SAME_IN_FRENCH: &[&str] = &[
    // The incident view's and the PDF summary's words that French writes the same.
    "incident.sources",
    "incident.title",
    "pdf.incident_count",
    "pdf.sites",
    // The console's and the receipt's words that French writes the same.
    "console.audit.action",
    "console.col.date",
    "console.counts.total",
    "console.export.title",
    "console.filter.cercle",
    "console.history.hash",
    "console.nav.exports",
    "console.record.contact",
    "pdf.receipt_signature",
    "field.when.date",
    "field.where.admin2",
    "field.where.admin3",
    "field.where.coordinates.latitude",
    "field.where.coordinates.longitude",
    "field.sites",
    "field.sites[].site_id",
    "field.sources",
    "field.sources[]",
    "field.figures.*",
    "field.admin2",
    "choice.sub_event_types.Grenade",
    "choice.site_kinds.mine",
    "choice.statuses.final",
    "pdf.date",
    "pdf.cercle",
    "pdf.commune",
    "pdf.site",
    "pdf.sources",
    "pdf.total",
    "selection.cercle",
    "selection.site",
];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

/// Every problem `edit` makes of the seed report, read and checked.
fn problems(edit: impl FnOnce(&mut Value)) -> Vec<Problem> {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    edit(&mut v);
    match parse_json(&v.to_string()) {
        Err(p) => p.0,
        Ok(r) => check(r, today()).err().map(|p| p.0).unwrap_or_default(),
    }
}

/// Bad reports enough to meet most codes.
fn every_kind_of_problem() -> Vec<Problem> {
    let mut all = Vec::new();
    all.extend(problems(|v| {
        v["status"] = json!("final");
        v["title"] = json!("");
        v["where"]["admin1"] = json!("Kaye");
        v["where"]["admin2"] = json!("Nowhere");
        v["when"]["date"] = json!("2030-01-01");
        v["when"]["end_date"] = json!("1950-01-01");
        v["when"]["utc_offset_minutes"] = json!(9999);
        v["what"]["event_type"] = json!("Battles");
        v["what"]["categories"] = json!(["arson", "arson"]);
        v["perpetrators"][0]["inter"] = json!(12);
        v["perpetrators"][0]["name"] = json!("a\u{202E}b");
        v["sources"][0]["key"] = json!("bad key!");
        v["figures"]["abducted"][0]["amount"] = json!({"min": 5, "max": 2});
        v["figures"]["abducted"][1]["source"] = json!("nobody");
        v["figures"]["killed"] = json!([]);
    }));
    all.extend(problems(|v| {
        v["where"]["admin1"] = json!("Zzzzzzzzzz");
        v["where"]["coordinates"] = json!({"latitude": 3.0, "longitude": 14.0});
        v["figures"]["abducted"][0]["amount"] = json!({"min": 4, "max": 4});
        v["sources"][1]["key"] = v["sources"][0]["key"].clone();
    }));
    all.extend(problems(|v| {
        v["where"]["coordinates"] = json!({"latitude": 95.0, "longitude": 0.0});
        v["where"]["admin2"] = json!("Kati");
        v["when"]["precision"] = json!("exact");
        v["what"]["sub_event_type"] = json!("Armed clash");
        v["what"]["event_type"] = json!("Riots");
    }));
    all.extend(problems(|v| v["targets"] = json!("plants")));
    all.extend(problems(|v| v["where"]["colour"] = json!("red")));
    all.extend(problems(|v| v["status"] = json!("done")));
    all.extend(problems(|v| v["when"]["date"] = json!("yesterday")));
    all.extend(problems(|v| {
        v["when"]["date"] = json!("2026-06");
        v["when"]["end_date"] = json!("2026-W30");
    }));
    all.extend(problems(|v| {
        v["figures"]["killed"] = json!([{"amount": "lots"}])
    }));
    all.extend(parse_json("{\"title\": ").err().unwrap().0);
    all.extend(
        check_transition(Some(Status::Final), Status::Draft)
            .unwrap_err()
            .0,
    );
    all
}

/// Whether `text` still holds a `{name}` or `{@name}` placeholder.
fn unfilled(text: &str) -> bool {
    text.split('{').skip(1).any(|after| {
        after.split_once('}').is_some_and(|(name, _)| {
            let name = name.trim_start_matches('@');
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    })
}

#[test]
fn every_code_is_worded_in_both_languages() {
    let mut same: Vec<&str> = messages::codes()
        .filter(|code| {
            let en = messages::template(Lang::En, code).unwrap();
            let fr = messages::template(Lang::Fr, code).unwrap();
            assert!(!en.trim().is_empty() && !fr.trim().is_empty(), "{code}");
            en == fr
        })
        .collect();
    same.sort();
    let mut allowed = SAME_IN_FRENCH.to_vec();
    allowed.sort();
    // Exact both ways: a word translated since leaves the list.
    assert_eq!(same, allowed, "codes whose French is the English");
}

/// The parameter names a template uses: `{name}` and `{@name}`.
fn placeholders(template: &str) -> std::collections::BTreeSet<String> {
    template
        .split('{')
        .skip(1)
        .filter_map(|after| after.split_once('}').map(|(name, _)| name))
        .map(|name| name.trim_start_matches('@'))
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .map(str::to_string)
        .collect()
}

#[test]
fn french_templates_use_only_parameters_the_core_gives() {
    for code in messages::codes() {
        let en = placeholders(messages::template(Lang::En, code).unwrap());
        let fr = placeholders(messages::template(Lang::Fr, code).unwrap());
        // The French may use a parameter's translatable form, given beside it by the core.
        for name in fr.difference(&en) {
            assert!(
                name.ends_with("_label") || name.ends_with("_a"),
                "{code}: the French uses {{{name}}}, which the English does not"
            );
        }
    }
}

#[test]
fn french_messages_name_their_field_in_words_and_hold_no_english() {
    let problems = every_kind_of_problem();
    let codes: std::collections::BTreeSet<&str> =
        problems.iter().map(|p| p.code.as_str()).collect();
    assert!(codes.len() >= 25, "too few codes met: {codes:?}");
    for p in &problems {
        let fr = p.render(Lang::Fr);
        assert!(
            messages::template(Lang::Fr, &p.code).is_some(),
            "{}: no such code",
            p.code
        );
        assert!(!fr.contains(&p.field) || !p.field.contains('.'), "{fr}");
        assert!(!unfilled(&fr), "{fr}: a parameter left unfilled");
        // Serde's own words ("EOF while parsing") are quoted as a detail; the rest is French.
        let ours = match p.params.get("detail") {
            Some(detail) => fr.replace(detail.as_str(), ""),
            None => fr.clone(),
        };
        let padded = format!(" {} ", ours.to_lowercase());
        for word in ENGLISH {
            assert!(
                !padded.contains(word),
                "{:?} in French: {fr} ({})",
                word.trim(),
                p.code
            );
        }
        assert_eq!(p.message, p.text(Lang::En), "message is the English text");
    }
}

#[test]
fn problems_render_as_people_read_them() {
    let ps = problems(|v| {
        v["status"] = json!("final");
        v["title"] = json!("");
        v["where"]["coordinates"] = json!({"latitude": 95.0, "longitude": 0.0});
    });
    let fr: Vec<String> = ps.iter().map(|p| p.render(Lang::Fr)).collect();
    assert!(
        fr.contains(&"Titre : obligatoire pour un rapport final".to_string()),
        "{fr:?}"
    );
    assert!(
        fr.contains(&"Latitude : 95 n'est pas une latitude (doit être entre -90 et 90)".into()),
        "{fr:?}"
    );
    let en: Vec<String> = ps.iter().map(|p| p.render(Lang::En)).collect();
    assert!(
        en.contains(&"Title: is required for a final report".to_string()),
        "{en:?}"
    );
    let json = parse_json("{\n\"title\": 3}").unwrap_err();
    assert_eq!(
        json.0[0].render(Lang::Fr),
        "Titre : attendu : du texte entre guillemets ; trouvé : 3 (ligne 2, colonne 10)"
    );
}

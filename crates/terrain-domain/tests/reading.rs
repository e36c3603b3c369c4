//! Reading a report's JSON: months and weeks as dates, and messages in the record's words
//! (never serde's type names), each under its field.

use chrono::NaiveDate;
use serde_json::{Value, json};
use terrain_domain::*;

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

fn seed_with(edit: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    edit(&mut v);
    v.to_string()
}

/// The one problem reading the edited seed gives, as "field: message".
fn read_problem(edit: impl FnOnce(&mut Value)) -> String {
    let problems = parse_json(&seed_with(edit)).unwrap_err();
    assert_eq!(problems.0.len(), 1, "{problems}");
    problems.0[0].to_string()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn a_month_is_its_first_day_with_precision_month() {
    let text = seed_with(|v| {
        v["when"] = json!({"date": "2026-06"});
    });
    let report = check(parse_json(&text).unwrap(), today()).unwrap();
    assert_eq!(report.when.date, day(2026, 6, 1));
    assert_eq!(report.when.precision, DatePrecision::Month);

    let text = seed_with(|v| {
        v["when"] = json!({"date": "2026-06", "end_date": "2026-08", "precision": "month"});
    });
    let report = parse_json(&text).unwrap();
    assert_eq!(report.when.end_date, Some(day(2026, 8, 1)));
    assert_eq!(report.when.precision, DatePrecision::Month);
}

#[test]
fn a_week_is_its_monday_with_precision_week() {
    let text = seed_with(|v| v["when"] = json!({"date": "2026-W23"}));
    let report = parse_json(&text).unwrap();
    assert_eq!(report.when.date, day(2026, 6, 1));
    assert_eq!(report.when.precision, DatePrecision::Week);
}

#[test]
fn a_month_with_another_precision_says_which_fields_disagree() {
    let problem = read_problem(|v| v["when"] = json!({"date": "2026-06", "precision": "day"}));
    assert_eq!(
        problem,
        "when.precision: is \"day\", but when.date \"2026-06\" names a month; give the day as YYYY-MM-DD, or set the precision to \"month\""
    );
    let problem = read_problem(|v| v["when"] = json!({"date": "2026-06", "end_date": "2026-W30"}));
    assert!(
        problem.starts_with(
            "when.end_date: \"2026-W30\" is a week, but when.date \"2026-06\" is a month"
        ),
        "{problem}"
    );
}

#[test]
fn a_date_that_is_not_one_names_the_forms_it_may_take() {
    for bad in ["18/11/2026", "2026-13", "2026-06-31", "2026"] {
        let problem = read_problem(|v| v["when"]["date"] = json!(bad));
        assert!(
            problem.starts_with(
                "when.date: expected a date YYYY-MM-DD, a month YYYY-MM or a week YYYY-Www"
            ),
            "{bad}: {problem}"
        );
        assert!(!problem.contains("input"), "{problem}");
    }
    let problem = read_problem(|v| v["when"]["end_date"] = json!("soon"));
    assert!(
        problem.starts_with("when.end_date: expected a date"),
        "{problem}"
    );
    let problem = read_problem(|v| v["when"]["time"] = json!("2pm"));
    assert!(
        problem.starts_with("when.time: expected a time HH:MM (24-hour)"),
        "{problem}"
    );
}

#[test]
fn a_bad_amount_names_the_forms_an_amount_may_take() {
    for bad in [json!(-4), json!("many"), json!(null), json!({"min": 3})] {
        let problem = read_problem(|v| v["figures"]["abducted"][0]["amount"] = bad.clone());
        assert!(
            problem.starts_with(
                "figures.abducted[0].amount: expected a whole number, a range {\"min\": 3, \"max\": 5}, or one of several, tens, dozens, hundreds"
            ),
            "{problem}"
        );
        assert!(!problem.contains("untagged"), "{problem}");
    }
}

#[test]
fn wrong_types_are_said_in_words_not_rust_type_names() {
    let cases = [
        (
            json!(null),
            "/where/coordinates/latitude",
            "where.coordinates.latitude: expected a number, found null",
        ),
        (
            json!("12.5"),
            "/where/coordinates/longitude",
            "where.coordinates.longitude: expected a number, found \"12.5\"",
        ),
        (
            json!(300),
            "/perpetrators/0/inter",
            "perpetrators[0].inter: expected a whole number from 0 to 255, found 300",
        ),
        (
            json!(7),
            "/title",
            "title: expected text in quotes, found 7",
        ),
        (
            json!("plants"),
            "/targets",
            "targets: expected a list [...], found \"plants\"",
        ),
        (
            json!("Kayes"),
            "/where",
            "where: expected an object {...}, found \"Kayes\"",
        ),
        (
            json!("War"),
            "/what/event_type",
            "what.event_type: \"War\" is not one of: Battles, ",
        ),
    ];
    for (value, pointer, expected) in cases {
        let problem = read_problem(|v| *v.pointer_mut(pointer).unwrap() = value);
        assert!(problem.starts_with(expected), "{expected}\n{problem}");
        for leak in ["f64", "u8", "u32", "struct ", "a sequence", "variant"] {
            assert!(!problem.contains(leak), "{problem}");
        }
    }
}

#[test]
fn missing_and_unknown_fields_are_named_by_their_own_path() {
    let problem = read_problem(|v| {
        v.as_object_mut().unwrap().remove("title");
    });
    assert!(problem.starts_with("title: is required"), "{problem}");
    let problem = read_problem(|v| {
        v["sources"][1].as_object_mut().unwrap().remove("kind");
    });
    assert!(
        problem.starts_with("sources[1].kind: is required"),
        "{problem}"
    );
    let problem = read_problem(|v| v["when"]["colour"] = json!("red"));
    assert!(
        problem.starts_with("when.colour: is not a field Terrain knows here (known: date, time"),
        "{problem}"
    );
}

#[test]
fn json_that_is_not_json_says_so_with_its_line() {
    let problem = parse_json("{\n\"title\": \"x\",\n}")
        .unwrap_err()
        .to_string();
    assert!(
        problem.starts_with("(file): is not valid JSON: "),
        "{problem}"
    );
    assert!(problem.contains("line 3"), "{problem}");
    let trailing = format!("{SEED} x");
    let problem = parse_json(&trailing).unwrap_err().to_string();
    assert!(
        problem.starts_with("(file): is not valid JSON: trailing characters"),
        "{problem}"
    );
}

#[test]
fn an_invalid_id_says_what_an_id_looks_like() {
    let problem = read_problem(|v| v["id"] = json!("plant-1"));
    assert!(
        problem.starts_with("id: expected a UUID like "),
        "{problem}"
    );
}

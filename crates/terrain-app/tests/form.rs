//! The form as typed: kept while fields do not check, read through the domain's parsers,
//! saved as a revision when it checks, never kept blank, deletable as a draft.

use serde_json::{Value, json};
use terrain_app::{App, ErrorCode, Form, ListQuery};
use uuid::Uuid;

fn open() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(dir.path()).unwrap();
    (dir, app)
}

fn id_of(form: &Form) -> Uuid {
    form.report["id"].as_str().unwrap().parse().unwrap()
}

fn total(app: &App) -> u64 {
    app.list(&ListQuery::default()).unwrap().total
}

#[test]
fn a_new_form_keeps_nothing_until_something_is_typed() {
    let (_dir, app) = open();
    let form = app.new_form();
    let kept = app.keep(&form).unwrap();
    assert!(kept.blank && kept.saved.is_none());
    assert_eq!(total(&app), 0);
    assert_eq!(app.last_form().unwrap(), None);
}

#[test]
fn invalid_coordinates_are_kept_as_typed_and_the_rest_is_saved() {
    let (dir, app) = open();
    let mut form = app.new_form();
    let id = id_of(&form);
    form.report["narrative"] = json!("Deux camions brûlés au nord du village.");
    form.typed
        .insert("where.coordinates.latitude".into(), "14°31'12\"N".into());
    form.typed
        .insert("where.coordinates.longitude".into(), "9°03'Q".into());
    let kept = app.keep(&form).unwrap();
    let fields: Vec<&str> = kept.problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        ["where.coordinates.longitude"],
        "{:?}",
        kept.problems
    );
    assert_eq!(kept.problems[0].code, "coordinate_form");
    assert!(
        kept.problems[0].message.contains("9°03'Q"),
        "{:?}",
        kept.problems
    );
    // The narrative is in a revision already; the coordinates wait as typed.
    let saved = kept.saved.expect("the rest checks as a draft");
    assert_eq!(saved.report.location.coordinates, None);
    drop(app);
    let app = App::open(dir.path()).unwrap();
    assert_eq!(app.last_form().unwrap(), Some(id));
    let back = app.open_form(id).unwrap();
    assert_eq!(back.typed["where.coordinates.longitude"], "9°03'Q");
    assert_eq!(back.report["narrative"], form.report["narrative"]);

    // Corrected: read in one canonical form, and the work in progress is done.
    let mut form = back;
    form.typed
        .insert("where.coordinates.longitude".into(), "9°03'W".into());
    let kept = app.keep(&form).unwrap();
    assert!(kept.problems.is_empty(), "{:?}", kept.problems);
    let c = kept.saved.unwrap().report.location.coordinates.unwrap();
    assert!((c.latitude - 14.52).abs() < 1e-9 && (c.longitude + 9.05).abs() < 1e-9);
    assert_eq!(app.last_form().unwrap(), None);
    let reopened = app.open_form(id).unwrap();
    assert_eq!(reopened.typed["where.coordinates.latitude"], "14.52000° N");
    assert_eq!(reopened.typed["where.coordinates.longitude"], "9.05000° W");
}

#[test]
fn a_draft_that_does_not_check_is_still_kept_and_reopens_as_typed() {
    let (_dir, app) = open();
    let mut form = app.new_form();
    let id = id_of(&form);
    form.report["title"] = json!("Attaque");
    // A source row without a name: the draft does not check, but nothing typed is lost.
    form.report["sources"] =
        json!([{ "key": "s1", "name": "", "kind": "witness", "reliability": "unknown" }]);
    let kept = app.keep(&form).unwrap();
    assert!(kept.saved.is_none());
    assert!(
        kept.problems.iter().any(|p| p.field == "sources[0].name"),
        "{:?}",
        kept.problems
    );
    assert_eq!(app.open_form(id).unwrap().report["title"], "Attaque");
    assert_eq!(app.last_form().unwrap(), Some(id));
}

#[test]
fn dates_are_read_day_first_and_a_wrong_one_is_flagged_not_lost() {
    let (_dir, app) = open();
    let mut form = app.new_form();
    form.report["title"] = json!("Route minée");
    form.typed.insert("when.date".into(), "19112025".into());
    let kept = app.keep(&form).unwrap();
    assert!(kept.problems.is_empty(), "{:?}", kept.problems);
    assert_eq!(
        kept.saved.unwrap().report.when.date.to_string(),
        "2025-11-19"
    );
    assert_eq!(
        app.open_form(id_of(&form)).unwrap().typed["when.date"],
        "19/11/2025"
    );

    form.typed.insert("when.date".into(), "31/02/2025".into());
    let kept = app.keep(&form).unwrap();
    assert_eq!(kept.problems[0].field, "when.date");
    assert_eq!(kept.problems[0].code, "date_form");
    // The revision keeps the date last understood; the form keeps what was typed.
    assert_eq!(
        kept.saved.unwrap().report.when.date.to_string(),
        "2025-11-19"
    );
    assert_eq!(
        app.open_form(id_of(&form)).unwrap().typed["when.date"],
        "31/02/2025"
    );
}

#[test]
fn a_figure_is_recorded_only_once_an_amount_is_given() {
    let (_dir, app) = open();
    let mut form = app.new_form();
    form.report["title"] = json!("Embuscade");
    form.report["sources"] = json!([{ "key": "s1", "name": "Chef de village", "kind": "witness", "reliability": "unknown" }]);
    form.report["figures"] = json!({ "killed": [
        { "amount": null, "source": "", "said_on": null, "note": null },
        { "amount": 5, "source": "s1", "said_on": null, "note": null },
    ]});
    form.typed
        .insert("figures.killed[1].said_on".into(), "18/11/2025".into());
    let kept = app.keep(&form).unwrap();
    assert!(kept.problems.is_empty(), "{:?}", kept.problems);
    let report = kept.saved.unwrap().report;
    let killed = &report.figures[&terrain_domain::FigureKind::Killed];
    assert_eq!(killed.len(), 1);
    assert_eq!(killed[0].amount, terrain_domain::Amount::Exact(5));
    assert_eq!(killed[0].said_on.unwrap().to_string(), "2025-11-18");
    // The empty row stays in the form as typed.
    let back = app.open_form(id_of(&form)).unwrap();
    assert_eq!(back.report["figures"]["killed"][0]["amount"], Value::Null);
}

#[test]
fn a_draft_is_deleted_with_its_history_and_a_final_report_is_not() {
    let (_dir, app) = open();
    let mut form = app.new_form();
    let id = id_of(&form);
    form.report["title"] = json!("Brouillon");
    app.keep(&form).unwrap();
    form.report["title"] = json!("Brouillon, suite");
    app.keep(&form).unwrap();
    assert_eq!(total(&app), 1);
    app.delete_draft(id).unwrap();
    assert_eq!(total(&app), 0);
    assert_eq!(app.open_form(id).unwrap_err().code, ErrorCode::NotFound);

    let seed: Value = serde_json::from_str(include_str!(
        "../../../docs/examples/bafoulabe-plants-attack.json"
    ))
    .unwrap();
    let saved = app.save(&seed).unwrap();
    let e = app.delete_draft(saved.id).unwrap_err();
    assert_eq!(e.code, ErrorCode::Refused);
    assert_eq!(total(&app), 1);
}

#[test]
fn typing_everything_away_deletes_the_empty_draft() {
    let (_dir, app) = open();
    let mut form = app.new_form();
    form.report["title"] = json!("x");
    assert!(app.keep(&form).unwrap().saved.is_some());
    assert_eq!(total(&app), 1);
    form.report["title"] = json!("");
    assert!(app.keep(&form).unwrap().blank);
    assert_eq!(total(&app), 0);
}

#[test]
fn a_final_save_is_refused_while_a_typed_field_is_not_understood() {
    let (_dir, app) = open();
    let mut form = app.new_form();
    form.report["title"] = json!("x");
    form.typed
        .insert("where.coordinates.latitude".into(), "north".into());
    form.typed
        .insert("where.coordinates.longitude".into(), "9".into());
    form.report["status"] = json!("final");
    let e = app.save_form(&form).unwrap_err();
    assert_eq!(e.code, ErrorCode::Invalid);
    assert_eq!(e.problems[0].field, "where.coordinates.latitude");
    assert!(
        app.check_form(&form, true)
            .iter()
            .any(|p| p.field == "where.admin1")
    );
}

#[test]
fn list_dates_are_typed_day_first_and_a_cleared_one_filters_nothing() {
    let (_dir, app) = open();
    let mut form = app.new_form();
    form.report["title"] = json!("Route minée");
    form.typed.insert("when.date".into(), "19/11/2025".into());
    app.keep(&form).unwrap();
    let from = |text: &str| ListQuery {
        from: Some(text.into()),
        ..ListQuery::default()
    };
    assert_eq!(app.list(&from("19112025")).unwrap().total, 1);
    assert_eq!(app.list(&from("20/11/2025")).unwrap().total, 0);
    assert_eq!(app.list(&from("")).unwrap().total, 1);
    assert_eq!(app.list(&from("  ")).unwrap().total, 1);
    let e = app.list(&from("32/11/2025")).unwrap_err();
    assert_eq!(e.code, ErrorCode::Invalid);
    assert_eq!(e.problems[0].field, "from");
}

#[test]
fn a_figure_given_in_words_keeps_its_words_in_the_list() {
    let (_dir, app) = open();
    let mut form = app.new_form();
    form.report["title"] = json!("Embuscade");
    form.report["sources"] = json!([{ "key": "s1", "name": "Chef de village", "kind": "witness", "reliability": "unknown" }]);
    form.report["figures"] = json!({ "killed": [{ "amount": "tens", "source": "s1" }] });
    assert!(app.keep(&form).unwrap().problems.is_empty());
    let row = &app.list(&ListQuery::default()).unwrap().rows[0];
    assert_eq!(row.figures[0].conservative, 10);
    assert_eq!(
        row.figures[0].vague,
        Some(terrain_domain::VagueAmount::Tens)
    );
}

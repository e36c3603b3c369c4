//! The limits the form shows come from the catalog, and they are the ones the core enforces:
//! a title as long as the form allows saves, one character more is refused naming the field.

use serde_json::Value;
use terrain_app::App;

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

#[test]
fn the_title_limit_the_form_shows_is_the_one_a_save_enforces() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(dir.path()).unwrap();
    let most = terrain_app::catalog().limits.title_chars;
    let mut report: Value = serde_json::from_str(SEED).unwrap();
    report["title"] = "é".repeat(most).into();
    assert!(app.check(&report).is_empty(), "{:?}", app.check(&report));
    report["title"] = "é".repeat(most + 1).into();
    let problems = app.check(&report);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        (problems[0].field.as_str(), problems[0].code.as_str()),
        ("title", "too_long")
    );
    assert_eq!(problems[0].params["max"], most.to_string());
}

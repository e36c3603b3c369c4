//! One incident through the app (issue 15's seed case): two officials' reports of the
//! Bafoulabé attack are suggested with their reasons, linked into one incident whose figures
//! show both sources ("Abducted: 3–4, sources disagree"); unlinking undoes it, a dismissal is
//! not suggested again.

use serde_json::{Value, json};
use terrain_app::{App, ListQuery};
use uuid::Uuid;

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

/// Wamaps' report: 3 abducted.
fn wamaps() -> Value {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    v["figures"]["abducted"] = json!([{"amount": 3, "source": "wamaps"}]);
    v
}

/// The elected official's: French, the next morning, the commune only, 4 abducted.
fn official() -> Value {
    let mut v = wamaps();
    v["id"] = json!(Uuid::now_v7());
    v["title"] = json!("Attaque de trois usines à Bafoulabé, quatre civils enlevés");
    v["narrative"] = json!(
        "Des hommes armés à moto ont attaqué et incendié trois usines de la zone industrielle ; \
         quatre civils enlevés selon un élu."
    );
    v["when"]["date"] = json!("2026-11-19");
    v["where"].as_object_mut().unwrap().remove("coordinates");
    v["where"]["place"] = json!("zone industrielle");
    v["figures"]["abducted"] = json!([{"amount": 4, "source": "elected-official"}]);
    v
}

/// The reports the list badges "possible duplicate", by id.
fn badged(app: &App) -> Vec<Uuid> {
    let page = app.list(&ListQuery::default()).unwrap();
    let mut ids: Vec<Uuid> = page
        .rows
        .iter()
        .filter(|r| r.possible_duplicate)
        .map(|r| r.id)
        .collect();
    ids.sort();
    ids
}

#[test]
fn the_list_badges_possible_duplicates_until_the_suggestion_is_answered() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(dir.path()).unwrap();
    app.set_author(Some("awa".into()));
    let a = app.save(&wamaps()).unwrap().id;
    assert!(badged(&app).is_empty(), "one report: nothing to badge");
    // A report of another incident (another region) is never badged.
    let mut elsewhere = wamaps();
    elsewhere["id"] = json!(Uuid::now_v7());
    elsewhere["where"] = json!({"admin1": "Gao"});
    let other = app.save(&elsewhere).unwrap().id;
    let b = app.save(&official()).unwrap().id;
    assert_eq!(app.list(&ListQuery::default()).unwrap().total, 3);
    assert_eq!(badged(&app), vec![a.min(b), a.max(b)], "both ways");
    assert!(!badged(&app).contains(&other));

    // Linked: answered, no badge; unlinked: suggested again; dismissed: never again.
    app.link(b, a).unwrap();
    assert!(badged(&app).is_empty());
    app.unlink(b, a).unwrap();
    assert_eq!(badged(&app), vec![a.min(b), a.max(b)]);
    app.dismiss(a, b).unwrap();
    assert!(badged(&app).is_empty());
}

#[test]
fn two_officials_reports_are_suggested_linked_with_both_sources_and_unlinked() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(dir.path()).unwrap();
    app.set_author(Some("awa".into()));
    let a = app.save(&wamaps()).unwrap().id;
    let b = app.save(&official()).unwrap().id;

    let similar = app.similar(b).unwrap();
    assert_eq!(similar.len(), 1);
    assert_eq!(similar[0].report.id, a);
    let keys: Vec<&str> = similar[0].reasons.iter().map(|r| r.key.as_str()).collect();
    assert!(keys.contains(&"same_region"), "{keys:?}");
    assert!(keys.contains(&"dates_overlap"), "{keys:?}");
    assert!(keys.contains(&"words_alike"), "{keys:?}");
    // The pair compared again names the words in common.
    let words = similar[0]
        .reasons
        .iter()
        .find(|r| r.key == "words_alike")
        .unwrap();
    assert!(!words.params["words"].is_empty(), "{words:?}");

    // Not linked yet: the incident is the report alone.
    let alone = app.incident(a).unwrap();
    assert_eq!((alone.id, alone.reports.len()), (a, 1));
    assert!(alone.figures.is_none());

    let incident = app.link(b, a).unwrap();
    assert_eq!(incident.id, a.min(b));
    assert_eq!(incident.reports.len(), 2);
    let abducted = incident
        .figure_lines
        .iter()
        .find(|l| l.text.starts_with("Abducted"))
        .unwrap();
    assert!(
        abducted.text.contains("3–4, sources disagree"),
        "{}",
        abducted.text
    );
    assert!(abducted.text.contains("Wamaps"), "{}", abducted.text);
    assert!(
        abducted.text.contains("elected official"),
        "{}",
        abducted.text
    );
    assert_eq!(abducted.conservative, 3);
    let figures = incident.figures.as_ref().unwrap();
    assert_eq!(figures.earliest.date.to_string(), "2026-11-18");
    assert_eq!(figures.latest.date.to_string(), "2026-11-19");
    assert!(
        app.similar(b).unwrap().is_empty(),
        "linked: nothing to suggest"
    );
    // Queued for the server, made by the user on this device.
    let queued = app.store().queued_link_ops(10).unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].by, "awa");
    assert_eq!(queued[0].device, app.store().device_id());

    // Unlink is the undo: two reports again, suggested again.
    let after = app.unlink(b, a).unwrap();
    assert_eq!(after.reports.len(), 1);
    assert_eq!(app.similar(b).unwrap().len(), 1);

    // Not the same: never suggested again.
    app.dismiss(a, b).unwrap();
    assert!(app.similar(b).unwrap().is_empty());
    assert!(app.similar(a).unwrap().is_empty());
    assert!(app.link(a, a).is_err());
}

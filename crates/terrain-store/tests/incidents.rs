//! One incident on the device (migration 014): link operations kept, queued, acknowledged and
//! pulled with their cursor; fingerprints filed with each save so a report's suggestions are
//! known and remembered both ways; answered pairs left out, an unlink brings them back.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use terrain_domain::incident::{LinkAction, LinkOp, LinkSet};
use terrain_domain::{ValidReport, check, parse_json};
use terrain_store::{Store, StoreError};
use uuid::Uuid;

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

fn report(edit: impl FnOnce(&mut Value)) -> ValidReport {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    edit(&mut v);
    check(
        parse_json(&v.to_string()).unwrap(),
        chrono::Local::now().date_naive(),
    )
    .unwrap()
}

/// The seed case's second official: French, the next morning, no point, the commune.
fn official() -> ValidReport {
    official_as(Uuid::now_v7(), "final")
}

fn official_as(id: Uuid, status: &str) -> ValidReport {
    report(|v| {
        v["id"] = json!(id);
        v["status"] = json!(status);
        v["title"] = json!("Attaque de trois usines à Bafoulabé, quatre civils enlevés");
        v["narrative"] = json!(
            "Des hommes armés à moto ont attaqué et incendié trois usines de la zone \
             industrielle ; quatre civils enlevés selon un élu."
        );
        v["when"]["date"] = json!("2026-11-19");
        v["where"].as_object_mut().unwrap().remove("coordinates");
        v["where"]["place"] = json!("zone industrielle");
        v["targets"] = json!([]);
        v["perpetrators"] = json!([]);
        v.as_object_mut().unwrap().remove("damage");
    })
}

/// A mine attacked in Kéniéba the same day: not the same incident.
fn mine() -> ValidReport {
    report(|v| {
        v["id"] = json!(Uuid::now_v7());
        v["title"] = json!("Gold mine attacked near Kéniéba");
        v["narrative"] = json!("Gunmen raided the gold mining site and looted equipment.");
        v["where"]["admin2"] = json!("Kéniéba");
        v["where"]["admin3"] = json!("Kéniéba");
        v["where"].as_object_mut().unwrap().remove("place");
        v["where"]["coordinates"] = json!({"latitude": 12.8411, "longitude": -11.2364});
        v["targets"] = json!([]);
        v.as_object_mut().unwrap().remove("damage");
    })
}

/// A new store in its own folder (kept while the folder lives).
fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

/// Saves `report` as `author`: its id.
fn saved(store: &Store, report: ValidReport, author: &str) -> Uuid {
    store.save(report, author).unwrap().revision.report_id
}

fn t(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000 + s, 0).unwrap()
}

fn op(set: &LinkSet, action: LinkAction, a: Uuid, b: Uuid, device: &str, at: i64) -> LinkOp {
    set.make(action, a, b, "awa", device, t(at)).unwrap()
}

#[test]
fn a_decision_is_kept_queued_acknowledged_and_pulled_ones_move_the_cursor() {
    let (dir, store) = fresh();
    let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    assert_eq!(store.link_set().unwrap(), LinkSet::new());
    assert_eq!(store.links_cursor().unwrap(), 0);

    let link = op(&store.link_set().unwrap(), LinkAction::Link, a, b, "d1", 0);
    assert!(store.record_link(&link).unwrap());
    // The same operation again changes nothing and is queued once.
    assert!(!store.record_link(&link).unwrap());
    assert_eq!(store.queued_link_ops(10).unwrap(), vec![link.clone()]);
    assert_eq!(store.link_set().unwrap().incident_of(a), {
        let mut v = vec![a, b];
        v.sort();
        v
    });

    // An older decision about the pair is kept but does not win.
    let older = op(&LinkSet::new(), LinkAction::Dismiss, a, b, "d1", -100);
    assert!(!store.record_link(&older).unwrap());
    assert!(!store.link_set().unwrap().dismissed(a, b));
    assert_eq!(store.queued_link_ops(10).unwrap().len(), 2);
    assert_eq!(store.queued_link_ops(1).unwrap(), vec![link.clone()]);

    store.ack_link_ops(&[link.id, older.id]).unwrap();
    assert!(store.queued_link_ops(10).unwrap().is_empty());
    assert!(
        store.link_set().unwrap().decision(a, b).is_some(),
        "acked ops stay held"
    );

    // Pulled: another device linked b and c, later; a bad operation is skipped.
    let theirs = op(&store.link_set().unwrap(), LinkAction::Link, b, c, "d2", 10);
    let mut bad = theirs.clone();
    bad.by = "someone else".into();
    store
        .apply_pulled_link_ops(&[theirs.clone(), bad, theirs.clone()], 7)
        .unwrap();
    assert_eq!(store.links_cursor().unwrap(), 7);
    assert!(
        store.queued_link_ops(10).unwrap().is_empty(),
        "pulled ops are not pushed back"
    );
    let set = store.link_set().unwrap();
    assert_eq!(set.incidents().len(), 1);
    assert_eq!(set.incident_of(c).len(), 3);
    assert_eq!(set.operations().count(), 2);

    // A new decision here is stamped after everything seen, whatever the clock says.
    let unlink = set
        .make(LinkAction::Unlink, b, c, "awa", "d1", t(-1000))
        .unwrap();
    assert!(store.record_link(&unlink).unwrap());
    assert_eq!(store.link_set().unwrap().incident_of(c), vec![c]);

    // Kept across reopening.
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.links_cursor().unwrap(), 7);
    assert_eq!(store.queued_link_ops(10).unwrap(), vec![unlink]);
    assert_eq!(store.link_set().unwrap().incident_of(a).len(), 2);
}

#[test]
fn an_operation_that_does_not_check_is_refused_and_changes_nothing() {
    let (_dir, store) = fresh();
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let mut forged = op(&LinkSet::new(), LinkAction::Link, a, b, "d1", 0);
    forged.action = LinkAction::Dismiss;
    assert!(matches!(
        store.record_link(&forged),
        Err(StoreError::InvalidLink(_))
    ));
    assert!(store.queued_link_ops(10).unwrap().is_empty());
    assert_eq!(store.link_set().unwrap(), LinkSet::new());
}

#[test]
fn saving_files_a_fingerprint_and_remembers_suggestions_until_answered() {
    let (_dir, store) = fresh();
    let seed = saved(&store, report(|_| {}), "awa");
    let mine = saved(&store, mine(), "awa");
    assert!(store.fingerprint(seed).unwrap().is_some());
    assert!(
        store.similar(seed).unwrap().is_empty(),
        "a mine elsewhere is another incident"
    );
    assert!(store.possible_duplicates(&[seed, mine]).unwrap().is_empty());

    let second = saved(&store, official(), "bakary");
    let found = store.similar(second).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].report, seed);
    let keys: Vec<&str> = found[0].likeness.reasons.iter().map(|r| r.key()).collect();
    assert!(
        keys.contains(&"same_region") && keys.contains(&"dates_overlap"),
        "{keys:?}"
    );
    // Remembered both ways, for the list's badge.
    assert_eq!(
        store.remembered_suggestions(seed).unwrap()[0].report,
        second
    );
    assert_eq!(
        store.remembered_suggestions(second).unwrap()[0].report,
        seed
    );
    assert_eq!(
        store.possible_duplicates(&[seed, second, mine]).unwrap(),
        [seed, second].into_iter().collect()
    );
    assert!(
        !store
            .possible_duplicates(&[seed, second, mine])
            .unwrap()
            .contains(&mine)
    );

    // "Not the same": no longer suggested, either way.
    let dismiss = store
        .link_set()
        .unwrap()
        .make(
            LinkAction::Dismiss,
            seed,
            second,
            "awa",
            store.device_id(),
            Utc::now(),
        )
        .unwrap();
    assert!(store.record_link(&dismiss).unwrap());
    assert!(store.similar(second).unwrap().is_empty());
    assert!(store.remembered_suggestions(seed).unwrap().is_empty());
    assert!(
        store
            .possible_duplicates(&[seed, second, mine])
            .unwrap()
            .is_empty()
    );
    // An edit keeps the answer.
    store.save(official_as(second, "final"), "bakary").unwrap();
    assert!(store.remembered_suggestions(second).unwrap().is_empty());

    // Unlink undoes the dismissal: suggested again.
    let unlink = store
        .link_set()
        .unwrap()
        .make(
            LinkAction::Unlink,
            seed,
            second,
            "awa",
            store.device_id(),
            Utc::now(),
        )
        .unwrap();
    assert!(store.record_link(&unlink).unwrap());
    assert_eq!(
        store.remembered_suggestions(seed).unwrap()[0].report,
        second
    );

    // Linked: one incident, nothing left to suggest.
    let link = store
        .link_set()
        .unwrap()
        .make(
            LinkAction::Link,
            seed,
            second,
            "awa",
            store.device_id(),
            Utc::now(),
        )
        .unwrap();
    assert!(store.record_link(&link).unwrap());
    assert!(
        store
            .possible_duplicates(&[seed, second, mine])
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.link_set().unwrap().incident_id(second),
        seed.min(second)
    );
}

#[test]
fn a_pulled_answer_forgets_the_suggestion_and_a_deleted_draft_leaves_none() {
    let (_dir, store) = fresh();
    let seed = saved(&store, report(|_| {}), "awa");
    let draft = saved(&store, official_as(Uuid::now_v7(), "draft"), "awa");
    assert_eq!(store.remembered_suggestions(seed).unwrap().len(), 1);
    store.delete_draft(draft).unwrap();
    assert!(store.remembered_suggestions(seed).unwrap().is_empty());
    assert!(store.fingerprint(draft).unwrap().is_none());

    let second = saved(&store, official(), "awa");
    assert_eq!(store.remembered_suggestions(seed).unwrap().len(), 1);
    let theirs = LinkSet::new()
        .make(
            LinkAction::Dismiss,
            seed,
            second,
            "fanta",
            "elsewhere",
            Utc::now(),
        )
        .unwrap();
    store.apply_pulled_link_ops(&[theirs], 1).unwrap();
    assert!(store.remembered_suggestions(seed).unwrap().is_empty());
    assert!(store.similar(second).unwrap().is_empty());
}

#[test]
fn reports_written_before_fingerprints_get_theirs_when_the_store_opens() {
    let (dir, store) = fresh();
    let seed = saved(&store, report(|_| {}), "awa");
    let second = saved(&store, official(), "awa");
    drop(store);
    // As a store migrated to 015 holds them: no fingerprints, no suggestions.
    let conn = rusqlite::Connection::open(dir.path().join(terrain_store::DB_FILE)).unwrap();
    conn.execute_batch(
        "DELETE FROM fingerprints; DELETE FROM fingerprint_weeks;
         DELETE FROM fingerprint_sites; DELETE FROM suggestions;",
    )
    .unwrap();
    drop(conn);
    let store = Store::open(dir.path()).unwrap();
    assert!(store.fingerprint(seed).unwrap().is_some());
    assert_eq!(store.similar(second).unwrap()[0].report, seed);
    assert_eq!(
        store.remembered_suggestions(seed).unwrap()[0].report,
        second
    );
}

/// A bulk import of one template: every copy is a candidate of every other. The check reads a
/// bounded number of them (it compared each save with all before it: 2,000 copies took
/// minutes), yet a flood's reports and a later account of the same attack still find theirs.
#[test]
fn a_flood_of_copies_is_checked_within_bounds_and_still_finds_duplicates() {
    let (_dir, store) = fresh();
    let copies: Vec<ValidReport> = (0..400)
        .map(|_| report(|v| v["id"] = json!(Uuid::now_v7())))
        .collect();
    let flood = store.save_all(copies, "awa").unwrap();
    let last = flood.last().unwrap().revision.report_id;
    assert_eq!(store.remembered_suggestions(last).unwrap().len(), 20);
    let similar = store.similar(last).unwrap();
    assert!(
        (200..400).contains(&similar.len()),
        "a bounded read, of many: {}",
        similar.len()
    );
    let later = saved(&store, official(), "ali");
    assert!(!store.similar(later).unwrap().is_empty());
    assert!(!store.remembered_suggestions(later).unwrap().is_empty());
}

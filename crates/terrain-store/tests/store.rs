//! The store's public API on real SQLite files in temporary folders.

use chrono::NaiveDate;
use serde_json::{Value, json};
use terrain_domain::{EventType, Site, Status, ValidReport, check, parse_json};
use terrain_store::{Filter, Page, Store, StoreError};
use uuid::Uuid;

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");
const SITE: &str = include_str!("../../../docs/examples/sites/diawara-plant.json");

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// The seed report changed by `edit`, with a fresh id unless the edit sets one.
fn report(edit: impl FnOnce(&mut Value)) -> ValidReport {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    v["id"] = json!(Uuid::now_v7());
    edit(&mut v);
    check(parse_json(&v.to_string()).unwrap(), today()).unwrap()
}

fn seed() -> ValidReport {
    check(parse_json(SEED).unwrap(), today()).unwrap()
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

fn raw(store: &Store) -> rusqlite::Connection {
    rusqlite::Connection::open(store.db_path()).unwrap()
}

fn count(store: &Store, table: &str) -> i64 {
    raw(store)
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn the_database_is_in_wal_mode_with_foreign_keys() {
    let (_dir, store) = open();
    let mode: String = raw(&store)
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert_eq!(store.device_id().len(), 36);
}

#[test]
fn a_final_report_is_saved_with_its_outbox_row() {
    let (_dir, store) = open();
    let saved = store.save(seed(), "awa").unwrap();
    assert!(saved.queued && !saved.unchanged);
    let outbox = store.outbox().unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].revision, saved.revision.id);
    assert_eq!(outbox[0].report, saved.revision.report_id);
    let listed = store.get(saved.revision.report_id).unwrap();
    assert_eq!(listed.head, saved.revision.id);
    assert_eq!(listed.queued, 1);
    assert_eq!(listed.report.figures.len(), 3);
}

#[test]
fn a_draft_stays_out_of_the_outbox() {
    let (_dir, store) = open();
    let saved = store
        .save(report(|v| v["status"] = json!("draft")), "awa")
        .unwrap();
    assert!(!saved.queued);
    assert!(store.outbox().unwrap().is_empty());
}

#[test]
fn the_outbox_row_commits_with_its_revision_or_neither_does() {
    let (_dir, store) = open();
    // Make the outbox refuse rows: the save must then leave no revision behind either.
    raw(&store)
        .execute_batch(
            "CREATE TRIGGER outbox_full BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
        )
        .unwrap();
    let err = store.save(seed(), "awa").unwrap_err();
    assert!(err.to_string().contains("disk full"), "{err}");
    assert_eq!(count(&store, "revisions"), 0);
    assert_eq!(count(&store, "reports"), 0);
    assert_eq!(count(&store, "heads"), 0);
    assert_eq!(count(&store, "reports_fts"), 0);
    raw(&store)
        .execute_batch("DROP TRIGGER outbox_full")
        .unwrap();
    store.save(seed(), "awa").unwrap();
    assert_eq!(
        (count(&store, "revisions"), count(&store, "outbox")),
        (1, 1)
    );
}

#[test]
fn edits_append_revisions_chained_by_parent_with_verified_hashes() {
    let (_dir, store) = open();
    let first = store
        .save(report(|v| v["status"] = json!("draft")), "awa")
        .unwrap()
        .revision;
    let id = first.report_id;
    let second = store
        .save(
            report(|v| {
                v["id"] = json!(id);
                v["status"] = json!("draft");
                v["narrative"] = json!("Updated after a call with the prefect.");
            }),
            "awa",
        )
        .unwrap()
        .revision;
    let third = store
        .save(report(|v| v["id"] = json!(id)), "moussa")
        .unwrap()
        .revision;
    let history = store.history(id).unwrap();
    let ids: Vec<Uuid> = history.iter().map(|r| r.id).collect();
    assert_eq!(ids, [first.id, second.id, third.id]);
    assert_eq!(history[0].parents, Vec::<Uuid>::new());
    assert_eq!(history[1].parents, [first.id]);
    assert_eq!(history[2].parents, [second.id]);
    assert_eq!(history[2].author, "moussa");
    assert!(history.iter().all(|r| r.hash_matches()));
    assert_eq!(
        history[1].content.narrative,
        "Updated after a call with the prefect."
    );
    assert_eq!(store.get(id).unwrap().head, third.id);
    assert_eq!(
        store.outbox().unwrap().len(),
        1,
        "only the final revision is queued"
    );
}

#[test]
fn saving_the_same_content_again_writes_nothing() {
    let (_dir, store) = open();
    let first = store.save(seed(), "awa").unwrap();
    let again = store.save(seed(), "awa").unwrap();
    assert!(again.unchanged);
    assert_eq!(again.revision.id, first.revision.id);
    assert_eq!(
        (count(&store, "revisions"), count(&store, "outbox")),
        (1, 1)
    );
}

/// The revision hash leaves contacts out (they are need-to-know on the server), so a save
/// that only changes a contact must still be written, not taken for "unchanged".
#[test]
fn changing_only_a_sources_contact_is_saved() {
    let (_dir, store) = open();
    let with_contact = |contact: &str| {
        let contact = contact.to_string();
        report(move |v| {
            v["id"] = json!("019a8f3c-5d2e-7a41-b6c3-2f1e0d9c8b7a");
            v["sources"][0]["contact"] = json!(contact);
        })
    };
    let first = store.save(with_contact("+223 70 00 00 01"), "awa").unwrap();
    let second = store.save(with_contact("+223 70 00 00 02"), "awa").unwrap();
    assert!(!second.unchanged);
    assert_ne!(second.revision.id, first.revision.id);
    let head = store.get(second.revision.report_id).unwrap().report;
    assert_eq!(head.sources[0].contact.as_deref(), Some("+223 70 00 00 02"));
    assert_eq!(count(&store, "revisions"), 2);
}

#[test]
fn a_final_report_cannot_be_saved_back_as_draft() {
    let (_dir, store) = open();
    let id = store.save(seed(), "awa").unwrap().revision.report_id;
    let err = store.save(
        report(|v| {
            v["id"] = json!(id);
            v["status"] = json!("draft");
        }),
        "awa",
    );
    match err {
        Err(StoreError::Invalid(p)) => assert_eq!(p.0[0].field, "status"),
        other => panic!("expected a status problem, got {other:?}"),
    }
    assert_eq!(store.history(id).unwrap().len(), 1);
}

#[test]
fn revisions_cannot_be_changed_or_deleted() {
    let (_dir, store) = open();
    store.save(seed(), "awa").unwrap();
    let conn = raw(&store);
    let update = conn
        .execute("UPDATE revisions SET author = 'someone else'", [])
        .unwrap_err();
    assert!(update.to_string().contains("revisions are append-only"));
    let delete = conn.execute("DELETE FROM revisions", []).unwrap_err();
    assert!(delete.to_string().contains("revisions are append-only"));
}

#[test]
fn a_report_naming_an_unknown_site_is_refused_and_changes_nothing() {
    let (_dir, store) = open();
    let ghost = Uuid::now_v7();
    let err = store
        .save(report(|v| v["sites"] = json!([{"site_id": ghost}])), "awa")
        .unwrap_err();
    let StoreError::Invalid(problems) = err else {
        panic!("{err:?}")
    };
    assert_eq!(problems.0[0].field, "sites[0].site_id");
    assert!(problems.0[0].message.contains("add it first"));
    assert_eq!(count(&store, "revisions"), 0);
}

#[test]
fn repeat_attacks_on_a_site_are_linked() {
    let (_dir, store) = open();
    let site = store
        .save_site(serde_json::from_str::<Site>(SITE).unwrap())
        .unwrap();
    let at = |date: &str| {
        let d = date.to_string();
        report(move |v| {
            v["when"]["date"] = json!(d);
            v["sites"] = json!([{"site_id": site.id, "damage": "kilns burned"}]);
        })
    };
    let earlier = store
        .save(at("2026-07-02"), "awa")
        .unwrap()
        .revision
        .report_id;
    let later = store
        .save(at("2026-11-18"), "awa")
        .unwrap()
        .revision
        .report_id;
    store.save(report(|_| {}), "awa").unwrap();
    assert_eq!(store.reports_at_site(site.id).unwrap(), [later, earlier]);
    let filter = Filter {
        site: Some(site.id),
        ..Filter::default()
    };
    assert_eq!(store.count(&filter).unwrap(), 2);
    assert_eq!(
        store
            .find_site("calcium carbonate, LIME and plaster plant")
            .unwrap()
            .id,
        site.id
    );
    assert_eq!(store.sites().unwrap().len(), 1);
}

#[test]
fn search_ignores_accents_and_covers_title_narrative_places_and_sources() {
    let (_dir, store) = open();
    let id = store.save(seed(), "awa").unwrap().revision.report_id;
    store
        .save(
            report(|v| {
                v["title"] = json!("Fuel convoy attacked on the Kayes–Bamako road");
                v["narrative"] = json!("Tankers burned near Kati.");
                v["where"] = json!({"admin1": "Koulikoro", "admin2": "Kati"});
                v["sources"] =
                    json!([{"key": "s1", "name": "Transporters' union", "kind": "other"}]);
                v["figures"] = json!({});
            }),
            "awa",
        )
        .unwrap();
    let find = |q: &str| -> Vec<Uuid> {
        let filter = Filter {
            query: Some(q.into()),
            ..Filter::default()
        };
        store
            .list(&filter, Page::first(10))
            .unwrap()
            .iter()
            .map(|l| l.report.id)
            .collect()
    };
    assert_eq!(find("Bafoulabé"), [id]);
    assert_eq!(find("bafoulabe"), [id], "accents are optional");
    assert_eq!(find("BAFOU"), [id], "words match as prefixes");
    assert_eq!(find("wamaps"), [id], "sources are searched");
    assert_eq!(find("motorbikes"), [id], "the narrative is searched");
    assert_eq!(find("Sidibéla"), Vec::<Uuid>::new());
    assert_eq!(
        find("tankers union").len(),
        1,
        "all words must match, across columns"
    );
    assert_eq!(
        find("\"unbalanced OR NEAR("),
        Vec::<Uuid>::new(),
        "FTS syntax in user text is inert"
    );
}

#[test]
fn an_edit_replaces_the_search_entry() {
    let (_dir, store) = open();
    let draft = report(|v| {
        v["status"] = json!("draft");
        v["title"] = json!("Kilns burned at Tomora");
    });
    let id = store.save(draft, "awa").unwrap().revision.report_id;
    store
        .save(
            report(|v| {
                v["id"] = json!(id);
                v["title"] = json!("Quarry attacked at Diamou");
            }),
            "awa",
        )
        .unwrap();
    let find = |q: &str| {
        store
            .count(&Filter {
                query: Some(q.into()),
                ..Filter::default()
            })
            .unwrap()
    };
    assert_eq!(find("Diamou"), 1);
    assert_eq!(find("Tomora"), 0, "the old title is gone");
    assert_eq!(count(&store, "reports_fts"), 1);
}

#[test]
fn filters_select_by_date_region_type_and_status() {
    let (_dir, store) = open();
    let mk = |date: &str, admin1: &str, admin2: &str, event: &str, sub: &str, status: &str| {
        let (d, a1, a2, e, s, st) = (
            date.to_string(),
            admin1.to_string(),
            admin2.to_string(),
            event.to_string(),
            sub.to_string(),
            status.to_string(),
        );
        report(move |v| {
            v["when"]["date"] = json!(d);
            v["where"] = json!({"admin1": a1, "admin2": a2});
            v["what"] = json!({"event_type": e, "sub_event_type": s});
            v["status"] = json!(st);
        })
    };
    let a = store
        .save(
            mk(
                "2026-01-10",
                "Kayes",
                "Kéniéba",
                "Battles",
                "Armed clash",
                "final",
            ),
            "x",
        )
        .unwrap();
    let b = store
        .save(
            mk(
                "2026-03-05",
                "Kayes",
                "Bafoulabé",
                "Violence against civilians",
                "Abduction/forced disappearance",
                "final",
            ),
            "x",
        )
        .unwrap();
    let c = store
        .save(
            mk(
                "2026-06-20",
                "Mopti",
                "Djenné",
                "Battles",
                "Armed clash",
                "draft",
            ),
            "x",
        )
        .unwrap();
    let ids = |f: Filter| -> Vec<Uuid> {
        store
            .list(&f, Page::first(10))
            .unwrap()
            .iter()
            .map(|l| l.report.id)
            .collect()
    };
    let [a, b, c] = [a, b, c].map(|s| s.revision.report_id);
    assert_eq!(ids(Filter::default()), [c, b, a], "newest incident first");
    assert_eq!(
        ids(Filter {
            admin1: Some("Kayes".into()),
            ..Filter::default()
        }),
        [b, a]
    );
    assert_eq!(
        ids(Filter {
            admin2: Some("Kéniéba".into()),
            ..Filter::default()
        }),
        [a]
    );
    assert_eq!(
        ids(Filter {
            event_type: Some(EventType::Battles),
            ..Filter::default()
        }),
        [c, a]
    );
    assert_eq!(
        ids(Filter {
            status: Some(Status::Draft),
            ..Filter::default()
        }),
        [c]
    );
    let from = NaiveDate::from_ymd_opt(2026, 3, 1);
    let to = NaiveDate::from_ymd_opt(2026, 6, 20);
    assert_eq!(
        ids(Filter {
            from,
            to,
            ..Filter::default()
        }),
        [c, b],
        "both ends are included"
    );
    assert_eq!(
        ids(Filter {
            from,
            admin1: Some("Kayes".into()),
            event_type: Some(EventType::ViolenceAgainstCivilians),
            ..Filter::default()
        }),
        [b]
    );
    assert_eq!(
        store
            .count(&Filter {
                admin1: Some("Gao".into()),
                ..Filter::default()
            })
            .unwrap(),
        0
    );
}

#[test]
fn pages_follow_one_another_without_gaps_or_repeats() {
    let (_dir, store) = open();
    let reports: Vec<ValidReport> = (0..25)
        .map(|i| report(|v| v["when"]["date"] = json!(format!("2026-01-{:02}", i + 1))))
        .collect();
    store.save_all(reports, "awa").unwrap();
    let mut seen = Vec::new();
    for page in 0..3 {
        let items = store
            .list(
                &Filter::default(),
                Page {
                    limit: 10,
                    offset: page * 10,
                },
            )
            .unwrap();
        seen.extend(items.into_iter().map(|l| l.report.when.date));
    }
    assert_eq!(seen.len(), 25);
    assert!(seen.windows(2).all(|w| w[0] > w[1]));
    assert_eq!(store.count(&Filter::default()).unwrap(), 25);
}

#[test]
fn heads_stream_oldest_first_for_exports() {
    let (_dir, store) = open();
    for d in ["2026-05-01", "2026-02-01", "2026-09-01"] {
        store
            .save(report(|v| v["when"]["date"] = json!(d)), "awa")
            .unwrap();
    }
    let dates: Vec<String> = store
        .with_heads(&Filter::default(), |iter| {
            iter.map(|r| r.unwrap().content.when.date.to_string())
                .collect()
        })
        .unwrap();
    assert_eq!(dates, ["2026-02-01", "2026-05-01", "2026-09-01"]);
}

#[test]
fn ids_resolve_from_their_first_characters() {
    let (_dir, store) = open();
    let id = store.save(seed(), "awa").unwrap().revision.report_id;
    assert_eq!(store.resolve_id(&id.to_string()).unwrap(), id);
    assert_eq!(store.resolve_id(&id.to_string()[..8]).unwrap(), id);
    assert_eq!(
        store
            .resolve_id(&id.to_string()[..8].to_uppercase())
            .unwrap(),
        id
    );
    assert!(matches!(
        store.resolve_id("ffff"),
        Err(StoreError::ReportNotFound(_))
    ));
    assert!(
        matches!(store.resolve_id("01"), Err(StoreError::ReportNotFound(_))),
        "too short to guess"
    );
    let twin = report(|v| v["id"] = json!("019a8f3c-0000-7000-8000-000000000000"));
    store.save(twin, "awa").unwrap();
    match store.resolve_id("019a8f3c") {
        Err(StoreError::AmbiguousId { count, .. }) => assert_eq!(count, 2),
        other => panic!("{other:?}"),
    }
}

#[test]
fn reports_survive_closing_and_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let store = Store::open(dir.path()).unwrap();
        store.save(seed(), "awa").unwrap().revision.report_id
    };
    let store = Store::open(dir.path()).unwrap();
    let listed = store.get(id).unwrap();
    assert_eq!(listed.report, seed().into_inner());
    assert_eq!(store.outbox().unwrap().len(), 1);
}

#[test]
fn attachments_are_stored_whole_under_their_hash() {
    let (_dir, store) = open();
    let bytes = b"\x89PNG fake photo bytes".repeat(1000);
    let hash = store.put_attachment(&bytes).unwrap();
    assert_eq!(hash, terrain_domain::sha256_hex(&bytes));
    assert_eq!(store.attachment(&hash).unwrap().unwrap(), bytes);
    let path = store.dir().join("attachments").join(&hash);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "a plain store keeps the file as is"
    );
    assert_eq!(
        store.put_attachment(&bytes).unwrap(),
        hash,
        "storing twice is harmless"
    );
    let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
    assert_eq!(leftovers, 1, "no temporary file left behind");
    assert!(!store.has_attachment("../terrain.db"));
    assert_eq!(store.attachment("../terrain.db").unwrap(), None);
    std::fs::write(&path, b"changed on disk").unwrap();
    let err = store.attachment(&hash).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(..)), "{err}");
}

#[test]
fn a_database_from_a_newer_terrain_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    let conn = rusqlite::Connection::open(dir.path().join(terrain_store::DB_FILE)).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Store::open(dir.path()).expect_err("refused");
    assert!(
        err.to_string()
            .contains("written by a newer Terrain (schema 99"),
        "{err}"
    );
}

#[test]
fn a_site_merged_into_another_resolves_to_it_and_unmerges_when_saved_without_the_mark() {
    use terrain_domain::incident::SiteBook;
    let (_dir, store) = open();
    let plant = |name: &str| -> Site {
        serde_json::from_value(serde_json::json!({
            "name": name, "kind": "plant", "admin1": "Kayes", "admin2": "Bafoulabé"
        }))
        .unwrap()
    };
    let a = store.save_site(plant("Usine Diawara")).unwrap();
    let b = store.save_site(plant("Usine de chaux Diawara")).unwrap();
    let merged = store
        .merge_site(&b.id.to_string(), "usine diawara")
        .unwrap();
    assert_eq!(merged.merged_into, Some(a.id));
    let book = store.sites().unwrap();
    assert_eq!(book.as_slice().canonical(b.id), a.id);
    assert_eq!(book.as_slice().canonical(a.id), a.id);
    assert!(
        store
            .merge_site(&a.id.to_string(), &a.id.to_string())
            .is_err()
    );
    let mut unmerged = store.site(b.id).unwrap().unwrap();
    unmerged.merged_into = None;
    store.save_site(unmerged).unwrap();
    assert_eq!(store.sites().unwrap().as_slice().canonical(b.id), b.id);
}

//! Search on real stores: Arabic found without its vowel marks, perpetrators found by name,
//! and reports saved before migration 007 found the same way once it has run.

use chrono::Utc;
use rusqlite::{Connection, params};
use serde_json::{Value, json};
use terrain_domain::{Revision, ValidReport, canonical_report_json, check, parse_json};
use terrain_store::schema::migrate;
use terrain_store::{Filter, Page, Store};
use uuid::Uuid;

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

/// The seed report with an Arabic title and narrative, written with vowel marks and tatweel.
fn arabic_report() -> ValidReport {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    v["id"] = json!(Uuid::now_v7());
    v["title"] = json!("اختُطفوا ثلاثة عمال قرب بافولابي");
    v["narrative"] =
        json!("هاجم مسلّحون المصـــانع وأحرقوها، وقال أحد المسؤولين إنّ العمّال اختُطِفوا ليلًا.");
    check(
        parse_json(&v.to_string()).unwrap(),
        chrono::Local::now().date_naive(),
    )
    .unwrap()
}

fn found(store: &Store, query: &str) -> usize {
    let filter = Filter {
        query: Some(query.into()),
        ..Filter::default()
    };
    store.list(&filter, Page::first(10)).unwrap().len()
}

/// Every way of typing the words that should find the Arabic report, and what should not.
fn assert_arabic_search(store: &Store) {
    for query in [
        "اختطفوا",    // the brief's example: no damma
        "اختُطفوا",    // as written
        "المصانع",    // no tatweel
        "واحرقوها",   // bare alef for أ
        "العمال ليلا", // no shadda, no tanwin
        "مسلحون",
        "اختطف", // a prefix
    ] {
        assert_eq!(found(store, query), 1, "{query}");
    }
    assert_eq!(found(store, "قتلوا"), 0);
}

#[test]
fn arabic_is_found_without_its_vowel_marks_and_tatweel() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.save(arabic_report(), "awa").unwrap();
    assert_arabic_search(&store);
}

#[test]
fn perpetrators_are_found_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.save(arabic_report(), "awa").unwrap();
    assert_eq!(found(&store, "JNIM"), 1);
    assert_eq!(found(&store, "support islam muslims"), 1);
}

/// Writes `report` as a build at schema version 6 did: its search row unfolded, without
/// perpetrators.
fn write_as_of_version_6(conn: &Connection, report: ValidReport) {
    let rev = Revision::new(report, vec![], "awa", "old-laptop", Utc::now());
    let r = &rev.content;
    conn.execute(
        "INSERT INTO revisions (id, report_id, parents, author, device, created_at, content_hash, content)
         VALUES (?1, ?2, '[]', ?3, ?4, ?5, ?6, ?7)",
        params![rev.id.to_string(), r.id.to_string(), rev.author, rev.device,
            rev.created_at.to_rfc3339(), rev.content_hash, canonical_report_json(r)],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO heads (report_id, rev_id) VALUES (?1, ?2)",
        params![r.id.to_string(), rev.id.to_string()],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO reports (id, head, title, status, event_date, admin1, admin2, event_type, updated_at)
         VALUES (?1, ?2, ?3, 'final', ?4, ?5, ?6, ?7, ?8)",
        params![r.id.to_string(), rev.id.to_string(), r.title, r.when.date.to_string(),
            r.location.admin1, r.location.admin2, r.what.event_type.map(|e| e.label()),
            rev.created_at.to_rfc3339()],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO reports_fts (rowid, title, narrative, places, sources)
         SELECT n, title, ?2, ?3, '' FROM reports WHERE id = ?1",
        params![r.id.to_string(), r.narrative, r.place_line()],
    )
    .unwrap();
}

#[test]
fn migration_7_indexes_older_reports_folded_and_with_their_perpetrators() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(terrain_store::DB_FILE);
    {
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn, 6).unwrap();
        write_as_of_version_6(&conn, arabic_report());
        let unfolded: i64 = conn
            .query_row(
                "SELECT count(*) FROM reports_fts WHERE reports_fts MATCH '\"اختطفوا\"'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            unfolded, 0,
            "the old index misses the word without its mark"
        );
    }
    let store = Store::open(dir.path()).unwrap();
    assert_arabic_search(&store);
    assert_eq!(found(&store, "JNIM"), 1);
    assert_eq!(found(&store, "bafoulabe"), 1);
}

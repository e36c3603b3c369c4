//! Work in progress and draft deletion on real SQLite files.

use chrono::NaiveDate;
use serde_json::{Value, json};
use terrain_domain::{ValidReport, check, parse_json};
use terrain_store::{Filter, Store, StoreError};
use uuid::Uuid;

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn report(status: &str) -> ValidReport {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    v["id"] = json!(Uuid::now_v7());
    v["status"] = json!(status);
    check(parse_json(&v.to_string()).unwrap(), today()).unwrap()
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    (dir, store)
}

fn count(store: &Store, sql: &str, id: Uuid) -> i64 {
    rusqlite::Connection::open(store.db_path())
        .unwrap()
        .query_row(sql, [id.to_string()], |r| r.get(0))
        .unwrap()
}

#[test]
fn the_form_as_typed_is_kept_replaced_and_dropped() {
    let (dir, store) = open();
    let id = Uuid::now_v7();
    assert_eq!(store.form(id).unwrap(), None);
    store.keep_form(id, r#"{"lat":"14°31'12\"N"}"#).unwrap();
    store
        .keep_form(id, r#"{"lat":"14°31'12\"N","x":1}"#)
        .unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    let kept = store.form(id).unwrap().unwrap();
    assert_eq!(kept.form, r#"{"lat":"14°31'12\"N","x":1}"#);
    assert_eq!(store.latest_form().unwrap().unwrap().report_id, id);
    store.drop_form(id).unwrap();
    assert_eq!(store.form(id).unwrap(), None);
    assert_eq!(store.latest_form().unwrap(), None);
}

#[test]
fn a_draft_is_deleted_with_its_history_and_work_in_progress() {
    let (_dir, store) = open();
    let draft = report("draft");
    let id = draft.id;
    store.save(draft, "awa").unwrap();
    let mut again = report("draft").into_inner();
    again.id = id;
    again.title = "Second wording".into();
    store.save(check(again, today()).unwrap(), "awa").unwrap();
    store.keep_form(id, "{}").unwrap();
    let other = store.save(report("draft"), "awa").unwrap();

    store.delete_draft(id).unwrap();
    for table in ["revisions", "heads"] {
        let sql = format!("SELECT count(*) FROM {table} WHERE report_id = ?1");
        assert_eq!(count(&store, &sql, id), 0, "{table}");
    }
    assert_eq!(
        count(&store, "SELECT count(*) FROM reports WHERE id = ?1", id),
        0
    );
    assert_eq!(store.form(id).unwrap(), None);
    assert!(matches!(store.get(id), Err(StoreError::ReportNotFound(_))));
    assert_eq!(store.count(&Filter::default()).unwrap(), 1);
    assert!(store.get(other.revision.report_id).is_ok());
    // The search index forgot it too.
    let words = Filter {
        query: Some("Second wording".into()),
        ..Filter::default()
    };
    assert_eq!(store.count(&words).unwrap(), 0);
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn final_or_queued_history_cannot_be_deleted_and_nothing_changes() {
    let (_dir, store) = open();
    let final_report = report("final");
    let id = final_report.id;
    store.save(final_report, "awa").unwrap();
    assert!(matches!(
        store.delete_draft(id),
        Err(StoreError::NotADraft(_))
    ));
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM revisions WHERE report_id = ?1",
            id
        ),
        1
    );
    // A report that was a draft and then final keeps its draft revisions too.
    let draft = report("draft");
    let id2 = draft.id;
    store.save(draft, "awa").unwrap();
    let mut final2 = report("final").into_inner();
    final2.id = id2;
    store.save(check(final2, today()).unwrap(), "awa").unwrap();
    assert!(matches!(
        store.delete_draft(id2),
        Err(StoreError::NotADraft(_))
    ));
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM revisions WHERE report_id = ?1",
            id2
        ),
        2
    );
    assert!(matches!(
        store.delete_draft(Uuid::now_v7()),
        Err(StoreError::ReportNotFound(_))
    ));
}

#[test]
fn revisions_stay_append_only_outside_the_narrow_path() {
    let (_dir, store) = open();
    let draft = report("draft");
    let id = draft.id;
    store.save(draft, "awa").unwrap();
    let conn = rusqlite::Connection::open(store.db_path()).unwrap();
    let e = conn
        .execute(
            "DELETE FROM revisions WHERE report_id = ?1",
            [id.to_string()],
        )
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    // Naming a final report in the deletion table is refused by the migration's trigger.
    let f = report("final");
    let fid = f.id;
    store.save(f, "awa").unwrap();
    let e = conn
        .execute(
            "INSERT INTO draft_deletions (report_id) VALUES (?1)",
            [fid.to_string()],
        )
        .unwrap_err();
    assert!(e.to_string().contains("never sent"), "{e}");
}

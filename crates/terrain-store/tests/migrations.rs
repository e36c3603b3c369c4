//! Upgrading: a database left at every earlier schema version opens, migrates and keeps its data.

use chrono::Utc;
use rusqlite::{Connection, params};
use terrain_domain::{Revision, canonical_report_json, check, parse_json};
use terrain_store::schema::{LATEST, migrate, version};
use terrain_store::{Filter, Page, Store};

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

/// Writes the seed report the way a build at schema version `at` (≥ 1) wrote it.
fn write_report_as_of(conn: &Connection, at: usize) -> Revision {
    let report = check(parse_json(SEED).unwrap(), chrono::Local::now().date_naive()).unwrap();
    let rev = Revision::new(report, vec![], "awa", "old-laptop", Utc::now());
    let r = &rev.content;
    conn.execute(
        "INSERT INTO revisions (id, report_id, parents, author, device, created_at, content_hash, content)
         VALUES (?1, ?2, '[]', ?3, ?4, ?5, ?6, ?7)",
        params![
            rev.id.to_string(),
            r.id.to_string(),
            rev.author,
            rev.device,
            rev.created_at.to_rfc3339(),
            rev.content_hash,
            canonical_report_json(r)
        ],
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
        params![
            r.id.to_string(),
            rev.id.to_string(),
            r.title,
            r.when.date.to_string(),
            r.location.admin1,
            r.location.admin2,
            r.what.event_type.map(|e| e.label()),
            rev.created_at.to_rfc3339()
        ],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO outbox (rev_id, queued_at) VALUES (?1, ?2)",
        params![rev.id.to_string(), rev.created_at.to_rfc3339()],
    )
    .unwrap();
    if at >= 3 {
        let sources: Vec<&str> = r.sources.iter().map(|s| s.name.as_str()).collect();
        conn.execute(
            "INSERT INTO reports_fts (rowid, title, narrative, places, sources)
             SELECT n, title, ?2, ?3, ?4 FROM reports WHERE id = ?1",
            params![
                r.id.to_string(),
                format!("{} {}", r.narrative, r.damage.as_deref().unwrap_or("")),
                r.place_line(),
                sources.join(" ")
            ],
        )
        .unwrap();
    }
    rev
}

#[test]
fn every_earlier_schema_upgrades_to_the_latest_and_keeps_its_reports() {
    for from in 0..LATEST {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(terrain_store::DB_FILE);
        let written = {
            let mut conn = Connection::open(&path).unwrap();
            migrate(&mut conn, from).unwrap();
            assert_eq!(version(&conn).unwrap(), from);
            (from >= 1).then(|| write_report_as_of(&conn, from))
        };

        let store = Store::open(dir.path()).unwrap();
        assert_eq!(
            version(&Connection::open(&path).unwrap()).unwrap(),
            LATEST,
            "from v{from}"
        );
        assert_eq!(store.integrity_check().unwrap(), "ok", "from v{from}");
        let Some(rev) = written else { continue };

        let listed = store.get(rev.report_id).unwrap();
        assert_eq!(listed.head, rev.id, "from v{from}");
        assert_eq!(listed.report, rev.content, "from v{from}");
        assert_eq!(store.outbox().unwrap().len(), 1, "from v{from}");
        let found = store
            .list(
                &Filter {
                    query: Some("bafoulabe wamaps".into()),
                    ..Filter::default()
                },
                Page::first(5),
            )
            .unwrap();
        assert_eq!(
            found.len(),
            1,
            "older reports are found by search (from v{from})"
        );
        let site = store
            .save_site(
                serde_json::from_str(include_str!(
                    "../../../docs/examples/sites/diawara-plant.json"
                ))
                .unwrap(),
            )
            .unwrap();
        assert_eq!(store.sites().unwrap(), [site], "from v{from}");
    }
}

#[test]
fn migrating_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    drop(Store::open(dir.path()).unwrap());
    let conn = Connection::open(dir.path().join(terrain_store::DB_FILE)).unwrap();
    assert_eq!(version(&conn).unwrap(), LATEST);
}

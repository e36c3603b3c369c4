//! What the desktop shell's commands do, on a real store in a temporary folder.

use serde_json::{Value, json};
use terrain_app::{App, ErrorCode, ExportFormat, ExportRequest, ListQuery, SyncBadge, SyncPhase};

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

fn seed() -> Value {
    serde_json::from_str(SEED).unwrap()
}

fn open() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(dir.path()).unwrap();
    (dir, app)
}

#[test]
fn a_new_report_is_an_empty_draft_dated_today_that_saves_as_is() {
    let (_dir, app) = open();
    let r = app.new_report();
    assert_eq!(r.status, terrain_domain::Status::Draft);
    assert_eq!(r.when.date, chrono::Local::now().date_naive());
    assert_eq!(r.id.get_version_num(), 7);
    let v = serde_json::to_value(&r).unwrap();
    assert!(app.check(&v).is_empty(), "{:?}", app.check(&v));
    let saved = app.save(&v).unwrap();
    assert!(!saved.queued, "drafts stay on the device");
    let page = app.list(&ListQuery::default()).unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.rows[0].badge, SyncBadge::Draft);
}

#[test]
fn checking_as_the_user_types_gives_the_cores_rules_with_field_paths() {
    let (_dir, app) = open();
    let mut r = seed();
    r["what"] = json!({});
    r["figures"]["abducted"][1]["source"] = json!("nobody");
    r["where"]["admin1"] = json!("Kayez");
    let problems = app.check(&r);
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert!(fields.contains(&"what.event_type"), "{problems:?}");
    assert!(
        fields.contains(&"figures.abducted[1].source"),
        "{problems:?}"
    );
    let admin1 = problems.iter().find(|p| p.field == "where.admin1").unwrap();
    assert!(
        admin1.message.contains("did you mean \"Kayes\""),
        "{}",
        admin1.message
    );
    // A structural mistake names its path too.
    r["when"]["date"] = json!("18/11/2026");
    let problems = app.check(&r);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].field.starts_with("when.date"), "{problems:?}");
}

#[test]
fn saving_a_broken_report_says_why_and_writes_nothing() {
    let (_dir, app) = open();
    let mut r = seed();
    r["title"] = json!("");
    let err = app.save(&r).unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
    assert_eq!(err.problems[0].field, "title");
    assert_eq!(err.message, "title: is required for a final report");
    assert_eq!(app.list(&ListQuery::default()).unwrap().total, 0);
}

#[test]
fn a_final_report_is_queued_listed_with_its_disputed_figure_and_found_without_accents() {
    let (_dir, app) = open();
    let saved = app.save(&seed()).unwrap();
    assert!(saved.queued);
    assert_eq!(app.sync_status().queued, 1);
    assert_eq!(app.sync_status().phase, SyncPhase::SignedOut);
    let query = ListQuery {
        query: Some("bafoulabe".into()),
        ..ListQuery::default()
    };
    let page = app.list(&query).unwrap();
    assert_eq!(page.total, 1);
    let row = &page.rows[0];
    assert_eq!(row.badge, SyncBadge::Queued);
    let abducted = row
        .figures
        .iter()
        .find(|f| f.kind == terrain_domain::FigureKind::Abducted)
        .unwrap();
    assert_eq!(abducted.text, "3\u{2013}4, sources disagree");
    assert_eq!(abducted.conservative, 3);
    let none = ListQuery {
        query: Some("tessalit".into()),
        ..ListQuery::default()
    };
    assert_eq!(app.list(&none).unwrap().total, 0);

    let detail = app.get(saved.id).unwrap();
    assert_eq!(detail.history.len(), 1);
    assert!(detail.history[0].verified && detail.history[0].local);
    assert_eq!(detail.content_hash, detail.history[0].content_hash);
    assert!(detail.conflict.is_none());
}

#[test]
fn a_repeat_attack_on_a_registry_site_shows_the_earlier_report() {
    let (_dir, app) = open();
    let site = app
        .save_site(&json!({"name": "Diawara lime plant", "kind": "plant", "admin1": "kayes", "admin2": "bafoulabe"}))
        .unwrap();
    assert_eq!(site.admin2.as_deref(), Some("Bafoulabé"));
    assert_eq!(site.id.get_version_num(), 7);
    let mut first = seed();
    first["sites"] = json!([{ "site_id": site.id }]);
    let mut again = first.clone();
    again["id"] = json!(terrain_domain::new_id());
    again["when"]["date"] = json!("2026-11-20");
    let first = app.save(&first).unwrap();
    let again = app.save(&again).unwrap();
    let detail = app.get(again.id).unwrap();
    assert_eq!(
        detail.related.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![first.id]
    );
    let bad = app.save_site(&json!({"name": "", "kind": "plant", "admin1": "Kayes"}));
    assert_eq!(bad.unwrap_err().code, ErrorCode::Invalid);
}

#[test]
fn an_attachment_is_stored_by_its_hash_and_checked_for_size() {
    let (dir, app) = open();
    let photo = dir.path().join("kiln.jpg");
    std::fs::write(&photo, b"\xff\xd8\xff\xe0 not really a jpeg").unwrap();
    let a = app.attach(&photo).unwrap();
    assert_eq!(a.media_type, "image/jpeg");
    assert_eq!(a.file_name, "kiln.jpg");
    assert_eq!(a.size, std::fs::metadata(&photo).unwrap().len());
    assert_eq!(a.size, 22);
    assert!(app.store().has_attachment(&a.sha256));
    let missing = app.attach(&dir.path().join("gone.jpg")).unwrap_err();
    assert_eq!(missing.code, ErrorCode::Storage);
    assert!(missing.message.contains("gone.jpg"), "{}", missing.message);
}

#[test]
fn export_writes_the_lists_selection_and_refuses_an_empty_one() {
    let (dir, app) = open();
    app.save(&seed()).unwrap();
    let path = dir.path().join("out.csv");
    let req = |query: ListQuery| ExportRequest {
        format: ExportFormat::Csv,
        path: path.clone(),
        query,
        report: None,
        hxl: true,
        bom: false,
        per_incident: false,
        lang: Default::default(),
    };
    let done = app.export(&req(ListQuery::default())).unwrap();
    assert_eq!(done.reports, 1);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("event_id_cnty,"));
    assert!(lines.next().unwrap().starts_with("#event+code,"));
    std::fs::remove_file(&path).unwrap();
    let none = ListQuery {
        admin1: Some("Tombouctou".into()),
        ..ListQuery::default()
    };
    let err = app.export(&req(none)).unwrap_err();
    assert_eq!(err.code, ErrorCode::Empty);
    assert!(!path.exists(), "nothing is written for an empty selection");
    let folder = app
        .export(&ExportRequest {
            path: dir.path().to_path_buf(),
            ..req(ListQuery::default())
        })
        .unwrap_err();
    assert_eq!(folder.code, ErrorCode::Invalid);
}

#[test]
fn export_makes_a_pdf_of_one_report_or_a_summary_of_the_selection() {
    let (dir, app) = open();
    let id = app.save(&seed()).unwrap().id;
    let pdf = |report, name: &str| {
        app.export(&ExportRequest {
            format: ExportFormat::Pdf,
            path: dir.path().join(name),
            query: ListQuery::default(),
            report,
            hxl: false,
            bom: false,
            per_incident: false,
            lang: Default::default(),
        })
    };
    assert_eq!(pdf(Some(id), "one.pdf").unwrap().reports, 1);
    assert_eq!(pdf(None, "all.pdf").unwrap().reports, 1);
    for name in ["one.pdf", "all.pdf"] {
        let bytes = std::fs::read(dir.path().join(name)).unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "{name}");
    }
    let unknown = pdf(Some(terrain_domain::new_id()), "none.pdf").unwrap_err();
    assert!(
        unknown.message.contains("no report matches"),
        "{}",
        unknown.message
    );
    assert!(!dir.path().join("none.pdf").exists());
}

#[test]
fn the_catalog_offers_acled_labels_and_the_gazetteer() {
    let c = terrain_app::catalog();
    assert!(
        c.event_types
            .iter()
            .any(|e| e.value == "Violence against civilians")
    );
    let abduction = c
        .sub_event_types
        .iter()
        .find(|s| s.value == "Abduction/forced disappearance")
        .unwrap();
    assert_eq!(
        abduction.parent.as_deref(),
        Some("Violence against civilians")
    );
    assert!(
        c.reliabilities
            .iter()
            .any(|r| r.value == "usually_reliable" && r.label == "Usually reliable")
    );
    let kayes = c.regions.iter().find(|r| r.name == "Kayes").unwrap();
    assert!(kayes.cercles.iter().any(|(name, _)| name == "Bafoulabé"));
    let found = terrain_app::places("bafoulabe");
    assert_eq!(found[0].admin2, Some("Bafoulabé"));
}

/// The one author rule of both shells: a name the user gave (`terrain --author`) wins; without
/// one, the computer's user (no account here); the app's `new_report` is the empty draft the
/// terminal's prompts fill.
#[test]
fn saves_are_recorded_under_the_name_given_else_the_computers_user() {
    let (_dir, app) = open();
    let before = app.author().unwrap();
    assert!(!before.is_empty());
    app.set_author(Some("  ".into()));
    assert_eq!(app.author().unwrap(), before, "a blank name is no name");
    app.set_author(Some("Awa Traoré".into()));
    let saved = app.save(&seed()).unwrap();
    let history = app.history(saved.id).unwrap();
    assert_eq!(history.last().unwrap().author, "Awa Traoré");
}

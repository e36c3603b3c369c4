//! Conflicts as the desktop app shows and resolves them: two devices, each its own real store,
//! syncing with a real server in-process on loopback (SQLite behind it).

use serde_json::{Value, json};
use std::path::Path;
use terrain_app::{App, SyncBadge};
use terrain_domain::{Amount, FigureKind, Report};
use terrain_protocol::Role;
use terrain_server::{AppState, add_user, router};
use terrain_server_engines::open_store;
use terrain_server_store::ContactKey;

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");
const PASSWORD: &str = "correct horse battery";

struct Server {
    url: String,
    _dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

async fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("server.db").display());
    let key = ContactKey::load_or_create(&dir.path().join("contact.key")).unwrap();
    let state = AppState::new(open_store(&db, "terrain", &key).await.unwrap(), key);
    add_user(
        &state,
        "awa",
        Role::Reporter,
        vec!["Kayes".into()],
        PASSWORD,
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(terrain_server::serve(listener, router(state)));
    Server {
        url,
        _dir: dir,
        task,
    }
}

async fn device(server: &Server, dir: &Path, name: &str) -> App {
    let app = App::open(dir).unwrap();
    app.login(&server.url, "awa", PASSWORD, name).await.unwrap();
    app
}

async fn sync(app: &App) {
    app.sync_once(&|_| {}).await.unwrap();
}

fn abducted(r: &Report) -> Vec<(Option<uuid::Uuid>, Amount)> {
    r.figures[&FigureKind::Abducted]
        .iter()
        .map(|c| (c.id, c.amount))
        .collect()
}

/// The seed with one abducted claim of 5 and no claim ids, as an old form would send it.
fn base() -> Value {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    v["figures"]["abducted"] = json!([{ "amount": 5, "source": "wamaps" }]);
    v
}

#[tokio::test]
async fn a_claim_edited_in_the_app_over_two_saves_keeps_one_id() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(dir.path()).unwrap();
    let first = app.save(&base()).unwrap();
    let [(Some(id), _)] = abducted(&first.report)[..] else {
        panic!("check gives the claim an id: {:?}", abducted(&first.report));
    };
    // The form carries on from what the save returned, as the UI does.
    let mut form = serde_json::to_value(&first.report).unwrap();
    form["figures"]["abducted"][0]["amount"] = json!(6);
    let second = app.save(&form).unwrap();
    assert!(!second.unchanged);
    assert_eq!(abducted(&second.report), [(Some(id), Amount::Exact(6))]);
    form["figures"]["abducted"][0]["note"] = json!("six, per the mayor");
    let third = app.save(&form).unwrap();
    assert_eq!(abducted(&third.report)[0].0, Some(id));
    let stored = app.get(first.id).unwrap().report;
    assert_eq!(abducted(&stored)[0].0, Some(id));
    // Saving what was saved writes nothing and returns the same report.
    let again = app
        .save(&serde_json::to_value(&third.report).unwrap())
        .unwrap();
    assert!(again.unchanged);
    assert_eq!(again.report, third.report);
}

#[tokio::test]
async fn a_corrected_figure_survives_a_conflict_on_the_place_resolved_field_by_field() {
    let server = server().await;
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = device(&server, da.path(), "A").await;
    let b = device(&server, db.path(), "B").await;

    let saved = a.save(&base()).unwrap();
    let id = saved.id;
    sync(&a).await;
    sync(&b).await;
    // A, from its form: moves the place and corrects the abducted claim 5 → 6.
    let mut on_a = serde_json::to_value(&saved.report).unwrap();
    on_a["where"]["place"] = json!("North gate");
    on_a["figures"]["abducted"][0]["amount"] = json!(6);
    a.save(&on_a).unwrap();
    // B, offline: moves only the place.
    let mut on_b = serde_json::to_value(b.get(id).unwrap().report).unwrap();
    on_b["where"]["place"] = json!("South gate");
    b.save(&on_b).unwrap();
    sync(&a).await;
    sync(&b).await;
    sync(&a).await;

    let detail = a.get(id).unwrap();
    assert_eq!(detail.badge, SyncBadge::Conflict);
    let conflict = detail.conflict.unwrap();
    assert_eq!(conflict.fields, ["where.place"]);
    assert_eq!(conflict.disputes.len(), 1, "{:?}", conflict.disputes);
    let place = &conflict.disputes[0];
    assert_eq!(place.path, "where.place");
    assert_eq!(place.ours, Some(json!("North gate")));
    assert_eq!(place.theirs, Some(json!("South gate")));
    // B sees the same dispute from its side.
    let on_b = b.get(id).unwrap().conflict.unwrap();
    assert_eq!(on_b.disputes[0].ours, Some(json!("South gate")));
    assert_eq!(on_b.disputes[0].theirs, Some(json!("North gate")));

    // A takes B's place; A's correction is no dispute and stays.
    let resolved = a.resolve(id, &["where.place".into()]).unwrap();
    assert_eq!(
        resolved.report.location.place.as_deref(),
        Some("South gate")
    );
    sync(&a).await;
    sync(&b).await;
    for (name, app) in [("A", &a), ("B", &b)] {
        let d = app.get(id).unwrap();
        assert!(d.conflict.is_none(), "{name} still has a conflict");
        assert_eq!(d.badge, SyncBadge::Synced, "{name}");
        assert_eq!(
            d.report.location.place.as_deref(),
            Some("South gate"),
            "{name}"
        );
        assert_eq!(
            abducted(&d.report),
            [(abducted(&saved.report)[0].0, Amount::Exact(6))],
            "{name}"
        );
    }
    server.task.abort();
}

#[tokio::test]
async fn one_claim_corrected_differently_on_two_devices_is_one_dispute_settled_by_its_path() {
    let server = server().await;
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = device(&server, da.path(), "A").await;
    let b = device(&server, db.path(), "B").await;
    let saved = a.save(&base()).unwrap();
    let (id, claim) = (saved.id, abducted(&saved.report)[0].0.unwrap());
    sync(&a).await;
    sync(&b).await;
    let edit = |app: &App, amount: u32, place: Option<&str>| {
        let mut v = serde_json::to_value(app.get(id).unwrap().report).unwrap();
        v["figures"]["abducted"][0]["amount"] = json!(amount);
        if let Some(place) = place {
            v["where"]["place"] = json!(place);
        }
        app.save(&v).unwrap();
    };
    edit(&a, 6, Some("North gate"));
    edit(&b, 7, None);
    sync(&a).await;
    sync(&b).await;

    let conflict = b.get(id).unwrap().conflict.unwrap();
    let path = format!("figures.abducted[{claim}]");
    assert_eq!(conflict.fields, std::slice::from_ref(&path));
    let d = &conflict.disputes[0];
    assert_eq!(d.ours.as_ref().unwrap()["amount"], json!(7));
    assert_eq!(d.theirs.as_ref().unwrap()["amount"], json!(6));
    // B takes A's 6; A's place, undisputed, comes along.
    b.resolve(id, &[path]).unwrap();
    sync(&b).await;
    sync(&a).await;
    for (name, app) in [("A", &a), ("B", &b)] {
        let r = app.get(id).unwrap();
        assert!(r.conflict.is_none(), "{name}");
        assert_eq!(
            abducted(&r.report),
            [(Some(claim), Amount::Exact(6))],
            "{name}"
        );
        assert_eq!(
            r.report.location.place.as_deref(),
            Some("North gate"),
            "{name}"
        );
    }
    server.task.abort();
}

/// What `terrain resolve ID --field place --take server` calls: a field named by its last part
/// takes the server's side; a dispute left without a side is refused by its path and nothing is
/// saved; a report written whole must be the conflicting one.
#[tokio::test]
async fn a_field_named_with_a_side_settles_it_and_a_field_left_open_is_refused() {
    use terrain_app::{Resolution, Side};
    let server = server().await;
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = device(&server, da.path(), "A").await;
    let b = device(&server, db.path(), "B").await;
    let saved = a.save(&base()).unwrap();
    let id = saved.id;
    sync(&a).await;
    sync(&b).await;
    let edit = |app: &App, place: &str, narrative: &str| {
        let mut v = serde_json::to_value(app.get(id).unwrap().report).unwrap();
        v["where"]["place"] = json!(place);
        v["narrative"] = json!(narrative);
        app.save(&v).unwrap();
    };
    edit(&a, "North gate", "Seen from the north gate.");
    edit(&b, "South gate", "Seen from the south gate.");
    sync(&a).await;
    sync(&b).await;

    let listed = b.conflicts().unwrap();
    assert_eq!(listed.len(), 1);
    let paths: Vec<&str> = listed[0].disputes.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths, ["narrative", "where.place"]);

    let place_only = Resolution::Sides {
        all: None,
        fields: vec![("place".into(), Side::Server)],
    };
    let err = b.resolve_conflict(id, place_only).unwrap_err();
    assert!(err.message.contains("narrative"), "{}", err.message);
    assert!(b.get(id).unwrap().conflict.is_some(), "nothing was saved");

    let other = terrain_domain::check(
        terrain_domain::parse_json(&seed_with_id("019a8f3c-5d2e-7a41-b6c3-0000000000ff")).unwrap(),
        terrain_app::today(),
    )
    .unwrap();
    let err = b
        .resolve_conflict(id, Resolution::Written(Box::new(other)))
        .unwrap_err();
    assert!(err.message.starts_with("id:"), "{}", err.message);

    let resolved = b
        .resolve_conflict(
            id,
            Resolution::Sides {
                all: Some(Side::Local),
                fields: vec![("place".into(), Side::Server)],
            },
        )
        .unwrap();
    assert_eq!(resolved.parents, 2);
    sync(&b).await;
    sync(&a).await;
    for (name, app) in [("A", &a), ("B", &b)] {
        let r = app.get(id).unwrap();
        assert!(r.conflict.is_none(), "{name}");
        assert_eq!(
            r.report.location.place.as_deref(),
            Some("North gate"),
            "{name}"
        );
        assert_eq!(r.report.narrative, "Seen from the south gate.", "{name}");
    }
    server.task.abort();
}

fn seed_with_id(id: &str) -> String {
    let mut v = base();
    v["id"] = json!(id);
    v.to_string()
}

//! The desktop app's core (terrain-app) against a real server on loopback: sign-in, the sync
//! loop draining the queue, and a conflict resolved field by field.

use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use terrain_app::{App, ErrorCode, SyncBadge, SyncPhase, SyncStatus};
use terrain_protocol::Role;
use terrain_tests::SEED;
use terrain_tests::harness::{Engine, PASSWORD, Server};

fn seed() -> Value {
    serde_json::from_str(SEED).unwrap()
}

async fn signed_in(server: &Server, dir: &std::path::Path) -> Arc<App> {
    let app = Arc::new(App::open(dir).unwrap());
    let info = app
        .login(&server.url, "awa", PASSWORD, "awa's laptop")
        .await
        .unwrap();
    assert_eq!(info.user.as_deref(), Some("awa"));
    app
}

#[tokio::test]
async fn sign_in_errors_are_plain_and_change_nothing() {
    let server = Server::start(Engine::Sqlite).await.unwrap();
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(dir.path()).unwrap();
    let wrong = app
        .login(&server.url, "awa", "not the password", "laptop")
        .await
        .unwrap_err();
    assert_eq!(wrong.code, ErrorCode::Refused);
    let no_scheme = app
        .login("127.0.0.1:1", "awa", PASSWORD, "laptop")
        .await
        .unwrap_err();
    assert_eq!(no_scheme.code, ErrorCode::Invalid);
    assert!(
        no_scheme.message.starts_with("server:"),
        "{}",
        no_scheme.message
    );
    let closed = app
        .login("http://127.0.0.1:9", "awa", PASSWORD, "laptop")
        .await
        .unwrap_err();
    assert_eq!(closed.code, ErrorCode::Offline);
    assert!(app.info().unwrap().server.is_none());
    assert_eq!(app.sync_status().phase, SyncPhase::SignedOut);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_loop_drains_the_queue_after_a_save_and_reports_its_progress() {
    let server = Server::start(Engine::Sqlite).await.unwrap();
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let dir = tempfile::tempdir().unwrap();
    let app = signed_in(&server, dir.path()).await;
    let seen: Arc<Mutex<Vec<SyncStatus>>> = Arc::default();
    let log = Arc::clone(&seen);
    let task =
        tokio::spawn(Arc::clone(&app).keep_syncing(Arc::new(move |s| log.lock().unwrap().push(s))));
    let saved = app.save(&seed()).unwrap();
    assert!(saved.queued);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while app.get(saved.id).unwrap().badge != SyncBadge::Synced {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            seen.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    task.abort();
    assert_eq!(server.revision_count().await, 1);
    let status = app.sync_status();
    assert_eq!((status.phase, status.queued), (SyncPhase::Idle, 0));
    assert!(status.last_success.is_some() && status.last_error.is_none());
    let phases: Vec<SyncPhase> = seen.lock().unwrap().iter().map(|s| s.phase).collect();
    assert!(phases.contains(&SyncPhase::Syncing), "{phases:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_device_stops_the_loop_in_plain_words_until_it_signs_in_again() {
    let server = Server::start(Engine::Sqlite).await.unwrap();
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let dir = tempfile::tempdir().unwrap();
    let app = signed_in(&server, dir.path()).await;
    server
        .state
        .store
        .revoke("awa", None, chrono::Utc::now())
        .await
        .unwrap();
    let saved = app.save(&seed()).unwrap();
    let task = tokio::spawn(Arc::clone(&app).keep_syncing(Arc::new(|_| {})));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while app.sync_status().phase != SyncPhase::Stopped {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            app.sync_status()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = app.sync_status();
    assert_eq!(status.last_error_code, Some(ErrorCode::Refused));
    assert_eq!(status.next_try_in_ms, None, "no retry is scheduled");
    let said = status.said.expect("the stop is said");
    let words = terrain_domain::messages::text(terrain_domain::Lang::Fr, &said.code, &said.params);
    assert!(
        words.starts_with("synchronisation arrêtée : le serveur a refusé")
            && words.contains("token_revoked"),
        "{words}"
    );
    // Stopped means stopped: no retry hammers the server, and nothing is sent meanwhile.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(server.revision_count().await, 0);
    // Signing in again starts it: the waiting report goes.
    app.login(&server.url, "awa", PASSWORD, "awa's laptop")
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while app.get(saved.id).unwrap().badge != SyncBadge::Synced {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            app.sync_status()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.sync_status().phase, SyncPhase::Idle);
    task.abort();
    server.stop().await;
}

#[tokio::test]
async fn a_lost_link_is_shown_as_offline_and_the_report_stays_queued() {
    let server = Server::start(Engine::Sqlite).await.unwrap();
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let dir = tempfile::tempdir().unwrap();
    let app = signed_in(&server, dir.path()).await;
    server.stop().await;
    let saved = app.save(&seed()).unwrap();
    let err = app.sync_once(&|_| {}).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Offline);
    let status = app.sync_status();
    assert_eq!((status.phase, status.queued), (SyncPhase::Offline, 1));
    assert!(
        status
            .last_error
            .unwrap()
            .contains("cannot reach the server")
    );
    assert_eq!(app.get(saved.id).unwrap().badge, SyncBadge::Queued);
}

#[tokio::test]
async fn a_conflict_is_resolved_field_by_field() {
    let server = Server::start(Engine::Sqlite).await.unwrap();
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = (
        signed_in(&server, da.path()).await,
        signed_in(&server, db.path()).await,
    );
    let id = a.save(&seed()).unwrap().id;
    a.sync_once(&|_| {}).await.unwrap();
    b.sync_once(&|_| {}).await.unwrap();
    // Both change the place and the damage, offline.
    let edit = |place: &str, damage: &str| {
        let mut v = seed();
        v["where"]["place"] = json!(place);
        v["damage"] = json!(damage);
        v
    };
    a.save(&edit("North gate", "Kilns burned")).unwrap();
    b.save(&edit("South gate", "Warehouse burned")).unwrap();
    a.sync_once(&|_| {}).await.unwrap();
    b.sync_once(&|_| {}).await.unwrap();
    let detail = b.get(id).unwrap();
    assert_eq!(detail.badge, SyncBadge::Conflict);
    let conflict = detail.conflict.unwrap();
    assert_eq!(conflict.fields, ["damage", "where.place"]);
    assert_eq!(conflict.ours.location.place.as_deref(), Some("South gate"));
    assert_eq!(
        conflict.theirs.location.place.as_deref(),
        Some("North gate")
    );
    assert!(conflict.ours_revision.local && !conflict.theirs_revision.local);

    // A field they do not disagree on cannot be "taken".
    let wrong = b.resolve(id, &["title".into()]).unwrap_err();
    assert_eq!(wrong.code, ErrorCode::Invalid);
    // The place from the server, the damage from this device.
    b.resolve(id, &["where.place".into()]).unwrap();
    let resolved = b.get(id).unwrap();
    assert!(resolved.conflict.is_none());
    assert_eq!(
        resolved.report.location.place.as_deref(),
        Some("North gate")
    );
    assert_eq!(resolved.report.damage.as_deref(), Some("Warehouse burned"));
    assert_eq!(resolved.history.last().unwrap().parents.len(), 2);
    b.sync_once(&|_| {}).await.unwrap();
    a.sync_once(&|_| {}).await.unwrap();
    assert_eq!(
        a.get(id).unwrap().report.damage.as_deref(),
        Some("Warehouse burned")
    );
    assert_eq!(server.state.store.heads(id).await.unwrap(), 1);
    server.stop().await;
}

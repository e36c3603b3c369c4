//! Settling a site conflict through the app, across a real server on both engines (issue 15):
//! Moussa's and Awa's devices change the Diawara plant's operator differently while apart;
//! after syncing both list the same conflict, each with its own version as "ours". Awa settles
//! it taking Moussa's operator and keeping her own undisputed place: one revision following
//! both heads, queued and sent; the server's history ends with it and Moussa's device has no
//! conflict left and shows the same site. A choice made on versions that moved (the store
//! refuses it) reaches the window refused, in the catalogue's words.

use reqwest::Method;
use terrain_app::{App, ErrorCode, Side};
use terrain_domain::Site;
use terrain_protocol::Role;
use terrain_tests::harness::{Engine, PASSWORD, Server};

fn plant() -> Site {
    serde_json::from_str(include_str!("../../docs/examples/sites/diawara-plant.json")).unwrap()
}

async fn device(server: &Server, dir: &std::path::Path, user: &str) -> App {
    let app = App::open(dir).unwrap();
    app.login(&server.url, user, PASSWORD, &format!("{user}'s laptop"))
        .await
        .unwrap();
    app
}

async fn sync(app: &App) {
    app.sync_once(&|_| {}).await.unwrap();
}

async fn settled_through_the_server(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("moussa", Role::Reporter, &["Kayes"]).await;
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let moussa = device(&server, dirs.0.path(), "moussa").await;
    let awa = device(&server, dirs.1.path(), "awa").await;

    let site = moussa.save_site_record(plant()).unwrap();
    sync(&moussa).await;
    sync(&awa).await;
    let mut on_moussa = site.clone();
    on_moussa.operator = Some("Diawara SARL".into());
    moussa.save_site_record(on_moussa).unwrap();
    let mut on_awa = site.clone();
    on_awa.operator = Some("Diawara et fils".into());
    on_awa.place = Some("Route de Mahina".into());
    awa.save_site_record(on_awa).unwrap();
    sync(&moussa).await;
    sync(&awa).await;
    sync(&moussa).await;

    // The same conflict on both devices, each seeing its own version as ours.
    for (app, ours, theirs) in [
        (&moussa, "Diawara SARL", "Diawara et fils"),
        (&awa, "Diawara et fils", "Diawara SARL"),
    ] {
        let conflicts = app.site_conflicts().unwrap();
        assert_eq!(conflicts.len(), 1, "{engine:?}");
        let c = &conflicts[0];
        assert_eq!(c.site_id, site.id);
        assert_eq!(c.disputes.len(), 1);
        assert_eq!(c.disputes[0].path, "operator");
        assert_eq!(c.disputes[0].ours, Some(ours.into()));
        assert_eq!(c.disputes[0].theirs, Some(theirs.into()));
        assert!(c.ours_version.local && !c.theirs_version.local);
        assert_ne!(c.ours_version.author, c.theirs_version.author);
    }

    // Awa settles it: Moussa's operator, her own place kept.
    let rev = awa
        .resolve_site_conflict(
            &site.id.to_string(),
            None,
            &[("operator".into(), Side::Server)],
        )
        .unwrap();
    assert_eq!(rev.parents.len(), 2);
    assert_eq!(rev.content.operator.as_deref(), Some("Diawara SARL"));
    assert_eq!(rev.content.place.as_deref(), Some("Route de Mahina"));
    assert!(awa.site_conflicts().unwrap().is_empty());
    // Settled already: nothing left to settle.
    let err = awa
        .resolve_site_conflict(&site.id.to_string(), Some(Side::Local), &[])
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound, "{err:?}");
    sync(&awa).await;
    sync(&moussa).await;
    assert!(moussa.site_conflicts().unwrap().is_empty(), "{engine:?}");
    assert_eq!(moussa.find_site(&site.id.to_string()).unwrap(), rev.content);
    let token = server.device("awa").await.token();
    let (status, body) = server
        .call(Method::GET, &format!("/v1/sites/{}", site.id), &token)
        .await;
    assert_eq!(status, 200, "{body}");
    let history: terrain_protocol::sites::SiteHistory = serde_json::from_value(body).unwrap();
    let last = history
        .revisions
        .iter()
        .find(|r| r.id == rev.id)
        .expect("the server holds it");
    assert_eq!(last.parents.len(), 2);

    // A conflict again, ended meanwhile by saving the site whole: nothing left to settle.
    let mut a2 = rev.content.clone();
    a2.name = "Usine Diawara".into();
    awa.save_site_record(a2).unwrap();
    let mut m2 = rev.content.clone();
    m2.name = "Diawara lime plant".into();
    moussa.save_site_record(m2).unwrap();
    sync(&awa).await;
    sync(&moussa).await;
    let c = moussa.site_conflicts().unwrap().remove(0);
    assert_eq!(c.disputes[0].path, "name");
    moussa.save_site_record(c.ours.clone()).unwrap();
    let err = moussa.resolve_site(site.id, &[]).unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound, "{err:?}");

    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_conflict_is_settled_through_the_app_on_sqlite() {
    settled_through_the_server(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_conflict_is_settled_through_the_app_on_postgres() {
    settled_through_the_server(Engine::Postgres).await;
}

#[test]
fn a_choice_made_on_versions_that_moved_is_refused_in_the_catalogues_words() {
    let id = uuid::Uuid::now_v7();
    let err = terrain_app::AppError::from(terrain_store::StoreError::SiteMoved(id));
    assert_eq!(err.code, ErrorCode::Refused);
    let said = err.said.expect("worded by the catalogue");
    assert_eq!(said.code, "site.conflict.moved");
    let french = said.text(terrain_domain::Lang::Fr);
    assert!(
        french.contains(&id.to_string()) && french.contains("regardez-les"),
        "{french}"
    );
}

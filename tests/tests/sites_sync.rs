//! Shared sites across devices and the server (issue 15), on both engines: a site added on
//! one Kayes official's device reaches the other Kayes device through sync and never a
//! Sikasso one; two devices edit the same site offline, sync and converge (a clean merge made
//! the same on both), or keep the same conflict visible on both until one saves it again; a
//! report pulled on a device that lacks its site fetches the site (`GET /v1/sites/{id}`)
//! instead of leaving it dangling. A site's history leaves out the revisions of a site it was
//! merged into that the reader may not read (another region's), and gives them to a reader of
//! both.

use reqwest::Method;
use serde_json::json;
use terrain_domain::{Site, SiteRevision};
use terrain_protocol::Role;
use terrain_protocol::sites::SiteHistory;
use terrain_tests::harness::{Engine, Server};
use terrain_tests::seed_edited;

fn plant(name: &str) -> Site {
    let mut site: Site =
        serde_json::from_str(include_str!("../../docs/examples/sites/diawara-plant.json")).unwrap();
    site.name = name.into();
    site
}

async fn shared_sites(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("moussa", Role::Reporter, &["Kayes"]).await;
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("sidi", Role::Reporter, &["Sikasso"]).await;
    let moussa = server.device("moussa").await;
    let awa = server.device("awa").await;
    let sidi = server.device("sidi").await;

    // A site added on Moussa's device reaches Awa's, not Sidi's.
    let site = moussa.store.save_site(plant("Diawara lime plant")).unwrap();
    let (summary, _) = moussa.sync().await.unwrap();
    assert_eq!(summary.sites_sent, 1);
    assert!(
        moussa.store.queued_site_revisions(10).unwrap().is_empty(),
        "acked"
    );
    let (summary, _) = awa.sync().await.unwrap();
    assert_eq!(summary.sites_received, 1);
    assert_eq!(awa.store.site(site.id).unwrap(), Some(site.clone()));
    let (summary, _) = sidi.sync().await.unwrap();
    assert_eq!(summary.sites_received, 0);
    assert!(sidi.store.site(site.id).unwrap().is_none());
    let (status, body) = server
        .call(
            Method::GET,
            &format!("/v1/sites/{}", site.id),
            &sidi.token(),
        )
        .await;
    assert_eq!(status, 403, "{body}");

    // Disjoint offline edits converge on every Kayes device.
    let mut on_moussa = site.clone();
    on_moussa.operator = Some("Diawara et fils".into());
    moussa.store.save_site(on_moussa).unwrap();
    let mut on_awa = site.clone();
    on_awa.place = Some("Route de Mahina".into());
    awa.store.save_site(on_awa).unwrap();
    moussa.sync().await.unwrap();
    awa.sync().await.unwrap(); // pulls Moussa's edit, merges, sends the merge
    moussa.sync().await.unwrap();
    let (m, a) = (
        moussa.store.site(site.id).unwrap().unwrap(),
        awa.store.site(site.id).unwrap().unwrap(),
    );
    assert_eq!(m, a);
    assert_eq!(m.operator.as_deref(), Some("Diawara et fils"));
    assert_eq!(m.place.as_deref(), Some("Route de Mahina"));
    assert!(moussa.store.site_conflicts().unwrap().is_empty());
    assert!(awa.store.site_conflicts().unwrap().is_empty());
    let (status, body) = server
        .call(Method::GET, &format!("/v1/sites/{}", site.id), &awa.token())
        .await;
    assert_eq!(status, 200, "{body}");
    let history: terrain_protocol::sites::SiteHistory = serde_json::from_value(body).unwrap();
    assert_eq!(history.revisions.len(), 4, "first, two edits, one merge");
    assert_eq!(
        awa.store.site_revisions(site.id).unwrap().len(),
        moussa.store.site_revisions(site.id).unwrap().len()
    );

    // The same field edited differently: the same conflict on both, until someone decides.
    let mut on_moussa = m.clone();
    on_moussa.operator = Some("Diawara SARL".into());
    moussa.store.save_site(on_moussa).unwrap();
    let mut on_awa = m.clone();
    on_awa.operator = Some("Ibrahima Diawara".into());
    awa.store.save_site(on_awa).unwrap();
    moussa.sync().await.unwrap();
    awa.sync().await.unwrap();
    moussa.sync().await.unwrap();
    for d in [&moussa, &awa] {
        let conflicts = d.store.site_conflicts().unwrap();
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].fields, ["operator"]);
    }
    assert_eq!(
        moussa.store.site(site.id).unwrap(),
        awa.store.site(site.id).unwrap()
    );
    let mut decided = m.clone();
    decided.operator = Some("Ibrahima Diawara (Diawara SARL)".into());
    awa.store.save_site(decided.clone()).unwrap();
    awa.sync().await.unwrap();
    moussa.sync().await.unwrap();
    for d in [&moussa, &awa] {
        assert!(d.store.site_conflicts().unwrap().is_empty());
        assert_eq!(d.store.site(site.id).unwrap(), Some(decided.clone()));
    }

    // A report naming a site Awa's device lacks: her site feed had moved past it (as a device
    // whose report came outside the feed), so her sync fetches the site by id.
    let quarry = moussa.store.save_site(plant("Mahina quarry")).unwrap();
    let report = seed_edited(|v| v["sites"] = json!([{ "site_id": quarry.id }]));
    let report_id = report.id;
    moussa.store.save(report, "moussa").unwrap();
    moussa.sync().await.unwrap();
    awa.store
        .apply_pulled_sites(&[], Some(i64::MAX / 2), "awa")
        .unwrap();
    let (summary, _) = awa.sync().await.unwrap();
    assert!(summary.received >= 1);
    assert_eq!(summary.sites_received, 1, "fetched by id");
    assert_eq!(awa.store.site(quarry.id).unwrap(), Some(quarry.clone()));
    assert!(awa.store.unknown_sites().unwrap().is_empty());
    assert_eq!(awa.store.reports_at_site(quarry.id).unwrap(), [report_id]);
    assert_eq!(
        awa.store.fingerprint(report_id).unwrap(),
        moussa.store.fingerprint(report_id).unwrap(),
        "the report's fingerprint names the site as on the device that wrote it"
    );
    // Sidi never receives either site.
    sidi.sync().await.unwrap();
    assert!(sidi.store.sites().unwrap().is_empty());

    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_sites_on_sqlite() {
    shared_sites(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_sites_on_postgres() {
    shared_sites(Engine::Postgres).await;
}

/// POST /v1/sites/revisions with `token`: the status.
async fn send_sites(server: &Server, token: &str, revisions: &[SiteRevision]) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/v1/sites/revisions", server.url))
        .bearer_auth(token)
        .header("Terrain-Protocol", "1")
        .json(&json!({ "revisions": revisions }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn history(server: &Server, token: &str, site: uuid::Uuid) -> (u16, Vec<SiteRevision>) {
    let (status, body) = server
        .call(Method::GET, &format!("/v1/sites/{site}"), token)
        .await;
    let revisions = serde_json::from_value::<SiteHistory>(body)
        .map(|h| h.revisions)
        .unwrap_or_default();
    (status, revisions)
}

/// Least privilege for a history across regions: Awa's Kayes site merged into a Gao site gives
/// her its own revisions only; a reader of both regions gets the Gao site's too; a Gao reader
/// still gets 403 for the Kayes site and the Gao site's history alone.
async fn merged_into_another_region(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("oumar", Role::Reporter, &["Gao"]).await;
    server
        .user("binta", Role::Reviewer, &["Kayes", "Gao"])
        .await;
    let (awa, oumar, binta) = (
        server.device("awa").await,
        server.device("oumar").await,
        server.device("binta").await,
    );
    let revision = |site: &Site, parents, user: &str| {
        SiteRevision::new(
            site.clone().check().unwrap(),
            parents,
            user,
            &format!("{user}-tablet"),
            chrono::Utc::now(),
        )
    };
    let mut depot = plant("Dépôt de Gao");
    depot.admin1 = "Gao".into();
    depot.admin2 = None;
    let in_gao = revision(&depot, vec![], "oumar");
    assert_eq!(
        send_sites(&server, &oumar.token(), std::slice::from_ref(&in_gao)).await,
        200
    );
    let mut kayes = plant("Diawara lime plant");
    let first = revision(&kayes, vec![], "awa");
    kayes.merged_into = Some(depot.id);
    let merged = revision(&kayes, vec![first.id], "awa");
    let sent = [first.clone(), merged.clone()];
    assert_eq!(send_sites(&server, &awa.token(), &sent).await, 200);

    let (status, got) = history(&server, &awa.token(), kayes.id).await;
    assert_eq!(status, 200);
    assert_eq!(
        got,
        [first.clone(), merged.clone()],
        "the Gao site left out"
    );
    let (status, got) = history(&server, &binta.token(), kayes.id).await;
    assert_eq!(status, 200);
    assert_eq!(got.len(), 3, "a reader of both regions gets both sites");
    assert!(got.contains(&in_gao));
    let (status, _) = history(&server, &oumar.token(), kayes.id).await;
    assert_eq!(status, 403);
    let (status, got) = history(&server, &oumar.token(), depot.id).await;
    assert_eq!((status, got), (200, vec![in_gao]));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merged_into_another_region_on_sqlite() {
    merged_into_another_region(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merged_into_another_region_on_postgres() {
    merged_into_another_region(Engine::Postgres).await;
}

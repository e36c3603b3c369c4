//! A site's page over HTTP (issue 15, `GET /v1/sites/{id}/incidents`), on both engines: the
//! Diawara plant was attacked in March 2026 (a report naming a duplicate entry of the plant,
//! later merged into it) and again at Bafoulabé in November, reported twice (3 abducted per
//! Wamaps, 4 per an elected official). Once the two November reports are linked (through
//! `POST /v1/incidents/decisions`, as the console does it), the page counts two incidents since
//! March 2026, the linked reports once, with both sources; the merged entry's page shows the
//! plant's; a report of Gao naming the plant counts for an administrator only; an official of
//! Sikasso gets 403; an unknown site 404; unlinking makes three incidents again, and "not the
//! same" drops the suggestion both ways.

use reqwest::Method;
use serde_json::{Value, json};
use terrain_domain::{FigureKind, Site};
use terrain_protocol::Role;
use terrain_protocol::sites::SiteIncidents;
use terrain_tests::harness::{Engine, Server};
use terrain_tests::seed_edited;
use uuid::Uuid;

fn plant(name: &str) -> Site {
    let mut site: Site =
        serde_json::from_str(include_str!("../../docs/examples/sites/diawara-plant.json")).unwrap();
    site.id = Uuid::now_v7();
    site.name = name.into();
    site
}

/// The seed report at `site`, on `date`, with `edit` applied.
fn report_at(site: Uuid, date: &str, edit: impl FnOnce(&mut Value)) -> terrain_domain::ValidReport {
    seed_edited(|v| {
        v["when"]["date"] = json!(date);
        v["sites"] = json!([{ "site_id": site }]);
        edit(v);
    })
}

async fn page(server: &Server, token: &str, site: Uuid) -> SiteIncidents {
    let (status, body) = server
        .call(Method::GET, &format!("/v1/sites/{site}/incidents"), token)
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

async fn decide(server: &Server, token: &str, a: Uuid, b: Uuid, action: &str) -> Value {
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/incidents/decisions", server.url))
        .bearer_auth(token)
        .header("Terrain-Protocol", "1")
        .json(&json!({ "reports": [a, b], "action": action }))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

/// Each incident's reports, oldest incident first.
fn reports(p: &SiteIncidents) -> Vec<Vec<Uuid>> {
    p.incidents
        .iter()
        .map(|i| i.figures.reports.clone())
        .collect()
}

async fn a_sites_page(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("moussa", Role::Reporter, &["Kayes"]).await;
    server
        .user("oumar", Role::Reporter, &["Kayes", "Gao"])
        .await;
    server.user("fanta", Role::Reviewer, &["Kayes"]).await;
    server.user("sidi", Role::Reporter, &["Sikasso"]).await;
    server.user("root", Role::Admin, &[]).await;
    let awa = server.device("awa").await;
    let moussa = server.device("moussa").await;
    let oumar = server.device("oumar").await;
    let fanta = server.device("fanta").await;
    let sidi = server.device("sidi").await;
    let root = server.device("root").await;

    // The plant, and a second entry for it that Awa merges into it.
    let site = awa
        .store
        .save_site(plant("Calcium carbonate, lime and plaster plant"))
        .unwrap();
    let twin = awa.store.save_site(plant("Usine Diawara")).unwrap();
    let march = report_at(twin.id, "2026-03-02", |v| {
        v["title"] = json!("Armed men burn the Diawara plant's warehouse");
        v["figures"] = json!({});
    });
    let first = report_at(site.id, "2026-11-18", |v| {
        let sources: Vec<Value> = v["sources"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["key"] != "elected-official")
            .cloned()
            .collect();
        v["sources"] = json!(sources);
        v["figures"] = json!({ "abducted": [{ "amount": 3, "source": "wamaps" }] });
    });
    let (m, a) = (march.id, first.id);
    awa.store.save(march, "awa").unwrap();
    awa.store.save(first, "awa").unwrap();
    awa.sync().await.unwrap();
    awa.store
        .merge_site(&twin.id.to_string(), &site.id.to_string())
        .unwrap();
    awa.sync().await.unwrap();
    moussa.sync().await.unwrap();
    let second = report_at(site.id, "2026-11-18", |v| {
        v["title"] = json!("Bafoulabé: armed men attack the plants, four workers abducted");
        v["sources"] = json!([{
            "key": "elected-official",
            "name": "An elected official of the Kayes region",
            "kind": "official",
            "reliability": "fairly_reliable"
        }]);
        v["figures"] = json!({ "abducted": [{ "amount": 4, "source": "elected-official" }] });
    });
    let b = second.id;
    moussa.store.save(second, "moussa").unwrap();
    moussa.sync().await.unwrap();
    // Oumar, of Kayes and Gao, reports a Gao convoy attack naming the plant's lorries' site.
    oumar.sync().await.unwrap();
    let gao = report_at(site.id, "2026-06-10", |v| {
        v["title"] = json!("Convoi du site Diawara attaqué près de Gao");
        v["where"] = json!({ "admin1": "Gao", "place": "Route de Gao", "geo_precision": "place" });
    });
    let g = gao.id;
    oumar.store.save(gao, "oumar").unwrap();
    oumar.sync().await.unwrap();

    // Unlinked: three incidents of Kayes at the plant (the March one at its merged twin).
    let reviewer = fanta.token();
    let before = page(&server, &reviewer, site.id).await;
    assert_eq!(
        before.site.name,
        "Calcium carbonate, lime and plaster plant"
    );
    assert!(before.merged_into.is_none());
    let mut sites = vec![site.id, twin.id];
    sites.sort();
    assert_eq!(
        before.sites, sites,
        "the plant and the entry merged into it"
    );
    let mut nov = vec![a, b];
    nov.sort();
    assert_eq!(reports(&before).len(), 3, "{:?}", reports(&before));
    assert_eq!(reports(&before)[0], [m]);
    assert!(
        !reports(&before).concat().contains(&g),
        "the Gao report is not a Kayes reviewer's"
    );
    assert_eq!(before.since.unwrap().to_string(), "2026-03-02");

    // Linked as the console links them: one incident of two reports, 3–4 by both sources.
    let op = decide(&server, &reviewer, b, a, "link").await;
    assert_eq!(op["by"], "fanta");
    assert_eq!(op["action"], "link");
    let linked = page(&server, &reviewer, site.id).await;
    assert_eq!(reports(&linked), [vec![m], nov.clone()]);
    let bafoulabe = &linked.incidents[1];
    let abducted = bafoulabe
        .figures
        .figures
        .iter()
        .find(|f| f.kind == FigureKind::Abducted)
        .unwrap();
    assert_eq!((abducted.summary.min, abducted.summary.max), (3, 4));
    assert!(abducted.summary.disputed);
    let names: Vec<&str> = bafoulabe
        .figures
        .sources
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("Wamaps"))
            && names.contains(&"An elected official of the Kayes region"),
        "{names:?}"
    );

    // The twin's page is the plant's, and says so.
    let via_twin = page(&server, &reviewer, twin.id).await;
    assert_eq!(via_twin.site.name, "Usine Diawara");
    assert_eq!(via_twin.merged_into.as_ref().map(|s| s.id), Some(site.id));
    assert_eq!(reports(&via_twin), reports(&linked));

    // An administrator sees the Gao report too; Sikasso is refused; an unknown site is 404.
    let all = page(&server, &root.token(), site.id).await;
    assert_eq!(reports(&all), [vec![m], vec![g], nov.clone()]);
    let (status, body) = server
        .call(
            Method::GET,
            &format!("/v1/sites/{}/incidents", site.id),
            &sidi.token(),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = server
        .call(
            Method::GET,
            &format!("/v1/sites/{}/incidents", Uuid::now_v7()),
            &reviewer,
        )
        .await;
    assert_eq!(status, 404, "{body}");

    // The decision is audited; unlinking restores two incidents of one report each.
    let (status, events) = server.audit(&root.token(), "?action=incident_link").await;
    assert_eq!(status, 200, "{events}");
    assert_eq!(events["events"].as_array().map_or(0, Vec::len), 1);
    decide(&server, &reviewer, a, b, "unlink").await;
    let unlinked = page(&server, &reviewer, site.id).await;
    assert_eq!(reports(&unlinked), reports(&before));
    // "Not the same": the suggestion is gone for both reports, and the dismissal audited.
    let suggested = |token: String, of: Uuid, other: Uuid| {
        let server = &server;
        async move {
            let (status, body) = server
                .call(Method::GET, &format!("/v1/reports/{of}/similar"), &token)
                .await;
            assert_eq!(status, 200, "{body}");
            body["suggestions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["report"] == json!(other))
        }
    };
    assert!(suggested(reviewer.clone(), b, a).await);
    decide(&server, &reviewer, a, b, "dismiss").await;
    assert!(!suggested(reviewer.clone(), b, a).await);
    assert!(!suggested(awa.token(), a, b).await);
    let (_, events) = server
        .audit(&root.token(), "?action=incident_dismiss")
        .await;
    assert_eq!(events["events"].as_array().map_or(0, Vec::len), 1);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sites_page_on_sqlite() {
    a_sites_page(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sites_page_on_postgres() {
    a_sites_page(Engine::Postgres).await;
}

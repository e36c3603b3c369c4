//! The console's incident view and site page (issue 15) in a real browser: Debian's Chromium,
//! headless, through chromedriver, against the `terrain-server` binary on SQLite and on a
//! fresh PostgreSQL schema (harness: `terrain_tests::browser`).
//!
//! The seed case: the Diawara plant near Bafoulabé was attacked in March 2026, and again in
//! November; two officials of Kayes report the November attack from their own devices (3
//! abducted per Wamaps; 4 per an elected official). In the console a reviewer finds the
//! second report flagged "May be the same incident as …" with the reasons, links them there,
//! and the incident shows "Abducted: 3–4, sources disagree" with both sources and its span;
//! the report's site opens the site page, "2 incident(s) since March 2026" listing the earlier
//! attack and this one; unlinking brings the suggestion back and makes three incidents. A
//! reporter sees the suggestion read-only.
//!
//! Screenshots `console-incident.png` and `console-site.png` go to `target/screenshots/`
//! (SQLite run), or to `docs/screenshots/` with `TERRAIN_DOCS_SCREENSHOTS=1`.
//! Needs `cargo build -p terrain-server` (after `npm run build` in ui/ for the console's pages),
//! `chromium` and `chromium-driver`.

use chrono::Utc;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use terrain_domain::{Revision, Site, SiteRevision};
use terrain_tests::browser::{Browser, ConsoleServer, browser_missing};
use terrain_tests::harness::{Engine, PASSWORD, built_binary};
use uuid::Uuid;

async fn device_token(url: &str, user: &str) -> String {
    let answer: Value = reqwest::Client::new()
        .post(format!("{url}/v1/sessions"))
        .header("Terrain-Protocol", "1")
        .json(&json!({ "user": user, "password": PASSWORD, "device_name": format!("{user}'s tablet") }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["token"].as_str().unwrap().to_string()
}

/// POSTs `body` to `path` with a device's token; the answer, which must be 200.
async fn post(url: &str, token: &str, path: &str, body: Value) -> Value {
    let resp = reqwest::Client::new()
        .post(format!("{url}{path}"))
        .header("Terrain-Protocol", "1")
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let answer: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 200, "{path}: {answer}");
    answer
}

/// Pushes `report` as `user`, as their device would.
async fn push(url: &str, token: &str, user: &str, report: terrain_domain::ValidReport) {
    let revision = Revision::new(report, vec![], user, &format!("{user}-tablet"), Utc::now());
    let answer = post(url, token, "/v1/push", json!({ "revisions": [revision] })).await;
    assert_eq!(answer["results"][0]["status"], "stored", "{answer}");
}

/// The plant, sent by Awa's device to the server's registry.
async fn plant(url: &str, token: &str) -> Uuid {
    let mut site: Site =
        serde_json::from_str(include_str!("../../docs/examples/sites/diawara-plant.json")).unwrap();
    site.id = Uuid::now_v7();
    let revision = SiteRevision::new(site.clone(), vec![], "awa", "awa-tablet", Utc::now());
    post(
        url,
        token,
        "/v1/sites/revisions",
        json!({ "revisions": [revision] }),
    )
    .await;
    site.id
}

struct Seeded {
    site: Uuid,
    /// The March attack's report.
    march: Uuid,
    /// Awa's report of the November attack (Wamaps: 3 abducted).
    first: Uuid,
    /// Moussa's (an elected official: 4 abducted).
    second: Uuid,
}

async fn seed(url: &str) -> Seeded {
    let awa = device_token(url, "awa").await;
    let moussa = device_token(url, "moussa").await;
    let site = plant(url, &awa).await;
    let at_plant = |v: &mut Value| {
        v["sites"] = json!([{ "site_id": site, "damage": "kilns and warehouse burned" }]);
        v["attachments"] = json!([]);
    };
    let march = terrain_tests::seed_edited(|v| {
        at_plant(v);
        v["title"] = json!("Armed men burn the Diawara plant's warehouse");
        v["when"]["date"] = json!("2026-03-02");
        v["narrative"] = json!("A night raid on the plant's warehouse; no one was taken.");
        let security: Vec<Value> = v["sources"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["key"] == "security")
            .cloned()
            .collect();
        v["sources"] = json!(security);
        v["figures"] = json!({});
    });
    let first = terrain_tests::seed_edited(|v| {
        at_plant(v);
        let sources: Vec<Value> = v["sources"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["key"] != "elected-official")
            .cloned()
            .collect();
        v["sources"] = json!(sources);
        v["figures"]["abducted"] = json!([{ "amount": 3, "source": "wamaps" }]);
    });
    let second = terrain_tests::seed_edited(|v| {
        at_plant(v);
        v["title"] = json!("Bafoulabé: armed men attack the plants, four workers abducted");
        v["sources"] = json!([{
            "key": "elected-official",
            "name": "An elected official of the Kayes region",
            "kind": "official",
            "reliability": "fairly_reliable"
        }]);
        v["figures"] = json!({ "abducted": [{ "amount": 4, "source": "elected-official" }] });
    });
    let ids = Seeded {
        site,
        march: march.id,
        first: first.id,
        second: second.id,
    };
    push(url, &awa, "awa", march).await;
    push(url, &awa, "awa", first).await;
    push(url, &moussa, "moussa", second).await;
    ids
}

/// `target/screenshots/`, or `docs/screenshots/` when `TERRAIN_DOCS_SCREENSHOTS` is set.
fn shots_dir() -> PathBuf {
    let dir = if std::env::var_os("TERRAIN_DOCS_SCREENSHOTS").is_some() {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots")
    } else {
        built_binary("terrain-server")
            .parent()
            .unwrap()
            .join("../screenshots")
    };
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn incidents_in_the_console(engine: Engine) {
    if browser_missing() {
        return;
    }
    let users = [
        ("fanta", "reviewer", Some("Kayes")),
        ("awa", "reporter", Some("Kayes")),
        ("moussa", "reporter", Some("Kayes")),
    ];
    let Some(server) = ConsoleServer::start(engine, &users, &[]).await else {
        return;
    };
    let url = server.url();
    let s = seed(&url).await;
    let shots = (engine == Engine::Sqlite).then(shots_dir);
    let b = Browser::start().await.with_shots(shots);
    let report = |id: Uuid| format!("{url}/#/reports/{id}");

    // The reviewer opens the second report: flagged, with the reasons.
    b.sign_in(&url, "fanta").await;
    b.goto(&report(s.second)).await;
    let flagged = format!(".similar[data-report=\"{}\"]", s.first);
    b.wait_text(&flagged, "May be the same incident as").await;
    let reasons = b.text(&format!("{flagged} .reasons")).await;
    assert!(
        reasons.contains("same region") && reasons.contains("dates overlap"),
        "{reasons}"
    );
    assert_eq!(
        b.count(&format!(".similar[data-report=\"{}\"]", s.march))
            .await,
        0,
        "the March attack is another incident"
    );

    // Linked there: one incident, 3–4 by both sources, the span, the other report.
    b.click(&format!("{flagged} .same-incident")).await;
    b.wait_text("#incident-figures", "Abducted: 3–4, sources disagree")
        .await;
    let figures = b.text("#incident-figures").await;
    assert!(figures.contains("3 — Wamaps"), "{figures}");
    assert!(
        figures.contains("4 — An elected official of the Kayes region"),
        "{figures}"
    );
    b.wait_count(".similar", 0).await;
    assert!(b.text("#incident-title").await.contains("2 linked reports"));
    b.wait_text(
        &format!(".incident-reports li[data-report=\"{}\"]", s.first),
        "Three industrial plants attacked",
    )
    .await;
    assert_eq!(
        b.text("#incident-span").await,
        "From 2026-11-18 to 2026-11-18"
    );
    let sources = b.text(".incident-sources").await;
    assert!(
        sources.contains("Wamaps") && sources.contains("An elected official"),
        "{sources}"
    );
    b.wait_text(
        ".incident-sites",
        "Calcium carbonate, lime and plaster plant",
    )
    .await;
    b.shot_at("incident", "#report-title").await;

    // The report's site opens the site page: the earlier attack and this one.
    b.click(&format!("#rec-sites a[data-site=\"{}\"]", s.site))
        .await;
    b.wait_text("#site-headline", "2 incident(s) since March 2026")
        .await;
    assert_eq!(
        b.text("#site-name").await,
        "Calcium carbonate, lime and plaster plant"
    );
    assert_eq!(b.text("#site-operator").await, "Ibrahima Diawara");
    assert!(b.text("#site-coordinates").await.contains("13.8065"));
    b.wait_count("#site-incidents tr.site-incident", 2).await;
    let rows = b.text("#site-incidents tbody").await;
    let (early, late) = (
        rows.find("Armed men burn the Diawara plant's warehouse"),
        rows.find("Abducted: 3–4, sources disagree"),
    );
    assert!(
        matches!((early, late), (Some(e), Some(l)) if e < l),
        "{rows}"
    );
    let counts: Vec<String> = {
        let mut v = Vec::new();
        for el in
            b.c.find_all(fantoccini::Locator::Css("#site-incidents td.count"))
                .await
                .unwrap()
        {
            v.push(el.text().await.unwrap());
        }
        v
    };
    assert_eq!(counts, ["1", "2"], "the linked reports count once");
    b.shot("site").await;

    // Unlink from the first report: the suggestion comes back, three incidents at the site.
    b.goto(&report(s.first)).await;
    b.wait_text(
        ".incident-reports",
        "Bafoulabé: armed men attack the plants",
    )
    .await;
    b.click(&format!(
        ".incident-reports li[data-report=\"{}\"] .unlink",
        s.second
    ))
    .await;
    b.wait_count("#incident", 0).await;
    b.wait_text(
        &format!(".similar[data-report=\"{}\"]", s.second),
        "May be the same incident as",
    )
    .await;
    b.goto(&format!("{url}/#/sites/{}", s.site)).await;
    b.wait_text("#site-headline", "3 incident(s) since March 2026")
        .await;

    // A reporter reads the suggestion, without the buttons.
    b.sign_out().await;
    b.sign_in(&url, "awa").await;
    b.goto(&report(s.second)).await;
    let flagged = format!(".similar[data-report=\"{}\"]", s.first);
    b.wait_text(&flagged, "Reviewers and administrators link reports")
        .await;
    assert_eq!(b.count(".same-incident, .not-same").await, 0);
    assert!(
        b.text(&format!("{flagged} .reasons"))
            .await
            .contains("same region")
    );

    b.stop().await;
    server.stop().await;
}

terrain_tests::on_both_engines!(incidents_in_the_console);

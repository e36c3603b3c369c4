//! Incidents across devices and the server (issue 15), on both engines: two officials of
//! Kayes each report the Bafoulabé attack from their own device with their own sources and
//! figures (3 abducted per Wamaps, 4 per an elected official); after syncing, the server
//! suggests the first for the second with reasons (`GET /v1/reports/{id}/similar`) and so do
//! both devices; the second official links them on their device, the link reaches the server
//! (audited) and the first device through the pull feed; the incident shows 3–4 with both
//! sources (`GET /v1/incidents/{id}`); unlinking undoes it, a dismissal is remembered; an
//! official of another region gets 403 for every incident route and no link in their feed.

use chrono::Utc;
use reqwest::Method;
use serde_json::{Value, json};
use terrain_domain::FigureKind;
use terrain_domain::incident::{LinkAction, LinkOp, LinkSet};
use terrain_protocol::{IncidentView, Role, Similar};
use terrain_tests::harness::{Engine, Server};
use terrain_tests::{first_official_report, second_official_report};
use uuid::Uuid;

async fn post_links(server: &Server, token: &str, ops: &[LinkOp]) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/incidents/links", server.url))
        .bearer_auth(token)
        .header("Terrain-Protocol", "1")
        .json(&json!({ "ops": ops }))
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn similar(server: &Server, token: &str, report: Uuid) -> Similar {
    let (status, body) = server
        .call(Method::GET, &format!("/v1/reports/{report}/similar"), token)
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

async fn incident(server: &Server, token: &str, report: Uuid) -> IncidentView {
    let (status, body) = server
        .call(Method::GET, &format!("/v1/incidents/{report}"), token)
        .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

async fn audited(server: &Server, token: &str, action: &str) -> usize {
    let (status, body) = server.audit(token, &format!("?action={action}")).await;
    assert_eq!(status, 200, "{body}");
    body["events"].as_array().map_or(0, Vec::len)
}

async fn the_seed_case(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("moussa", Role::Reporter, &["Kayes"]).await;
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("sidi", Role::Reporter, &["Sikasso"]).await;
    server.user("root", Role::Admin, &[]).await;
    let moussa = server.device("moussa").await;
    let awa = server.device("awa").await;
    let sidi = server.device("sidi").await;
    let root = server.device("root").await;

    let (first, second) = (
        first_official_report(|_| {}),
        second_official_report(|_| {}),
    );
    let (a, b) = (first.id, second.id);
    moussa.store.save(first, "moussa").unwrap();
    moussa.sync().await.unwrap();
    awa.store.save(second, "awa").unwrap();
    awa.sync().await.unwrap();
    moussa.sync().await.unwrap();

    // Flagged on the server, with reasons, both ways.
    let found = similar(&server, &awa.token(), b).await;
    let s = found
        .suggestions
        .iter()
        .find(|s| s.report == a)
        .unwrap_or_else(|| panic!("the first report is suggested for the second: {found:?}"));
    let keys: Vec<&str> = s.likeness.reasons.iter().map(|r| r.key()).collect();
    assert!(
        keys.contains(&"same_region") && keys.contains(&"dates_overlap"),
        "{keys:?}"
    );
    assert!(s.reasons.contains("same region"), "{}", s.reasons);
    assert!(!s.title.is_empty());
    let back = similar(&server, &moussa.token(), a).await;
    assert!(back.suggestions.iter().any(|s| s.report == b), "{back:?}");
    // ... and on both devices.
    assert!(awa.store.similar(b).unwrap().iter().any(|s| s.report == a));
    assert!(
        moussa
            .store
            .similar(a)
            .unwrap()
            .iter()
            .any(|s| s.report == b)
    );

    // Another region's official sees none of it.
    for path in [
        format!("/v1/reports/{a}/similar"),
        format!("/v1/incidents/{a}"),
    ] {
        let (status, body) = server.call(Method::GET, &path, &sidi.token()).await;
        assert_eq!(status, 403, "{path}: {body}");
    }

    // Awa links them on her device; the sync carries the operation to the server.
    let op = awa
        .store
        .link_set()
        .unwrap()
        .make(LinkAction::Link, a, b, "awa", "awa's laptop", Utc::now())
        .unwrap();
    assert!(awa.store.record_link(&op).unwrap());
    let (summary, _) = awa.sync().await.unwrap();
    assert_eq!(summary.links_sent, 1);
    assert!(awa.store.queued_link_ops(10).unwrap().is_empty(), "acked");
    let (status, body) = post_links(&server, &sidi.token(), std::slice::from_ref(&op)).await;
    assert_eq!(status, 400, "sidi may not send awa's operation: {body}");
    let sidis = sidi_op(&op);
    let (status, body) = post_links(&server, &sidi.token(), &[sidis]).await;
    assert_eq!(status, 403, "not on another region's reports: {body}");
    assert_eq!(audited(&server, &root.token(), "incident_link").await, 1);

    // The incident: both reports, 3–4 abducted with both sources.
    let view = incident(&server, &moussa.token(), b).await;
    assert_eq!(view.id, a.min(b));
    assert_eq!(view.reports, {
        let mut r = vec![a, b];
        r.sort();
        r
    });
    let figures = view.figures.expect("figures");
    let abducted = figures.figure(FigureKind::Abducted).expect("abducted");
    assert_eq!((abducted.summary.min, abducted.summary.max), (3, 4));
    assert_eq!(abducted.summary.conservative, 3);
    assert!(abducted.summary.disputed);
    let names: Vec<&str> = abducted
        .claims
        .iter()
        .map(|c| c.source.name.as_str())
        .collect();
    assert!(names.iter().any(|n| n.starts_with("Wamaps")), "{names:?}");
    assert!(
        names.contains(&"An elected official of the Kayes region"),
        "{names:?}"
    );
    assert!(
        similar(&server, &awa.token(), b)
            .await
            .suggestions
            .iter()
            .all(|s| s.report != a)
    );

    // Moussa's device pulls the link.
    let (summary, _) = moussa.sync().await.unwrap();
    assert_eq!(summary.links_received, 1);
    assert_eq!(moussa.store.link_set().unwrap().incident_id(b), a.min(b));
    // Sidi's feed carries no operation on Kayes reports.
    let (summary, _) = sidi.sync().await.unwrap();
    assert_eq!(summary.links_received, 0);

    // Unlinking undoes it (over HTTP, stamped after the link it saw).
    let mut seen = LinkSet::new();
    seen.apply(op.clone()).unwrap();
    let unlink = seen
        .make(LinkAction::Unlink, a, b, "moussa", "console", Utc::now())
        .unwrap();
    let (status, body) = post_links(&server, &moussa.token(), std::slice::from_ref(&unlink)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"][0]["status"], "stored");
    let (status, body) = post_links(&server, &moussa.token(), std::slice::from_ref(&unlink)).await;
    assert_eq!(
        (status, body["results"][0]["status"].clone()),
        (200, json!("already_have"))
    );
    assert_eq!(incident(&server, &moussa.token(), a).await.reports, vec![a]);
    assert!(
        similar(&server, &awa.token(), b)
            .await
            .suggestions
            .iter()
            .any(|s| s.report == a)
    );

    // A dismissal is remembered.
    seen.apply(unlink).unwrap();
    let dismiss = seen
        .make(LinkAction::Dismiss, a, b, "moussa", "console", Utc::now())
        .unwrap();
    let (status, body) = post_links(&server, &moussa.token(), &[dismiss]).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        similar(&server, &awa.token(), b)
            .await
            .suggestions
            .iter()
            .all(|s| s.report != a)
    );
    assert_eq!(audited(&server, &root.token(), "incident_unlink").await, 1);
    assert_eq!(audited(&server, &root.token(), "incident_dismiss").await, 1);
    let (summary, _) = awa.sync().await.unwrap();
    assert_eq!(
        summary.links_received, 2,
        "the unlink and the dismissal (her link came back in the pass that sent it)"
    );
    assert!(awa.store.link_set().unwrap().dismissed(a, b));
    server.stop().await;
}

/// An operation by sidi on the same pair.
fn sidi_op(op: &LinkOp) -> LinkOp {
    LinkSet::new()
        .make(
            op.action,
            op.reports[0],
            op.reports[1],
            "sidi",
            "sidi's laptop",
            Utc::now(),
        )
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_case_on_sqlite() {
    the_seed_case(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_case_on_postgres() {
    the_seed_case(Engine::Postgres).await;
}

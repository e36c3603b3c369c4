//! Who may change what, and what the audit log proves: a reporter cannot take another region's
//! report, a move between regions is a reviewer's act and is audited, a revision cannot claim
//! another user's device, a name holding NUL is refused alike by both engines and audited, a
//! token renews without the password, and a client hanging up after its body leaves no
//! revision without its push event. Both engines.

use serde_json::{Value, json};
use std::collections::BTreeSet;
use terrain_domain::{Revision, check, new_id, parse_json};
use terrain_protocol::Role;
use terrain_tests::harness::{Engine, PASSWORD, Server};
use tokio::io::AsyncWriteExt;

terrain_tests::on_both_engines!(
    a_reporter_cannot_take_another_regions_report_and_a_reviewers_move_is_audited,
    a_revision_claiming_another_users_device_is_refused,
    a_nul_in_a_name_is_refused_before_the_engine_and_audited,
    a_renewed_token_works_and_the_old_one_is_retired,
    a_client_hanging_up_after_its_body_leaves_no_revision_without_its_event,
);

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

/// The seed report in `region` (no cercle or commune outside Kayes).
fn report_in(region: &str) -> terrain_domain::Report {
    let mut report = parse_json(SEED).unwrap();
    report.id = new_id();
    if region != "Kayes" {
        report.location.admin1 = region.to_string();
        report.location.admin2 = None;
        report.location.admin3 = None;
    }
    report
}

fn revision(
    report: terrain_domain::Report,
    parents: Vec<uuid::Uuid>,
    who: &str,
    device: &str,
) -> Revision {
    let report = check(report, chrono::Utc::now().date_naive()).unwrap();
    Revision::new(report, parents, who, device, chrono::Utc::now())
}

/// POST /v1/push of `revs` in one batch with `token`: the results' statuses.
async fn push_all(server: &Server, token: &str, revs: &[&Revision]) -> Vec<Value> {
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/push", server.url))
        .bearer_auth(token)
        .header("Terrain-Protocol", "1")
        .json(&json!({ "revisions": revs }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    body["results"].as_array().unwrap().clone()
}

/// POST /v1/push of one revision with `token`: its result.
async fn push(server: &Server, token: &str, rev: &Revision) -> Value {
    push_all(server, token, &[rev]).await.remove(0)
}

async fn events(server: &Server, action: &str) -> Vec<Value> {
    let admin = server.device("boss").await;
    let (status, page) = server.audit(&admin.token(), "?limit=1000").await;
    assert_eq!(status, 200, "{page}");
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action)
        .cloned()
        .collect()
}

async fn a_reporter_cannot_take_another_regions_report_and_a_reviewers_move_is_audited(
    engine: Engine,
) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("moussa", Role::Reporter, &["Mopti"]).await;
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server
        .user("fanta", Role::Reviewer, &["Kayes", "Mopti"])
        .await;
    server.user("boss", Role::Admin, &[]).await;
    let moussa = server.device("moussa").await.token();
    let awa = server.device("awa").await.token();
    let fanta = server.device("fanta").await.token();

    let first = revision(report_in("Mopti"), vec![], "moussa", "moussa-laptop");
    assert_eq!(push(&server, &moussa, &first).await["status"], "stored");
    // Awa, of Kayes, edits Moussa's Mopti report into her region: refused.
    let mut taken = first.content.clone();
    taken.location = report_in("Kayes").location;
    let takeover = revision(taken.clone(), vec![first.id], "awa", "awa-laptop");
    let answer = push(&server, &awa, &takeover).await;
    assert_eq!(answer["status"], "rejected", "{answer}");
    assert_eq!(answer["code"], "region_forbidden", "{answer}");
    assert_eq!(server.revision_count().await, 1, "nothing of Awa's stored");
    let (status, page) = server
        .call(reqwest::Method::GET, "/v1/pull?since=0", &moussa)
        .await;
    assert_eq!(status, 200);
    assert_eq!(page["revisions"].as_array().unwrap().len(), 1);
    assert_eq!(page["revisions"][0]["revision"]["id"], json!(first.id));
    let refused = events(&server, "push").await;
    assert!(
        refused
            .iter()
            .any(|e| e["actor"] == "awa" && e["detail"].as_str().unwrap().contains("refused: ")),
        "the refusal and its reason are audited: {refused:?}"
    );

    // Fanta reviews both regions: her move is stored, and audited with both regions.
    let moved = revision(taken, vec![first.id], "fanta", "fanta-laptop");
    assert_eq!(push(&server, &fanta, &moved).await["status"], "stored");
    let moves = events(&server, "report_move").await;
    assert_eq!(moves.len(), 1, "{moves:?}");
    assert_eq!(moves[0]["actor"], "fanta");
    let detail = moves[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("Mopti") && detail.contains("Kayes"),
        "{detail}"
    );

    // In one batch she moves it back to Mopti and edits it there: one move, audited once (the
    // edit is judged against the heads the move left, in the push's transaction).
    let back = revision(
        first.content.clone(),
        vec![moved.id],
        "fanta",
        "fanta-laptop",
    );
    let mut edited = first.content.clone();
    edited.title = "Edited after the move back".into();
    let edit = revision(edited, vec![back.id], "fanta", "fanta-laptop");
    let results = push_all(&server, &fanta, &[&back, &edit]).await;
    assert!(
        results.iter().all(|r| r["status"] == "stored"),
        "{results:?}"
    );
    let moves = events(&server, "report_move").await;
    assert_eq!(moves.len(), 2, "one event per move: {moves:?}");
    assert!(
        moves[1]["detail"]
            .as_str()
            .unwrap()
            .contains(&back.id.to_string()),
        "{moves:?}"
    );
    // Moussa, of Mopti only, may edit it again after the batch.
    let mut again = first.content.clone();
    again.title = "Moussa's edit after the move back".into();
    let again = revision(again, vec![edit.id], "moussa", "moussa-laptop");
    assert_eq!(push(&server, &moussa, &again).await["status"], "stored");
    server.stop().await;
}

async fn a_revision_claiming_another_users_device_is_refused(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("bakary", Role::Reporter, &["Kayes"]).await;
    let awa = server.device("awa").await.token();
    let bakary = server.device("bakary").await.token();
    let device = new_id().to_string();
    let hers = revision(report_in("Kayes"), vec![], "awa", &device);
    assert_eq!(push(&server, &awa, &hers).await["status"], "stored");
    // Bakary signs his revision as if it came from Awa's device.
    let forged = revision(report_in("Kayes"), vec![], "awa", &device);
    let answer = push(&server, &bakary, &forged).await;
    assert_eq!(answer["status"], "rejected", "{answer}");
    assert_eq!(answer["code"], "device_forbidden", "{answer}");
    assert_eq!(server.revision_count().await, 1);
    server.stop().await;
}

async fn a_nul_in_a_name_is_refused_before_the_engine_and_audited(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("boss", Role::Admin, &[]).await;
    let client = reqwest::Client::new();
    let answer = server.sign_in(&client, "awa\u{0}", PASSWORD).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.code, "invalid_text", "{}", answer.body);
    let failed = events(&server, "sign_in_failed").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        !failed[0]["actor"].as_str().unwrap().contains('\u{0}'),
        "the name is kept escaped: {failed:?}"
    );
    server.stop().await;
}

async fn a_renewed_token_works_and_the_old_one_is_retired(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let old = server.device("awa").await.token();
    // The scheme is read whatever its case.
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/sessions/renew", server.url))
        .header("Authorization", format!("bearer {old}"))
        .header("Terrain-Protocol", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let session: Value = resp.json().await.unwrap();
    let new = session["token"].as_str().unwrap();
    assert_ne!(new, old);
    let (status, _) = server
        .call(reqwest::Method::GET, "/v1/pull?since=0", new)
        .await;
    assert_eq!(status, 200, "the new token works");
    let (status, body) = server
        .call(reqwest::Method::GET, "/v1/pull?since=0", &old)
        .await;
    assert_eq!(status, 401, "the old one is retired: {body}");
    server.stop().await;
}

/// Sends a whole push request over raw TCP and closes `after` it, without reading the answer:
/// with a FIN, or (`reset`) with an RST.
async fn push_and_hang_up(
    server: &Server,
    token: &str,
    revs: &[Revision],
    after: std::time::Duration,
    reset: bool,
) {
    let addr = server.url.trim_start_matches("http://");
    let body = serde_json::to_vec(&json!({ "revisions": revs })).unwrap();
    let head = format!(
        "POST /v1/push HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Terrain-Protocol: 1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    if reset {
        stream.set_zero_linger().unwrap();
    }
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body).await.unwrap();
    tokio::time::sleep(after).await;
    drop(stream);
}

async fn a_client_hanging_up_after_its_body_leaves_no_revision_without_its_event(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("boss", Role::Admin, &[]).await;
    let token = server.device("awa").await.token();
    let mut sent = BTreeSet::new();
    // At once, then later and later: before, during and after the push's transaction.
    for attempt in 0..24u64 {
        let revs: Vec<Revision> = (0..10)
            .map(|_| revision(report_in("Kayes"), vec![], "awa", "awa-laptop"))
            .collect();
        sent.extend(revs.iter().map(|r| r.id.to_string()));
        let after = std::time::Duration::from_millis(attempt.saturating_sub(4) * 5);
        push_and_hang_up(&server, &token, &revs, after, attempt % 2 == 1).await;
    }
    // The handlers the hang-ups left running finish: wait until the count holds still.
    let mut stored = server.revision_count().await;
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let now = server.revision_count().await;
        if now == stored {
            break;
        }
        stored = now;
    }
    let page = server.state.store.pull(0, 1000, None).await.unwrap();
    let held: BTreeSet<String> = page.items.iter().map(|(_, r)| r.id.to_string()).collect();
    assert_eq!(held.len(), stored);
    assert!(held.is_subset(&sent));
    // Each push event names what it stored (10 per batch, under the bound of 20).
    let pushes = events(&server, "push").await;
    let mut counted = 0;
    let mut named = BTreeSet::new();
    for event in &pushes {
        let detail = event["detail"].as_str().unwrap();
        let count: usize = detail
            .split(": ")
            .nth(1)
            .and_then(|d| d.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("a stored count in {detail:?}"));
        counted += count;
        if let Some(ids) = detail.split("stored: ").nth(1) {
            let ids = ids.split("; ").take_while(|i| !i.starts_with("refused: "));
            named.extend(ids.map(str::to_string));
        }
    }
    println!(
        "{engine:?}: 24 pushes hung up, {stored} of {} revisions stored, {} push events",
        sent.len(),
        pushes.len()
    );
    assert!(stored > 0, "some pushes got as far as storing");
    assert_eq!(counted, stored, "stored counts add up: {pushes:?}");
    assert_eq!(
        named, held,
        "every stored revision has its event, and only those"
    );
    server.stop().await;
}

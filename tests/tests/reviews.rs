//! Review decisions end to end, across processes (issue 14): the real server binary on
//! SQLite; a reporter's device (terrain-app) pushes a report; a reviewer decides through HTTP
//! (`POST /v1/reports/{id}/review`, and the old `verify` shortcut); the reporter's next sync
//! shows the question, then "verified", and an edit after it shows "changed since verified";
//! the reviewer's own device receives the whole history.

use serde_json::{Value, json};
use std::sync::Arc;
use terrain_app::App;
use terrain_domain::{Lang, ReviewState};
use terrain_tests::SEED;
use terrain_tests::harness::{PASSWORD, ServerProcess, free_port};

fn add_user(bin: &str, db: &str, name: &str, role: &str) {
    use std::io::Write;
    let mut add = std::process::Command::new(bin)
        .args(["--db", db, "user", "add", name, "--role", role])
        .args(["--region", "Kayes", "--password-stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    writeln!(add.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(add.wait().unwrap().success());
}

async fn device(url: &str, dir: &std::path::Path, user: &str) -> Arc<App> {
    let app = Arc::new(App::open(dir).unwrap());
    app.login(url, user, PASSWORD, &format!("{user}'s laptop"))
        .await
        .unwrap();
    app
}

async fn token(http: &reqwest::Client, url: &str, user: &str) -> String {
    let session: Value = http
        .post(format!("{url}/v1/sessions"))
        .header("Terrain-Protocol", "1")
        .json(&json!({ "user": user, "password": PASSWORD, "device_name": "browser" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    session["token"].as_str().unwrap().to_string()
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let answer = http
        .post(format!("{url}{path}"))
        .header("Terrain-Protocol", "1")
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_reaches_the_reporter_and_survives_a_later_edit() {
    let bin = env!("CARGO_BIN_EXE_terrain-server-under-test");
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("server.db").display());
    add_user(bin, &db, "awa", "reporter");
    add_user(bin, &db, "fanta", "reviewer");
    let server = ServerProcess::start(bin, &db, free_port(), &[]).await;
    let url = server.url();

    let awa_dir = tempfile::tempdir().unwrap();
    let awa = device(&url, awa_dir.path(), "awa").await;
    let seed: Value = serde_json::from_str(SEED).unwrap();
    let saved = awa.save(&seed).unwrap();
    assert!(saved.queued);
    awa.sync_once(&|_| {}).await.unwrap();
    let (id, first) = (saved.id, saved.revision);

    let http = reqwest::Client::new();
    let fanta = token(&http, &url, "fanta").await;
    let review = format!("/v1/reports/{id}/review");
    // A question needs its words; the reporter may not review; nothing is stored meanwhile.
    let (status, refused) = post(
        &http,
        &url,
        &fanta,
        &review,
        json!({ "state": "needs_follow_up", "revision": first }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(refused["error"]["code"], "invalid_field");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("comment:"),
        "{refused}"
    );
    let awa_token = token(&http, &url, "awa").await;
    let (status, _) = post(
        &http,
        &url,
        &awa_token,
        &review,
        json!({ "state": "verified", "revision": first }),
    )
    .await;
    assert_eq!(status, 403);
    awa.sync_once(&|_| {}).await.unwrap();
    assert_eq!(awa.get(id).unwrap().review, None);

    let (status, asked) = post(
        &http,
        &url,
        &fanta,
        &review,
        json!({ "state": "needs_follow_up", "comment": "Which plants were hit?", "revision": first }),
    )
    .await;
    assert_eq!(status, 200, "{asked}");
    assert_eq!(asked["by"], "fanta");

    // The reporter's next sync shows the question, in the list and the report.
    awa.sync_once(&|_| {}).await.unwrap();
    let shown = awa.get(id).unwrap().review.expect("the decision arrived");
    assert_eq!(shown.decision.state, ReviewState::NeedsFollowUp);
    assert!(!shown.changed_since);
    let words = terrain_domain::review::line(Lang::En, &shown.decision, shown.changed_since);
    assert!(
        words.starts_with("Question from fanta, ") && words.ends_with(": Which plants were hit?"),
        "{words}"
    );
    let listed = awa.list(&Default::default()).unwrap();
    assert_eq!(listed.rows[0].review.as_ref(), Some(&shown));

    let (status, _) = post(
        &http,
        &url,
        &fanta,
        &review,
        json!({ "state": "verified", "revision": first }),
    )
    .await;
    assert_eq!(status, 200);
    awa.sync_once(&|_| {}).await.unwrap();
    let verified = awa.get(id).unwrap().review.unwrap();
    assert_eq!(verified.decision.state, ReviewState::Verified);
    let words = terrain_domain::review::line(Lang::En, &verified.decision, false);
    assert!(words.starts_with("Verified by fanta, "), "{words}");

    // An edit after "verified": the decision stays, the report shows it changed since, on
    // this device at once and after the edit has gone to the server.
    let mut edited = seed.clone();
    edited["title"] = json!("Attaque des usines de Bafoulabé, bilan revu");
    let second = awa.save(&edited).unwrap();
    let after = awa.get(id).unwrap().review.unwrap();
    assert_eq!(after.decision, verified.decision);
    assert!(after.changed_since, "changed since verified");
    awa.sync_once(&|_| {}).await.unwrap();
    assert!(awa.get(id).unwrap().review.unwrap().changed_since);

    // The reviewer's own device receives the report and its whole history of decisions.
    let fanta_dir = tempfile::tempdir().unwrap();
    let fanta_device = device(&url, fanta_dir.path(), "fanta").await;
    fanta_device.sync_once(&|_| {}).await.unwrap();
    let there = fanta_device.get(id).unwrap();
    let states: Vec<_> = there.reviews.iter().map(|d| d.state).collect();
    assert_eq!(states, [ReviewState::NeedsFollowUp, ReviewState::Verified]);
    assert!(there.review.unwrap().changed_since);

    // Old clients' shortcut: verified on the current head, which the edit made.
    let (status, old) = post(
        &http,
        &url,
        &fanta,
        &format!("/v1/reports/{id}/verify"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{old}");
    assert_eq!(old["verified_by"], "fanta");
    awa.sync_once(&|_| {}).await.unwrap();
    let now = awa.get(id).unwrap().review.unwrap();
    assert_eq!(now.decision.revision, second.revision);
    assert!(!now.changed_since);
    assert_eq!(awa.get(id).unwrap().reviews.len(), 3);
    server.kill();
}

//! The audit log and the sign-in lockout, over real HTTP on loopback, against both engines.

use serde_json::Value;
use terrain_protocol::Role;
use terrain_server_store::AuditQuery;
use terrain_tests::harness::{Engine, PASSWORD, Server, SignIn};

terrain_tests::on_both_engines!(
    five_wrong_passwords_lock_the_name_out_even_for_the_right_one,
    a_success_starts_the_count_afresh,
    only_admins_read_the_audit_log_which_shows_pushes_and_verifications,
);

const WRONG: [&str; 5] = [
    "wrong-guess-number-1",
    "wrong-guess-number-2",
    "wrong-guess-number-3",
    "wrong-guess-number-4",
    "wrong-guess-number-5",
];

/// Signs in from this machine's usual loopback address.
async fn sign_in(server: &Server, user: &str, password: &str) -> SignIn {
    server
        .sign_in(&reqwest::Client::new(), user, password)
        .await
}

fn actions(page: &Value) -> Vec<(String, String)> {
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["actor"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

async fn five_wrong_passwords_lock_the_name_out_even_for_the_right_one(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    // Twelve failures from this one address: more than the per-address limit allows, which
    // tests/hardening.rs covers; lifted here so every attempt reaches the name's lockout.
    server
        .state
        .set_failure_limit(terrain_server::FailureLimit {
            burst: 100.try_into().unwrap(),
            ..Default::default()
        });
    let started = chrono::Utc::now();
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("boss", Role::Admin, &[]).await;
    for wrong in WRONG {
        let a = sign_in(&server, "awa", wrong).await;
        assert_eq!((a.status, a.code.as_str()), (401, "bad_credentials"));
    }
    let a = sign_in(&server, "awa", PASSWORD).await;
    assert_eq!(
        (a.status, a.code.as_str()),
        (429, "locked_out"),
        "{}",
        a.body
    );
    let message = a.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("try again after"), "{message}");
    let retry = a.retry_after.expect("a Retry-After header");
    assert!((14 * 60..=15 * 60).contains(&retry), "Retry-After {retry}");
    assert!(a.body.get("token").is_none());

    // Names that do not exist are counted too, by the name tried, and refused the same way.
    for wrong in WRONG {
        assert_eq!(sign_in(&server, "ghost", wrong).await.status, 401);
    }
    assert_eq!(sign_in(&server, "ghost", PASSWORD).await.code, "locked_out");
    // Another name is not affected.
    let admin = server.device("boss").await;

    let (status, page) = server.audit(&admin.token(), "?user=awa").await;
    assert_eq!(status, 200, "{page}");
    let mut expected = vec![("sign_in_failed".to_string(), "awa".to_string()); 5];
    expected.push(("locked_out".into(), "awa".into()));
    assert_eq!(actions(&page), expected);
    let now = chrono::Utc::now();
    for e in page["events"].as_array().unwrap() {
        let at = chrono::DateTime::parse_from_rfc3339(e["at"].as_str().unwrap()).unwrap();
        assert!(at >= started && at <= now, "{e}");
        assert!(e["at"].as_str().unwrap().ends_with('Z'), "UTC: {e}");
        assert_eq!(e["device"], "field tablet");
    }
    assert_eq!(page["events"][0]["detail"], "wrong password");
    let (_, ghost) = server.audit(&admin.token(), "?user=ghost").await;
    assert_eq!(ghost["events"][0]["detail"], "no such user");
    assert_eq!(actions(&ghost).len(), 6);

    // No password, right or wrong, anywhere in the log.
    let all = server
        .state
        .store
        .audit(&AuditQuery {
            limit: 10_000,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let text = format!("{all:?}");
    for secret in WRONG.iter().chain([&PASSWORD]) {
        assert!(!text.contains(secret), "{secret} is in the audit log");
    }
    assert!(
        !text.contains(&admin.token()),
        "a token is in the audit log"
    );
    server.stop().await;
}

async fn a_success_starts_the_count_afresh(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    for wrong in &WRONG[..4] {
        assert_eq!(sign_in(&server, "awa", wrong).await.status, 401);
    }
    assert_eq!(sign_in(&server, "awa", PASSWORD).await.status, 200);
    for wrong in &WRONG[..4] {
        assert_eq!(sign_in(&server, "awa", wrong).await.status, 401);
    }
    let a = sign_in(&server, "awa", PASSWORD).await;
    assert_eq!(a.status, 200, "{}: {}", a.code, a.body);
    assert!(a.body["token"].is_string());
    server.stop().await;
}

async fn only_admins_read_the_audit_log_which_shows_pushes_and_verifications(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("fanta", Role::Reviewer, &["Kayes"]).await;
    server.user("boss", Role::Admin, &[]).await;
    let a = server.device("awa").await;
    let (status, body) = server.audit(&a.token(), "").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    assert!(body["error"]["message"].is_string());
    assert_eq!(server.audit("not-a-token", "").await.0, 401);

    let id = a
        .store
        .save(terrain_tests::seed_with_new_id(), "awa")
        .unwrap()
        .revision
        .report_id;
    a.sync().await.unwrap();
    let fanta = server.device("fanta").await;
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/reports/{id}/verify", server.url))
        .bearer_auth(fanta.token())
        .header("Terrain-Protocol", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (status, body) = server.audit(&fanta.token(), "").await;
    assert_eq!(status, 403, "reviewers do not read it either: {body}");

    let boss = server.device("boss").await;
    let (status, page) = server.audit(&boss.token(), "").await;
    assert_eq!(status, 200, "{page}");
    let events = page["events"].as_array().unwrap();
    let find = |action: &str, actor: Option<&str>| {
        events
            .iter()
            .find(|e| e["action"] == action && e["actor"].as_str() == actor)
            .unwrap_or_else(|| panic!("no {action} by {actor:?} in {page}"))
            .clone()
    };
    let push = find("push", Some("awa"));
    let detail = push["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("1 revisions: 1 stored, 0 refused, 0 already held; stored: "),
        "the push event names what it stored: {detail}"
    );
    assert_eq!(push["device"], "awa's laptop");
    // A verification is a review decision now, audited as one.
    let verify = find("review", Some("fanta"));
    let detail = verify["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!("report {id} ")) && detail.ends_with(" verified"),
        "{detail}"
    );
    assert_eq!(
        find("user_add", None)["detail"],
        "awa saved as reporter (Kayes)"
    );
    find("sign_in", Some("awa"));
    // Oldest first.
    let times: Vec<&str> = events.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");

    // Filters: by user, by time, and a limit.
    let (_, fanta_only) = server.audit(&boss.token(), "?user=fanta").await;
    assert!(actions(&fanta_only).iter().all(|(_, who)| who == "fanta"));
    assert_eq!(
        actions(&fanta_only)
            .iter()
            .map(|(a, _)| a.as_str())
            .collect::<Vec<_>>(),
        ["sign_in", "review"]
    );
    let since = verify["at"].as_str().unwrap().replace('+', "%2B");
    let (_, later) = server
        .audit(&boss.token(), &format!("?since={since}"))
        .await;
    assert_eq!(later["events"][0], verify);
    let (_, two) = server.audit(&boss.token(), "?limit=2").await;
    assert_eq!(two["events"].as_array().unwrap().len(), 2);
    let (status, bad) = server.audit(&boss.token(), "?since=yesterday").await;
    assert_eq!(
        (status, bad["error"]["code"].as_str()),
        (400, Some("invalid_query"))
    );
    server.stop().await;
}

//! The sync server's defences, over real HTTP on loopback: the per-address limit on failed
//! sign-ins (password spraying), the security headers on every answer, revocation taking
//! effect at once, and refused device tokens in the audit log without flooding it.
//!
//! Loopback is all of 127.0.0.0/8 on Linux, so a client bound to 127.0.0.2 is another address
//! to the server than one bound to 127.0.0.3.

use serde_json::{Value, json};
use std::net::IpAddr;
use std::time::Duration;
use terrain_protocol::Role;
use terrain_server::{FailureLimit, SECURITY_HEADERS};
use terrain_tests::harness::{Engine, PASSWORD, Server};

terrain_tests::on_both_engines!(
    one_address_trying_many_names_is_refused_before_any_name_locks,
    a_revoked_token_is_refused_at_once_and_the_revocation_is_audited,
    unknown_tokens_are_audited_only_up_to_the_address_limit,
);

/// A client whose requests come from 127.0.0.`last`.
fn from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::from([127, 0, 0, last]))
        .build()
        .unwrap()
}

/// The whole audit log, read as an administrator through GET /v1/audit.
async fn audit_log(server: &Server, admin_token: &str) -> Vec<Value> {
    let (status, page) = server.audit(admin_token, "?limit=1000").await;
    assert_eq!(status, 200);
    page["events"].as_array().unwrap().clone()
}

fn with_action<'a>(events: &'a [Value], action: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["action"] == action).collect()
}

/// An event's time: UTC, between `started` and now.
fn assert_when(event: &Value, started: chrono::DateTime<chrono::Utc>) {
    let at = event["at"].as_str().unwrap();
    assert!(at.ends_with('Z'), "UTC: {event}");
    let at = chrono::DateTime::parse_from_rfc3339(at).unwrap();
    assert!(at >= started && at <= chrono::Utc::now(), "{event}");
}

async fn one_address_trying_many_names_is_refused_before_any_name_locks(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("boss", Role::Admin, &[]).await;
    let started = chrono::Utc::now();
    let (sprayer, neighbour) = (from(2), from(3));
    let sprayed = "Bamako2026!";
    // The default limit: ten failures from one address, one name each, so no name comes near
    // its lockout (five failures).
    let burst = FailureLimit::default().burst.get();
    assert_eq!(burst, 10);
    for i in 0..burst {
        let a = server.sign_in(&sprayer, &format!("user{i}"), sprayed).await;
        assert_eq!(
            (a.status, a.code.as_str()),
            (401, "bad_credentials"),
            "{}",
            a.body
        );
    }
    // The next is refused before its password is looked at: even the right one.
    for _ in 0..3 {
        let a = server.sign_in(&sprayer, "awa", PASSWORD).await;
        assert_eq!(
            (a.status, a.code.as_str()),
            (429, "rate_limited"),
            "{}",
            a.body
        );
        let retry = a.retry_after.expect("a Retry-After header");
        assert!((1..=6).contains(&retry), "Retry-After {retry}");
        let message = a.body["error"]["message"].as_str().unwrap();
        assert!(message.contains("try again in"), "{message}");
        assert!(a.body.get("token").is_none());
    }
    // Another address is not affected, nor is the name.
    let a = server.sign_in(&neighbour, "awa", PASSWORD).await;
    assert_eq!(a.status, 200, "{}", a.body);

    let boss = server.device("boss").await;
    let events = audit_log(&server, &boss.token()).await;
    let failed = with_action(&events, "sign_in_failed");
    assert_eq!(failed.len(), burst as usize, "one failure per name tried");
    assert!(
        with_action(&events, "locked_out").is_empty(),
        "no name locked"
    );
    let throttled = with_action(&events, "sign_in_throttled");
    assert_eq!(
        throttled.len(),
        1,
        "one event, not one per refused attempt: {throttled:?}"
    );
    let event = throttled[0];
    assert_eq!(event["actor"], "awa", "the name tried");
    assert_eq!(event["device"], "field tablet");
    let detail = event["detail"].as_str().unwrap();
    assert!(detail.contains("from 127.0.0.2"), "{detail}");
    assert!(detail.contains("refused until"), "{detail}");
    assert_when(event, started);
    let text = serde_json::to_string(&events).unwrap();
    assert!(
        !text.contains(sprayed) && !text.contains(PASSWORD),
        "a password in the log"
    );

    // The allowance comes back one try at a time; a small limit keeps the wait short.
    server.state.set_failure_limit(FailureLimit {
        burst: 2.try_into().unwrap(),
        every: Duration::from_secs(3),
    });
    for user in ["x1", "x2"] {
        assert_eq!(server.sign_in(&sprayer, user, sprayed).await.status, 401);
    }
    let refused = server.sign_in(&sprayer, "x3", sprayed).await;
    assert_eq!((refused.status, refused.retry_after), (429, Some(3)));
    // One try earned after 3 s, not two before 6 s: margin for a slow machine.
    tokio::time::sleep(Duration::from_millis(3_200)).await;
    assert_eq!(server.sign_in(&sprayer, "x3", sprayed).await.status, 401);
    assert_eq!(server.sign_in(&sprayer, "x4", sprayed).await.status, 429);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_the_security_headers() {
    let server = Server::start(Engine::Sqlite).await.unwrap();
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let http = reqwest::Client::new();
    let v1 = |req: reqwest::RequestBuilder| req.header("Terrain-Protocol", "1");
    let url = |path: &str| format!("{}{path}", server.url);
    let good = json!({"user": "awa", "password": PASSWORD, "device_name": "x"});
    let wrong = json!({"user": "awa", "password": "not it", "device_name": "x"});
    let cases = [
        ("health", http.get(url("/health")), 200),
        ("openapi", http.get(url("/v1/openapi.json")), 200),
        (
            "sign-in",
            v1(http.post(url("/v1/sessions")).json(&good)),
            200,
        ),
        (
            "wrong password",
            v1(http.post(url("/v1/sessions")).json(&wrong)),
            401,
        ),
        ("no token", v1(http.get(url("/v1/pull"))), 401),
        (
            "unknown token",
            v1(http.get(url("/v1/pull")).bearer_auth("not-a-token")),
            401,
        ),
        ("no protocol header", http.get(url("/v1/pull")), 400),
        ("no such path", http.get(url("/v1/nothing-here")), 404),
        ("no such method", v1(http.delete(url("/v1/push"))), 405),
    ];
    for (what, request, status) in cases {
        let resp = request.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{what}");
        for (name, value) in &SECURITY_HEADERS {
            assert_eq!(
                resp.headers().get(name).map(|v| v.to_str().unwrap()),
                Some(*value),
                "{what}: {name}"
            );
        }
        assert!(
            resp.headers().get("strict-transport-security").is_none(),
            "{what}: no HSTS over plain HTTP"
        );
        if what == "no such path" {
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["error"]["code"], "not_found", "{body}");
        }
    }
    server.stop().await;
}

async fn a_revoked_token_is_refused_at_once_and_the_revocation_is_audited(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("boss", Role::Admin, &[]).await;
    let laptop = server.device("awa").await;
    let phone = server.sign_in(&from(1), "awa", PASSWORD).await;
    assert_eq!(phone.status, 200);
    let phone_token = phone.body["token"].as_str().unwrap().to_string();
    laptop
        .store
        .save(terrain_tests::seed_with_new_id(), "awa")
        .unwrap();
    laptop.sync().await.expect("the laptop pushes");
    assert_eq!(server.revision_count().await, 1);

    // What `terrain-server token revoke --user awa --device "awa's laptop"` runs.
    let before = chrono::Utc::now();
    let n = terrain_server::revoke_tokens(&server.state, "awa", Some("awa's laptop"))
        .await
        .unwrap();
    assert_eq!(n, 1);

    let pull = |token: String| {
        let server = &server;
        async move {
            server
                .call(reqwest::Method::GET, "/v1/pull?since=0", &token)
                .await
        }
    };
    let (status, body) = pull(laptop.token()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("token_revoked"))
    );
    assert_eq!(
        body["error"]["message"],
        "this device's access was revoked; ask an administrator"
    );
    laptop
        .store
        .save(terrain_tests::seed_with_new_id(), "awa")
        .unwrap();
    let err = laptop.sync().await.unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
    assert_eq!(server.revision_count().await, 1, "nothing more stored");
    let (status, _) = pull(phone_token).await;
    assert_eq!(status, 200, "awa's other device keeps working");

    let boss = server.device("boss").await;
    let events = audit_log(&server, &boss.token()).await;
    let revoked = with_action(&events, "token_revoke");
    assert_eq!(revoked.len(), 1, "{events:?}");
    assert_eq!(
        revoked[0]["detail"],
        "1 token(s) of awa revoked (device awa's laptop)"
    );
    assert!(revoked[0]["actor"].is_null(), "the server's command line");
    assert_when(revoked[0], before);
    // And the revoked laptop's attempts after it, with who, which device and from where.
    let refused = with_action(&events, "token_refused");
    assert!(!refused.is_empty(), "{events:?}");
    for event in &refused {
        assert_eq!(event["actor"], "awa");
        assert_eq!(event["device"], "awa's laptop");
        let detail = event["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("revoked device token from 127.0.0.1"),
            "{detail}"
        );
        assert_when(event, before);
    }
    assert!(
        refused[0]["detail"]
            .as_str()
            .unwrap()
            .ends_with("(GET /v1/pull)")
    );
    let text = serde_json::to_string(&events).unwrap();
    assert!(!text.contains(&laptop.token()), "a token in the log");
    server.stop().await;
}

async fn unknown_tokens_are_audited_only_up_to_the_address_limit(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("boss", Role::Admin, &[]).await;
    server.state.set_failure_limit(FailureLimit {
        burst: 3.try_into().unwrap(),
        every: Duration::from_secs(3600),
    });
    let flooder = from(4);
    for i in 0..20 {
        let resp = flooder
            .post(format!("{}/v1/push", server.url))
            .bearer_auth(format!("guessed-token-{i}"))
            .header("Terrain-Protocol", "1")
            .json(&json!({"revisions": []}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status().as_u16(),
            401,
            "always refused, never throttled"
        );
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthenticated");
    }
    // Sign-ins are counted apart: that address may still sign in.
    assert_eq!(server.sign_in(&flooder, "boss", PASSWORD).await.status, 200);
    let boss = server.device("boss").await;
    let events = audit_log(&server, &boss.token()).await;
    let refused = with_action(&events, "token_refused");
    assert_eq!(refused.len(), 3, "the first three only: {refused:?}");
    for event in refused {
        assert!(
            event["actor"].is_null() && event["device"].is_null(),
            "{event}"
        );
        assert_eq!(
            event["detail"],
            "unknown device token from 127.0.0.4 (POST /v1/push)"
        );
    }
    assert!(
        !serde_json::to_string(&events)
            .unwrap()
            .contains("guessed-token")
    );
    server.stop().await;
}

//! The console's browser sessions over real HTTP (issue 14), on SQLite and PostgreSQL: the
//! cookie's flags, CSRF refusals, idle expiry and sign-out, the lockout shared with devices'
//! sign-ins, the console acting under the same rules as a device, and the administrator's
//! endpoints (a revoked device's next sync is refused). Each step is checked in the audit log.

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use terrain_protocol::Role;
use terrain_tests::harness::{Engine, PASSWORD, Server};

/// A browser's session as seen from reqwest: the cookie's `name=value` and the CSRF token.
struct Cookie {
    pair: String,
    csrf: String,
    set_cookie: String,
}

async fn console_sign_in(
    server: &Server,
    user: &str,
    password: &str,
) -> Result<Cookie, (u16, String)> {
    let resp = Client::new()
        .post(format!("{}/v1/console/session", server.url))
        .json(&json!({ "user": user, "password": password }))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let set_cookie = resp
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_string());
    let body: Value = resp.json().await.unwrap();
    if status != 200 {
        return Err((status, body["error"]["code"].as_str().unwrap().to_string()));
    }
    let set_cookie = set_cookie.expect("the sign-in sets the cookie");
    Ok(Cookie {
        pair: set_cookie.split(';').next().unwrap().to_string(),
        csrf: body["csrf"].as_str().unwrap().to_string(),
        set_cookie,
    })
}

/// A request with the cookie (and `headers`): the status and the JSON answer (Null if none).
async fn with_cookie(
    server: &Server,
    method: Method,
    path: &str,
    cookie: &Cookie,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = Client::new()
        .request(method, format!("{}{path}", server.url))
        .header("cookie", &cookie.pair);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn code(answer: &Value) -> &str {
    answer["error"]["code"].as_str().unwrap_or("")
}

/// The admin's audit events with `action`, via the API.
async fn audited(server: &Server, admin: &Cookie, action: &str) -> Vec<Value> {
    let (status, page) = with_cookie(
        server,
        Method::GET,
        &format!("/v1/audit?action={action}&limit=1000"),
        admin,
        &[],
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    page["events"].as_array().unwrap().clone()
}

async fn sessions_csrf_and_expiry(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("fanta", Role::Admin, &[]).await;
    server.user("awa", Role::Reporter, &["Kayes"]).await;

    // The cookie: HttpOnly, SameSite=Strict, Path=/, not Secure over plain HTTP.
    let fanta = console_sign_in(&server, "fanta", PASSWORD).await.unwrap();
    assert!(
        fanta.pair.starts_with("terrain_console="),
        "{}",
        fanta.set_cookie
    );
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(
            fanta.set_cookie.contains(flag),
            "{flag}: {}",
            fanta.set_cookie
        );
    }
    assert!(!fanta.set_cookie.contains("Secure"));
    // Who am I, without the Terrain-Protocol header (a browser's page or link).
    let (status, me) = with_cookie(
        &server,
        Method::GET,
        "/v1/console/session",
        &fanta,
        &[],
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (me["user"].as_str(), me["role"].as_str()),
        (Some("fanta"), Some("admin"))
    );
    assert_eq!(me["csrf"].as_str(), Some(fanta.csrf.as_str()));
    // Every /v1 route takes the cookie: the pull feed, the audit log.
    let (status, _) =
        with_cookie(&server, Method::GET, "/v1/pull?since=0", &fanta, &[], None).await;
    assert_eq!(status, 200);

    // A change needs the session's CSRF token, and the page's own origin.
    let new_user = json!({ "name": "moussa", "role": "reporter", "regions": ["Mopti"], "password": "a long password" });
    let host = server.url.trim_start_matches("http://").to_string();
    let own_origin = server.url.clone();
    let refusals: [&[(&str, &str)]; 4] = [
        &[],
        &[("x-csrf-token", "guessed")],
        &[
            ("x-csrf-token", &fanta.csrf),
            ("origin", "http://evil.example"),
        ],
        &[
            ("x-csrf-token", &fanta.csrf),
            ("sec-fetch-site", "cross-site"),
        ],
    ];
    for headers in refusals {
        let (status, answer) = with_cookie(
            &server,
            Method::POST,
            "/v1/admin/users",
            &fanta,
            headers,
            Some(new_user.clone()),
        )
        .await;
        assert_eq!(
            (status, code(&answer)),
            (403, "csrf_refused"),
            "{headers:?}"
        );
    }
    let (status, listed) =
        with_cookie(&server, Method::GET, "/v1/admin/users", &fanta, &[], None).await;
    assert_eq!(status, 200);
    assert_eq!(
        listed["users"].as_array().unwrap().len(),
        2,
        "nothing was added: {listed}"
    );
    let allowed = [
        ("x-csrf-token", fanta.csrf.as_str()),
        ("origin", own_origin.as_str()),
        ("host", host.as_str()),
    ];
    let (status, added) = with_cookie(
        &server,
        Method::POST,
        "/v1/admin/users",
        &fanta,
        &allowed,
        Some(new_user),
    )
    .await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["regions"], json!(["Mopti"]));
    assert_eq!(audited(&server, &fanta, "csrf_refused").await.len(), 4);

    // A sign-in posted by another site is refused before anything is read.
    let forged = Client::new()
        .post(format!("{}/v1/console/session", server.url))
        .header("origin", "http://evil.example")
        .json(&json!({ "user": "fanta", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(forged.headers().get("set-cookie").is_none());

    // Idle expiry: a session unused for its idle time is refused, and audited.
    let awa = console_sign_in(&server, "awa", PASSWORD).await.unwrap();
    server.state.console.set_idle(chrono::Duration::seconds(1));
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (status, answer) =
        with_cookie(&server, Method::GET, "/v1/pull?since=0", &awa, &[], None).await;
    assert_eq!((status, code(&answer)), (401, "session_expired"));
    server.state.console.set_idle(chrono::Duration::minutes(30));
    // fanta's session too was idle: a new one.
    let fanta = console_sign_in(&server, "fanta", PASSWORD).await.unwrap();
    let refused = audited(&server, &fanta, "session_refused").await;
    assert!(
        refused.iter().any(|e| e["actor"] == "awa"
            && e["detail"]
                .as_str()
                .unwrap()
                .starts_with("idle too long console cookie from 127.0.0.1")),
        "{refused:?}"
    );

    // Sign-out ends the session: the cookie, kept by someone, is refused from then on.
    let (status, _) = with_cookie(
        &server,
        Method::DELETE,
        "/v1/console/session",
        &fanta,
        &[("x-csrf-token", &fanta.csrf)],
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, answer) = with_cookie(
        &server,
        Method::GET,
        "/v1/console/session",
        &fanta,
        &[],
        None,
    )
    .await;
    assert_eq!((status, code(&answer)), (401, "session_expired"));
    let (status, answer) = with_cookie(
        &server,
        Method::GET,
        "/v1/console/session",
        &Cookie {
            pair: "terrain_console=made-up".into(),
            csrf: String::new(),
            set_cookie: String::new(),
        },
        &[],
        None,
    )
    .await;
    assert_eq!((status, code(&answer)), (401, "unauthenticated"));
    let fanta = console_sign_in(&server, "fanta", PASSWORD).await.unwrap();
    let events = audited(&server, &fanta, "sign_out").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["device"], "console");
    server.stop().await;
}

async fn lockout_is_shared_with_devices(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("fanta", Role::Admin, &[]).await;
    // Three wrong passwords on a device, two in the console: the name is locked everywhere.
    for _ in 0..3 {
        let s = server.sign_in(&Client::new(), "awa", "wrong").await;
        assert_eq!(s.code, "bad_credentials");
    }
    for _ in 0..2 {
        let e = console_sign_in(&server, "awa", "wrong")
            .await
            .err()
            .unwrap();
        assert_eq!(e, (401, "bad_credentials".to_string()));
    }
    let locked = console_sign_in(&server, "awa", PASSWORD)
        .await
        .err()
        .unwrap();
    assert_eq!(locked, (429, "locked_out".to_string()));
    let device = server.sign_in(&Client::new(), "awa", PASSWORD).await;
    assert_eq!(device.code, "locked_out");
    let fanta = console_sign_in(&server, "fanta", PASSWORD).await.unwrap();
    let failed = audited(&server, &fanta, "sign_in_failed").await;
    let devices: Vec<&str> = failed
        .iter()
        .map(|e| e["device"].as_str().unwrap())
        .collect();
    assert_eq!(
        devices,
        [
            "field tablet",
            "field tablet",
            "field tablet",
            "console",
            "console"
        ]
    );
    let sign_ins = audited(&server, &fanta, "sign_in").await;
    assert_eq!(sign_ins.last().unwrap()["device"], "console");
    // Filters: by device and by time window, a page at a time.
    let (_, page) = with_cookie(
        &server,
        Method::GET,
        "/v1/audit?device=console&limit=2",
        &fanta,
        &[],
        None,
    )
    .await;
    assert_eq!(page["events"].as_array().unwrap().len(), 2);
    assert_eq!(page["next"], 2);
    let (_, next) = with_cookie(
        &server,
        Method::GET,
        "/v1/audit?device=console&limit=2&offset=2",
        &fanta,
        &[],
        None,
    )
    .await;
    assert!(
        next["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["device"] == "console")
    );
    let (status, bad) = with_cookie(
        &server,
        Method::GET,
        "/v1/audit?until=yesterday",
        &fanta,
        &[],
        None,
    )
    .await;
    assert_eq!((status, code(&bad)), (400, "invalid_query"));
    assert!(bad["error"]["message"].as_str().unwrap().contains("until="));
    server.stop().await;
}

async fn admin_revokes_a_device_and_a_reporter_is_refused(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("fanta", Role::Admin, &[]).await;
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let device = server.device("awa").await;
    device.sync().await.unwrap();
    let fanta = console_sign_in(&server, "fanta", PASSWORD).await.unwrap();
    let csrf = [("x-csrf-token", fanta.csrf.as_str())];

    let (status, users) =
        with_cookie(&server, Method::GET, "/v1/admin/users", &fanta, &[], None).await;
    assert_eq!(status, 200);
    let awa = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "awa")
        .unwrap()
        .clone();
    assert_eq!(
        awa,
        json!({ "name": "awa", "role": "reporter", "regions": ["Kayes"], "devices": 1 })
    );
    let (status, list) = with_cookie(
        &server,
        Method::GET,
        "/v1/admin/users/awa/devices",
        &fanta,
        &[],
        None,
    )
    .await;
    assert_eq!(status, 200);
    let laptop = &list["devices"][0];
    assert_eq!(laptop["name"], "awa's laptop");
    let id = laptop["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    assert!(
        !list.to_string().contains(&device.token()),
        "no token in the list"
    );

    // Bad input: named, nothing changed.
    let (status, bad) = with_cookie(
        &server,
        Method::PUT,
        "/v1/admin/users/awa",
        &fanta,
        &csrf,
        Some(json!({ "role": "reviewer", "regions": ["Kayess"] })),
    )
    .await;
    assert_eq!((status, code(&bad)), (400, "invalid_field"));
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("regions: \"Kayess\" is not a region of Mali"),
        "{bad}"
    );
    let (status, changed) = with_cookie(
        &server,
        Method::PUT,
        "/v1/admin/users/awa",
        &fanta,
        &csrf,
        Some(json!({ "role": "reviewer", "regions": ["Kayes", "Mopti"] })),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["role"], "reviewer");
    let (status, _) = with_cookie(
        &server,
        Method::POST,
        "/v1/admin/users/awa/password",
        &fanta,
        &csrf,
        Some(json!({ "password": "short" })),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = with_cookie(
        &server,
        Method::POST,
        "/v1/admin/users/awa/password",
        &fanta,
        &csrf,
        Some(json!({ "password": "a new long password" })),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        console_sign_in(&server, "awa", PASSWORD)
            .await
            .err()
            .unwrap()
            .1,
        "bad_credentials"
    );
    let awa_console = console_sign_in(&server, "awa", "a new long password")
        .await
        .unwrap();

    // Revoke the device: its next sync is refused, token_revoked.
    let (status, revoked) = with_cookie(
        &server,
        Method::POST,
        &format!("/v1/admin/devices/{id}/revoke"),
        &fanta,
        &csrf,
        None,
    )
    .await;
    assert_eq!(status, 200, "{revoked}");
    assert!(revoked["revoked_at"].is_string());
    let refused = device.sync().await.unwrap_err();
    assert!(format!("{refused:?}").contains("revoked"), "{refused:?}");
    let (status, answer) = server
        .call(Method::GET, "/v1/pull?since=0", &device.token())
        .await;
    assert_eq!((status, code(&answer)), (401, "token_revoked"));

    // A reporter (now a reviewer) in the console: no admin endpoint, no audit log.
    let awa_csrf = [("x-csrf-token", awa_console.csrf.as_str())];
    for (method, path, body) in [
        (Method::GET, "/v1/admin/users", None),
        (Method::GET, "/v1/admin/users/fanta/devices", None),
        (Method::GET, "/v1/audit", None),
        (
            Method::POST,
            "/v1/admin/users",
            Some(json!({ "name": "x", "role": "admin", "password": "a long password" })),
        ),
        (
            Method::POST,
            &format!("/v1/admin/devices/{id}/revoke") as &str,
            None,
        ),
    ] {
        let (status, answer) =
            with_cookie(&server, method.clone(), path, &awa_console, &awa_csrf, body).await;
        assert_eq!(
            (status, code(&answer)),
            (403, "forbidden"),
            "{method} {path}"
        );
    }
    for action in ["user_change", "password_reset", "token_revoke"] {
        let events = audited(&server, &fanta, action).await;
        assert_eq!(events.len(), 1, "{action}");
        assert_eq!(
            (events[0]["actor"].as_str(), events[0]["device"].as_str()),
            (Some("fanta"), Some("console"))
        );
    }
    server.stop().await;
}

terrain_tests::on_both_engines!(
    sessions_csrf_and_expiry,
    lockout_is_shared_with_devices,
    admin_revokes_a_device_and_a_reporter_is_refused
);

/// The console's pages: served at `/` (and any `/console/...` route) with a policy of their
/// own, hashed files cached for good, nothing else answered outside `/v1/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_pages_are_served_with_their_policy() {
    let Some(server) = Server::start(Engine::Sqlite).await else {
        return;
    };
    let get = async |path: &str| {
        let resp = reqwest::get(format!("{}{path}", server.url)).await.unwrap();
        let headers = resp.headers().clone();
        let header = move |name: &str| {
            headers
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        (resp.status().as_u16(), header, resp.text().await.unwrap())
    };
    let (status, header, page) = get("/").await;
    assert_eq!(status, 200);
    assert!(header("content-type").starts_with("text/html"));
    let csp = header("content-security-policy");
    for part in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{part}: {csp}");
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("http"),
        "{csp}"
    );
    assert_eq!(header("x-frame-options"), "DENY");
    assert_eq!(header("referrer-policy"), "no-referrer");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(
        header("cache-control"),
        if header("terrain-console") == "not-built" {
            "no-store"
        } else {
            "no-cache"
        }
    );
    // No inline script in the page: every script is a file of this server.
    let lower = page.to_lowercase();
    for script in lower.split("<script").skip(1) {
        let tag = &script[..script.find('>').unwrap()];
        assert!(
            tag.contains("src=\"/"),
            "an inline or remote script: <script{tag}>"
        );
        assert!(
            script[script.find('>').unwrap() + 1..]
                .trim_start()
                .starts_with("</script>")
        );
    }
    assert!(
        !lower.contains("http://") && !lower.contains("https://")
            || header("terrain-console") == "not-built",
        "no remote asset"
    );
    // Client-side routes answer the same page.
    let (status, _, same) = get("/console/reports/0190aaaa-0000-7000-8000-000000000000").await;
    assert_eq!((status, same.len()), (200, page.len()));
    // A hashed file: immutable; its type from its name.
    if let Some(src) = page.split("src=\"/assets/").nth(1) {
        let name = &src[..src.find('"').unwrap()];
        let (status, header, _) = get(&format!("/assets/{name}")).await;
        assert_eq!(status, 200);
        assert_eq!(
            header("cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert!(
            header("content-type").contains("javascript"),
            "{}",
            header("content-type")
        );
    }
    // Anything else: the API's 404, in JSON.
    for path in [
        "/assets/nothing-here.js",
        "/v1/nothing",
        "/etc/passwd",
        "/../Cargo.toml",
    ] {
        let (status, header, body) = get(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(
            header("content-type").starts_with("application/json"),
            "{path}: {body}"
        );
        assert_eq!(
            header("content-security-policy"),
            "default-src 'none'; frame-ancestors 'none'"
        );
    }
    let post = Client::new()
        .post(format!("{}/", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status().as_u16(), 404);
    server.stop().await;
}

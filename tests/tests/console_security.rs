//! The console under attack, in a real browser (issue 14): headless Chromium through
//! chromedriver against the `terrain-server` binary, on SQLite and on a fresh PostgreSQL
//! schema (harness: `terrain_tests::browser`).
//!
//! - A report whose title, narrative and source hold `<script>`, `<img onerror>` and
//!   `javascript:` links renders as text in the inbox and on the report's page: nothing runs,
//!   no element is made of it, no such link is clickable.
//! - A form posted to the server by a page of another origin (same site, and another site) is
//!   refused and changes nothing, while the administrator is signed in in that browser.
//! - The cookie cannot be read by the page's scripts; copied by hand to another address it
//!   works until the session ends, and is refused after (401, audited with that address).
//! - A reporter's browser is refused the admin endpoints (403) and shown the 403 page.
//!
//! Needs `cargo build -p terrain-server` (after `npm run build` in ui/ for the console's pages),
//! `chromium` and `chromium-driver`.

use serde_json::{Value, json};
use terrain_domain::Revision;
use terrain_tests::browser::{Browser, ConsoleServer, browser_missing};
use terrain_tests::harness::{Engine, PASSWORD};

/// Sets `window.__pwned` if anything of the report ever runs as script.
const TITLE: &str = "<script>window.__pwned='title'</script><img src=x onerror=\"window.__pwned='title img'\"> Kayes";
const NARRATIVE: &str = "<img src=x onerror=\"window.__pwned='narrative'\">\n<a href=\"javascript:window.__pwned='link'\">open</a> <script>window.__pwned='narrative script'</script>";
const SOURCE: &str =
    "<script>window.__pwned='source'</script><b onmouseover=\"window.__pwned='b'\">Radio</b>";
const SOURCE_URL: &str = "javascript:window.__pwned='url'";

async fn device_token(url: &str, user: &str) -> String {
    let answer: Value = reqwest::Client::new()
        .post(format!("{url}/v1/sessions"))
        .header("Terrain-Protocol", "1")
        .json(&json!({ "user": user, "password": PASSWORD, "device_name": "tablet" }))
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

/// Pushes the hostile report as awa; its id.
async fn push_hostile(url: &str) -> String {
    let token = device_token(url, "awa").await;
    let report = terrain_tests::seed_edited(|v| {
        v["title"] = json!(TITLE);
        v["narrative"] = json!(NARRATIVE);
        v["sources"][0]["name"] = json!(SOURCE);
        v["sources"][0]["url"] = json!(SOURCE_URL);
    });
    let id = report.id.to_string();
    let revision = Revision::new(report, vec![], "awa", "awa-tablet", chrono::Utc::now());
    let answer: Value = reqwest::Client::new()
        .post(format!("{url}/v1/push"))
        .header("Terrain-Protocol", "1")
        .bearer_auth(&token)
        .json(&terrain_protocol::Push {
            revisions: vec![revision],
        })
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["results"][0]["status"], "stored", "{answer}");
    id
}

/// A page of "another origin": a server on its own port answering every request with `html`.
async fn attacker(html: String) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let html = html.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{html}",
                    html.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    port
}

/// A page that posts a form to `action` at once, its body JSON-shaped (`text/plain`).
fn forged_form(action: &str, json_body: &str) -> String {
    // name='{...,"x":"' value='"}' makes the body `{...,"x":"="}`.
    let (head, _) = json_body.rsplit_once('}').unwrap();
    format!(
        "<!doctype html><form id=f method=POST action=\"{action}\" enctype=\"text/plain\">\
         <input name='{head},\"x\":\"' value='\"}}'></form>\
         <script>document.getElementById('f').submit()</script>"
    )
}

/// The page's text once it is `wanted`'s JSON answer (a form post's result).
async fn answered(b: &Browser, wanted: &str) -> String {
    let start = std::time::Instant::now();
    loop {
        let text = b
            .run(
                "return document.body ? document.body.innerText : ''",
                vec![],
            )
            .await;
        let text = text.as_str().unwrap_or("").to_string();
        if text.contains(wanted) {
            return text;
        }
        assert!(
            start.elapsed() < terrain_tests::browser::WAIT,
            "waited for {wanted}, the page shows: {text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// `fetch` from the console's page (same origin, with the cookie): status and JSON.
async fn fetch(b: &Browser, method: &str, path: &str, csrf: Option<&str>) -> (u16, Value) {
    let answer = b
        .run_async(
            "const [method, path, csrf, done] = arguments;
             const headers = { 'Terrain-Protocol': '1', 'Content-Type': 'application/json' };
             if (csrf) headers['X-CSRF-Token'] = csrf;
             fetch(path, { method, headers, body: method === 'GET' ? undefined :
                 JSON.stringify({ name: 'mallory', role: 'admin', regions: [], password: 'a long password' }) })
               .then(async r => done([r.status, await r.json().catch(() => null)]))
               .catch(e => done([0, String(e)]));",
            vec![json!(method), json!(path), json!(csrf)],
        )
        .await;
    (answer[0].as_u64().unwrap() as u16, answer[1].clone())
}

async fn users(url: &str, admin_token: &str) -> Vec<String> {
    let answer: Value = reqwest::Client::new()
        .get(format!("{url}/v1/admin/users"))
        .header("Terrain-Protocol", "1")
        .bearer_auth(admin_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_string())
        .collect()
}

async fn audit(url: &str, admin_token: &str, action: &str) -> Vec<Value> {
    let answer: Value = reqwest::Client::new()
        .get(format!("{url}/v1/audit?action={action}"))
        .header("Terrain-Protocol", "1")
        .bearer_auth(admin_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["events"].as_array().unwrap().clone()
}

async fn console_under_attack(engine: Engine) {
    if browser_missing() {
        return;
    }
    let users_at_start = [("fanta", "admin", None), ("awa", "reporter", Some("Kayes"))];
    let Some(server) = ConsoleServer::start(engine, &users_at_start, &[]).await else {
        return;
    };
    let url = server.url();
    let admin_token = device_token(&url, "fanta").await;
    let report = push_hostile(&url).await;
    let b = Browser::start().await;

    // 1. Hostile text renders as text, in the inbox and on the report's page.
    b.sign_in(&url, "fanta").await;
    let row = format!("tr[data-report=\"{report}\"]");
    b.wait_text(&row, "<script>window.__pwned='title'</script>")
        .await;
    b.click(&format!("{row} a.report-link")).await;
    b.wait_text("#report-title", "<img src=x onerror=").await;
    b.wait_text(
        "#rec-narrative",
        "<a href=\"javascript:window.__pwned='link'\">open</a>",
    )
    .await;
    b.wait_text("#rec-sources", "<b onmouseover=").await;
    b.wait_text("#rec-sources", SOURCE_URL).await;
    // Hover and click what a browser would have made of it, if anything.
    let made = b
        .run(
            "for (const e of document.querySelectorAll('#rec-sources *, #rec-narrative *')) {
                 e.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
             }
             return {
               pwned: window.__pwned === undefined ? null : window.__pwned,
               injected: document.querySelectorAll(
                 'main img[src=\"x\"], main script, main b[onmouseover], #rec-narrative a').length,
               js_links: [...document.querySelectorAll('a[href]')]
                 .filter(a => a.href.trim().toLowerCase().startsWith('javascript:')).length,
             };",
            vec![],
        )
        .await;
    assert_eq!(
        made,
        json!({ "pwned": null, "injected": 0, "js_links": 0 }),
        "{made}"
    );
    // The cookie is HttpOnly: the page's scripts cannot read it.
    let visible = b.run("return document.cookie", vec![]).await;
    assert!(
        !visible.as_str().unwrap().contains("terrain_console"),
        "{visible}"
    );
    let cookie = b.c.get_named_cookie("terrain_console").await.unwrap();
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(format!("{:?}", cookie.same_site()), "Some(Strict)");
    assert_eq!(cookie.path(), Some("/"));

    // 2. Forged form posts from another origin, while fanta is signed in here.
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    let body = r#"{"name":"mallory","role":"admin","regions":[],"password":"a long password"}"#;
    let forged = attacker(forged_form(&format!("{url}/v1/admin/users"), body)).await;
    // Same site (127.0.0.1, another port): the cookie goes along; Origin and Sec-Fetch-Site
    // give it away.
    b.goto(&format!("http://127.0.0.1:{forged}/")).await;
    let text = answered(&b, "csrf_refused").await;
    assert!(text.contains("\"code\""), "{text}");
    // Another site (localhost): SameSite=Strict keeps the cookie home; unauthenticated.
    b.goto(&format!("http://localhost:{forged}/")).await;
    answered(&b, "\"error\"").await;
    // A forged sign-in (to plant the attacker's session) is refused as well.
    let login = attacker(forged_form(
        &format!("http://127.0.0.1:{port}/v1/console/session"),
        r#"{"user":"awa","password":"correct horse battery"}"#,
    ))
    .await;
    b.goto(&format!("http://localhost:{login}/")).await;
    answered(&b, "csrf_refused").await;
    assert_eq!(
        users(&url, &admin_token).await,
        ["awa", "fanta"],
        "nothing was added"
    );
    let refused = audit(&url, &admin_token, "csrf_refused").await;
    assert!(refused.len() >= 2, "{refused:?}");
    // Still fanta's session, unharmed.
    b.goto(&format!("{url}/")).await;
    b.wait_text("#who-user", "fanta").await;

    // 3. The cookie, copied to another address, works until the session ends; then refused.
    let stolen = format!("terrain_console={}", cookie.value());
    let elsewhere = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let who = async || {
        elsewhere
            .get(format!("http://127.0.0.1:{port}/v1/console/session"))
            .header("cookie", &stolen)
            .send()
            .await
            .unwrap()
    };
    assert_eq!(who().await.status().as_u16(), 200);
    b.click("#sign-out").await;
    b.find("#signin-submit").await;
    let after = who().await;
    assert_eq!(after.status().as_u16(), 401);
    let after: Value = after.json().await.unwrap();
    assert_eq!(after["error"]["code"], "session_expired");
    let refused = audit(&url, &admin_token, "session_refused").await;
    assert!(
        refused
            .iter()
            .any(|e| e["actor"] == "fanta"
                && e["detail"].as_str().unwrap().contains("from 127.0.0.2")),
        "{refused:?}"
    );

    // 4. A reporter: the admin endpoints answer 403, the admin page shows the 403 page.
    b.sign_in(&url, "awa").await;
    let (status, me) = fetch(&b, "GET", "/v1/console/session", None).await;
    assert_eq!(status, 200);
    let csrf = me["csrf"].as_str().unwrap().to_string();
    for (method, path) in [
        ("GET", "/v1/admin/users"),
        ("GET", "/v1/audit"),
        ("POST", "/v1/admin/users"),
    ] {
        let (status, answer) = fetch(&b, method, path, Some(&csrf)).await;
        assert_eq!(
            (status, &answer["error"]["code"]),
            (403, &json!("forbidden")),
            "{method} {path}"
        );
    }
    b.goto(&format!("{url}/#/admin/users")).await;
    b.wait_text("#forbidden", "403").await;
    assert_eq!(users(&url, &admin_token).await, ["awa", "fanta"]);

    b.stop().await;
    server.stop().await;
}

terrain_tests::on_both_engines!(console_under_attack);

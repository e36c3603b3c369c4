//! The web console in a real browser (issue 14): Debian's Chromium, headless, driven through
//! chromedriver (WebDriver, fantoccini) against the real `terrain-server` binary, on SQLite and
//! on a fresh PostgreSQL database. One server and one browser per engine, the flows in
//! sequence: sign in, search, filter, open a report (photo, history), review it (a refused
//! empty question shown next to its field, then the decision), counts, an export that lands
//! in the download folder and reads back, an administrator revoking a device (whose next push
//! is refused), the audit log, and a reporter refused another region's report and the admin
//! pages (the 403 page).
//!
//! Screenshots of every page go to `target/screenshots/console-*.png` (SQLite run), or to
//! `docs/screenshots/` with `TERRAIN_DOCS_SCREENSHOTS=1`.
//! Needs `cargo build -p terrain-server` (with `npm run build` in ui/ first, so the binary
//! embeds the console), `chromium` and `chromium-driver`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use terrain_domain::Revision;
use terrain_tests::browser::{Browser, WAIT, browser_missing};
use terrain_tests::harness::{PASSWORD, ServerProcess, built_binary, free_port, pg_url};

const PHOTO: &[u8] = include_bytes!("../../src-tauri/icons/128x128.png");

/// The server binary's `user add`.
fn add_user(db: &str, keys: &Path, name: &str, role: &str, region: Option<&str>) {
    use std::io::Write;
    let mut cmd = Command::new(built_binary("terrain-server"));
    cmd.args(["--db", db, "user", "add", name, "--role", role]);
    if let Some(region) = region {
        cmd.args(["--region", region]);
    }
    let mut add = cmd
        .arg("--password-stdin")
        .env("TERRAIN_SERVER_CONTACT_KEY", keys.join("contact.key"))
        .env("TERRAIN_SERVER_KEYS", keys.join("server.keys"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(add.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(add.wait().unwrap().success(), "user add {name}");
}

/// A device's sign-in over HTTP: its token.
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

/// Pushes `report` as `user` with `token`: the HTTP status, and the revision's result when
/// the push was answered.
async fn push(
    url: &str,
    token: &str,
    user: &str,
    report: terrain_domain::ValidReport,
) -> (u16, Value) {
    let revision = Revision::new(
        report,
        vec![],
        user,
        &format!("{user}-tablet"),
        chrono::Utc::now(),
    );
    let answer = reqwest::Client::new()
        .post(format!("{url}/v1/push"))
        .header("Terrain-Protocol", "1")
        .bearer_auth(token)
        .json(&terrain_protocol::Push {
            revisions: vec![revision],
        })
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let body: Value = answer.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// Pushes `report` and asserts the server stored it.
async fn pushed(url: &str, token: &str, user: &str, report: terrain_domain::ValidReport) {
    let (status, body) = push(url, token, user, report).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"][0]["status"], "stored", "{body}");
}

async fn upload_photo(url: &str, token: &str) -> String {
    let sha = terrain_domain::sha256_hex(PHOTO);
    let put = reqwest::Client::new()
        .put(format!("{url}/v1/blobs/{sha}"))
        .header("Terrain-Protocol", "1")
        .bearer_auth(token)
        .header("Upload-Offset", "0")
        .header("Upload-Length", PHOTO.len().to_string())
        .body(PHOTO)
        .send()
        .await
        .unwrap();
    assert!(
        put.status().is_success(),
        "the photo is stored: {}",
        put.status()
    );
    sha
}

struct Seeded {
    /// The seed incident (Bafoulabé, Kayes), with a photo.
    plants: String,
    /// A fuel blockade at Kéniéba (Kayes): found by "kenieba".
    blockade: String,
    /// Moussa's report in Mopti.
    mopti: String,
    awa_token: String,
}

async fn seed(url: &str) -> Seeded {
    let awa_token = device_token(url, "awa").await;
    let moussa_token = device_token(url, "moussa").await;
    let sha = upload_photo(url, &awa_token).await;
    let plants = terrain_tests::seed_edited(|v| {
        v["attachments"] = json!([{ "sha256": sha, "media_type": "image/png",
            "size": PHOTO.len(), "file_name": "plant.png", "caption": "The burned plant" }]);
    });
    let blockade = terrain_tests::seed_edited(|v| {
        v["title"] = json!("Blocus du carburant à Kéniéba");
        v["where"] = json!({ "admin1": "Kayes", "admin2": "Kéniéba", "place": "Route de Kéniéba",
            "geo_precision": "place" });
        v["what"] =
            json!({ "event_type": "Strategic developments", "categories": ["fuel_blockade"] });
        v["narrative"] = json!("Les camions-citernes sont bloqués depuis trois jours.");
        v["attachments"] = json!([]);
    });
    let mopti = terrain_tests::seed_edited(|v| {
        v["title"] = json!("Marché de Bandiagara incendié");
        v["where"] = json!({ "admin1": "Mopti", "admin2": "Bandiagara", "place": "Grand marché",
            "geo_precision": "place" });
        v["attachments"] = json!([]);
    });
    let ids = (
        plants.id.to_string(),
        blockade.id.to_string(),
        mopti.id.to_string(),
    );
    pushed(url, &awa_token, "awa", plants).await;
    pushed(url, &awa_token, "awa", blockade).await;
    pushed(url, &moussa_token, "moussa", mopti).await;
    Seeded {
        plants: ids.0,
        blockade: ids.1,
        mopti: ids.2,
        awa_token,
    }
}

/// Every flow of the console on the server at `db`.
async fn console_flows(db: &str, shots: Option<PathBuf>) {
    let keys = tempfile::tempdir().unwrap();
    add_user(db, keys.path(), "fanta", "admin", None);
    add_user(db, keys.path(), "awa", "reporter", Some("Kayes"));
    add_user(db, keys.path(), "moussa", "reporter", Some("Mopti"));
    let port = free_port();
    let contact = keys.path().join("contact.key");
    let server_keys = keys.path().join("server.keys");
    let server = ServerProcess::start(
        built_binary("terrain-server").to_str().unwrap(),
        db,
        port,
        &[
            "--contact-key",
            contact.to_str().unwrap(),
            "--server-keys",
            server_keys.to_str().unwrap(),
        ],
    )
    .await;
    let url = server.url();
    let s = seed(&url).await;
    let b = Browser::start().await.with_shots(shots.clone());
    let started = Instant::now();

    // Sign-in: a wrong password is said in words; the right one opens the inbox, newest first.
    b.goto(&format!("{url}/")).await;
    b.shot("signin").await;
    b.type_into("#user", "fanta").await;
    b.type_into("#password", "not the password").await;
    b.click("#signin-submit").await;
    b.wait_text("#signin-error", "Wrong user name or password")
        .await;
    b.type_into("#password", PASSWORD).await;
    b.click("#signin-submit").await;
    b.wait_text("#who-user", "fanta").await;
    b.wait_count("#inbox tbody tr", 3).await;
    let first = b
        .find("#inbox tbody tr")
        .await
        .attr("data-report")
        .await
        .unwrap();
    assert_eq!(
        first.as_deref(),
        Some(s.mopti.as_str()),
        "newest arrival first"
    );
    b.shot("inbox").await;

    // Search without accents finds the accented words; filters narrow; clearing brings back all.
    b.type_into("#f-q", "kenieba").await;
    b.wait_count("#inbox tbody tr", 1).await;
    b.wait_text("#inbox tbody tr", "Blocus du carburant à Kéniéba")
        .await;
    b.type_into("#f-q", "").await;
    b.select("#f-region", "Mopti").await;
    b.wait_count("#inbox tbody tr", 1).await;
    b.wait_text("#inbox tbody tr", "Bandiagara").await;
    b.select("#f-region", "Kayes").await;
    b.select("#f-type", "Strategic developments").await;
    b.wait_count("#inbox tbody tr", 1).await;
    b.wait_text("#inbox tbody tr", "Kéniéba").await;
    b.shot("inbox-filtered").await;
    b.click("#f-clear").await;
    b.wait_count("#inbox tbody tr", 3).await;

    // Dates are typed: ISO, or day first as on the devices (written back as ISO); a wrong one
    // is said by its field and leaves the filter as it was. Every seed happened on 2026-11-18.
    const ENTER: &str = "\u{E007}";
    b.type_into("#f-from", &format!("2026-11-19{ENTER}")).await;
    b.find("#inbox-empty").await;
    b.type_into("#f-from", &format!("18/11/2026{ENTER}")).await;
    b.wait_count("#inbox tbody tr", 3).await;
    assert_eq!(
        b.run("return document.querySelector('#f-from').value", vec![])
            .await,
        "2026-11-18"
    );
    b.type_into("#f-to", &format!("2026-02-30{ENTER}")).await;
    b.wait_text("#f-to-error", "YYYY-MM-DD").await;
    assert_eq!(b.count("#inbox tbody tr").await, 3);
    b.type_into("#f-to", &format!("2026-11-18{ENTER}")).await;
    b.wait_count("#f-to-error", 0).await;
    b.wait_count("#inbox tbody tr", 3).await;
    b.click("#f-clear").await;
    b.wait_count("#inbox tbody tr", 3).await;

    // The report: every field, its photo shown from the server, its history verified.
    b.click(&format!("tr[data-report=\"{}\"] a.report-link", s.plants))
        .await;
    b.wait_text("#report-title", "Three industrial plants attacked")
        .await;
    b.wait_text("#rec-sources", "Wamaps").await;
    b.wait_text("#rec-figures", "Wamaps").await;
    b.find("#rec-photos img").await;
    let start = Instant::now();
    loop {
        let width =
            b.c.execute(
                "return document.querySelector('#rec-photos img').naturalWidth",
                vec![],
            )
            .await
            .unwrap();
        if width.as_u64() == Some(128) {
            break;
        }
        assert!(start.elapsed() < WAIT, "the photo shows: width {width}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(b.count("#history tbody tr").await, 1);
    b.wait_text("#history tbody tr", "awa").await;
    assert_eq!(b.count("#history .hash-ok").await, 1, "the hash verifies");

    // Review: a follow-up needs its question (the server's refusal shows by the field), then
    // the decision shows on the page and in the inbox.
    b.click("#review-needs_follow_up").await;
    b.click("#review-submit").await;
    b.find("#review-error").await;
    b.shot_at("review-error", "#reviews").await;
    b.type_into(
        "#review-comment",
        "Combien de travailleurs ont été enlevés ?",
    )
    .await;
    b.click("#review-submit").await;
    b.wait_text("#reviews", "Needs follow-up, asked by fanta")
        .await;
    b.wait_text("#reviews", "Combien de travailleurs").await;
    b.wait_text("#report-review", "Needs follow-up").await;
    b.shot("report").await;
    b.shot_at("review", "#reviews").await;
    b.click("a[data-nav=\"reports\"]").await;
    b.select("#f-review", "needs_follow_up").await;
    b.wait_count("#inbox tbody tr", 1).await;
    b.wait_text("#inbox tbody tr", "Needs follow-up").await;
    b.click("#f-clear").await;

    // Counts by region and week, and by event type.
    b.click("#to-counts").await;
    b.wait_text("#counts-region-week tr[data-region=\"Kayes\"]", "2")
        .await;
    b.wait_text("#counts-region-week tr[data-region=\"Mopti\"]", "1")
        .await;
    b.wait_text("#counts-event-type", "Violence against civilians")
        .await;
    b.shot("counts").await;

    // Export of the current filter (Kayes): the CSV lands in the download folder and reads back.
    b.goto(&format!("{url}/#/exports?region=Kayes")).await;
    b.click("#export-csv button").await;
    b.wait_text("#export-csv .saved", ".csv").await;
    let csv = String::from_utf8(b.downloaded(".csv").await).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.contains("review_state"), "{header}");
    assert!(csv.lines().nth(1).unwrap().starts_with('#'), "the HXL row");
    assert!(
        csv.contains(&s.plants) && csv.contains(&s.blockade),
        "{csv}"
    );
    assert!(!csv.contains(&s.mopti), "only the filter's reports: {csv}");
    assert!(
        csv.contains("needs_follow_up"),
        "the review travels into the export"
    );
    b.shot("exports").await;

    // Administration: users, a user's devices; revoking Awa's tablet refuses its next push.
    b.click("a[data-nav=\"admin/users\"]").await;
    b.wait_text("#users", "moussa").await;
    b.shot("users").await;
    b.click("tr[data-user=\"awa\"] a").await;
    b.wait_text("#devices", "awa's tablet").await;
    b.click("#devices button.revoke").await;
    b.find("#devices .revoked").await;
    b.shot("user").await;
    let (refused, _) = push(&url, &s.awa_token, "awa", terrain_tests::seed_with_new_id()).await;
    assert_eq!(refused, 401, "a revoked device's push is refused");

    // The audit log, filtered by action.
    b.click("a[data-nav=\"admin/audit\"]").await;
    b.find("#audit tbody tr").await;
    b.select("#a-action", "token_revoke").await;
    b.click("#a-apply").await;
    b.wait_text("#audit tbody", "token_revoke").await;
    assert!(b.count("#audit tbody tr[data-action=\"push\"]").await == 0);
    b.shot("audit").await;

    // A reporter of Mopti: another region's report and the admin pages are the 403 page.
    b.sign_out().await;
    b.sign_in(&url, "moussa").await;
    b.wait_count("#inbox tbody tr", 1).await;
    assert_eq!(b.count("a[data-nav=\"admin/users\"]").await, 0);
    b.goto(&format!("{url}/#/reports/{}", s.plants)).await;
    b.wait_text("#forbidden", "403").await;
    b.shot("forbidden").await;
    b.goto(&format!("{url}/#/admin/users")).await;
    b.wait_text("#forbidden", "403").await;
    b.goto(&format!("{url}/#/reports/{}", s.mopti)).await;
    b.wait_text("#report-title", "Marché de Bandiagara").await;
    b.stop().await;

    // The same console in French (the browser's language): the reviewed report's page.
    let b = Browser::start_in("fr-FR").await.with_shots(shots.clone());
    b.sign_in(&url, "fanta").await;
    b.goto(&format!("{url}/#/reports/{}", s.plants)).await;
    b.wait_text("#report-title", "Three industrial plants attacked")
        .await;
    b.wait_text("#report-review", "À compléter").await;
    b.shot("report-fr").await;
    eprintln!(
        "console flows: {:.1} s in the browser",
        started.elapsed().as_secs_f64()
    );

    b.stop().await;
    drop(server);
}

/// `target/screenshots/`, or the docs' `docs/screenshots/` when `TERRAIN_DOCS_SCREENSHOTS` is
/// set (how the README's console pictures are made).
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_works_in_a_browser_on_sqlite() {
    if browser_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("server.db").display());
    console_flows(&db, Some(shots_dir())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_works_in_a_browser_on_postgres() {
    if browser_missing() {
        return;
    }
    // A database of its own, dropped afterwards.
    let name = format!("console_{}", uuid::Uuid::now_v7().simple());
    let (admin, connection) = match tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls).await
    {
        Ok(c) => c,
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: PostgreSQL not reachable at {} ({e})", pg_url());
            return;
        }
        Err(e) => panic!("PostgreSQL at {}: {e}", pg_url()),
    };
    tokio::spawn(connection);
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = pg_url();
    let db = format!("{}/{name}", &base[..base.rfind('/').unwrap()]);
    let result = tokio::spawn(async move { console_flows(&db, None).await }).await;
    admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

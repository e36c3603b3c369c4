//! The console's Bundles page in a real browser (issue 16): Debian's Chromium, headless,
//! against the real `terrain-server` binary on SQLite and on PostgreSQL. A real device store
//! signs in once online, saves reports with a photo and writes a bundle split in parts; an
//! administrator picks the parts in the page (one part alone is named as incomplete, a
//! tampered copy is refused in plain words, in English then French), imports the bundle, reads
//! the summary and downloads the reply, which the device reads: its outbox empties.
//!
//! The screenshot goes to `target/screenshots/console-bundles.png`, or to `docs/screenshots/`
//! with `TERRAIN_DOCS_SCREENSHOTS=1` (SQLite run). Needs `npm run build` in ui/, then
//! `cargo build -p terrain-server`, `chromium` and `chromium-driver`.

use std::path::{Path, PathBuf};
use terrain_tests::browser::{Browser, ConsoleServer, browser_missing};
use terrain_tests::harness::{Engine, awas_tablet, built_binary};

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

/// Chooses `files` in the page's file input (WebDriver: their paths, one a line).
async fn choose(browser: &Browser, files: &[PathBuf]) {
    let input = browser.find("#bundle-file").await;
    input.clear().await.unwrap();
    let paths: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    input.send_keys(&paths.join("\n")).await.unwrap();
}

async fn bundles_page(engine: Engine) {
    if browser_missing() {
        return;
    }
    let users = [("awa", "reporter", Some("Kayes")), ("root", "admin", None)];
    let Some(server) = ConsoleServer::start(engine, &users, &[]).await else {
        return;
    };
    let url = server.url();
    let (_device_dir, store) = awas_tablet(&url, 2).await;
    let stick = tempfile::tempdir().unwrap();
    let written = terrain_sync::write_bundle(&store, stick.path(), false, 20_000).unwrap();
    assert!(written.files.len() > 1, "{:?}", written.files);

    let shots = (engine == Engine::Sqlite).then(shots_dir);
    let browser = Browser::start().await.with_shots(shots);
    browser.sign_in(&url, "root").await;
    browser.click("a[data-nav='admin/bundles']").await;

    // One part alone: the page names what is missing and sends nothing.
    choose(&browser, &written.files[..1]).await;
    browser
        .wait_text("#bundle-form .field-error", "is missing")
        .await;
    assert!(
        !browser
            .find("#bundle-import")
            .await
            .is_enabled()
            .await
            .unwrap()
    );

    // A tampered copy: refused in plain words, nothing stored.
    let mut bytes: Vec<u8> = written
        .files
        .iter()
        .flat_map(|f| std::fs::read(f).unwrap())
        .collect();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    let odd = tempfile::tempdir().unwrap();
    let tampered = odd.path().join("copied-by-the-driver.tbundle");
    std::fs::write(&tampered, bytes).unwrap();
    choose(&browser, std::slice::from_ref(&tampered)).await;
    browser.click("#bundle-import").await;
    browser
        .wait_text(
            "#bundle-error",
            "copied-by-the-driver.tbundle was changed or damaged",
        )
        .await;
    // ...and in French when the console speaks French.
    browser.select("#lang", "fr").await;
    browser.click("#bundle-import").await;
    browser
        .wait_text("#bundle-error", "a été modifié ou abîmé")
        .await;
    browser.wait_text("#bundle-error", "Non importé").await;
    browser.select("#lang", "en").await;

    // The whole bundle, its parts chosen in any order.
    let mut parts = written.files.clone();
    parts.reverse();
    choose(&browser, &parts).await;
    browser.click("#bundle-import").await;
    browser
        .wait_text(
            "#bundle-done",
            "imported from the device awa's tablet of awa",
        )
        .await;
    let received = browser.text("#bundle-received").await;
    for line in [
        "Reports stored: 2",
        "Reports already held (nothing changed): 0",
        "Reports refused: 0",
        "Photos stored: 1",
    ] {
        assert!(received.contains(line), "{line}: {received}");
    }
    browser
        .wait_text(
            "#bundle-carry",
            "Carry this file back to the device and read it in the app's Sync screen.",
        )
        .await;
    browser.shot_at("bundles", "main").await;

    // The reply, downloaded, read on the device: the outbox empties.
    browser.click("#bundle-reply-0 button").await;
    let reply = browser.downloaded(".tbundle").await;
    let back = tempfile::tempdir().unwrap();
    let name = browser.text("#bundle-summary .reply-name").await;
    let name = name.split(" · ").next().unwrap().to_string();
    assert!(name.starts_with("terrain-reply-"), "{name}");
    let path = back.path().join(&name);
    std::fs::write(&path, reply).unwrap();
    assert_eq!(store.pending_count().unwrap(), 2);
    let read = terrain_sync::read_reply(&store, &path, "tester").unwrap();
    assert_eq!((read.acked, read.receipts), (2, 2));
    assert_eq!(store.pending_count().unwrap(), 0, "the outbox is empty");

    // The same bundle again changes nothing.
    browser.click("#bundle-import").await;
    browser
        .wait_text(
            "#bundle-received",
            "Reports already held (nothing changed): 2",
        )
        .await;
    browser.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundles_page_imports_a_bundle_and_gives_its_reply_on_sqlite() {
    bundles_page(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundles_page_imports_a_bundle_and_gives_its_reply_on_postgres() {
    bundles_page(Engine::Postgres).await;
}

//! Issue 16 in the window: an official with no network carries reports on a USB stick. The
//! app signs in once online (Settings shows the server's key fingerprint, the one
//! `terrain-server keys show` prints), the server goes away, two reports are recorded and
//! queued, the Sync screen's "Write a bundle for USB" writes them, the centre's real
//! `terrain-server bundle import --reply-to` imports it, and "Read a reply bundle" reads the
//! reply: the outbox empties and the report's history says "received by the server ..., receipt
//! valid". A device bundle read as a reply, and a reply with one byte changed, are refused in
//! plain words and change nothing. Real window under Xvfb, real server binary on loopback.
//!
//! WebDriver cannot drive the native folder and file pickers: as for the Export screen, the
//! test types the paths into the fields the pickers fill.

use std::path::{Path, PathBuf};
use terrain_tests::desktop::{Ui, launch, skipped};
use terrain_tests::harness::{PASSWORD, ServerProcess, add_reporter_with_binary, free_port};

const PASSPHRASE: &str = "red earth after the rain";
const SERVER: &str = env!("CARGO_BIN_EXE_terrain-server-under-test");

/// The bundles (`.tbundle`) in `dir`, sorted.
fn bundles_in(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tbundle"))
        .collect();
    found.sort();
    found
}

/// Records a final report through the form and sees it queued.
async fn record(ui: &Ui, title: &str) {
    ui.click("#nav-new").await;
    ui.type_into("#title", title).await;
    ui.set("#when-date", "2026-11-18").await;
    ui.type_into("#place-find", "bafoulabe").await;
    ui.click(".suggestion").await;
    ui.click("#add-source").await;
    ui.type_into("#source-name-0", "An elected official of the Kayes region")
        .await;
    ui.select("#source-kind-0", "official").await;
    ui.select("#what-event", "Violence against civilians").await;
    ui.select("#what-sub", "Abduction/forced disappearance")
        .await;
    ui.type_into(
        "#narrative",
        "Gunmen on motorbikes took two drivers at the market.",
    )
    .await;
    ui.wait_text("#save-status", "Draft saved").await;
    ui.click("#mark-final").await;
    ui.click("#confirm-final").await;
    ui.wait_text("#view-title", title).await;
    ui.wait_text("#view-badge", "Queued").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_travel_by_usb_bundle_and_the_reply_empties_the_outbox_with_valid_receipts() {
    if skipped() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let centre = work.path().join("centre");
    std::fs::create_dir_all(&centre).unwrap();
    let db = format!("sqlite:{}", centre.join("server.db").display());
    add_reporter_with_binary(SERVER, &db, "awa", "Kayes");
    let keys = std::process::Command::new(SERVER)
        .args(["--db", &db, "keys", "show"])
        .output()
        .unwrap();
    assert!(keys.status.success());
    let keys = String::from_utf8(keys.stdout).unwrap();
    let server = ServerProcess::start(SERVER, &db, free_port(), &[]).await;

    // One online sign-in: the device learns the server's keys, the server the device's.
    let (driver, ui) = launch(&work.path().join("data"), &work.path().join("driver.log")).await;
    ui.wait_text("h1", "Choose a passphrase").await;
    ui.type_into("#passphrase", PASSPHRASE).await;
    ui.type_into("#passphrase-repeat", PASSPHRASE).await;
    ui.click("#unlock").await;
    ui.find("#nav-reports").await;
    ui.click("#nav-settings").await;
    ui.type_into("#server", &server.url()).await;
    ui.type_into("#user", "awa").await;
    ui.type_into("#password", PASSWORD).await;
    ui.click("#sign-in").await;
    ui.wait_text("#signed-in", "as awa").await;
    let fingerprint = ui.text("#server-fingerprint").await;
    assert!(
        fingerprint.len() > 16 && keys.contains(fingerprint.trim()),
        "Settings shows {fingerprint:?}; keys show prints:\n{keys}"
    );

    // No network from here: the server is gone.
    server.kill();
    record(&ui, "Two drivers abducted at the Bafoulabé market").await;
    record(&ui, "Checkpoint set up on the Bafoulabé road").await;
    ui.click("#nav-sync").await;
    ui.wait_text("#sync-panel-queued", "2").await;

    // Write the bundle onto the "USB stick".
    let stick = work.path().join("usb");
    std::fs::create_dir_all(&stick).unwrap();
    ui.type_into("#bundle-dir", stick.to_str().unwrap()).await;
    ui.click("#bundle-write").await;
    ui.wait_text(
        "#bundle-done",
        "2 report(s), 0 photo(s), 0 link operation(s), 0 site change(s)",
    )
    .await;
    let written = bundles_in(&stick);
    assert_eq!(written.len(), 1, "one bundle file: {written:?}");
    assert!(
        ui.text("#bundle-done")
            .await
            .contains(written[0].to_str().unwrap()),
        "the message names the file"
    );
    // Writing changes no outbox row: only the reply's acknowledgements do.
    assert_eq!(ui.text("#sync-panel-queued").await, "2");

    // A device's bundle is not a reply: refused in plain words, nothing read.
    ui.type_into("#bundle-file", written[0].to_str().unwrap())
        .await;
    ui.click("#bundle-read").await;
    ui.wait_text("#bundle-error-text", "not the server's reply")
        .await;

    // At the centre: the real binary imports it and writes the reply.
    let back = work.path().join("back");
    std::fs::create_dir_all(&back).unwrap();
    let import = std::process::Command::new(SERVER)
        .args(["--db", &db, "bundle", "import"])
        .arg(&written[0])
        .arg("--reply-to")
        .arg(&back)
        .output()
        .unwrap();
    assert!(
        import.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&import.stdout),
        String::from_utf8_lossy(&import.stderr)
    );
    let said = String::from_utf8_lossy(&import.stdout);
    assert!(
        said.contains("2 revisions stored")
            && said.contains("0 site revisions stored, 0 already here, 0 conflicts, 0 refused")
            && said.contains(
                "2 reports, 0 review decisions, 0 link operations, 0 site revisions for the device"
            ),
        "the import says what it stored and what the reply carries:\n{said}"
    );
    let replies = bundles_in(&back);
    assert_eq!(replies.len(), 1, "one reply: {replies:?}");
    let reply = &replies[0];

    // A reply with one byte changed is refused and changes nothing.
    let mut bytes = std::fs::read(reply).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let tampered_dir = work.path().join("tampered");
    std::fs::create_dir_all(&tampered_dir).unwrap();
    let tampered = tampered_dir.join(reply.file_name().unwrap());
    std::fs::write(&tampered, bytes).unwrap();
    ui.type_into("#bundle-file", tampered.to_str().unwrap())
        .await;
    ui.click("#bundle-read").await;
    ui.wait_text(
        "#bundle-error-text",
        "changed or damaged after it was written",
    )
    .await;
    assert_eq!(ui.text("#sync-panel-queued").await, "2");

    // The real reply: both received, receipts kept, the outbox empty.
    ui.type_into("#bundle-file", reply.to_str().unwrap()).await;
    ui.click("#bundle-read").await;
    ui.wait_text(
        "#bundle-done",
        "2 received by the server, 2 receipt(s) kept, 0 refused",
    )
    .await;
    // Every count of what came: reports, decisions, link operations, sites.
    let done = ui.text("#bundle-done").await;
    for words in [
        "0 conflict(s); 0 review decision(s) received.",
        "Link operations: 0 received by the server, 0 from other devices.",
        "Sites: 0 change(s) received by the server, 0 from other devices, 0 site(s) merged, 0 in conflict.",
    ] {
        assert!(done.contains(words), "{words:?} not in {done:?}");
    }
    ui.wait_text("#sync-panel-queued", "0").await;
    ui.wait_gone("#bundle-error").await;
    // The bundle card and what the reply did, in view for the picture.
    ui.c.execute(
        "document.querySelector('#bundle-done').scrollIntoView({ block: 'end' });",
        vec![],
    )
    .await
    .unwrap();
    ui.shot("app-sync-bundle").await;

    // History says the server received it, with a valid receipt.
    ui.click("#nav-reports").await;
    ui.wait_text("#list-count", "2 report(s)").await;
    ui.click("#reports tbody a.open").await;
    ui.wait_text("#history", "receipt valid").await;
    ui.shot("view-bundle-receipt").await;

    // Carried again (a replayed reply): nothing changes, nothing breaks.
    ui.click("#nav-sync").await;
    ui.type_into("#bundle-file", reply.to_str().unwrap()).await;
    ui.click("#bundle-read").await;
    ui.wait_text("#bundle-done", "Reply read").await;
    assert_eq!(ui.text("#sync-panel-queued").await, "0");
    drop(driver);
}

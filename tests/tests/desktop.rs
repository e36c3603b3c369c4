//! The desktop app as an official uses it: the real window under Xvfb, driven through
//! WebDriver (tauri-driver + WebKitWebDriver), with a real terrain-server on loopback.
//!
//! Outside CI the suite says SKIPPED when the machine lacks Xvfb, tauri-driver,
//! WebKitWebDriver or the built app; under `CI=true` that is a failure.

use fantoccini::Locator;
use std::path::{Path, PathBuf};
use terrain_protocol::Role;
use terrain_tests::desktop::{launch, skipped};
use terrain_tests::harness::{Engine, PASSWORD, Server};

const TITLE: &str = "Three industrial plants attacked and burned near Bafoulabé; workers abducted";
const PASSPHRASE: &str = "red earth after the rain";
/// Words of the report the suite records, as they may sit on disk (the search index folds them).
const REPORT_WORDS: [&str; 5] = ["Bafoulabé", "bafoulabe", "Wamaps", "lime plant", "Diawara"];

/// The CSV read back by Python's csv module: header, HXL row, data rows.
fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], encoding='utf-8-sig', newline='')))))",
        ])
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The text of a PDF, as poppler's pdftotext reads it.
/// The first of the report's words found in `bytes`.
fn word_in_clear(bytes: &[u8]) -> Option<&'static str> {
    REPORT_WORDS
        .into_iter()
        .find(|word| bytes.windows(word.len()).any(|w| w == word.as_bytes()))
}

/// Every file under `dir` (none if it is gone), with its bytes.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for path in entries.map(|e| e.unwrap().path()) {
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

fn pdf_text(path: &Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_official_records_the_seed_incident_finds_it_syncs_it_and_exports_it() {
    if skipped() {
        return;
    }
    let server = Server::start(Engine::Sqlite).await.unwrap();
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let work = tempfile::tempdir().unwrap();
    let (driver, ui) = launch(&work.path().join("data"), &work.path().join("driver.log")).await;
    // First start: the reports will be encrypted under a passphrase the user chooses.
    ui.wait_text("h1", "Choose a passphrase").await;
    ui.type_into("#passphrase", "short").await;
    ui.type_into("#passphrase-repeat", "short").await;
    ui.click("#unlock").await;
    ui.wait_text("#lock-error", "use at least 10").await;
    ui.type_into("#passphrase", PASSPHRASE).await;
    ui.type_into("#passphrase-repeat", "red earth after rain")
        .await;
    ui.click("#unlock").await;
    ui.wait_text("#lock-error", "The two passphrases differ")
        .await;
    ui.type_into("#passphrase", PASSPHRASE).await;
    ui.type_into("#passphrase-repeat", PASSPHRASE).await;
    ui.shot("lock-new").await;
    ui.click("#unlock").await;
    ui.find("#nav-reports").await;
    ui.wait_text("#list-count", "0 report(s)").await;

    // The site registry: the plant attacked again and again.
    ui.click("#nav-sites").await;
    ui.type_into("#site-name", "Diawara lime plant").await;
    ui.select("#site-kind", "plant").await;
    ui.type_into("#site-operator", "Ibrahima Diawara").await;
    ui.select("#site-cercle", "Bafoulabé").await;
    ui.click("#add-site-submit").await;
    ui.wait_text("#sites", "Diawara lime plant").await;
    ui.shot("sites").await;

    // The seed incident, through the form, with its two abduction counts.
    ui.click("#nav-new").await;
    ui.type_into("#title", TITLE).await;
    ui.set("#when-date", "2026-11-18").await;
    ui.type_into("#place-find", "bafoulabe").await;
    ui.find(".suggestion").await;
    let mut picked = false;
    for s in ui.c.find_all(Locator::Css(".suggestion")).await.unwrap() {
        if s.text().await.unwrap() == "Bafoulabé, Bafoulabé, Kayes" {
            s.click().await.unwrap();
            picked = true;
            break;
        }
    }
    assert!(
        picked,
        "the gazetteer offers the commune of Bafoulabé for \"bafoulabe\""
    );
    assert_eq!(ui.value("#where-admin1").await, "Kayes");
    assert_eq!(ui.value("#where-admin2").await, "Bafoulabé");
    ui.type_into("#where-place", "Industrial zone near Bafoulabé town")
        .await;
    ui.click("#add-source").await;
    ui.type_into(
        "#source-name-0",
        "Wamaps, collective of West African journalists on Sahel security",
    )
    .await;
    ui.select("#source-kind-0", "journalist").await;
    ui.click("#add-source").await;
    ui.type_into("#source-name-1", "An elected official of the Kayes region")
        .await;
    ui.select("#source-kind-1", "official").await;
    ui.select("#add-figure-kind", "abducted").await;
    ui.click("#add-figure").await;
    ui.type_into("#claim-abducted-0-amount", "3").await;
    ui.select("#claim-abducted-0-source", "s1").await;
    ui.click("#add-claim-abducted").await;
    ui.type_into("#claim-abducted-1-amount", "4").await;
    ui.select("#claim-abducted-1-source", "s2").await;
    ui.click("#add-site-select option:nth-child(2)").await;
    ui.click("#add-site").await;
    ui.type_into(
        "#narrative",
        "Gunmen on motorbikes stormed three industrial plants near Bafoulabé. The sources disagree on the number abducted: Wamaps reported three, an elected official four.",
    )
    .await;
    ui.wait_text("#save-status", "Draft saved").await;
    ui.shot("form").await;

    // Marking it final without an event type: the core's rule, shown at the field.
    ui.click("#mark-final").await;
    ui.wait_text("#err-event", "is required for a final report")
        .await;
    assert_eq!(
        ui.find("#what-event")
            .await
            .attr("aria-invalid")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    ui.find("#what-event").await.click().await.unwrap();
    ui.shot("form-error").await;
    ui.select("#what-event", "Violence against civilians").await;
    ui.wait_gone("#err-event").await;
    ui.select("#what-sub", "Abduction/forced disappearance")
        .await;
    ui.click("#mark-final").await;
    ui.click("#confirm-final").await;
    ui.wait_text("#view-title", TITLE).await;
    ui.wait_text("#view-figures", "3–4, sources disagree").await;
    ui.wait_text("#view-badge", "Queued").await;
    assert!(
        ui.count("#history tbody tr").await >= 2,
        "drafts and the final revision"
    );
    ui.shot("view").await;

    // The site's page: every incident at it over time.
    ui.click("#nav-sites").await;
    ui.click("#sites .site-open").await;
    ui.wait_text(
        "#site-history-headline",
        "1 incident(s) since November 2026",
    )
    .await;
    ui.wait_text("#site-history", "3–4, sources disagree").await;
    assert_eq!(ui.count("#site-history .site-incident").await, 1);
    ui.shot("site").await;

    // Found with and without accents, not by unrelated words.
    ui.click("#nav-reports").await;
    ui.search("Bafoulabé", "1 report(s)").await;
    ui.search("bafoulabe", "1 report(s)").await;
    ui.search("tessalit", "0 report(s)").await;
    ui.search("", "1 report(s)").await;
    ui.wait_text("#reports tbody", "3–4, sources disagree")
        .await;
    ui.wait_text("#reports tbody .badge", "Queued").await;
    ui.shot("list").await;

    // Sign in once; the queue drains and the badge changes.
    ui.click("#nav-settings").await;
    ui.type_into("#server", &server.url).await;
    ui.type_into("#user", "awa").await;
    ui.type_into("#password", PASSWORD).await;
    ui.click("#sign-in").await;
    ui.wait_text("#signed-in", "as awa").await;
    ui.shot("settings").await;
    ui.click("#nav-reports").await;
    ui.wait_text("#reports tbody .badge", "Synced").await;
    ui.click("#nav-sync").await;
    ui.wait_text("#sync-phase", "Up to date").await;
    assert_eq!(ui.text("#sync-panel-queued").await, "0");
    ui.shot("sync").await;
    assert_eq!(
        server.revision_count().await,
        1,
        "drafts stay on the device"
    );

    // Two devices edit the place while apart: the app shows the conflict and the user keeps
    // the other device's place, field by field.
    let other = server.device("awa").await;
    other.sync().await.unwrap();
    let id = other
        .store
        .list(&Default::default(), terrain_store::Page::first(1))
        .unwrap()[0]
        .report
        .id;
    ui.click("#nav-reports").await;
    ui.click("#reports tbody a.open").await;
    ui.click("#edit").await;
    ui.type_into("#where-place", "South gate of the lime plant")
        .await;
    ui.click("#save").await;
    ui.wait_text("#view-place", "South gate of the lime plant")
        .await;
    ui.wait_text("#view-badge", "Synced").await;
    let mut theirs = other.store.get(id).unwrap().report;
    theirs.location.place = Some("North gate of the lime plant".into());
    let today = chrono::Local::now().date_naive();
    other
        .store
        .save(terrain_domain::check(theirs, today).unwrap(), "awa")
        .unwrap();
    other.sync().await.unwrap();
    ui.click("#nav-sync").await;
    ui.click("#sync-now").await;
    ui.click("#nav-reports").await;
    ui.wait_text("#reports tbody .badge", "Conflict").await;
    ui.click("#reports tbody a.open").await;
    ui.wait_text("#conflict-title", "Two versions disagree")
        .await;
    ui.wait_text(".conflict", "North gate of the lime plant")
        .await;
    ui.click("[id='take-theirs-where.place']").await;
    ui.shot("conflict").await;
    ui.click("#resolve").await;
    ui.wait_gone("#conflict-title").await;
    ui.wait_text("#view-place", "North gate of the lime plant")
        .await;
    ui.wait_text("#view-badge", "Synced").await;
    other.sync().await.unwrap();
    assert_eq!(
        other
            .store
            .get(id)
            .unwrap()
            .report
            .location
            .place
            .as_deref(),
        Some("North gate of the lime plant"),
        "the resolution reached the other device"
    );
    assert_eq!(server.state.store.heads(id).await.unwrap(), 1);

    // Export the list's selection to CSV with the HXL row.
    ui.click("#nav-export").await;
    let csv = work.path().join("kayes.csv");
    ui.type_into("#export-path", csv.to_str().unwrap()).await;
    ui.click("#export-run").await;
    ui.wait_text("#export-done", "Wrote 1 report(s)").await;
    ui.shot("export").await;
    let rows = read_csv(&csv);
    assert_eq!(rows.len(), 3, "header, HXL row, one report: {rows:?}");
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    assert_eq!(rows[1][col("event_date")], "#date+occurred");
    assert_eq!(rows[2][col("title")], TITLE);
    assert_eq!(rows[2][col("admin2")], "Bafoulabé");
    assert_eq!(rows[2][col("event_type")], "Violence against civilians");
    assert_eq!(rows[2][col("abducted")], "3");
    assert_eq!(rows[2][col("abducted_max")], "4");

    // A summary PDF of the same selection, and the report's own PDF from its page.
    ui.click("#format-pdf").await;
    let summary = work.path().join("kayes-summary.pdf");
    ui.type_into("#export-path", summary.to_str().unwrap())
        .await;
    ui.click("#export-run").await;
    ui.wait_text("#export-done", "kayes-summary.pdf").await;
    let text = pdf_text(&summary);
    assert!(text.contains("Violence against civilians"), "{text}");
    assert!(text.contains("Bafoulabé"), "{text}");

    ui.click("#nav-reports").await;
    ui.click("#reports tbody a.open").await;
    ui.click("#export-pdf").await;
    ui.wait_text("#export-report", TITLE).await;
    let one = work.path().join("report.pdf");
    ui.type_into("#export-path", one.to_str().unwrap()).await;
    ui.click("#export-run").await;
    ui.wait_text("#export-done", "Wrote 1 report(s)").await;
    let text = pdf_text(&one);
    for wanted in [
        "3–4, sources disagree",
        "An elected official of the Kayes region",
        "Diawara lime plant",
    ] {
        assert!(text.contains(wanted), "{wanted} in:\n{text}");
    }

    // What a copied disk shows while the app runs: none of the report's words, in the
    // database, its log or the attachments.
    let data = work.path().join("data");
    assert!(data.join("terrain.key").is_file());
    for (path, bytes) in files(&data) {
        if let Some(word) = word_in_clear(&bytes) {
            panic!("{} holds {word:?} in clear", path.display());
        }
    }

    // Locked on demand: a wrong passphrase is refused, the right one opens the same reports.
    ui.click("#lock").await;
    ui.wait_text("h1", "Terrain is locked").await;
    ui.refused("red earth after rain").await;
    ui.shot("lock-wrong").await;
    ui.unlock(PASSPHRASE).await;
    ui.wait_text("#list-count", "1 report(s)").await;

    // A new passphrase; the old one no longer opens.
    let new = "the well behind the school";
    ui.click("#nav-settings").await;
    ui.type_into("#current-passphrase", PASSPHRASE).await;
    ui.type_into("#new-passphrase", new).await;
    ui.type_into("#new-passphrase-repeat", new).await;
    ui.click("#change-passphrase").await;
    ui.wait_text("#passphrase-changed", "Passphrase changed")
        .await;

    // Locked after the idle time (shortened here to 3 s through the stored setting).
    ui.c.execute(
        "localStorage.setItem('terrain.idleMinutes', '0.05'); location.reload();",
        vec![],
    )
    .await
    .unwrap();
    ui.wait_text("h1", "Terrain is locked").await;
    ui.refused(PASSPHRASE).await;
    ui.c.execute("localStorage.setItem('terrain.idleMinutes', '30');", vec![])
        .await
        .unwrap();
    ui.unlock(new).await;
    ui.wait_text("#list-count", "1 report(s)").await;

    // French, switchable.
    ui.click("#nav-settings").await;
    ui.select("#language", "fr").await;
    ui.wait_text("#nav-reports", "Rapports").await;
    ui.click("#nav-reports").await;
    ui.wait_text("#reports tbody .badge", "Envoyé").await;
    ui.shot("list-fr").await;
    ui.click("#nav-settings").await;
    ui.select("#language", "en").await;

    // A reviewer asks a question, then verifies the report on the server: after each of the
    // app's syncs its page says so, and after an edit on this device, that it changed since.
    server.user("fanta", Role::Reviewer, &["Kayes"]).await;
    let http = reqwest::Client::new();
    let fanta = server.sign_in(&http, "fanta", PASSWORD).await;
    let head = other.store.get(id).unwrap().head;
    for (decision, shown) in [
        (
            serde_json::json!({ "state": "needs_follow_up", "comment": "How many workers?", "revision": head }),
            "Question from fanta, ",
        ),
        (
            serde_json::json!({ "state": "verified", "revision": head }),
            "Verified by fanta, ",
        ),
    ] {
        let answer = http
            .post(format!("{}/v1/reports/{id}/review", server.url))
            .bearer_auth(fanta.body["token"].as_str().unwrap())
            .header("Terrain-Protocol", "1")
            .json(&decision)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 200);
        ui.click("#nav-sync").await;
        ui.click("#sync-now").await;
        ui.wait_text("#sync-phase", "Up to date").await;
        ui.click("#nav-reports").await;
        ui.click("#reports tbody a.open").await;
        ui.wait_text("#view-review", shown).await;
    }
    ui.click("#edit").await;
    ui.type_into("#where-place", "East gate of the lime plant")
        .await;
    ui.click("#save").await;
    ui.wait_text("#view-place", "East gate of the lime plant")
        .await;
    ui.wait_text("#view-review", "changed since verified").await;
    ui.click("#nav-settings").await;

    // Quick delete, confirmed once: back to a computer without reports.
    ui.click("#wipe-start").await;
    ui.shot("wipe-confirm").await;
    ui.click("#wipe-confirm").await;
    ui.wait_text("#wiped", "Everything was deleted").await;
    ui.wait_text("h1", "Choose a passphrase").await;
    // The web view's own files (this suite keeps them in the same folder) stay; none of the
    // store's, and none holds a word of the report.
    for (path, bytes) in files(&data) {
        let name = path
            .strip_prefix(&data)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            name.starts_with("xdg-"),
            "{name} of the store is left after quick delete"
        );
        if let Some(word) = word_in_clear(&bytes) {
            panic!("{name} holds {word:?} in clear");
        }
    }

    ui.c.close().await.unwrap();
    drop(driver);
    server.stop().await;
}

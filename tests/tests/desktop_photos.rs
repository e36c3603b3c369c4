//! Issue 12 in the window: the "send photos" setting is chosen in Settings and kept; a report
//! pulled from another device without its photo shows the photo as not on this device and a
//! "Download photos (1, … KB)" button, which brings it down (progress shown) and the photo
//! then shows. Real window under Xvfb, real server on loopback.

use terrain_protocol::Role;
use terrain_tests::desktop::{launch, skipped};
use terrain_tests::harness::{Engine, PASSWORD, Server};

const PASSPHRASE: &str = "red earth after the rain";

/// A small photo-like JPEG made by ImageMagick.
fn camera_photo(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("gate.jpg");
    let made = std::process::Command::new("/usr/bin/convert")
        .args([
            "-size",
            "800x600",
            "-seed",
            "3",
            "plasma:fractal",
            "-quality",
            "90",
        ])
        .arg(&path)
        .status()
        .expect("ImageMagick's convert");
    assert!(made.success());
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_photo_setting_is_kept_and_a_pulled_reports_photo_downloads_on_demand() {
    if skipped() {
        return;
    }
    let server = Server::start(Engine::Sqlite).await.unwrap();
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("fanta", Role::Reviewer, &["Kayes"]).await;
    // Awa's device sends a report with a photo.
    let awa = server.device("awa").await;
    let work = tempfile::tempdir().unwrap();
    let photo = awa.store.attach_file(&camera_photo(work.path())).unwrap();
    let mut report = terrain_tests::seed_with_new_id().into_inner();
    report.location.admin1 = "Kayes".into();
    report.attachments = vec![photo.clone()];
    let report = terrain_domain::check(report, chrono::Local::now().date_naive()).unwrap();
    awa.store.save(report, "awa").unwrap();
    let (summary, _) = awa.sync().await.unwrap();
    assert_eq!(summary.photos, 1);

    // Fanta's window: a passphrase, then sign in.
    let (driver, ui) = launch(&work.path().join("data"), &work.path().join("driver.log")).await;
    ui.wait_text("h1", "Choose a passphrase").await;
    ui.type_into("#passphrase", PASSPHRASE).await;
    ui.type_into("#passphrase-repeat", PASSPHRASE).await;
    ui.click("#unlock").await;
    ui.find("#nav-reports").await;
    ui.click("#nav-settings").await;
    ui.type_into("#server", &server.url).await;
    ui.type_into("#user", "fanta").await;
    ui.type_into("#password", PASSWORD).await;
    ui.click("#sign-in").await;
    ui.wait_text("#signed-in", "as fanta").await;

    // The setting: chosen, and still chosen when Settings opens again.
    assert_eq!(ui.value("#photo-policy").await, "always");
    ui.select("#photo-policy", "reduced-first").await;
    ui.shot("settings-photos").await;
    ui.click("#nav-reports").await;
    ui.click("#nav-settings").await;
    ui.find("#photo-policy").await;
    for _ in 0..50 {
        if ui.value("#photo-policy").await == "reduced-first" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(ui.value("#photo-policy").await, "reduced-first");

    // Awa's report arrives without its photo: the view offers to download it.
    ui.click("#nav-reports").await;
    ui.wait_text("#list-count", "1 report(s)").await;
    ui.click("#reports tbody a.open").await;
    ui.wait_text(".photo-absent", "not on this device").await;
    let size_kb = photo.size.div_ceil(1000);
    ui.wait_text(
        "#download-photos",
        &format!("Download photos (1, {size_kb} KB)"),
    )
    .await;
    assert_eq!(ui.count("img.thumbnail").await, 0);
    ui.shot("view-photo-absent").await;
    ui.click("#download-photos").await;
    ui.find(&format!("img.thumbnail[data-sha256='{}']", photo.sha256))
        .await;
    ui.wait_gone("#download-photos").await;
    assert_eq!(ui.count(".photo-absent").await, 0);
    ui.shot("view-photo-downloaded").await;
    drop(driver);
    server.stop().await;
}

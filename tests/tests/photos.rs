//! Issue 12: photos leave the server. A reader of the region fetches a report's photos on
//! demand (`terrain_sync::fetch_photos`, as `terrain report photos ID` does), through a link
//! that cuts every connection at random: each download resumes from its last byte, is checked
//! against its hash and stored like the device's own photos. Real server, both engines.

use serde_json::json;
use terrain_protocol::Role;
use terrain_store::Token;
use terrain_tests::harness::{Engine, Server};
use terrain_tests::proxy::FlakyProxy;

terrain_tests::on_both_engines!(a_readers_device_fetches_a_reports_photos_through_a_cutting_link,);

fn photo(len: u32, seed: u32) -> Vec<u8> {
    (0..len).map(|i| ((i * 11 + seed) % 251) as u8).collect()
}

/// A final report in Kayes naming `photos` (sha256, size).
fn report_naming(photos: &[(&str, usize)]) -> terrain_domain::ValidReport {
    let mut v = serde_json::to_value(terrain_tests::seed_with_new_id().into_inner()).unwrap();
    v["where"]["admin1"] = json!("Kayes");
    v["attachments"] = photos
        .iter()
        .enumerate()
        .map(|(i, (sha, size))| {
            json!({"sha256": sha, "media_type": "image/jpeg", "size": size, "file_name": format!("photo{i}.jpg")})
        })
        .collect();
    terrain_domain::check(
        serde_json::from_value(v).unwrap(),
        chrono::Local::now().date_naive(),
    )
    .unwrap()
}

async fn a_readers_device_fetches_a_reports_photos_through_a_cutting_link(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("fanta", Role::Reviewer, &["Kayes"]).await;
    let (awa, fanta) = (server.device("awa").await, server.device("fanta").await);
    let (kiln, gate) = (photo(700_000, 1), photo(300_000, 2));
    let kiln_sha = awa.store.put_attachment(&kiln).unwrap();
    let gate_sha = awa.store.put_attachment(&gate).unwrap();
    let saved = awa
        .store
        .save(
            report_naming(&[(&kiln_sha, kiln.len()), (&gate_sha, gate.len())]),
            "awa",
        )
        .unwrap();
    let report = saved.revision.report_id;
    awa.sync().await.unwrap();
    fanta.sync().await.unwrap();
    assert!(
        !fanta.store.has_attachment(&kiln_sha),
        "pulled without its photos"
    );

    // Through a link cutting each connection within 120 KB.
    let upstream = server.url.trim_start_matches("http://").to_string();
    let link = FlakyProxy::start(upstream, Some(120_000)).await;
    let client = terrain_sync::Client::new(&link.url, Some(Token(fanta.token()))).unwrap();
    let mut seen = Vec::new();
    let mut on = |sha: &str, bytes: u64, size: u64| seen.push((sha.to_string(), bytes, size));
    let done = terrain_sync::fetch_photos(&fanta.store, &client, report, &mut on)
        .await
        .unwrap();
    assert_eq!(done.fetched, [kiln_sha.clone(), gate_sha.clone()]);
    assert_eq!(done.bytes, 1_000_000);
    assert!(done.had.is_empty() && done.missing.is_empty(), "{done:?}");
    assert_eq!(fanta.store.attachment(&kiln_sha).unwrap().unwrap(), kiln);
    assert_eq!(fanta.store.attachment(&gate_sha).unwrap().unwrap(), gate);
    let cuts = link.faults.load(std::sync::atomic::Ordering::Relaxed);
    let carried = link.bytes.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "{engine:?}: 1,000,000 bytes of photos over {cuts} cut connections, {carried} bytes carried"
    );
    assert!(cuts > 0, "the link cut connections");
    assert!(
        carried < 2_000_000,
        "each download resumed where it was cut, never from 0: {carried} bytes carried"
    );
    assert!(
        seen.windows(2)
            .all(|w| w[0].0 != w[1].0 || w[0].1 <= w[1].1),
        "progress only grows"
    );

    // The app's call, on a new device of the same reader: the same download.
    let dir = tempfile::tempdir().unwrap();
    let app = terrain_app::App::open(dir.path()).unwrap();
    app.login(
        &server.url,
        "fanta",
        terrain_tests::harness::PASSWORD,
        "fanta's tablet",
    )
    .await
    .unwrap();
    app.sync_once(&|_| {}).await.unwrap();
    let fetched = app.fetch_photos(&report.to_string()[..8]).await.unwrap();
    assert_eq!(
        fetched,
        terrain_app::FetchedPhotos {
            fetched: 2,
            had: 0,
            missing: vec![],
            bytes: 1_000_000
        }
    );

    // Again: nothing to fetch. A photo whose upload never reached the server is named, not
    // skipped in silence.
    let again =
        terrain_sync::fetch_photos(&fanta.store, &fanta.client(), report, &mut |_, _, _| {})
            .await
            .unwrap();
    assert_eq!((again.fetched.len(), again.had.len()), (0, 2));
    let lost = photo(50_000, 3);
    let lost_sha = terrain_domain::sha256_hex(&lost);
    let rev = terrain_domain::Revision::new(
        report_naming(&[(&lost_sha, lost.len())]),
        vec![],
        "awa",
        &uuid::Uuid::now_v7().to_string(),
        chrono::Utc::now(),
    );
    let pushed = reqwest::Client::new()
        .post(format!("{}/v1/push", server.url))
        .bearer_auth(awa.token())
        .header("Terrain-Protocol", "1")
        .json(&json!({ "revisions": [rev] }))
        .send()
        .await
        .unwrap();
    assert_eq!(pushed.status(), 200);
    fanta.sync().await.unwrap();
    let waiting = terrain_sync::fetch_photos(
        &fanta.store,
        &fanta.client(),
        rev.report_id,
        &mut |_, _, _| {},
    )
    .await
    .unwrap();
    assert_eq!(waiting.missing, [lost_sha]);
    assert!(waiting.fetched.is_empty());
    server.stop().await;
}

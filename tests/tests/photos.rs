//! Issue 12: photos leave the server. A reader of the region fetches a report's photos on
//! demand (`terrain_sync::fetch_photos`, as `terrain report photos ID` does), through a link
//! that cuts every connection at random: each download resumes from its last byte, is checked
//! against its hash and stored like the device's own photos. And photos going up: an upload
//! cut at random bytes resumes from each within one call; a revision leaves the outbox when
//! the server stores it and its photos follow from their own queue. Real server, both engines.

use serde_json::json;
use terrain_protocol::Role;
use terrain_store::Token;
use terrain_tests::harness::{Engine, Server};
use terrain_tests::proxy::FlakyProxy;

terrain_tests::on_both_engines!(
    a_readers_device_fetches_a_reports_photos_through_a_cutting_link,
    an_upload_cut_at_random_bytes_resumes_from_each_within_one_call,
    text_and_pull_never_wait_for_photos_and_a_killed_pass_leaves_them_queued,
);

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

/// Issue 12, "Done means": a piece cut at a random byte resumes from that byte, within the
/// same call (not at the next pass), and only the remainder crosses the link again.
async fn an_upload_cut_at_random_bytes_resumes_from_each_within_one_call(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let awa = server.device("awa").await;
    let bytes = photo(400_000, 7);
    let sha = awa.store.put_attachment(&bytes).unwrap();
    // Every connection is cut after a random 1 KB..80 KB, so the photo's pieces (256 KiB
    // before the rate is known) are cut part-way, over and over.
    let upstream = server.url.trim_start_matches("http://").to_string();
    let link = FlakyProxy::start(upstream, Some(80_000)).await;
    let client = terrain_sync::Client::new(&link.url, Some(Token(awa.token()))).unwrap();
    client.upload_blob(&sha, &bytes).await.unwrap();
    let cuts = link.faults.load(std::sync::atomic::Ordering::Relaxed);
    let carried = link.bytes.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!("{engine:?}: 400,000 bytes up over {cuts} cut connections, {carried} carried");
    assert!(cuts >= 3, "the link cut the upload: {cuts}");
    // Each cut costs its request's headers and answer, never bytes the server already had.
    assert!(
        carried < bytes.len() + cuts * 2_048 + 16_384,
        "resumed from the server's offset each time: {carried} bytes for {cuts} cuts"
    );
    assert_eq!(
        server.state.store.blob_bytes(&sha).await.unwrap().unwrap(),
        bytes
    );
    server.stop().await;
}

/// A revision naming a photo is acknowledged once the server stores it; the pull runs before
/// any photo byte; a pass killed while photos go (its future dropped, as a kill leaves the
/// store) leaves them queued, and the next pass sends them; nothing is stored twice.
async fn text_and_pull_never_wait_for_photos_and_a_killed_pass_leaves_them_queued(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("binta", Role::Reporter, &["Kayes"]).await;
    let (awa, binta) = (server.device("awa").await, server.device("binta").await);
    let other = binta
        .store
        .save(report_naming(&[]), "binta")
        .unwrap()
        .revision
        .report_id;
    binta.sync().await.unwrap();
    let (a, b) = (photo(200_000, 4), photo(150_000, 5));
    let (sha_a, sha_b) = (
        awa.store.put_attachment(&a).unwrap(),
        awa.store.put_attachment(&b).unwrap(),
    );
    let saved = awa
        .store
        .save(
            report_naming(&[(&sha_a, a.len()), (&sha_b, b.len())]),
            "awa",
        )
        .unwrap();

    // The pass is dropped at its first photo event, before the upload's first request.
    let client = awa.client();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let killed = {
        let into = std::sync::Arc::clone(&log);
        let mut on = move |e: terrain_sync::Event| into.lock().unwrap().push(e);
        let pass = terrain_sync::sync_once(&awa.store, &client, "tester", &mut on);
        tokio::pin!(pass);
        loop {
            tokio::select! {
                _ = &mut pass => break false,
                _ = tokio::time::sleep(std::time::Duration::from_millis(1)) => {}
            }
            if log
                .lock()
                .unwrap()
                .iter()
                .any(|e| matches!(e, terrain_sync::Event::Photos { .. }))
            {
                break true;
            }
        }
    };
    let events = log.lock().unwrap().clone();
    assert!(killed, "a photo event came: {events:?}");
    let acked = events
        .iter()
        .position(|e| matches!(e, terrain_sync::Event::Acked { count: 1 }))
        .expect("acknowledged");
    let pulled = events
        .iter()
        .position(|e| matches!(e, terrain_sync::Event::Pulled { received: 1, .. }))
        .expect("pulled binta's report");
    let photos = events
        .iter()
        .position(|e| matches!(e, terrain_sync::Event::Photos { .. }))
        .unwrap();
    assert!(acked < pulled && pulled < photos, "{events:?}");
    assert!(awa.store.outbox().unwrap().is_empty(), "text acknowledged");
    assert!(awa.store.get(other).unwrap().synced);
    let queued: Vec<_> = awa
        .store
        .photo_uploads()
        .unwrap()
        .into_iter()
        .map(|p| (p.sha256, p.report, p.size))
        .collect();
    let report = saved.revision.report_id;
    assert_eq!(queued.len(), 2, "{queued:?}");
    assert!(queued.contains(&(sha_a.clone(), report, a.len() as u64)));
    assert!(queued.contains(&(sha_b.clone(), report, b.len() as u64)));
    assert_eq!(server.revision_count().await, 2);

    // The next pass sends them, at once: the server may still be receiving the killed pass's
    // piece, and answers this pass where that piece left the upload; a third finds nothing.
    let (summary, _) = awa.sync().await.unwrap();
    assert_eq!((summary.sent, summary.photos), (0, 2));
    assert!(awa.store.photo_uploads().unwrap().is_empty());
    let (summary, _) = awa.sync().await.unwrap();
    assert_eq!((summary.sent, summary.photos), (0, 0));
    for (sha, bytes) in [(&sha_a, &a), (&sha_b, &b)] {
        assert_eq!(
            server.state.store.blob_bytes(sha).await.unwrap().unwrap(),
            *bytes
        );
    }
    assert_eq!(server.revision_count().await, 2, "nothing stored twice");

    // Sent twice (the server already holds it whole): stored once, still queued nowhere.
    awa.client().upload_blob(&sha_a, &a).await.unwrap();
    assert_eq!(
        server
            .state
            .store
            .blob_bytes(&sha_a)
            .await
            .unwrap()
            .unwrap(),
        a
    );
    server.stop().await;
}

//! USB bundle figures (issue 16, docs/bundles.md): `cargo bench -p terrain-tests --bench bundles`.
//!
//! One device store holds N final reports (`TERRAIN_BENCH_BUNDLE_REPORTS`, default 2,000), P of
//! them naming a photo of 300 kB (`TERRAIN_BENCH_BUNDLE_PHOTOS`, default 20). Prints:
//! - the bundle write rate on the device (reports/s, MB/s of bundle written, fsync included);
//! - the import rate at the server (SQLite, keys in a file: checked whole, stored as a push,
//!   the reply written), reports/s and MB/s of bundle read, and the reply read on the device;
//! - bundle bytes per report against what the same reports cost on the wire online: a second
//!   device with the same reports and photos signs in to a second server through a counting
//!   TCP proxy and syncs once (push, pull, photo uploads), every byte counted each way.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use terrain_protocol::Role;
use terrain_server::AppState;
use terrain_server::keys::ServerKeyring;
use terrain_server_engines::open_store;
use terrain_server_store::ContactKey;
use terrain_store::Store;
use terrain_tests::harness::PASSWORD;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PHOTO_BYTES: usize = 300_000;

/// A server on SQLite with its keys in a file, served on loopback.
async fn centre(dir: &Path) -> (AppState, String) {
    let db = format!("sqlite:{}", dir.join("server.db").display());
    let contact_key = ContactKey::load_or_create(&dir.join("contact.key")).unwrap();
    let store = open_store(&db, "terrain", &contact_key).await.unwrap();
    let keys = ServerKeyring::load_or_create(&dir.join("server.keys")).unwrap();
    let state = AppState::new(store, contact_key).with_server_keys(keys);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(terrain_server::serve(
        listener,
        terrain_server::router(state.clone()),
    ));
    terrain_server::add_user(
        &state,
        "awa",
        Role::Reporter,
        vec!["Kayes".into()],
        PASSWORD,
    )
    .await
    .unwrap();
    (state, url)
}

/// Bytes a proxy carried: up (device to server) and down.
#[derive(Default)]
struct Wire {
    up: AtomicU64,
    down: AtomicU64,
}

/// A TCP proxy on loopback to `upstream` (host:port) counting every byte each way.
async fn counting_proxy(upstream: String) -> (String, Arc<Wire>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let wire = Arc::new(Wire::default());
    let counted = Arc::clone(&wire);
    tokio::spawn(async move {
        while let Ok((inbound, _)) = listener.accept().await {
            let outbound = tokio::net::TcpStream::connect(&upstream).await.unwrap();
            let wire = Arc::clone(&counted);
            tokio::spawn(async move {
                let (ri, wi) = inbound.into_split();
                let (ro, wo) = outbound.into_split();
                let w = Arc::clone(&wire);
                let up = tokio::spawn(async move { pipe(ri, wo, &w.up).await });
                pipe(ro, wi, &wire.down).await;
                let _ = up.await;
            });
        }
    });
    (url, wire)
}

async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    count: &AtomicU64,
) {
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 || to.write_all(&buf[..n]).await.is_err() {
            break;
        }
        count.fetch_add(n as u64, Ordering::Relaxed);
    }
    let _ = to.shutdown().await;
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace(['_', ','], "").parse().ok())
        .unwrap_or(default)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    use rand::{Rng, SeedableRng};
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n = env("TERRAIN_BENCH_BUNDLE_REPORTS", 2_000);
    let photos = env("TERRAIN_BENCH_BUNDLE_PHOTOS", 20).min(n);
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (state_a, url_a) = centre(dir_a.path()).await;
    let (_state_b, url_b) = centre(dir_b.path()).await;
    let (proxy, wire) = counting_proxy(url_b.trim_start_matches("http://").to_string()).await;

    // Two devices holding the same reports and photos: one travels by bundle, one online.
    let (dev_a, dev_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = Arc::new(Store::open(dev_a.path()).unwrap());
    let b = Arc::new(Store::open(dev_b.path()).unwrap());
    terrain_sync::login(&a, &url_a, "awa", PASSWORD, "awa's tablet")
        .await
        .unwrap();
    terrain_sync::login(&b, &proxy, "awa", PASSWORD, "awa's laptop")
        .await
        .unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(16);
    let today = chrono::Local::now().date_naive();
    let mut batch = Vec::new();
    let mut photo_total = 0u64;
    for i in 0..n {
        let mut report = terrain_tests::varied_report().into_inner();
        if i < photos {
            let bytes: Vec<u8> = (0..PHOTO_BYTES).map(|_| rng.random()).collect();
            let sha = a.put_attachment(&bytes).unwrap();
            assert_eq!(b.put_attachment(&bytes).unwrap(), sha);
            photo_total += bytes.len() as u64;
            let mut v = serde_json::to_value(&report).unwrap();
            v["attachments"] = serde_json::json!([{"sha256": sha, "media_type": "image/jpeg",
                "size": PHOTO_BYTES, "file_name": format!("photo{i}.jpg")}]);
            report = serde_json::from_value(v).unwrap();
        }
        batch.push(terrain_domain::check(report, today).unwrap());
        if batch.len() == 500 || i + 1 == n {
            a.save_all(batch.clone(), "awa").unwrap();
            b.save_all(std::mem::take(&mut batch), "awa").unwrap();
        }
    }
    println!(
        "{n} reports, {photos} of them with a photo of {PHOTO_BYTES} bytes ({:.1} MB of photos)",
        mb(photo_total)
    );

    // The device writes its bundle.
    let (stick, back) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let t = Instant::now();
    let written =
        terrain_sync::write_bundle(&a, stick.path(), false, terrain_bundle::PART_BYTES).unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(written.revisions, n);
    println!(
        "bundle write: {:.2} s, {:.0} reports/s, {:.1} MB/s ({:.2} MB bundle)",
        secs,
        n as f64 / secs,
        mb(written.bytes) / secs,
        mb(written.bytes)
    );

    // The centre imports it and writes the reply.
    let t = Instant::now();
    let done = terrain_server::policy::bundles::import(
        &state_a,
        &written.files[0],
        Some(back.path()),
        today,
    )
    .await
    .unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(done.stored, n);
    let reply_bytes: u64 = done
        .reply
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    println!(
        "bundle import (checked, stored, reply written): {:.2} s, {:.0} reports/s, {:.1} MB/s of bundle; reply {:.2} MB ({} revisions pulled back)",
        secs,
        n as f64 / secs,
        mb(written.bytes) / secs,
        mb(reply_bytes),
        done.pulled
    );
    let t = Instant::now();
    let read = terrain_sync::read_reply(&a, &done.reply[0], "awa").unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(read.acked, n);
    println!(
        "reply read on the device: {:.2} s, {:.0} reports/s",
        secs,
        n as f64 / secs
    );

    // The same reports online, through the counting proxy.
    wire.up.store(0, Ordering::Relaxed);
    wire.down.store(0, Ordering::Relaxed);
    let client = terrain_sync::client_for(&b).unwrap();
    let t = Instant::now();
    let summary = terrain_sync::sync_once(&b, &client, "awa", &mut |_| {})
        .await
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(summary.acked, n, "{summary:?}");
    let (up, down) = (
        wire.up.load(Ordering::Relaxed),
        wire.down.load(Ordering::Relaxed),
    );
    println!(
        "online sync (push, pull, {} photos uploaded): {:.2} s, {:.0} reports/s; on the wire {:.2} MB up, {:.2} MB down",
        summary.photos,
        secs,
        n as f64 / secs,
        mb(up),
        mb(down)
    );
    let per = |bytes: u64| bytes as f64 / n as f64;
    let text = |bytes: u64| (bytes.saturating_sub(photo_total)) as f64 / n as f64;
    println!(
        "bytes per report: bundle {:.0} (photos aside {:.0}), reply bundle {:.0}; online up {:.0} (photos aside {:.0}), up and down {:.0}",
        per(written.bytes),
        text(written.bytes),
        per(reply_bytes),
        per(up),
        text(up),
        per(up + down)
    );
}

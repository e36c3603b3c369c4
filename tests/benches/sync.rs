//! Sync figures: `cargo bench -p terrain-tests --bench sync`.
//!
//! Prints, for each storage engine: reports/s and bytes on the wire per report when one device
//! pushes 10,000 queued reports to a loopback server (acked only once durable on the server),
//! and the server's ingest rate with 50 devices pushing at once.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;
use terrain_protocol::{PushStatus, Role};
use terrain_store::Store;
use terrain_tests::harness::{Engine, PASSWORD, Server};
use terrain_tests::proxy::FlakyProxy;

/// The push half of a sync pass: what `sync_once` does before it pulls.
async fn push_all(store: &Arc<Store>) -> usize {
    let client = terrain_sync::client_for(store).unwrap();
    let mut sent = 0;
    loop {
        let batch = store.pending(terrain_sync::PUSH_BATCH).unwrap();
        if batch.is_empty() {
            return sent;
        }
        let revisions: Vec<_> = batch.into_iter().map(|p| p.revision).collect();
        let results = client.push(&revisions).await.unwrap();
        assert!(results.iter().all(|r| r.status == PushStatus::Stored));
        let acks: Vec<_> = results.iter().map(|r| (r.rev_id, r.seq)).collect();
        store.acknowledge(&acks).unwrap();
        sent += revisions.len();
    }
}

async fn device(url: &str, user: &str, reports: usize) -> (tempfile::TempDir, Arc<Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    terrain_sync::login(&store, url, user, PASSWORD, "bench")
        .await
        .unwrap();
    let batch = (0..reports)
        .map(|_| terrain_tests::varied_report())
        .collect();
    store.save_all(batch, user).unwrap();
    (dir, store)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let report_bytes = terrain_domain::canonical_report_json(&terrain_tests::varied_report()).len();
    println!("a typical report: {report_bytes} bytes of canonical JSON");
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let Some(server) = Server::start(engine).await else {
            continue;
        };
        server.user("awa", Role::Admin, &[]).await;
        let proxy =
            FlakyProxy::start(server.url.trim_start_matches("http://").to_string(), None).await;
        let (_dir, store) = device(&proxy.url, "awa", 10_000).await;
        proxy.bytes.store(0, Ordering::Relaxed);
        let t = Instant::now();
        let sent = push_all(&store).await;
        let secs = t.elapsed().as_secs_f64();
        let wire = proxy.bytes.load(Ordering::Relaxed);
        println!(
            "{engine:?}: one device pushed {sent} reports in {secs:.2} s: {:.0} reports/s, {:.0} bytes/report on the wire",
            sent as f64 / secs,
            wire as f64 / sent as f64
        );

        let mut devices = Vec::new();
        for _ in 0..50 {
            devices.push(device(&server.url, "awa", 200).await);
        }
        let t = Instant::now();
        let tasks: Vec<_> = devices
            .iter()
            .map(|(_, store)| {
                let store = Arc::clone(store);
                tokio::spawn(async move { push_all(&store).await })
            })
            .collect();
        let mut total = 0;
        for task in tasks {
            total += task.await.unwrap();
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "{engine:?}: 50 devices pushed {total} reports at once in {secs:.2} s: {:.0} reports/s ingested",
            total as f64 / secs
        );
        server.stop().await;
    }
}

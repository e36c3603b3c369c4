//! `terrain sync --watch` runs the one sync loop the app runs: it sends what is queued, and a
//! refusal retrying cannot fix (a revoked device) stops it with plain words, in the reader's
//! language, instead of retrying for ever. The real binary against a real server on loopback.

mod common;

use common::{SEED, login, ok, server, terrain};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn a_revoked_device_stops_sync_watch_with_plain_words_in_the_readers_language() {
    let served = server();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["report", "import", SEED]);
    login(&data, &served.url);
    let store = Arc::clone(&served.store);
    served
        .rt
        .block_on(async move { store.revoke("awa", None, chrono::Utc::now()).await })
        .unwrap();

    let started = Instant::now();
    let out = terrain(&data, &["--lang", "fr", "sync", "--watch"])
        .output()
        .unwrap();
    let waited = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the loop stops: {stderr}");
    assert!(
        waited < Duration::from_secs(20),
        "at once, not after retries: {waited:?}"
    );
    assert!(
        stderr.contains("synchronisation arrêtée : le serveur a refusé")
            && stderr.contains("token_revoked")
            && stderr.contains("reconnectez-vous"),
        "{stderr}"
    );
    // The report stays queued for when the device signs in again.
    assert!(ok(&data, &["outbox"]).contains("1 revision(s)"), "queued");
}

#[test]
fn sync_watch_json_prints_the_loops_events_and_sends_what_is_queued() {
    let served = server();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["report", "import", SEED]);
    login(&data, &served.url);
    let mut child = terrain(&data, &["sync", "--watch", "--json"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut events = Vec::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let event: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
            let done = event["event"] == "up_to_date";
            events.push(event);
            if done {
                break;
            }
        }
        events
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while !lines.is_finished() {
        assert!(Instant::now() < deadline, "never up to date");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let events = lines.join().unwrap();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[..3], ["queued", "sent", "acked"], "{events:?}");
    assert_eq!(kinds.last(), Some(&"up_to_date"), "{events:?}");
    assert_eq!(events[2]["count"], 1);
}

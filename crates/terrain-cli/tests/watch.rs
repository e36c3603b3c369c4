//! `terrain sync --watch` runs the one sync loop the app runs: it sends what is queued, and a
//! refusal retrying cannot fix (a revoked device) stops it with plain words, in the reader's
//! language, instead of retrying for ever. The real binary against a real server on loopback.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use terrain_server_store::ServerStore;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/examples/bafoulabe-plants-attack.json"
);
const PASSPHRASE: &str = "red earth after the rain";
const PASSWORD: &str = "correct horse battery";

/// A real server for awa (Kayes) on a loopback port, and a way to revoke her tokens.
struct Served {
    url: String,
    store: Arc<dyn ServerStore>,
    rt: tokio::runtime::Handle,
}

fn server() -> Served {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let handle = rt.handle().clone();
        rt.block_on(async move {
            let dir = tempfile::tempdir().unwrap();
            let db = format!("sqlite:{}", dir.path().join("server.db").display());
            let key = terrain_server_store::ContactKey::random();
            let store = terrain_server_engines::open_store(&db, "terrain", &key)
                .await
                .unwrap();
            let state = terrain_server::AppState::new(store, key);
            terrain_server::add_user(
                &state,
                "awa",
                terrain_protocol::Role::Reporter,
                vec!["Kayes".to_string()],
                PASSWORD,
            )
            .await
            .unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            tx.send((url, Arc::clone(&state.store), handle)).unwrap();
            terrain_server::serve(listener, terrain_server::router(state)).await;
        });
    });
    let (url, store, rt) = rx.recv().unwrap();
    Served { url, store, rt }
}

fn terrain(data: &std::path::Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_terrain"));
    cmd.arg("--data").arg(data).args(args);
    cmd.env("TERRAIN_AUTHOR", "Awa Traoré")
        .env("TERRAIN_PASSPHRASE", PASSPHRASE)
        .env_remove("TERRAIN_DATA")
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .stdin(Stdio::null());
    cmd
}

fn ok(data: &std::path::Path, args: &[&str]) -> String {
    let out = terrain(data, args).output().unwrap();
    assert!(
        out.status.success(),
        "terrain {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn login(data: &std::path::Path, url: &str) {
    let mut child = terrain(
        data,
        &[
            "login",
            "--server",
            url,
            "--user",
            "awa",
            "--password-stdin",
        ],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "login: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

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

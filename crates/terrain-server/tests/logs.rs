//! The server's logs, even at debug level, never carry a password or a device token.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test]
async fn logs_name_who_did_what_but_never_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("s.db").display());
    let password = "kayes-secret-passphrase-42";
    let mut add = Command::new(env!("CARGO_BIN_EXE_terrain-server"))
        .args([
            "--db",
            &db,
            "user",
            "add",
            "awa",
            "--region",
            "Kayes",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(add.stdin.take().unwrap(), "{password}").unwrap();
    assert!(add.wait().unwrap().success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_terrain-server"))
        .args([
            "--db",
            &db,
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("RUST_LOG", "debug")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{base}/health")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let http = reqwest::Client::new();
    let session: serde_json::Value = http
        .post(format!("{base}/v1/sessions"))
        .header("Terrain-Protocol", "1")
        .json(&serde_json::json!({"user": "awa", "password": password, "device_name": "laptop"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap().to_string();
    let pulled = http
        .get(format!("{base}/v1/pull?since=0"))
        .bearer_auth(&token)
        .header("Terrain-Protocol", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(pulled.status().as_u16(), 200);
    // SIGTERM: a graceful stop, logs flushed.
    Command::new("kill")
        .arg(server.id().to_string())
        .status()
        .unwrap();
    server.wait().unwrap();
    let mut logs = String::new();
    server
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(
        logs.contains("device signed in"),
        "the logs were captured: {logs}"
    );
    assert!(logs.contains("user=awa"), "{logs}");
    assert!(!logs.contains(password), "a password leaked into the logs");
    assert!(!logs.contains(&token), "a token leaked into the logs");
}

//! Under TLS (`serve --tls-cert --tls-key`) the console's cookie is `__Host-terrain_console`,
//! Secure, HttpOnly, SameSite=Strict, Path=/; the plain-HTTP name is not read there.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test]
async fn under_tls_the_console_cookie_is_secure_and_host_prefixed() {
    let dir = tempfile::tempdir().unwrap();
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key_pair.serialize_pem()).unwrap();
    let db = format!("sqlite:{}", dir.path().join("s.db").display());
    let mut add = Command::new(env!("CARGO_BIN_EXE_terrain-server"))
        .args([
            "--db",
            &db,
            "user",
            "add",
            "fanta",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(add.stdin.take().unwrap(), "fanta's long password").unwrap();
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
        .arg("--tls-cert")
        .arg(&cert_path)
        .arg("--tls-key")
        .arg(&key_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let base = format!("https://localhost:{port}");
    let mut signed_in = None;
    for _ in 0..100 {
        if let Ok(resp) = client
            .post(format!("{base}/v1/console/session"))
            .json(&serde_json::json!({ "user": "fanta", "password": "fanta's long password" }))
            .send()
            .await
        {
            signed_in = Some(resp);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let resp = signed_in.expect("HTTPS answers");
    assert_eq!(resp.status().as_u16(), 200);
    let set_cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
    let who = async |cookie: &str| {
        client
            .get(format!("{base}/v1/console/session"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let pair = set_cookie.split(';').next().unwrap().to_string();
    let token = pair.split_once('=').unwrap().1.to_string();
    let (secure_status, plain_status) = (
        who(&pair).await,
        who(&format!("terrain_console={token}")).await,
    );
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(pair.starts_with("__Host-terrain_console="), "{set_cookie}");
    for flag in ["; Secure", "; HttpOnly", "; SameSite=Strict", "; Path=/"] {
        assert!(set_cookie.contains(flag), "{flag}: {set_cookie}");
    }
    assert!(!set_cookie.contains("Domain"), "{set_cookie}");
    assert_eq!(secure_status, 200);
    assert_eq!(
        plain_status, 401,
        "the unprefixed name is not read under TLS"
    );
}

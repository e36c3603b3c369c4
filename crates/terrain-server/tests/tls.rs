//! `terrain-server serve --tls-cert --tls-key` answers over HTTPS with rustls, with
//! Strict-Transport-Security, and counts failed sign-ins by each client's own address.

use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test]
async fn the_server_speaks_https_when_given_a_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key_pair.serialize_pem()).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_terrain-server"))
        .arg("--db")
        .arg(format!("sqlite:{}", dir.path().join("s.db").display()))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--tls-cert")
        .arg(&cert_path)
        .arg("--tls-key")
        .arg(&key_path)
        .args(["--sign-in-burst", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let mut answer = None;
    for _ in 0..100 {
        if let Ok(resp) = client
            .get(format!("https://localhost:{port}/health"))
            .send()
            .await
        {
            answer = Some((
                resp.status().as_u16(),
                resp.headers()
                    .get("strict-transport-security")
                    .map(|v| v.to_str().unwrap().to_string()),
            ));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Wrong sign-ins from two loopback addresses: the second is not refused for the first's.
    let from = |last: u8| {
        reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(cert.pem().as_bytes()).unwrap())
            .local_address(std::net::IpAddr::from([127, 0, 0, last]))
            .resolve("localhost", ([127, 0, 0, 1], port).into())
            .build()
            .unwrap()
    };
    let sign_in = async |client: &reqwest::Client, user: &str| {
        let resp = client
            .post(format!("https://localhost:{port}/v1/sessions"))
            .header("Terrain-Protocol", "1")
            .json(&serde_json::json!({"user": user, "password": "not the password", "device_name": "x"}))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body: serde_json::Value = resp.json().await.unwrap();
        (
            status,
            body["error"]["code"].as_str().unwrap_or("").to_string(),
        )
    };
    let (sprayer, neighbour) = (from(2), from(3));
    let mut sprayed = Vec::new();
    for user in ["awa", "musa", "fanta"] {
        sprayed.push(sign_in(&sprayer, user).await);
    }
    let other = sign_in(&neighbour, "oumar").await;
    let plain = reqwest::get(format!("http://127.0.0.1:{port}/health")).await;
    server.kill().unwrap();
    server.wait().unwrap();
    let (status, hsts) = answer.expect("HTTPS answers");
    assert_eq!(status, 200);
    assert_eq!(hsts.as_deref(), Some(terrain_server::HSTS));
    let refused = (429, "rate_limited".to_string());
    let wrong = (401, "bad_credentials".to_string());
    assert_eq!(sprayed, [wrong.clone(), wrong.clone(), refused]);
    assert_eq!(other, wrong, "another address is still heard");
    assert!(
        plain.is_err() || !plain.unwrap().status().is_success(),
        "plain HTTP does not"
    );
}

//! `terrain-server serve --tls-cert --tls-key` answers over HTTPS with rustls.

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
            answer = Some(resp.status().as_u16());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let plain = reqwest::get(format!("http://127.0.0.1:{port}/health")).await;
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(answer, Some(200), "HTTPS answers");
    assert!(
        plain.is_err() || !plain.unwrap().status().is_success(),
        "plain HTTP does not"
    );
}

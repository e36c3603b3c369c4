//! The administrator's commands leave audit events, and `terrain-server audit` prints them.

use std::io::Write;
use std::process::{Command, Stdio};

fn run(db: &str, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_terrain-server"))
        .args(["--db", db])
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        writeln!(child.stdin.take().unwrap(), "{input}").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{args:?} failed");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn user_add_and_token_revoke_are_audited_and_printed() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("s.db").display());
    let password = "kayes-secret-passphrase-42";
    run(
        &db,
        &[
            "user",
            "add",
            "awa",
            "--region",
            "Kayes",
            "--password-stdin",
        ],
        Some(password),
    );
    run(&db, &["token", "revoke", "--user", "awa"], None);
    let printed = run(&db, &["audit"], None);
    let lines: Vec<&str> = printed
        .lines()
        .filter(|l| l.contains("user_add") || l.contains("token_revoke"))
        .collect();
    assert_eq!(lines.len(), 2, "{printed}");
    assert!(
        lines[0].contains("user_add") && lines[0].contains("awa saved as reporter (Kayes)"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("token_revoke") && lines[1].contains("0 token(s) of awa"),
        "{}",
        lines[1]
    );
    assert!(lines[0].starts_with(&chrono::Utc::now().format("%Y-").to_string()));
    let limited = run(&db, &["audit", "--limit", "1"], None);
    assert!(
        limited.contains("user_add") && !limited.contains("token_revoke"),
        "{limited}"
    );
    assert!(!printed.contains(password));
    // Nowhere in the database files either (the hash is argon2, the audit has names only).
    for file in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(file.unwrap().path()).unwrap();
        assert!(
            !bytes
                .windows(password.len())
                .any(|w| w == password.as_bytes())
        );
    }
}

#[tokio::test]
async fn a_failed_sign_in_name_holding_a_forged_line_and_terminal_codes_prints_as_one_escaped_line()
{
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let store = std::sync::Arc::new(terrain_server_sqlite::SqliteStore::open(&path).unwrap());
    let app = terrain_server::router(terrain_server::AppState::new(
        store,
        terrain_server_store::ContactKey::random(),
    ));
    let name = "mallory\n2026-01-01T00:00:00Z  sign_in  admin  [laptop]  forged line\u{1b}[2J";
    let body = serde_json::json!({"user": name, "password": "x", "device_name": "d\u{202e}exe"});
    let answer = app
        .oneshot(
            Request::post("/v1/sessions")
                .header("Terrain-Protocol", "1")
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(answer.status().is_client_error(), "{}", answer.status());
    let db = format!("sqlite:{}", path.display());
    let printed = tokio::task::spawn_blocking(move || run(&db, &["audit"], None))
        .await
        .unwrap();
    assert!(
        !printed.contains(['\u{1b}', '\u{202e}']),
        "raw codes in {printed:?}"
    );
    // The audit lines only (a first run also logs that it made the server's keys).
    let lines: Vec<&str> = printed
        .lines()
        .filter(|l| !l.contains("terrain_server::keys"))
        .collect();
    assert_eq!(lines.len(), 1, "{printed}");
    assert!(
        lines[0].contains(
            "mallory\\u{a}2026-01-01T00:00:00Z  sign_in  admin  [laptop]  forged line\\u{1b}[2J"
        ) && lines[0].contains("[d\\u{202e}exe]"),
        "{}",
        lines[0]
    );
}

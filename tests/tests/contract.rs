//! The served /v1/openapi.json is the server's contract: Schemathesis (PyPI, in the project's
//! `.venv`, installed by `scripts/setup test`) generates requests from it, valid and invalid,
//! and runs every check it has against the real `terrain-server` binary, on each engine, with a
//! signed-in administrator's device token. Zero failures is the bar.
//!
//! Settings the document cannot carry (which statuses a schema-valid upload piece may still
//! get, the seeded blob and report) are in `tests/contract/schemathesis.toml`, each with its
//! reason.

use std::path::{Path, PathBuf};
use std::process::Command;
use terrain_domain::Revision;
use terrain_tests::harness::{PASSWORD, ServerProcess, built_binary, free_port, pg_url};

/// The blob and report the configuration names (see its `[dictionaries]`).
const BLOB: &[u8] = b"Terrain contract test: a photo of the plant";
const BLOB_SHA256: &str = "ac971c374ab55872cb8187960f1e661ed134289b75dbc8ae4481fbebeff7a95b";
const REPORT_ID: &str = "01930000-0000-7000-8000-00000000c0de";
/// A second blob, of which only the first half is uploaded: an upload in progress, for HEAD's
/// 204 and DELETE's.
const HALF: &[u8] = b"Terrain contract test: a second photo, half sent";
const HALF_SHA256: &str = "91b4bd2ca84ca93043df07157c2f396364742c47b94f3ebd43a434c0a3ca2683";

/// Test cases per operation and phase: about a minute per engine on two loaded cores.
const MAX_EXAMPLES: &str = "100";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn schemathesis() -> PathBuf {
    let bin = workspace().join(".venv/bin/schemathesis");
    assert!(
        bin.exists(),
        "{} is missing: run scripts/setup test",
        bin.display()
    );
    bin
}

/// Signs the administrator in, uploads a blob and half of another, and pushes a report naming
/// the first.
async fn sign_in_and_seed(url: &str) -> String {
    let client = reqwest::Client::new();
    let session: serde_json::Value = client
        .post(format!("{url}/v1/sessions"))
        .header("Terrain-Protocol", "1")
        .json(&serde_json::json!({ "user": "admin", "password": PASSWORD, "device_name": "contract" }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap().to_string();

    let put = client
        .put(format!("{url}/v1/blobs/{BLOB_SHA256}"))
        .header("Terrain-Protocol", "1")
        .bearer_auth(&token)
        .header("Upload-Offset", "0")
        .header("Upload-Length", BLOB.len().to_string())
        .body(BLOB)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 201, "the seed blob is stored");
    let half = client
        .put(format!("{url}/v1/blobs/{HALF_SHA256}"))
        .header("Terrain-Protocol", "1")
        .bearer_auth(&token)
        .header("Upload-Offset", "0")
        .header("Upload-Length", HALF.len().to_string())
        .body(&HALF[..HALF.len() / 2])
        .send()
        .await
        .unwrap();
    assert_eq!(half.status(), 204, "the second blob's upload is under way");

    let report = terrain_tests::seed_edited(|v| {
        v["id"] = serde_json::json!(REPORT_ID);
        v["attachments"] = serde_json::json!([{ "sha256": BLOB_SHA256, "media_type": "image/jpeg",
            "size": BLOB.len(), "file_name": "plant.jpg" }]);
    });
    let revision = Revision::new(report, vec![], "admin", "contract", chrono::Utc::now());
    let pushed: terrain_protocol::PushAnswer = client
        .post(format!("{url}/v1/push"))
        .header("Terrain-Protocol", "1")
        .bearer_auth(&token)
        .json(&terrain_protocol::Push {
            revisions: vec![revision],
        })
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        pushed.results[0].status,
        terrain_protocol::PushStatus::Stored
    );
    token
}

/// Serves `db` from the binary, seeds it, runs Schemathesis with every check and asserts it
/// found nothing; prints its summary (operations, test cases).
async fn contract_holds(db: &str, engine: &str) {
    let bin = built_binary("terrain-server");
    let bin = bin.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let add = Command::new(bin)
        .args(["--db", db, "user", "add", "admin", "--role", "admin"])
        .args(["--password-stdin"])
        .env("TERRAIN_SERVER_CONTACT_KEY", dir.path().join("contact.key"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .and_then(|mut add| {
            use std::io::Write;
            writeln!(add.stdin.take().unwrap(), "{PASSWORD}")?;
            add.wait()
        })
        .unwrap();
    assert!(add.success(), "user add");
    // Schemathesis tries thousands of sign-ins from one address: the per-address limit on
    // failures would answer most with 429 and leave the handler untested.
    let server = ServerProcess::start(
        bin,
        db,
        free_port(),
        &[
            "--sign-in-burst",
            "1000000",
            "--contact-key",
            dir.path().join("contact.key").to_str().unwrap(),
        ],
    )
    .await;
    let url = server.url();
    let token = sign_in_and_seed(&url).await;

    let started = std::time::Instant::now();
    let out = Command::new(schemathesis())
        .current_dir(dir.path())
        .env("TERRAIN_TOKEN", &token)
        .env("NO_COLOR", "1")
        .arg("--config-file")
        .arg(workspace().join("tests/contract/schemathesis.toml"))
        .args(["run", &format!("{url}/v1/openapi.json")])
        .args(["--checks", "all", "--max-examples", MAX_EXAMPLES])
        // One worker: Python 3.11's parser is not thread-safe (CPython gh-106905, "AST
        // constructor recursion depth mismatch"), and Hypothesis parses lambdas' source.
        .args(["--workers", "1"])
        .output()
        .expect("schemathesis runs");
    let report = String::from_utf8_lossy(&out.stdout);
    let summary: Vec<&str> = report
        .lines()
        .filter(|l| l.contains("Selected:") || l.contains(" generated") || l.contains("⚠️"))
        .map(str::trim)
        .collect();
    println!(
        "schemathesis on {engine}, {:.0?}: {}",
        started.elapsed(),
        summary.join("; ")
    );
    assert!(
        out.status.success(),
        "Schemathesis found failures on {engine}:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Every route of the table, but the document itself (Schemathesis leaves out the URL it
    // loaded the schema from).
    let operations = terrain_server::routes::ROUTES.len() - 1;
    assert!(
        report
            .lines()
            .any(|l| l.trim() == format!("Tested: {operations}")),
        "Schemathesis did not test all {operations} operations on {engine}:\n{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_keeps_its_documented_contract_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("server.db").display());
    contract_holds(&db, "SQLite").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_keeps_its_documented_contract_on_postgres() {
    // A database of its own, dropped afterwards, so the run starts empty and leaves nothing.
    let name = format!("contract_{}", uuid::Uuid::now_v7().simple());
    let (admin, connection) = match tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls).await
    {
        Ok(c) => c,
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!(
                "SKIPPED: PostgreSQL not reachable at {} ({e}); CI requires it",
                pg_url()
            );
            return;
        }
        Err(e) => panic!("PostgreSQL at {}: {e}", pg_url()),
    };
    tokio::spawn(connection);
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = pg_url();
    let db = format!("{}/{name}", &base[..base.rfind('/').unwrap()]);
    let result = tokio::spawn(async move { contract_holds(&db, "PostgreSQL").await }).await;
    admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Found by Schemathesis: JSON Schema (and so the document) calls `3.0` an integer, and a
/// JavaScript or Python client may write it so; the server refused the whole push (400).
#[tokio::test]
async fn a_push_may_write_whole_numbers_as_floats() {
    use terrain_tests::harness::{Engine, Server};
    let server = Server::start(Engine::Sqlite).await.unwrap();
    server
        .user("ama", terrain_protocol::Role::Reporter, &["Kayes"])
        .await;
    let client = reqwest::Client::new();
    let token = server.sign_in(&client, "ama", PASSWORD).await.body["token"]
        .as_str()
        .unwrap()
        .to_string();
    let revision = Revision::new(
        terrain_tests::seed_with_new_id(),
        vec![],
        "ama",
        "laptop",
        chrono::Utc::now(),
    );
    let body = serde_json::to_string(&terrain_protocol::Push {
        revisions: vec![revision],
    })
    .unwrap();
    assert!(body.contains(r#""amount":3,"#));
    let body = body.replace(r#""amount":3,"#, r#""amount":3.0,"#);
    let answer = client
        .post(format!("{}/v1/push", server.url))
        .header("Terrain-Protocol", "1")
        .header("Content-Type", "application/json")
        .bearer_auth(&token)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let answer: terrain_protocol::PushAnswer = answer.json().await.unwrap();
    assert_eq!(
        answer.results[0].status,
        terrain_protocol::PushStatus::Stored,
        "{answer:?}"
    );
}

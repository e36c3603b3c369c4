//! Signed receipts and the server's keys (issue 16, docs/receipts.md), with a real server on
//! loopback, both engines: each push answer carries a receipt that checks against the key the
//! device learned at sign-in, a retry gets the very same receipt, the device keeps it with the
//! ack; the keys are made once in the data folder and survive restarts of the real binary.

use terrain_protocol::receipt::{self, parse_public_key};
use terrain_protocol::{PushStatus, Role, ServerKeys};
use terrain_tests::harness::{Engine, PASSWORD, Server, ServerProcess, free_port, pg_url};
use terrain_tests::seed_with_new_id;

terrain_tests::on_both_engines!(
    push_answers_carry_valid_receipts_and_a_retry_gets_the_same,
    keys_persist_across_restarts
);

async fn push_answers_carry_valid_receipts_and_a_retry_gets_the_same(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let device = server.device("awa").await;
    let public = server.state.server_keys.public();
    let known = device.store.server_keys().unwrap();
    assert_eq!(known.len(), 1);
    assert_eq!(known[0].signing, public.signing);
    assert_eq!(
        known[0].fingerprint.as_deref(),
        Some(public.fingerprint.as_str())
    );
    assert_eq!(known[0].sealing.as_deref(), Some(public.sealing.as_str()));

    let saved: Vec<_> = (0..3)
        .map(|_| device.store.save(seed_with_new_id(), "awa").unwrap())
        .collect();
    let (summary, _) = device.sync().await.unwrap();
    assert_eq!(summary.acked, 3);
    assert_eq!(device.store.pending_count().unwrap(), 0);

    // Kept with the ack, valid, for exactly the revision and content sent.
    let key = parse_public_key(&public.signing).unwrap();
    let mut first = Vec::new();
    for s in &saved {
        let kept = device.store.receipt(s.revision.id).unwrap().expect("kept");
        assert!(kept.valid, "{:?}", kept.problem);
        let r: terrain_protocol::Receipt = serde_json::from_str(&kept.receipt).unwrap();
        assert_eq!(receipt::verify(&r, &key), Ok(()));
        let rev = device.store.revision(s.revision.id).unwrap().unwrap();
        assert_eq!(r.body.rev_id, rev.id);
        assert_eq!(r.body.report_id, rev.report_id);
        assert_eq!(r.body.content_hash, rev.content_hash);
        first.push((rev, r));
    }

    // A retry (already held) is answered with the very same receipts, read from the rows.
    let revisions: Vec<_> = first.iter().map(|(rev, _)| rev.clone()).collect();
    let again = device.client().push(&revisions).await.unwrap();
    for (result, (_, receipt)) in again.iter().zip(&first) {
        assert_eq!(result.status, PushStatus::AlreadyHave);
        assert_eq!(result.receipt.as_ref(), Some(receipt));
    }

    // A receipt altered in transit is kept flagged, and its ack still counts.
    let (rev, good) = &first[0];
    let mut altered = good.clone();
    altered.body.seq += 1;
    let keys = device.store.server_keys().unwrap();
    let flagged = terrain_sync::receipts::keep(&keys, &altered, rev.id, &rev.content_hash);
    assert!(!flagged.valid);
    assert!(flagged.problem.unwrap().starts_with("signature:"));
    server.stop().await;
}

async fn get_keys(url: &str) -> ServerKeys {
    reqwest::get(format!("{url}/v1/server-keys"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn keys_show(bin: &str, db: &str, extra: &[&str]) -> String {
    let out = std::process::Command::new(bin)
        .args(["--db", db])
        .args(extra)
        .args(["keys", "show"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn keys_persist_across_restarts(engine: Engine) {
    let bin = env!("CARGO_BIN_EXE_terrain-server-under-test");
    let dir = tempfile::tempdir().unwrap();
    let contact = dir.path().join("contact.key");
    let contact = contact.to_str().unwrap();
    let schema = format!("keys_{}", uuid::Uuid::now_v7().simple());
    let (db, extra): (String, Vec<&str>) = match engine {
        Engine::Sqlite => (
            format!("sqlite:{}", dir.path().join("server.db").display()),
            vec![],
        ),
        Engine::Postgres => {
            if tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls)
                .await
                .is_err()
                && std::env::var_os("CI").is_none()
            {
                eprintln!("SKIPPED: PostgreSQL not reachable at {}", pg_url());
                return;
            }
            (
                pg_url(),
                vec!["--pg-schema", &schema, "--contact-key", contact],
            )
        }
    };
    let server = ServerProcess::start(bin, &db, free_port(), &extra).await;
    let made = get_keys(&server.url()).await;
    server.kill();
    let path = dir.path().join("server.keys");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&path).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "the key file is the owner's only");

    // The same keys after a restart, from the same file; the administrator sees the same
    // fingerprint; a sign-in carries them.
    let server = ServerProcess::start(bin, &db, free_port(), &extra).await;
    assert_eq!(get_keys(&server.url()).await, made);
    let shown = keys_show(bin, &db, &extra);
    assert!(
        shown.starts_with(&format!("Fingerprint: {}\n", made.fingerprint)),
        "{shown}"
    );
    let mut add = std::process::Command::new(bin)
        .args(["--db", &db])
        .args(&extra)
        .args([
            "user",
            "add",
            "awa",
            "--region",
            "Kayes",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(add.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(add.wait().unwrap().success());
    let session: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/v1/sessions", server.url()))
        .header("Terrain-Protocol", "1")
        .json(&serde_json::json!({"user": "awa", "password": PASSWORD, "device_name": "t"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let carried: ServerKeys = serde_json::from_value(session["server_keys"].clone()).unwrap();
    assert_eq!(carried, made);
    server.kill();

    // A rotation keeps the old signing key as retired: its receipts still check.
    let out = std::process::Command::new(bin)
        .args(["--db", &db])
        .args(&extra)
        .args(["keys", "rotate"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let server = ServerProcess::start(bin, &db, free_port(), &extra).await;
    let rotated = get_keys(&server.url()).await;
    assert_ne!(rotated.key_id, made.key_id);
    assert_ne!(rotated.fingerprint, made.fingerprint);
    assert_eq!(rotated.retired.len(), 1);
    assert_eq!(
        rotated.signing_key(&made.key_id),
        Some(made.signing.as_str())
    );
    server.kill();
    if engine == Engine::Postgres {
        terrain_server_postgres::drop_schema(&pg_url(), &schema)
            .await
            .unwrap();
    }
}

//! The server's signed receipts from the terminal (issue 16, docs/receipts.md): after a sync,
//! `terrain report history` says "received by the server at T, receipt valid", the report's PDF
//! prints the receipt, and `terrain receipt verify` checks one offline (exit code 0), and
//! refuses an altered one or another server's key (exit code 1, plain words). The real binary
//! against a real server on loopback.

mod common;

use common::{SEED, Served, login, ok, server, terrain};
use serde_json::Value;
use std::process::{Command, Output};

fn run(data: &std::path::Path, args: &[&str]) -> Output {
    terrain(data, args).output().unwrap()
}

fn pdftotext(pdf: &std::path::Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn receipts_are_kept_shown_printed_and_verified_offline() {
    let Served { url, keys, .. } = server();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["report", "import", SEED]);
    let id = "019a8f3c";
    // Before any sync there is no receipt to check.
    let none = run(&data, &["receipt", "verify", "--report", id]);
    assert_eq!(none.status.code(), Some(1));
    login(&data, &url);
    ok(&data, &["sync"]);

    let history = ok(&data, &["report", "history", id]);
    assert!(
        history.contains("received by the server at ") && history.contains(", receipt valid"),
        "{history}"
    );
    assert!(
        history.contains(&format!("key {}", keys.key_id)),
        "{history}"
    );
    let json: Value =
        serde_json::from_str(&ok(&data, &["report", "history", id, "--json"])).unwrap();
    assert_eq!(json[0]["receipt"]["valid"], true);
    assert_eq!(json[0]["receipt"]["key_id"], keys.key_id.as_str());

    // Checked offline: against the keys learned at sign-in, and from a file against a key
    // given, with no store at all.
    let kept = run(&data, &["receipt", "verify", "--report", id]);
    let said = String::from_utf8_lossy(&kept.stdout);
    assert_eq!(kept.status.code(), Some(0), "{said}");
    assert!(said.starts_with("VALID: revision "), "{said}");
    let shown = ok(&data, &["receipt", "show", id]);
    let file = dir.path().join("receipt.json");
    std::fs::write(&file, &shown).unwrap();
    let nowhere = dir.path().join("no-store-here");
    let alone = run(
        &nowhere,
        &[
            "receipt",
            "verify",
            file.to_str().unwrap(),
            "--key",
            &keys.signing,
        ],
    );
    assert_eq!(
        alone.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&alone.stderr)
    );
    assert!(!nowhere.exists(), "no store was made to check a file");

    // An altered receipt, or another server's key: exit code 1, said in plain words.
    let mut altered: Value = serde_json::from_str(&shown).unwrap();
    let seq = altered[0]["body"]["seq"].as_i64().unwrap();
    altered[0]["body"]["seq"] = Value::from(seq + 1);
    let bad = dir.path().join("altered.json");
    std::fs::write(&bad, altered.to_string()).unwrap();
    let out = run(
        &nowhere,
        &[
            "receipt",
            "verify",
            bad.to_str().unwrap(),
            "--key",
            &keys.signing,
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.starts_with("NOT VALID: ") && said.contains("signature"),
        "{said}"
    );
    let other_server = server().keys;
    let other = other_server.signing.as_str();
    let out = run(
        &nowhere,
        &["receipt", "verify", file.to_str().unwrap(), "--key", other],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not with this key"));
    let out = run(&data, &["receipt", "verify", bad.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the device's own keys refuse it too"
    );

    // The report's PDF prints the receipt and how to check it.
    let pdf = dir.path().join("report.pdf");
    ok(
        &data,
        &[
            "export",
            "pdf",
            "--report",
            id,
            "--out",
            pdf.to_str().unwrap(),
        ],
    );
    let text = pdftotext(&pdf);
    let receipt: Value = serde_json::from_str(&shown).unwrap();
    let signature = receipt[0]["signature"].as_str().unwrap();
    for expected in [
        "Server receipt",
        receipt[0]["body"]["received_at"].as_str().unwrap(),
        &keys.key_id,
        &signature[..44],
        &signature[44..],
        "terrain receipt verify --report",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
}

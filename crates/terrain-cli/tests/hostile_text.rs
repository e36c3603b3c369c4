//! Hostile text through the real `terrain` binary: a title carrying an escape sequence, a NUL
//! and a right-to-left override is refused, naming the field, and nothing is saved.

use serde_json::{Value, json};
use std::process::{Command, Output, Stdio};

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

fn terrain(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_terrain"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env("TERRAIN_AUTHOR", "Awa Traoré")
        .env("TERRAIN_PASSPHRASE", "red earth after the rain")
        .env_remove("TERRAIN_NEW_PASSPHRASE")
        .env_remove("TERRAIN_DATA")
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn saved_reports(data: &std::path::Path) -> u64 {
    let out = terrain(data, &["report", "list", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    list["total"].as_u64().unwrap()
}

#[test]
fn import_refuses_a_hostile_title_naming_the_field_and_saves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for (title, expected) in [
        (
            "Plants\u{1b}[2J burned",
            "Title: contains a control character (U+001B) at position 7",
        ),
        (
            "Plants burned\0",
            "Title: contains a control character (U+0000) at position 14",
        ),
        (
            "photo\u{202E}gnp.exe",
            "Title: contains a bidirectional control (U+202E) at position 6",
        ),
    ] {
        let mut report: Value = serde_json::from_str(SEED).unwrap();
        report["title"] = json!(title);
        let file = dir.path().join("hostile.json");
        std::fs::write(&file, report.to_string()).unwrap();
        let out = terrain(&data, &["report", "import", file.to_str().unwrap()]);
        assert!(!out.status.success(), "{title:?} was imported");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(expected), "{expected}\n{err}");
        assert!(err.contains("nothing imported"), "{err}");
        assert!(
            !err.contains(['\u{1b}', '\0', '\u{202E}']),
            "the message does not repeat the character: {err:?}"
        );
        assert_eq!(saved_reports(&data), 0, "{title:?}");
    }
    let file = dir.path().join("seed.json");
    std::fs::write(&file, SEED).unwrap();
    let out = terrain(&data, &["report", "import", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(saved_reports(&data), 1);
}

//! `terrain incident`: the seed case from the terminal. Two officials' reports of the
//! Bafoulabé attack are suggested, linked (the incident shows 3–4 abducted with both sources),
//! unlinked, dismissed; human and --json output.

use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");
const OFFICIAL: &str = "019ac0de-0000-7000-8000-000000000002";

fn terrain(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_terrain"))
        .arg("--data")
        .arg(dir)
        .args(args)
        .env("TERRAIN_AUTHOR", "Awa Traoré")
        .env("LANG", "C.UTF-8")
        .env_remove("TERRAIN_DATA")
        .env("TERRAIN_PASSPHRASE", "red earth after the rain")
        .env_remove("TERRAIN_NEW_PASSPHRASE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "terrain {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn write(dir: &Path, name: &str, v: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, v.to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn the_seed_case_is_suggested_linked_shown_unlinked_and_dismissed() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut wamaps: Value = serde_json::from_str(SEED).unwrap();
    wamaps["figures"]["abducted"] = json!([{"amount": 3, "source": "wamaps"}]);
    let mut official = wamaps.clone();
    official["id"] = json!(OFFICIAL);
    official["title"] = json!("Attaque de trois usines à Bafoulabé, quatre civils enlevés");
    official["when"]["date"] = json!("2026-11-19");
    official["where"]
        .as_object_mut()
        .unwrap()
        .remove("coordinates");
    official["figures"]["abducted"] = json!([{"amount": 4, "source": "elected-official"}]);
    let a = write(tmp.path(), "a.json", &wamaps);
    let b = write(tmp.path(), "b.json", &official);
    terrain(&data, &["report", "import", &a]);
    terrain(&data, &["report", "import", &b]);

    let out = terrain(&data, &["incident", "similar", "019ac0de"]);
    assert!(
        out.contains("May be the same incident as 019a8f3c"),
        "{out}"
    );
    assert!(out.contains("same region"), "{out}");
    let found: Value = serde_json::from_str(&terrain(
        &data,
        &["incident", "similar", "019ac0de", "--json"],
    ))
    .unwrap();
    assert_eq!(
        found[0]["report"]["id"],
        "019a8f3c-5d2e-7a41-b6c3-2f1e0d9c8b7a"
    );
    assert!(
        found[0]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["key"] == "dates_overlap")
    );

    let out = terrain(&data, &["incident", "link", "019ac0de", "019a8f3c"]);
    assert!(out.contains("(2 reports)"), "{out}");
    assert!(out.contains("Abducted: 3–4, sources disagree"), "{out}");
    assert!(
        out.contains("Wamaps") && out.contains("An elected official"),
        "{out}"
    );
    assert!(out.contains("From 2026-11-18 to 2026-11-19"), "{out}");
    // In French (`--lang fr`, as every command): the catalogue's words.
    let out = terrain(&data, &["--lang", "fr", "incident", "show", "019a8f3c"]);
    assert!(out.contains("(2 rapports)"), "{out}");
    assert!(
        out.contains("Enlevés : 3–4, les sources divergent (Wamaps"),
        "{out}"
    );
    assert!(out.contains("Du 2026-11-18 au 2026-11-19"), "{out}");
    assert!(out.contains("Source : Wamaps"), "{out}");
    let shown: Value =
        serde_json::from_str(&terrain(&data, &["incident", "show", "019a8f3c", "--json"])).unwrap();
    assert_eq!(shown["id"], "019a8f3c-5d2e-7a41-b6c3-2f1e0d9c8b7a");
    assert_eq!(shown["reports"].as_array().unwrap().len(), 2);
    let out = terrain(&data, &["incident", "similar", "019ac0de"]);
    assert!(out.contains("No other report"), "{out}");

    let out = terrain(&data, &["incident", "unlink", "019ac0de", "019a8f3c"]);
    assert!(out.contains("Linked to no other report"), "{out}");
    assert!(terrain(&data, &["incident", "similar", "019ac0de"]).contains("May be the same"));
    let out = terrain(&data, &["--lang", "fr", "incident", "similar", "019ac0de"]);
    assert!(
        out.contains("Peut-être le même incident que 019a8f3c"),
        "{out}"
    );
    assert!(out.contains("même région"), "{out}");
    assert!(!out.contains("same region"), "{out}");

    let out = terrain(&data, &["incident", "dismiss", "019a8f3c", "019ac0de"]);
    assert!(out.contains("will not be suggested again"), "{out}");
    let out = terrain(&data, &["--lang", "fr", "incident", "similar", "019a8f3c"]);
    assert!(out.contains("Aucun autre rapport"), "{out}");
    assert!(terrain(&data, &["incident", "similar", "019a8f3c"]).contains("No other report"));
}

//! `terrain site conflicts` and `terrain site resolve` (issue 15), the real binary on two data
//! folders of one reporter syncing through a real server: both change the Diawara plant's
//! operator offline, both see the same conflict (in English and in French), one settles it
//! taking the other's operator, and after syncing neither has a conflict and both show it.

mod common;

use common::{login, ok, server, terrain};
use serde_json::{Value, json};
use std::path::Path;

const SITE_ID: &str = "019a8f3c-5d2e-7a41-b6c3-00000000517e";

fn plant(dir: &Path, operator: &str) -> String {
    let mut site: Value = serde_json::from_str(include_str!(
        "../../../docs/examples/sites/diawara-plant.json"
    ))
    .unwrap();
    site["id"] = json!(SITE_ID);
    site["operator"] = json!(operator);
    let file = dir.join(format!("plant-{}.json", operator.len()));
    std::fs::write(&file, site.to_string()).unwrap();
    file.to_str().unwrap().to_string()
}

fn operator(data: &Path) -> String {
    let sites: Value = serde_json::from_str(&ok(data, &["site", "list", "--json"])).unwrap();
    sites[0]["operator"].as_str().unwrap().to_string()
}

#[test]
fn a_site_conflict_is_listed_settled_field_by_field_and_gone_on_both_devices() {
    let served = server();
    let work = tempfile::tempdir().unwrap();
    let (a, b) = (work.path().join("a"), work.path().join("b"));
    ok(
        &a,
        &[
            "site",
            "add",
            "--json",
            &plant(work.path(), "Ibrahima Diawara"),
        ],
    );
    login(&a, &served.url);
    login(&b, &served.url);
    ok(&a, &["sync"]);
    ok(&b, &["sync"]);
    assert_eq!(operator(&b), "Ibrahima Diawara");
    assert_eq!(ok(&a, &["site", "conflicts"]).trim(), "No site conflicts.");

    // Offline, each device names another operator.
    ok(
        &a,
        &[
            "site",
            "add",
            "--json",
            &plant(work.path(), "Diawara et fils"),
        ],
    );
    ok(
        &b,
        &["site", "add", "--json", &plant(work.path(), "Diawara SARL")],
    );
    ok(&a, &["sync"]);
    ok(&b, &["sync"]);
    ok(&a, &["sync"]);

    let listed = ok(&a, &["site", "conflicts"]);
    assert!(
        listed.contains("Calcium carbonate, lime and plaster plant")
            && listed.contains("two versions disagree on operator"),
        "{listed}"
    );
    assert!(
        listed.contains("ours, by awa on") && listed.contains(": Diawara et fils"),
        "{listed}"
    );
    assert!(
        listed.contains("theirs, by awa on") && listed.contains(": Diawara SARL"),
        "{listed}"
    );
    assert!(listed.contains("terrain site resolve"), "{listed}");
    // `terrain conflicts` lists sites too.
    assert!(ok(&a, &["conflicts"]).contains("two versions disagree on operator"));
    let json: Value = serde_json::from_str(&ok(&a, &["site", "conflicts", "--json"])).unwrap();
    assert_eq!(json[0]["site_id"], SITE_ID);
    assert_eq!(json[0]["disputes"][0]["path"], "operator");
    assert_eq!(json[0]["ours"]["operator"], "Diawara et fils");
    let french = ok(&b, &["--lang", "fr", "site", "conflicts"]);
    assert!(
        french.contains("deux versions divergent sur operator"),
        "{french}"
    );
    assert!(french.contains("la nôtre, par awa le"), "{french}");

    // A disputed field left without a version, a field the versions do not dispute, a version
    // that is not one: each refused by name, nothing written.
    let refused = |args: &[&str]| {
        let out = terrain(&a, args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let err = refused(&["site", "resolve", SITE_ID, "--take", "place=theirs"]);
    assert!(err.contains("for operator"), "{err}");
    let err = refused(&[
        "site",
        "resolve",
        SITE_ID,
        "--take",
        "place=theirs",
        "--take",
        "ours",
    ]);
    assert!(err.contains("place: the versions do not disagree"), "{err}");
    let err = refused(&["site", "resolve", SITE_ID, "--take", "operator=mine"]);
    assert!(err.contains("`ours` or `theirs`"), "{err}");
    assert!(ok(&a, &["site", "conflicts"]).contains("two versions disagree on operator"));

    // Settled on A with B's operator; after syncing, gone on both.
    let said = ok(
        &a,
        &[
            "site",
            "resolve",
            &SITE_ID[..13],
            "--take",
            "operator=theirs",
        ],
    );
    assert!(said.contains("Settled: site Calcium carbonate"), "{said}");
    assert_eq!(operator(&a), "Diawara SARL");
    assert_eq!(ok(&a, &["site", "conflicts"]).trim(), "No site conflicts.");
    ok(&a, &["sync"]);
    ok(&b, &["sync"]);
    assert_eq!(ok(&b, &["site", "conflicts"]).trim(), "No site conflicts.");
    assert_eq!(operator(&b), "Diawara SARL");
    assert_eq!(ok(&b, &["conflicts"]).trim(), "No conflicts.");
}

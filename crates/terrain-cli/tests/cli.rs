//! The real `terrain` binary, run on a fresh data folder per test, as a user would.

use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/examples/bafoulabe-plants-attack.json"
);
const SITE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/examples/sites/diawara-plant.json"
);

const PASSPHRASE: &str = "red earth after the rain";

struct Terrain {
    dir: tempfile::TempDir,
}

impl Terrain {
    fn new() -> Terrain {
        Terrain {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_terrain"));
        cmd.arg("--data")
            .arg(self.dir.path().join("data"))
            .args(args);
        cmd.env("TERRAIN_AUTHOR", "Awa Traoré")
            .env("TERRAIN_PASSPHRASE", PASSPHRASE)
            .env_remove("TERRAIN_NEW_PASSPHRASE")
            .env_remove("TERRAIN_DATA")
            // Messages in English unless a test asks for French.
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES");
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).stdin(Stdio::null()).output().unwrap()
    }

    /// Runs and expects success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "terrain {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs and expects failure; returns stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "terrain {args:?} should have failed");
        assert!(out.stdout.is_empty() || !String::from_utf8_lossy(&out.stdout).contains("Saved"));
        String::from_utf8(out.stderr).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    fn file(&self, name: &str, content: &Value) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, serde_json::to_string_pretty(content).unwrap()).unwrap();
        path
    }

    fn count(&self) -> usize {
        self.json(&["report", "list", "--json"])["total"]
            .as_u64()
            .unwrap() as usize
    }
}

fn seed() -> Value {
    serde_json::from_str(&std::fs::read_to_string(SEED).unwrap()).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn import_list_search_show_edit_and_history_of_the_seed_incident() {
    let t = Terrain::new();
    let out = t.ok(&["report", "import", SEED]);
    assert!(
        out.contains("saved     019a8f3c-5d2e-7a41-b6c3-2f1e0d9c8b7a"),
        "{out}"
    );
    assert!(out.contains("1 report(s) imported."));

    let list = t.ok(&["report", "list"]);
    assert!(
        list.contains("Three industrial plants attacked and burned near Bafoulabé"),
        "{list}"
    );
    assert!(
        list.contains("abducted: 3\u{2013}4, sources disagree"),
        "{list}"
    );
    assert!(list.contains("queued"), "{list}");

    for query in ["Bafoulabé", "bafoulabe", "BAFOULABE"] {
        let found = &t.json(&["report", "search", query, "--json"])["reports"];
        assert_eq!(found.as_array().unwrap().len(), 1, "search {query}");
        assert_eq!(found[0]["id"], "019a8f3c-5d2e-7a41-b6c3-2f1e0d9c8b7a");
    }
    assert!(
        t.ok(&["report", "search", "Kidal"])
            .contains("No reports match.")
    );

    let show = t.ok(&["report", "show", "019a8f3c"]);
    for expected in [
        "Abducted: 3\u{2013}4, sources disagree",
        "Wamaps, collective of West African journalists",
        "An elected official of the Kayes region",
        "Where:  Industrial zone near Bafoulabé town, Bafoulabé, Kayes",
        "What:   Violence against civilians / Abduction/forced disappearance",
        "JNIM (Group to Support Islam and Muslims) (suspected)",
        "reliability: usually reliable",
    ] {
        assert!(show.contains(expected), "show lacks {expected:?}:\n{show}");
    }

    // The JSON form round-trips: show it, change it, save it as an edit.
    let mut report = t.json(&["report", "show", "019a8f3c", "--json"]);
    // Claims come back with the ids the store gave them; otherwise as imported.
    let mut shown = report["figures"]["abducted"].clone();
    for claim in shown.as_array_mut().unwrap() {
        assert!(claim["id"].is_string(), "{claim}");
        claim.as_object_mut().unwrap().remove("id");
    }
    assert_eq!(shown, seed()["figures"]["abducted"]);
    report["narrative"] = json!("Four civilians abducted according to the prefecture.");
    report["figures"]["abducted"]
        .as_array_mut()
        .unwrap()
        .push(json!({"amount": 4, "source": "security"}));
    let edited = t.file("edited.json", &report);
    let out = t.ok(&["report", "edit", "019a8f3c", "--json", s(&edited)]);
    assert!(out.starts_with("Saved revision "), "{out}");
    assert!(
        t.ok(&["report", "edit", "019a8f3c", "--json", s(&edited)])
            .starts_with("No change")
    );

    let history = t.json(&["report", "history", "019a8f3c", "--json"]);
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["parents"], json!([]));
    assert_eq!(history[1]["parents"], json!([history[0]["revision"]]));
    assert_eq!(history[1]["author"], "Awa Traoré");
    assert!(history.iter().all(|h| h["hash_verified"] == true));
    assert!(
        t.ok(&["report", "show", "019a"])
            .contains("Four civilians abducted")
    );
    assert_eq!(t.json(&["outbox", "--json"]).as_array().unwrap().len(), 2);
}

#[test]
fn a_bad_file_names_the_field_and_imports_nothing() {
    let t = Terrain::new();
    let mut bad = seed();
    bad["id"] = json!(uuid::Uuid::now_v7());
    bad["where"]["admin1"] = json!("Kaye");
    bad["figures"]["abducted"][1]["source"] = json!("nobody");
    let bad = t.file("bad.json", &bad);
    let err = t.fails(&["report", "import", SEED, s(&bad)]);
    assert!(err.contains("nothing imported"), "{err}");
    assert!(
        err.contains("Region: \"Kaye\" is not a region of Mali; did you mean \"Kayes\"?"),
        "{err}"
    );
    assert!(
        err.contains("Abducted, claim 2, source: no source with key \"nobody\""),
        "{err}"
    );
    // The same problems in French, from --lang or from LANG.
    let err = t.fails(&["--lang", "fr", "report", "import", s(&bad)]);
    assert!(
        err.contains(
            "Région : « Kaye » n'est pas une région du Mali ; vouliez-vous dire « Kayes » ?"
        ),
        "{err}"
    );
    let mut french = t.cmd(&["report", "import", s(&bad)]);
    let out = french.env("LANG", "fr_ML.UTF-8").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Enlevés, chiffre 2, source : aucune source de clé « nobody »"),
        "{err}"
    );
    assert!(err.starts_with("erreur : rien n'a été importé"), "{err}");
    assert_eq!(t.count(), 0, "the good file was not imported either");

    let broken = t.dir.path().join("broken.json");
    std::fs::write(
        &broken,
        "{\"title\": \"x\", \"when\": {\"date\": \"yesterday\"}}",
    )
    .unwrap();
    let err = t.fails(&["report", "import", s(&broken)]);
    assert!(err.contains("Date: expected a date YYYY-MM-DD"), "{err}");
    let err = t.fails(&["report", "import", "/nonexistent/report.json"]);
    assert!(
        err.contains("/nonexistent/report.json: cannot open"),
        "{err}"
    );
    assert_eq!(t.count(), 0);
}

#[test]
fn a_bad_edit_changes_nothing() {
    let t = Terrain::new();
    t.ok(&["report", "import", SEED]);
    let mut report = seed();
    report["status"] = json!("draft");
    let err = t.fails(&[
        "report",
        "edit",
        "019a8f3c",
        "--json",
        s(&t.file("draft.json", &report)),
    ]);
    assert!(
        err.contains("status: a final report cannot go back to draft"),
        "{err}"
    );
    let mut other = seed();
    other["id"] = json!(uuid::Uuid::now_v7());
    let err = t.fails(&[
        "report",
        "edit",
        "019a8f3c",
        "--json",
        s(&t.file("other.json", &other)),
    ]);
    assert!(err.contains("id: the file is report"), "{err}");
    assert_eq!(
        t.json(&["report", "history", "019a8f3c", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let err = t.fails(&["report", "show", "abcdef12"]);
    assert!(err.contains("no report matches \"abcdef12\""), "{err}");
}

#[test]
fn a_report_without_an_id_gets_one_and_reads_from_stdin() {
    let t = Terrain::new();
    let mut report = seed();
    report.as_object_mut().unwrap().remove("id");
    report["status"] = json!("draft");
    let mut child = t
        .cmd(&["report", "new"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(report.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("(draft)"));
    let list = &t.json(&["report", "list", "--json"])["reports"];
    assert_eq!(list[0]["status"], "draft");
    assert_eq!(list[0]["queued"], 0);
    assert_ne!(list[0]["id"], seed()["id"]);
    assert!(t.ok(&["outbox"]).contains("Nothing waits to be sent."));
}

#[test]
fn list_filters_by_region_type_status_and_dates() {
    let t = Terrain::new();
    let mut convoy = seed();
    convoy["id"] = json!(uuid::Uuid::now_v7());
    convoy["title"] = json!("Fuel convoy ambushed near Kati");
    convoy["when"]["date"] = json!("2026-09-14");
    convoy["where"] = json!({"admin1": "Koulikoro", "admin2": "Kati"});
    convoy["what"] = json!({"event_type": "Strategic developments", "sub_event_type": "Looting/property destruction", "categories": ["fuel_convoy_attack"]});
    t.ok(&["report", "import", SEED, s(&t.file("convoy.json", &convoy))]);
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["report", "list", "--json"];
        all.extend_from_slice(args);
        t.json(&all)["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["title"].as_str().unwrap()[..10].to_string())
            .collect()
    };
    assert_eq!(ids(&[]), ["Three indu", "Fuel convo"]);
    assert_eq!(ids(&["--region", "kayes"]), ["Three indu"]);
    assert_eq!(
        ids(&["--region", "kati"]),
        ["Fuel convo"],
        "a cercle works too"
    );
    assert_eq!(ids(&["--type", "strategic developments"]), ["Fuel convo"]);
    assert_eq!(ids(&["--from", "2026-10-01"]), ["Three indu"]);
    assert_eq!(ids(&["--to", "2026-10-01"]), ["Fuel convo"]);
    assert_eq!(ids(&["--status", "draft"]), Vec::<String>::new());
    assert_eq!(ids(&["--limit", "1", "--offset", "1"]), ["Fuel convo"]);
    assert!(
        t.fails(&["report", "list", "--region", "Atlantis"])
            .contains("--region: \"Atlantis\" is neither a region nor a cercle")
    );
    assert!(
        t.fails(&["report", "list", "--type", "war"])
            .contains("--type: \"war\" is not an ACLED event type")
    );
    assert!(
        t.fails(&[
            "report",
            "list",
            "--from",
            "2026-10-01",
            "--to",
            "2026-01-01"
        ])
        .contains("is after --to")
    );
}

#[test]
fn list_json_has_the_documented_fields() {
    let t = Terrain::new();
    t.ok(&["report", "import", SEED]);
    let page = t.json(&["report", "list", "--json"]);
    assert_eq!(
        (&page["total"], &page["next_cursor"]),
        (&json!(1), &Value::Null)
    );
    let item = &page["reports"][0];
    let mut keys: Vec<&str> = item
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "admin1",
            "admin2",
            "content_hash",
            "event_date",
            "event_type",
            "figures",
            "head_revision",
            "heads",
            "id",
            "place",
            "queued",
            "refused",
            "status",
            "sub_event_type",
            "synced",
            "title",
            "updated_at"
        ]
    );
    assert_eq!(
        item["figures"]["abducted"],
        json!({"conservative": 3, "min": 3, "max": 4, "claims": 2, "disputed": true, "text": "3\u{2013}4, sources disagree"})
    );
}

#[test]
fn sites_are_registered_and_repeat_attacks_show_together() {
    let t = Terrain::new();
    let out = t.ok(&["site", "add", "--json", SITE]);
    let site_id = out.split_whitespace().nth(2).unwrap().to_string();
    t.ok(&[
        "site",
        "add",
        "--name",
        "Sadiola gold mine",
        "--kind",
        "mine",
        "--region",
        "kayes",
        "--cercle",
        "kayes",
        "--lat",
        "13.89",
        "--lon",
        "-11.69",
    ]);
    let sites = t.json(&["site", "list", "--json"]);
    assert_eq!(sites.as_array().unwrap().len(), 2);
    assert_eq!(sites[1]["admin1"], "Kayes");
    let err = t.fails(&[
        "site", "add", "--name", "X", "--kind", "castle", "--region", "Kayes",
    ]);
    assert!(
        err.contains("--kind: \"castle\" is not a kind of site"),
        "{err}"
    );

    let mut first = seed();
    first["sites"] = json!([{"site_id": site_id, "damage": "kilns burned"}]);
    let mut again = first.clone();
    again["id"] = json!(uuid::Uuid::now_v7());
    again["when"]["date"] = json!("2026-07-02");
    t.ok(&[
        "report",
        "import",
        s(&t.file("a.json", &first)),
        s(&t.file("b.json", &again)),
    ]);
    let err = t.fails(&["site", "show", "zzzz"]);
    assert!(err.contains("no site matches \"zzzz\""), "{err}");
    let shown = t.ok(&["site", "show", &site_id]);
    assert!(shown.contains("2 report(s) at this site"), "{shown}");
    assert!(
        t.ok(&["report", "show", "019a8f3c"])
            .contains("Site:   Calcium carbonate, lime and plaster plant: kilns burned")
    );
    let at_site = t.json(&["report", "list", "--json", "--site", &site_id]);
    assert_eq!(at_site["reports"].as_array().unwrap().len(), 2);

    // Linked as one incident, the two reports are one entry of the site's history and one row
    // of the CSV per incident.
    let history = t.json(&["site", "history", "--json", &site_id]);
    assert_eq!(history["incidents"].as_array().unwrap().len(), 2);
    let again_id = again["id"].as_str().unwrap();
    t.ok(&["incident", "link", again_id, "019a8f3c"]);
    let history = t.json(&["site", "history", "--json", &site_id]);
    assert_eq!(history["incidents"].as_array().unwrap().len(), 1);
    let out = t.ok(&["site", "history", &site_id]);
    assert!(
        out.contains("Calcium carbonate, lime and plaster plant: 1 incident(s) since July 2026"),
        "{out}"
    );
    assert!(out.contains("(2 report(s), incident"), "{out}");
    let csv = t.dir.path().join("incidents.csv");
    let out = t.ok(&["export", "csv", "--per-incident", "--out", s(&csv)]);
    assert!(out.contains("Wrote 1 incident(s)"), "{out}");
    let text = std::fs::read_to_string(&csv).unwrap();
    let incident = again_id.min("019a8f3c-5d2e-7a41-b6c3-2f1e0d9c8b7a");
    assert!(
        text.contains(&format!("{incident}; ")) || text.contains(&format!("; {incident}")),
        "{text}"
    );
}

#[test]
fn places_suggest_gazetteer_names_without_accents() {
    let t = Terrain::new();
    let out = t.ok(&["places", "bafoulabe"]);
    assert!(out.starts_with("cercle   Bafoulabé, Kayes"), "{out}");
    let found = t.json(&["places", "nioro", "--json"]);
    assert_eq!(found[0]["admin2"], "Nioro du Sahel");
}

#[test]
fn every_example_report_imports() {
    let t = Terrain::new();
    let dir = Path::new(SEED).parent().unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut args = vec!["report", "import"];
    args.extend(files.iter().map(|f| s(f)));
    let out = t.ok(&args);
    assert!(
        out.contains(&format!("{} report(s) imported.", files.len())),
        "{out}"
    );
    assert!(files.len() >= 3);
    assert_eq!(t.count(), files.len());
}

#[test]
fn export_csv_and_geojson_take_the_list_filters() {
    let t = Terrain::new();
    let dir = Path::new(SEED).parent().unwrap();
    let convoy = dir.join("fuel-convoy-attack.json");
    let shortage = dir.join("bamako-fuel-shortage.json");
    t.ok(&["report", "import", SEED, s(&convoy), s(&shortage)]);
    let csv = t.dir.path().join("kayes.csv");
    let out = t.ok(&[
        "export",
        "csv",
        "--out",
        s(&csv),
        "--region",
        "kayes",
        "--hxl",
    ]);
    assert!(out.starts_with("Wrote 2 report(s) to "), "{out}");
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("event_id_cnty,event_date,"));
    assert!(lines[1].starts_with("#event+code,#date+occurred,"));
    assert!(text.contains("Bafoulabé") && !text.contains("Bamako: queues"));

    let geo = t.dir.path().join("all.geojson");
    let out = t.ok(&["export", "geojson", "--out", s(&geo)]);
    assert!(
        out.contains("Wrote 2 point(s)")
            && out.contains("1 report(s) without coordinates left out"),
        "{out}"
    );

    let none = t.dir.path().join("none.csv");
    let err = t.fails(&["export", "csv", "--out", s(&none), "--region", "Gao"]);
    assert!(
        err.contains("no report matches: nothing was written"),
        "{err}"
    );
    assert!(!none.exists());
    let err = t.fails(&["export", "csv", "--out", "/nonexistent/x.csv"]);
    assert!(err.contains("/nonexistent/x.csv"), "{err}");
}

fn pdftotext(pdf: &Path) -> String {
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
fn export_pdf_of_one_report_names_its_revision_and_hash() {
    let t = Terrain::new();
    t.ok(&["report", "import", SEED]);
    let pdf = t.dir.path().join("report.pdf");
    let out = t.ok(&["export", "pdf", "--report", "019a8f3c", "--out", s(&pdf)]);
    assert!(
        out.starts_with("Wrote report 019a8f3c-5d2e-7a41-b6c3-2f1e0d9c8b7a ("),
        "{out}"
    );
    let history = t.json(&["report", "history", "019a8f3c", "--json"]);
    let text = pdftotext(&pdf);
    for expected in [
        "Three industrial plants attacked and burned near Bafoulabé",
        "Abducted: 3–4, sources disagree",
        history[0]["revision"].as_str().unwrap(),
        history[0]["content_hash"].as_str().unwrap(),
        "Page 1 of ",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
}

#[test]
fn export_pdf_summary_takes_the_list_filters() {
    let t = Terrain::new();
    let dir = Path::new(SEED).parent().unwrap();
    let convoy = dir.join("fuel-convoy-attack.json");
    let shortage = dir.join("bamako-fuel-shortage.json");
    t.ok(&["report", "import", SEED, s(&convoy), s(&shortage)]);
    let pdf = t.dir.path().join("kayes.pdf");
    let out = t.ok(&["export", "pdf", "--out", s(&pdf), "--region", "kayes"]);
    assert!(
        out.starts_with("Wrote a summary of 2 report(s) (1 page(s))"),
        "{out}"
    );
    let text = pdftotext(&pdf);
    assert!(text.contains("Selection: region Kayes"), "{text}");
    assert!(
        text.contains("Bafoulabé") && !text.contains("Bamako"),
        "{text}"
    );
}

#[test]
fn export_pdf_bad_input_fails_clearly_and_leaves_no_file() {
    let t = Terrain::new();
    t.ok(&["report", "import", SEED]);
    let pdf = t.dir.path().join("out.pdf");
    let err = t.fails(&["export", "pdf", "--report", "0123abcd", "--out", s(&pdf)]);
    assert!(err.contains("no report matches \"0123abcd\""), "{err}");
    let err = t.fails(&["export", "pdf", "--out", s(&pdf), "--region", "Gao"]);
    assert!(
        err.contains("no report matches: nothing was written"),
        "{err}"
    );
    let not_a_dir = t.dir.path().join("file");
    std::fs::write(&not_a_dir, "").unwrap();
    let inside = not_a_dir.join("out.pdf");
    let err = t.fails(&["export", "pdf", "--report", "019a8f3c", "--out", s(&inside)]);
    assert!(err.contains(s(&inside)), "{err}");
    let err = t.fails(&["export", "pdf", "--out", "/nonexistent/x.pdf"]);
    assert!(err.contains("/nonexistent/x.pdf"), "{err}");
    let left: Vec<_> = std::fs::read_dir(t.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        !left.iter().any(|n| n.contains(".pdf")),
        "no PDF, not even a temporary one: {left:?}"
    );
}

#[test]
fn a_draft_is_deleted_with_its_history_and_a_final_report_is_kept() {
    let t = Terrain::new();
    let mut draft = seed();
    draft["id"] = json!(uuid::Uuid::now_v7());
    draft["status"] = json!("draft");
    let draft_id = draft["id"].as_str().unwrap().to_string();
    t.ok(&["report", "import", s(&t.file("d.json", &draft)), SEED]);
    assert_eq!(t.count(), 2);
    let out = t.ok(&["report", "delete-draft", &draft_id]);
    assert!(out.contains("Deleted draft"), "{out}");
    assert_eq!(t.count(), 1);
    let err = t.fails(&["report", "delete-draft", "019a8f3c"]);
    assert!(
        err.contains("only a draft never sent can be deleted"),
        "{err}"
    );
    assert_eq!(t.count(), 1);
}

#[test]
fn site_coordinates_are_typed_as_a_gps_shows_them() {
    let t = Terrain::new();
    t.ok(&[
        "site",
        "add",
        "--name",
        "Sadiola gold mine",
        "--kind",
        "mine",
        "--region",
        "kayes",
        "--lat",
        "13°53'24\"N",
        "--lon",
        "11°41.4'W",
    ]);
    let sites = t.json(&["site", "list", "--json"]);
    let c = &sites[0]["coordinates"];
    assert!(
        (c["latitude"].as_f64().unwrap() - 13.89).abs() < 1e-9,
        "{c}"
    );
    assert!(
        (c["longitude"].as_f64().unwrap() + 11.69).abs() < 1e-9,
        "{c}"
    );
    let err = t.fails(&[
        "site", "add", "--name", "X", "--kind", "mine", "--region", "kayes", "--lat", "13°53'E",
        "--lon", "-11.69",
    ]);
    assert!(err.contains("not a hemisphere of a latitude"), "{err}");
    assert!(err.contains("degrees-minutes-seconds"), "{err}");
}

#[test]
fn photos_are_attached_from_the_command_line_and_a_bad_file_attaches_none() {
    let t = Terrain::new();
    t.ok(&["report", "import", SEED]);
    let id = seed()["id"].as_str().unwrap().to_string();
    let history = |t: &Terrain| t.json(&["report", "history", &id, "--json"]);
    let before = history(&t).as_array().unwrap().len();
    let photo = t.dir.path().join("convoi.JPG");
    let bytes: Vec<u8> = [0xFF, 0xD8, 0xFF, 0xE0]
        .into_iter()
        .chain((0..50_000u32).map(|i| (i * 7 % 251) as u8))
        .collect();
    std::fs::write(&photo, &bytes).unwrap();
    let note = t.dir.path().join("témoin.txt");
    std::fs::write(&note, "Deux camions brûlés.").unwrap();

    let out = t.ok(&["report", "attach", &id, s(&photo), s(&note)]);
    assert!(out.contains("Attached 2 file(s)"), "{out}");
    let shown = t.json(&["report", "show", &id, "--json"]);
    let attached = shown["attachments"].as_array().unwrap();
    let photo_entry = attached
        .iter()
        .find(|a| a["file_name"] == "convoi.JPG")
        .unwrap_or_else(|| panic!("{attached:?}"));
    assert_eq!(photo_entry["sha256"], terrain_domain::sha256_hex(&bytes));
    assert_eq!(photo_entry["media_type"], "image/jpeg");
    assert_eq!(photo_entry["size"], bytes.len() as u64);
    assert!(
        attached
            .iter()
            .any(|a| a["file_name"] == "témoin.txt" && a["media_type"] == "text/plain")
    );
    assert_eq!(history(&t).as_array().unwrap().len(), before + 1);

    // The same photo again adds nothing.
    let out = t.ok(&["report", "attach", &id, s(&photo)]);
    assert!(out.contains("No change"), "{out}");

    // A missing file and an empty one: named, and the report keeps what it had.
    let missing = t.dir.path().join("absent.jpg");
    let err = t.fails(&["report", "attach", &id, s(&photo), s(&missing)]);
    assert!(err.contains("absent.jpg"), "{err}");
    let empty = t.dir.path().join("vide.jpg");
    std::fs::write(&empty, b"").unwrap();
    let err = t.fails(&["report", "attach", &id, s(&empty)]);
    assert!(err.to_lowercase().contains("attachment"), "{err}");
    assert_eq!(history(&t).as_array().unwrap().len(), before + 1);
    assert_eq!(
        t.json(&["report", "show", &id, "--json"])["attachments"],
        shown["attachments"]
    );
}

/// Issue 12: `report new --attach` and `report import --attach` name the files in the saved
/// report, as `report attach` does (one app call behind all three); a bad file saves nothing.
#[test]
fn new_and_import_attach_files_given_with_attach() {
    let t = Terrain::new();
    let photo = t.dir.path().join("kiln.jpg");
    let bytes: Vec<u8> = [0xFF, 0xD8, 0xFF, 0xE0]
        .into_iter()
        .chain((0..20_000u32).map(|i| (i * 13 % 251) as u8))
        .collect();
    std::fs::write(&photo, &bytes).unwrap();
    let sha = terrain_domain::sha256_hex(&bytes);
    let names = |t: &Terrain, id: &str| -> Vec<Value> {
        let shown = t.json(&["report", "show", id, "--json"]);
        shown["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["sha256"].clone())
            .collect()
    };

    let id = seed()["id"].as_str().unwrap().to_string();
    let out = t.ok(&["report", "import", SEED, "--attach", s(&photo)]);
    assert!(out.contains("1 report(s) imported"), "{out}");
    assert!(names(&t, &id).contains(&json!(sha)), "{:?}", names(&t, &id));

    let mut fresh = seed();
    fresh["id"] = json!("019a8f3c-5d2e-7a41-b6c3-00000000a77a");
    fresh["attachments"] = json!([]);
    let file = t.dir.path().join("fresh.json");
    std::fs::write(&file, fresh.to_string()).unwrap();
    let missing = t.dir.path().join("absent.jpg");
    let err = t.fails(&["report", "new", "--json", s(&file), "--attach", s(&missing)]);
    assert!(err.contains("absent.jpg"), "{err}");
    assert!(
        t.run(&["report", "show", "019a8f3c-5d2e-7a41-b6c3-00000000a77a"])
            .status
            .code()
            != Some(0),
        "a bad file saves no report"
    );
    let out = t.ok(&["report", "new", "--json", s(&file), "--attach", s(&photo)]);
    assert!(
        out.contains("Saved report 019a8f3c-5d2e-7a41-b6c3-00000000a77a"),
        "{out}"
    );
    assert_eq!(
        names(&t, "019a8f3c-5d2e-7a41-b6c3-00000000a77a"),
        [json!(sha)]
    );
}

#[test]
fn a_duplicate_site_merged_into_another_is_listed_once_and_shows_where_it_went() {
    let t = Terrain::new();
    let add = |name: &str| {
        let out = t.ok(&[
            "site", "add", "--name", name, "--kind", "plant", "--region", "Kayes",
        ]);
        out.split_whitespace().nth(2).unwrap().to_string()
    };
    let kept = add("Usine Diawara");
    let duplicate = add("Usine de chaux Diawara");
    let out = t.ok(&["site", "merge", &duplicate, "--into", "usine diawara"]);
    assert!(out.contains(&format!("merged into {kept}")), "{out}");
    let list = t.ok(&["site", "list"]);
    assert!(
        list.contains("Usine Diawara") && !list.contains("chaux"),
        "{list}"
    );
    let show = t.ok(&["site", "show", &duplicate]);
    assert!(show.contains(&format!("Merged into {kept}")), "{show}");
    let err = t.fails(&["site", "merge", &kept, "--into", &kept]);
    assert!(
        err.contains("merged_into") || err.contains("itself"),
        "{err}"
    );
}

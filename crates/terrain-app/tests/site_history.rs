//! A site's history and the exports that count an incident once (issue 15), on a real store:
//! reports linked in the app are one incident at the site, and in the CSV.

use serde_json::{Value, json};
use terrain_app::{App, ExportFormat, ExportRequest, ListQuery};
use terrain_domain::Lang;

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

fn report(site: &str, edit: impl FnOnce(&mut Value)) -> Value {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    v["sites"] = json!([{ "site_id": site }]);
    edit(&mut v);
    v
}

#[test]
fn a_sites_history_counts_linked_reports_once_and_the_csv_shares_their_incident_id() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(dir.path()).unwrap();
    let site = app
        .save_site(&json!({
            "name": "Calcium carbonate, lime and plaster plant", "kind": "plant",
            "admin1": "Kayes", "admin2": "Bafoulabé", "coordinates": null
        }))
        .unwrap();
    let id = site.id.to_string();
    let empty = app.site_history(&id).unwrap();
    assert!(empty.incidents.is_empty() && empty.since.is_none());
    assert_eq!(empty.headline(Lang::En), "No incident at this site yet.");
    // Wamaps' report (3 abducted), the elected official's (4), an attack in March.
    let first = app
        .save(&report(&id, |v| {
            v["figures"]["abducted"] = json!([{ "amount": 3, "source": "wamaps" }]);
            let sources = v["sources"].as_array_mut().unwrap();
            sources.retain(|s| s["key"] != "elected-official");
        }))
        .unwrap()
        .id;
    let second = app
        .save(&report(&id, |v| {
            v["id"] = json!(uuid::Uuid::now_v7());
            v["when"]["date"] = json!("2026-11-19");
            v["figures"] = json!({ "abducted": [{ "amount": 4, "source": "elu" }] });
            v["sources"] = json!([{ "key": "elu", "name": "An elected official of the Kayes region",
                "kind": "official", "reliability": "fairly_reliable" }]);
        }))
        .unwrap()
        .id;
    app.save(&report(&id, |v| {
        v["id"] = json!(uuid::Uuid::now_v7());
        v["title"] = json!("Earlier attack on the lime plant");
        v["when"]["date"] = json!("2026-03-02");
        v["figures"] = json!({});
    }))
    .unwrap();

    let history = app.site_history(&site.name).unwrap();
    assert_eq!(history.incidents.len(), 3, "nothing linked yet");
    app.link(second, first).unwrap();
    let history = app.site_history(&site.name).unwrap();
    assert_eq!(
        history.incidents.len(),
        2,
        "the linked reports are one incident"
    );
    assert_eq!(history.since.unwrap().to_string(), "2026-03-02");
    assert_eq!(
        history.incidents[0].title,
        "Earlier attack on the lime plant"
    );
    let bafoulabe = &history.incidents[1];
    assert_eq!(bafoulabe.id, first.min(second));
    assert_eq!(bafoulabe.figures.reports.len(), 2);
    let abducted = bafoulabe
        .figures
        .figure(terrain_domain::FigureKind::Abducted)
        .unwrap();
    assert_eq!(
        (abducted.summary.conservative, abducted.summary.max),
        (3, 4)
    );
    assert_eq!(history.headline(Lang::En), "2 incident(s) since March 2026");
    assert_eq!(history.headline(Lang::Fr), "2 incident(s) depuis mars 2026");

    // The device's exports read the same links.
    let export = |per_incident: bool, name: &str| {
        let path = dir.path().join(name);
        let done = app
            .export(&ExportRequest {
                format: ExportFormat::Csv,
                path: path.clone(),
                query: ListQuery::default(),
                report: None,
                hxl: false,
                bom: false,
                per_incident,
                lang: Lang::En,
            })
            .unwrap();
        // Read back by Python's csv module, an independent parser.
        let out = std::process::Command::new("python3")
            .args([
                "-c",
                "import csv, json, sys\nprint(json.dumps(list(csv.DictReader(open(sys.argv[1], encoding='utf-8', newline='')))))",
            ])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows: Vec<std::collections::HashMap<String, String>> =
            serde_json::from_slice(&out.stdout).unwrap();
        (done.reports, rows)
    };
    let (n, rows) = export(false, "reports.csv");
    assert_eq!(n, 3);
    let incident = first.min(second).to_string();
    let shared = rows.iter().filter(|r| r["incident_id"] == incident).count();
    assert_eq!(shared, 2, "the two linked reports share the incident id");
    let (n, rows) = export(true, "incidents.csv");
    assert_eq!(n, 2);
    let row = rows.iter().find(|r| r["incident_id"] == incident).unwrap();
    assert_eq!(row["abducted"], "3");
    assert!(row["source"].contains("An elected official of the Kayes region"));
    assert!(row["source"].starts_with("Wamaps"));
}

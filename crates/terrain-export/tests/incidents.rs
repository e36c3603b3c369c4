//! Exports count an incident once (issue 15): two officials' reports of the Bafoulabé attack,
//! linked as one incident, share an `incident_id`; one row per incident gives the abducted
//! conservatively as 3 (Wamaps said 3, an elected official 4) and names both sources. Read
//! back by independent parsers: Python's csv module and libhxl, serde_json, pdftotext.

use std::cell::Cell;
use std::path::Path;
use std::process::Command;
use terrain_domain::incident::{LinkAction, LinkSet};
use terrain_domain::{Lang, Revision};
use terrain_export::csv::CsvOptions;
use terrain_export::geojson::GeoJsonOptions;
use terrain_export::incidents::{by_incident, site_histories};
use terrain_export::pdf::{SummaryPdf, history_line, write_summary};
use terrain_export::{Incidents, SiteNames, write_atomically};
use uuid::Uuid;

mod common;
use common::{CONVOY, SEED, python_rows, revision};

fn plant() -> Uuid {
    Uuid::parse_str("019a8f3c-0000-7000-8000-00000000a11c").unwrap()
}

struct Case {
    /// Wamaps' report (3 abducted), the elected official's (4), a convoy attack on its own.
    first: Revision,
    second: Revision,
    convoy: Revision,
    links: LinkSet,
    sites: SiteNames,
}

fn case() -> Case {
    let first = revision(SEED, |v| {
        v["figures"]["abducted"] = serde_json::json!([{ "amount": 3, "source": "wamaps" }]);
        let sources = v["sources"].as_array_mut().unwrap();
        sources.retain(|s| s["key"] != "elected-official");
        v["sites"] = serde_json::json!([{ "site_id": plant(), "damage": "kilns burned" }]);
    });
    let second = revision(SEED, |v| {
        v["id"] = serde_json::json!(Uuid::now_v7());
        v["title"] = serde_json::json!("Attaque des usines de Bafoulabé");
        v["when"]["date"] = serde_json::json!("2026-11-19");
        v["figures"] = serde_json::json!({ "abducted": [{ "amount": 4, "source": "elu" }] });
        v["sources"] = serde_json::json!([{
            "key": "elu", "name": "An elected official of the Kayes region",
            "kind": "official", "reliability": "fairly_reliable", "contact": "+223 00 00 00 00"
        }]);
        v["sites"] = serde_json::json!([{ "site_id": plant() }]);
    });
    let convoy = revision(CONVOY, |_| {});
    let mut links = LinkSet::new();
    let op = links
        .make(
            LinkAction::Link,
            first.report_id,
            second.report_id,
            "fanta",
            "laptop",
            chrono::Utc::now(),
        )
        .unwrap();
    links.apply(op).unwrap();
    let sites = SiteNames::from([(
        plant(),
        "Calcium carbonate, lime and plaster plant".to_string(),
    )]);
    Case {
        first,
        second,
        convoy,
        links,
        sites,
    }
}

impl Case {
    /// The selection as the store streams it: by date, the convoy between the two reports.
    fn rows(&self) -> Vec<Revision> {
        vec![self.first.clone(), self.convoy.clone(), self.second.clone()]
    }
}

fn csv(dir: &Path, case: &Case, per_incident: bool) -> (u64, std::path::PathBuf) {
    let path = dir.join(format!("incidents-{per_incident}.csv"));
    let mut rows = case.rows().into_iter().map(Ok::<_, String>);
    let written = write_atomically(&path, |w| {
        terrain_export::csv::write(
            w,
            &mut rows,
            &case.sites,
            &Incidents::new(&case.links),
            CsvOptions {
                bom: true,
                hxl: true,
                per_incident,
            },
        )
    })
    .unwrap();
    (written, path)
}

#[test]
fn linked_reports_share_an_incident_id_and_a_lone_report_has_its_own() {
    let case = case();
    let dir = tempfile::tempdir().unwrap();
    let (written, path) = csv(dir.path(), &case, false);
    assert_eq!(written, 3);
    let rows = python_rows(&path, true);
    let id = |r: &Revision| r.report_id.to_string();
    let incident = id(&case.first).min(id(&case.second));
    assert_eq!(rows[0]["event_id_cnty"], id(&case.first));
    assert_eq!(rows[0]["incident_id"], incident);
    assert_eq!(rows[2]["event_id_cnty"], id(&case.second));
    assert_eq!(rows[2]["incident_id"], incident, "linked reports share it");
    assert_eq!(
        rows[1]["incident_id"],
        id(&case.convoy),
        "a lone report's own"
    );
    let mut both = [id(&case.first), id(&case.second)];
    both.sort();
    assert_eq!(rows[0]["incident_reports"], both.join("; "));
    assert_eq!(rows[1]["incident_reports"], id(&case.convoy));
    // Each report's row keeps its own figures.
    assert_eq!(rows[0]["abducted"], "3");
    assert_eq!(rows[2]["abducted"], "4");
}

#[test]
fn one_row_per_incident_gives_the_conservative_figure_and_every_source() {
    let case = case();
    let dir = tempfile::tempdir().unwrap();
    let (written, path) = csv(dir.path(), &case, true);
    assert_eq!(written, 2, "two incidents from three reports");
    let rows = python_rows(&path, true);
    let bafoulabe = rows
        .iter()
        .find(|r| r["incident_reports"].contains(';'))
        .expect("the linked reports' row");
    let incident = case.first.report_id.min(case.second.report_id).to_string();
    assert_eq!(bafoulabe["incident_id"], incident);
    assert_eq!(bafoulabe["event_id_cnty"], incident);
    assert_eq!(
        (
            &bafoulabe["abducted"][..],
            &bafoulabe["abducted_min"][..],
            &bafoulabe["abducted_max"][..],
            &bafoulabe["abducted_sources"][..]
        ),
        ("3", "3", "4", "2"),
        "conservatively 3: Wamaps said 3, the elected official 4"
    );
    let sources: Vec<&str> = bafoulabe["source"].split("; ").collect();
    assert!(sources[0].starts_with("Wamaps, collective"), "{sources:?}");
    assert!(sources.contains(&"An elected official of the Kayes region"));
    assert!(!bafoulabe["source"].contains("+223"), "never a contact");
    assert_eq!(
        (&bafoulabe["event_date"][..], &bafoulabe["end_date"][..]),
        ("2026-11-18", "2026-11-19"),
        "earliest and latest day of its reports"
    );
    assert_eq!(bafoulabe["earliest"], "2026-11-18");
    assert_eq!(bafoulabe["latest"], "2026-11-19");
    assert_eq!(
        bafoulabe["sites"],
        "Calcium carbonate, lime and plaster plant"
    );
    let revisions: Vec<&str> = bafoulabe["revision_id"].split("; ").collect();
    assert_eq!(revisions.len(), 2);
    assert_eq!(bafoulabe["content_hash"].split("; ").count(), 2);
    let convoy = rows
        .iter()
        .find(|r| r["incident_id"] == case.convoy.report_id.to_string())
        .expect("the lone report's row");
    assert_eq!(
        convoy["incident_reports"],
        case.convoy.report_id.to_string()
    );
    assert_eq!(convoy["revision_id"], case.convoy.id.to_string());

    // libhxl reads the incident's tag and its conservative figure.
    let script = "import hxl, json, sys\n\
        ds = hxl.data(sys.argv[1], hxl.InputOptions(allow_local=True))\n\
        print(json.dumps([dict(incident=r.get('#event+code+incident'), abducted=r.get('#x_abducted')) for r in ds]))";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "libhxl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hxl: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        hxl.as_array()
            .unwrap()
            .contains(&serde_json::json!({"incident": incident, "abducted": "3"})),
        "{hxl}"
    );
}

#[test]
fn one_feature_per_incident_in_geojson() {
    let case = case();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incidents.geojson");
    let mut rows = case.rows().into_iter().map(Ok::<_, String>);
    let written = write_atomically(&path, |w| {
        terrain_export::geojson::write(
            w,
            &mut rows,
            &case.sites,
            &Incidents::new(&case.links),
            GeoJsonOptions { per_incident: true },
        )
    })
    .unwrap();
    assert_eq!(written.features, 2);
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let features = doc["features"].as_array().unwrap();
    let incident = case.first.report_id.min(case.second.report_id);
    let f = features
        .iter()
        .find(|f| f["id"] == serde_json::json!(incident))
        .unwrap();
    let p = &f["properties"];
    assert_eq!(p["reports"].as_array().unwrap().len(), 2);
    assert_eq!(p["figures"]["abducted"]["conservative"], 3);
    assert_eq!(p["figures"]["abducted"]["max"], 4);
    let claims: Vec<&str> = p["figures"]["abducted"]["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["source"].as_str().unwrap())
        .collect();
    assert!(claims.contains(&"An elected official of the Kayes region"));
    assert_eq!(p["sources"].as_array().unwrap().len(), 4);
    assert_eq!(p["earliest"]["date"], "2026-11-18");
    assert_eq!(p["latest"]["date"], "2026-11-19");
    assert_eq!(p["sites"][0], "Calcium carbonate, lime and plaster plant");
    assert_eq!(f["geometry"]["coordinates"][1], 13.8065);
    assert!(!std::fs::read_to_string(&path).unwrap().contains("+223"));

    // Per report, each feature carries its incident id.
    let mut rows = case.rows().into_iter().map(Ok::<_, String>);
    write_atomically(&path, |w| {
        terrain_export::geojson::write(
            w,
            &mut rows,
            &case.sites,
            &Incidents::new(&case.links),
            GeoJsonOptions::default(),
        )
    })
    .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let ids: Vec<&serde_json::Value> = doc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"]["incident_id"])
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[0], ids[2]);
    assert_eq!(ids[0], &serde_json::json!(incident));
}

fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-raw"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_pdf_summary_counts_an_incident_once_and_lists_each_sites_incidents() {
    let case = case();
    let dir = tempfile::tempdir().unwrap();
    let incidents = Incidents::new(&case.links);
    for (lang, per_incident) in [(Lang::En, true), (Lang::Fr, true), (Lang::En, false)] {
        let path = dir
            .path()
            .join(format!("summary-{}-{per_incident}.pdf", lang.code()));
        let mut rows = case.rows().into_iter().map(Ok::<_, String>);
        let written = write_atomically(&path, |w| {
            write_summary(
                w,
                &mut rows,
                &SummaryPdf {
                    selection: "",
                    generated_at: chrono::Utc::now(),
                    lang,
                    sites: &case.sites,
                    incidents: &incidents,
                    per_incident,
                },
            )
        })
        .unwrap();
        assert_eq!(written.reports, 3);
        let text = pdf_text(&path);
        let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
        // The site's history comes in both modes: one incident (two reports) at the plant.
        let (sites, history) = match lang {
            Lang::En => ("Sites", "1 incident(s) since November 2026"),
            Lang::Fr => ("Sites", "1 incident(s) depuis novembre 2026"),
        };
        assert!(folded.contains(sites), "{folded}");
        assert!(folded.contains(history), "{folded}");
        if !per_incident {
            assert!(folded.contains("3 report(s)"), "{folded}");
            continue;
        }
        let (count, disagree) = match lang {
            Lang::En => ("2 incident(s) from 3 report(s)", "3–4, sources disagree"),
            Lang::Fr => (
                "2 incident(s) issu(s) de 3 rapport(s)",
                "3–4, les sources divergent",
            ),
        };
        assert!(folded.contains(count), "{folded}");
        assert!(folded.contains(disagree), "{folded}");
        assert!(folded.contains("An elected official"), "{folded}");
        assert!(folded.contains("2026-11-18 – 2026-11-19"), "{folded}");
        // Pages to look at: pdftoppm renders them.
        let png = dir.path().join(format!("page-{}", lang.code()));
        let ok = Command::new("pdftoppm")
            .args(["-png", "-r", "60", "-f", "1", "-l", "1"])
            .arg(&path)
            .arg(&png)
            .status()
            .unwrap();
        assert!(ok.success());
        if let Ok(keep) = std::env::var("TERRAIN_KEEP_PDF") {
            std::fs::copy(&path, Path::new(&keep).join(path.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn grouping_by_incident_holds_only_the_incidents_not_yet_whole() {
    let case = case();
    let incidents = Incidents::new(&case.links);
    let read = Cell::new(0);
    let mut rows = case.rows().into_iter().map(|r| {
        read.set(read.get() + 1);
        Ok::<_, String>(r)
    });
    let mut groups = by_incident(&mut rows, &incidents);
    // The first report waits for its linked one; the convoy comes out as soon as it is read.
    let convoy = groups.next().unwrap().unwrap();
    assert_eq!(convoy.len(), 1);
    assert_eq!(convoy[0].report_id, case.convoy.report_id);
    assert_eq!(read.get(), 2, "nothing read ahead");
    let linked = groups.next().unwrap().unwrap();
    assert_eq!(linked.len(), 2);
    assert!(linked[0].report_id < linked[1].report_id, "sorted by id");
    assert!(groups.next().is_none());

    // A selection holding only part of an incident still gives its row, at the end.
    let mut part = vec![case.second.clone(), case.convoy.clone()]
        .into_iter()
        .map(Ok::<_, String>);
    let groups: Vec<_> = by_incident(&mut part, &incidents)
        .map(Result::unwrap)
        .collect();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[1][0].report_id, case.second.report_id);
}

#[test]
fn a_sites_history_is_every_incident_at_it_oldest_first() {
    let case = case();
    let mut earlier = revision(SEED, |v| {
        v["id"] = serde_json::json!(Uuid::now_v7());
        v["when"]["date"] = serde_json::json!("2026-03-02");
        v["sites"] = serde_json::json!([{ "site_id": plant() }]);
    })
    .content;
    earlier.title = "Earlier attack on the plant".into();
    let reports = vec![
        case.second.content.clone(),
        case.convoy.content.clone(),
        earlier.clone(),
        case.first.content.clone(),
    ];
    let histories = site_histories(reports, &Incidents::new(&case.links));
    assert_eq!(histories.len(), 1, "only the plant is a registry site");
    let plant_history = &histories[0];
    assert_eq!(plant_history.site, plant());
    assert_eq!(plant_history.incidents.len(), 2, "the linked reports once");
    assert_eq!(plant_history.incidents[0].id, earlier.id);
    assert_eq!(plant_history.incidents[1].figures.reports.len(), 2);
    assert_eq!(
        history_line(Lang::En, plant_history),
        "2 incident(s) since March 2026"
    );
    assert_eq!(
        history_line(Lang::Fr, plant_history),
        "2 incident(s) depuis mars 2026"
    );
}

//! Exports read back by independent parsers: Python's csv module, the libhxl package, and
//! serde_json for GeoJSON.

use std::path::Path;
use std::process::Command;
use terrain_domain::{Revision, check, parse_json};
use terrain_export::csv::{CsvOptions, columns, columns_doc};
use terrain_export::{ExportError, Incidents, SiteNames, write_atomically};

mod common;
use common::{CONVOY, SEED, python_rows, revision};

fn revisions() -> Vec<Revision> {
    vec![
        revision(SEED, |v| {
            // Quotes, commas, line breaks and right-to-left text must all survive the round trip.
            v["narrative"] =
                serde_json::json!("Line one, with \"quotes\".\nLine two; مسؤول محلي منتخب");
            v["when"]["end_date"] = serde_json::json!("2026-11-20");
        }),
        revision(CONVOY, |_| {}),
    ]
}

fn export_csv(dir: &Path, revs: Vec<Revision>, options: CsvOptions) -> std::path::PathBuf {
    let path = dir.join("reports.csv");
    let mut iter = revs.into_iter().map(Ok::<_, String>);
    let rows = write_atomically(&path, |w| {
        terrain_export::csv::write(w, &mut iter, &SiteNames::new(), &Incidents::none(), options)
    })
    .unwrap();
    assert_eq!(rows, 2);
    path
}

#[test]
fn csv_rows_read_back_exactly_by_an_independent_parser() {
    let dir = tempfile::tempdir().unwrap();
    let path = export_csv(dir.path(), revisions(), CsvOptions::default());
    let rows = python_rows(&path, false);
    assert_eq!(rows.len(), 2);
    let seed = &rows[0];
    assert_eq!(
        seed["event_id_cnty"],
        "019a8f3c-5d2e-7a41-b6c3-2f1e0d9c8b7a"
    );
    assert_eq!(seed["admin2"], "Bafoulabé");
    assert_eq!(
        (&seed["event_date"][..], &seed["end_date"][..]),
        ("2026-11-18", "2026-11-20")
    );
    assert_eq!(seed["sub_event_type"], "Abduction/forced disappearance");
    assert_eq!(
        (
            &seed["abducted"][..],
            &seed["abducted_min"][..],
            &seed["abducted_max"][..],
            &seed["abducted_sources"][..]
        ),
        ("3", "3", "4", "2")
    );
    assert_eq!(seed["attackers"], "160");
    assert_eq!(seed["killed"], "");
    assert_eq!(seed["fatalities"], "0");
    assert_eq!(
        seed["notes"],
        "Line one, with \"quotes\".\nLine two; مسؤول محلي منتخب"
    );
    assert_eq!(seed["latitude"], "13.8065");
    assert_eq!(seed["geo_precision"], "2");
    assert!(seed["source"].starts_with("Wamaps, collective of West African journalists"));
    let convoy = &rows[1];
    assert_eq!(convoy["time_precision"], "1");
    assert_eq!(convoy["end_date"], "", "no end date for a one-day incident");
    assert_eq!(
        (
            &convoy["vehicles_destroyed"][..],
            &convoy["vehicles_destroyed_max"][..]
        ),
        ("12", "15")
    );
    assert_eq!(convoy["attribution1"], "claimed");
    assert_eq!(rows[0].len(), columns().len());
    let raw = std::fs::read(&path).unwrap();
    assert!(
        !raw.starts_with("\u{feff}".as_bytes()),
        "no BOM unless asked"
    );
    assert!(raw.windows(2).any(|w| w == b"\r\n"), "RFC 4180 line ends");
}

#[test]
fn the_bom_and_hxl_row_are_there_when_asked_and_libhxl_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = export_csv(
        dir.path(),
        revisions(),
        CsvOptions {
            bom: true,
            hxl: true,
            per_incident: false,
        },
    );
    assert!(
        std::fs::read(&path)
            .unwrap()
            .starts_with("\u{feff}event_id_cnty,".as_bytes())
    );
    assert_eq!(python_rows(&path, true).len(), 2);
    let script = "import hxl, json, sys\n\
        ds = hxl.data(sys.argv[1], hxl.InputOptions(allow_local=True))\n\
        rows = [dict(adm2=r.get('#adm2'), abducted=r.get('#x_abducted'), low=r.get('#x_abducted+min'), \
        killed=r.get('#affected+killed'), code=r.get('#event+code')) for r in ds]\n\
        print(json.dumps(dict(tags=ds.display_tags, rows=rows)))";
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "libhxl could not read it: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hxl: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tags: Vec<&str> = hxl["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(tags.len(), columns().len(), "every column is tagged");
    for expected in [
        "#event+code",
        "#date+occurred",
        "#event+type",
        "#adm1+name",
        "#geo+lat",
        "#meta+source",
        "#affected+killed",
        "#x_abducted",
    ] {
        assert!(tags.contains(&expected), "{expected} in {tags:?}");
    }
    assert_eq!(
        hxl["rows"][0],
        serde_json::json!({"adm2": "Bafoulabé", "abducted": "3", "low": "3", "killed": "0", "code": "019a8f3c-5d2e-7a41-b6c3-2f1e0d9c8b7a"})
    );
}

#[test]
fn an_empty_selection_or_a_failing_source_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.csv");
    let mut none = std::iter::empty::<Result<Revision, String>>();
    let err = write_atomically(&path, |w| {
        terrain_export::csv::write(
            w,
            &mut none,
            &SiteNames::new(),
            &Incidents::none(),
            CsvOptions::default(),
        )
    });
    assert!(matches!(err, Err(ExportError::Empty)));
    let mut failing = vec![
        Ok(revisions().remove(0)),
        Err("disk read error".to_string()),
    ]
    .into_iter();
    let err = write_atomically(&path, |w| {
        terrain_export::csv::write(
            w,
            &mut failing,
            &SiteNames::new(),
            &Incidents::none(),
            CsvOptions::default(),
        )
    })
    .unwrap_err();
    assert!(err.to_string().contains("disk read error"), "{err}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file, not even a temporary one"
    );
    let err = write_atomically(Path::new("/nonexistent/dir/out.csv"), |_| Ok(())).unwrap_err();
    assert!(
        err.to_string().starts_with("/nonexistent/dir/out.csv: "),
        "{err}"
    );
}

#[test]
fn geojson_has_one_point_per_report_with_coordinates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.geojson");
    let mut revs = revisions();
    revs.push(revision(
        include_str!("../../../docs/examples/bamako-fuel-shortage.json"),
        |_| {},
    ));
    let mut iter = revs.into_iter().map(Ok::<_, String>);
    let written = write_atomically(&path, |w| {
        terrain_export::geojson::write(
            w,
            &mut iter,
            &SiteNames::new(),
            &Incidents::none(),
            Default::default(),
        )
    })
    .unwrap();
    assert_eq!((written.features, written.without_coordinates), (2, 1));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(doc["type"], "FeatureCollection");
    let first = &doc["features"][0];
    assert_eq!(
        first["geometry"],
        serde_json::json!({"type": "Point", "coordinates": [-10.8321, 13.8065]})
    );
    assert_eq!(
        first["properties"]["figures"]["abducted"]["text"],
        "3\u{2013}4, sources disagree"
    );
    assert_eq!(first["properties"]["admin2"], "Bafoulabé");
    assert_eq!(first["properties"]["event_date"], "2026-11-18");
    assert_eq!(first["properties"]["end_date"], "2026-11-20");
    assert_eq!(
        doc["features"][1]["properties"]["end_date"],
        serde_json::Value::Null
    );
}

#[test]
fn the_column_documentation_is_generated_from_the_column_list() {
    let committed = include_str!("../../../docs/csv-columns.md");
    if committed != columns_doc() {
        std::fs::write(
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/csv-columns.md.new"),
            columns_doc(),
        )
        .unwrap();
        panic!("docs/csv-columns.md is stale: compare with docs/csv-columns.md.new and replace it");
    }
}

/// Users found a NUL byte in a CSV, from a title that carried one. The domain refuses such a
/// report, naming the field; the report the writer saves once told has none, nor does its CSV.
#[test]
fn a_report_that_tried_to_carry_a_nul_leaves_none_in_the_csv() {
    let mut v: serde_json::Value = serde_json::from_str(SEED).unwrap();
    v["title"] = serde_json::json!("Plants burned\0");
    v["narrative"] = serde_json::json!("Gunmen\u{1b}[2J came at night.");
    let refused = check(
        parse_json(&v.to_string()).unwrap(),
        chrono::Local::now().date_naive(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        refused.contains("title: contains a control character (U+0000) at position 14"),
        "{refused}"
    );
    assert!(
        refused.contains("narrative: contains a control character (U+001B) at position 7"),
        "{refused}"
    );
    let saved = revision(SEED, |v| {
        v["title"] = serde_json::json!("Plants burned");
        v["narrative"] = serde_json::json!("Gunmen came at night.");
    });
    let dir = tempfile::tempdir().unwrap();
    let path = export_csv(
        dir.path(),
        vec![saved, revision(CONVOY, |_| {})],
        CsvOptions::default(),
    );
    let raw = std::fs::read(&path).unwrap();
    assert!(!raw.contains(&0), "no NUL byte in the CSV");
    assert!(!raw.contains(&0x1b), "no escape in the CSV");
    assert_eq!(python_rows(&path, false)[0]["title"], "Plants burned");
}

/// A decision on `revision`'s report, as the server makes it.
fn decision(
    revision: &Revision,
    state: terrain_domain::ReviewState,
    comment: Option<&str>,
) -> terrain_domain::ReviewDecision {
    terrain_domain::ReviewDecision {
        id: uuid::Uuid::now_v7(),
        report_id: revision.report_id,
        revision: revision.id,
        state,
        comment: comment.map(str::to_string),
        by: "fanta".into(),
        at: "2026-11-28T09:15:00Z".into(),
    }
}

/// The seed verified then edited (its review read an older revision), the convoy asked a
/// question, the shortage never reviewed.
fn reviewed() -> Vec<terrain_export::Reviewed> {
    use terrain_domain::ReviewState;
    let mut revs = revisions();
    revs.push(revision(
        include_str!("../../../docs/examples/bamako-fuel-shortage.json"),
        |_| {},
    ));
    let mut verified = decision(&revs[0], ReviewState::Verified, None);
    verified.revision = uuid::Uuid::now_v7();
    let asked = decision(
        &revs[1],
        ReviewState::NeedsFollowUp,
        Some("Combien de camions, selon la gendarmerie ?"),
    );
    revs.into_iter()
        .zip([Some(verified), Some(asked), None])
        .map(|(revision, review)| terrain_export::Reviewed { revision, review })
        .collect()
}

#[test]
fn csv_rows_carry_each_reports_review_and_libhxl_reads_its_tag() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reviewed.csv");
    let mut iter = reviewed().into_iter().map(Ok::<_, String>);
    let options = CsvOptions {
        bom: false,
        hxl: true,
        per_incident: false,
    };
    let rows = write_atomically(&path, |w| {
        terrain_export::csv::write(w, &mut iter, &SiteNames::new(), &Incidents::none(), options)
    })
    .unwrap();
    assert_eq!(rows, 3);
    // Read back by the csv crate: header, HXL row, three rows.
    let mut reader = ::csv::Reader::from_path(&path).unwrap();
    let header = reader.headers().unwrap().clone();
    let records: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let cell = |row: usize, name: &str| {
        let i = header.iter().position(|h| h == name).unwrap();
        records[row][i].to_string()
    };
    assert_eq!(cell(0, "review_state"), "#status+review");
    assert_eq!(
        (1..4).map(|r| cell(r, "review_state")).collect::<Vec<_>>(),
        ["verified", "needs_follow_up", ""]
    );
    assert_eq!(cell(1, "reviewed_by"), "fanta");
    assert_eq!(cell(1, "reviewed_at"), "2026-11-28T09:15:00Z");
    assert_eq!(cell(1, "changed_since_review"), "yes");
    assert_eq!(cell(2, "changed_since_review"), "no");
    assert_eq!(
        cell(2, "review_comment"),
        "Combien de camions, selon la gendarmerie ?"
    );
    assert_eq!(cell(3, "reviewed_by"), "");
    let script = "import hxl, json, sys\n\
        ds = hxl.data(sys.argv[1], hxl.InputOptions(allow_local=True))\n\
        print(json.dumps([r.get('#status+review') for r in ds]))";
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "libhxl could not read it: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let states: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        states,
        serde_json::json!(["verified", "needs_follow_up", null]),
        "an empty cell is None to libhxl"
    );
}

#[test]
fn geojson_features_carry_each_reports_review() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reviewed.geojson");
    let mut iter = reviewed().into_iter().map(Ok::<_, String>);
    write_atomically(&path, |w| {
        terrain_export::geojson::write(
            w,
            &mut iter,
            &SiteNames::new(),
            &Incidents::none(),
            Default::default(),
        )
    })
    .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let first = &doc["features"][0]["properties"]["review"];
    assert_eq!(first["state"], "verified");
    assert_eq!(first["by"], "fanta");
    assert_eq!(first["changed_since"], true);
    let second = &doc["features"][1]["properties"]["review"];
    assert_eq!(second["state"], "needs_follow_up");
    assert_eq!(second["changed_since"], false);
    assert_eq!(
        second["comment"],
        "Combien de camions, selon la gendarmerie ?"
    );
}

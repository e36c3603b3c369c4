//! What the export suites share: the example reports as revisions, and CSV rows as an
//! independent parser (Python's csv module) reads them.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use terrain_domain::{Revision, check, parse_json};

pub const SEED: &str = include_str!("../../../../docs/examples/bafoulabe-plants-attack.json");
pub const CONVOY: &str = include_str!("../../../../docs/examples/fuel-convoy-attack.json");

/// A revision of an example report, edited first, as awa's laptop writes it.
pub fn revision(json: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Revision {
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
    edit(&mut v);
    let r = check(
        parse_json(&v.to_string()).unwrap(),
        chrono::Local::now().date_naive(),
    )
    .unwrap();
    Revision::new(r, vec![], "awa", "laptop", chrono::Utc::now())
}

/// Rows as Python's csv module reads them: a list of {column: value}, the HXL row left out
/// when `skip_hxl`.
pub fn python_rows(path: &Path, skip_hxl: bool) -> Vec<HashMap<String, String>> {
    let script = format!(
        "import csv, json, sys\nrows = list(csv.DictReader(open(sys.argv[1], encoding='utf-8-sig', newline='')))\n{}print(json.dumps(rows))",
        if skip_hxl { "rows = rows[1:]\n" } else { "" }
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

//! The UI's TypeScript types are generated from the Rust types: this fails when they drift.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.expect("directory entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "ts"))
                .map(|p| {
                    let name = p.file_name().unwrap().to_string_lossy().into_owned();
                    (name, std::fs::read_to_string(&p).expect("readable"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn ui_bindings_match_the_rust_types() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings");
    let fresh = tempfile::tempdir().unwrap();
    terrain_app::bindings::export_to(fresh.path()).unwrap();
    let fresh_files = files(fresh.path());
    assert!(
        fresh_files.contains_key("Report.ts"),
        "{:?}",
        fresh_files.keys()
    );
    if std::env::var_os("TERRAIN_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(&committed);
        std::fs::create_dir_all(&committed).unwrap();
        for (name, text) in &fresh_files {
            std::fs::write(committed.join(name), text).unwrap();
        }
    }
    assert_eq!(
        files(&committed),
        fresh_files,
        "ui/src/bindings is out of date: run `TERRAIN_BLESS=1 cargo test -p terrain-app --test bindings`"
    );
}

//! `terrain bundle write` and `terrain bundle read` (issues 15, 16), the real binary on two
//! data folders of one official: a site and a report go by USB bundle to the centre, and the
//! site reaches the other device by its reply; each command says what went and what came.

mod common;

use common::{PASSWORD, SEED, login, ok};
use std::path::{Path, PathBuf};
use terrain_server::AppState;

/// A real server for awa (Kayes) on loopback, with its state to import bundles at the centre.
fn centre() -> (String, AppState, tokio::runtime::Handle) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let handle = rt.handle().clone();
        rt.block_on(async move {
            let dir = tempfile::tempdir().unwrap();
            let db = format!("sqlite:{}", dir.path().join("server.db").display());
            let key = terrain_server_store::ContactKey::random();
            let store = terrain_server_engines::open_store(&db, "terrain", &key)
                .await
                .unwrap();
            let state = AppState::new(store, key);
            terrain_server::add_user(
                &state,
                "awa",
                terrain_protocol::Role::Reporter,
                vec!["Kayes".to_string()],
                PASSWORD,
            )
            .await
            .unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            tx.send((url, state.clone(), handle)).unwrap();
            terrain_server::serve(listener, terrain_server::router(state)).await;
        });
    });
    rx.recv().unwrap()
}

/// The one bundle in `dir`.
fn bundle_in(dir: &Path) -> PathBuf {
    let found: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tbundle"))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].clone()
}

#[test]
fn bundle_write_and_read_say_what_went_and_what_came() {
    let (url, state, rt) = centre();
    let import = |file: &Path, back: &Path| {
        let today = chrono::Utc::now().date_naive();
        rt.block_on(terrain_server::policy::bundles::import(
            &state,
            file,
            Some(back),
            today,
        ))
        .unwrap()
    };
    let work = tempfile::tempdir().unwrap();
    let (a, b) = (work.path().join("a"), work.path().join("b"));
    let site = work.path().join("plant.json");
    std::fs::write(
        &site,
        include_str!("../../../docs/examples/sites/diawara-plant.json"),
    )
    .unwrap();
    ok(&a, &["site", "add", "--json", site.to_str().unwrap()]);
    ok(&a, &["report", "import", SEED]);
    login(&a, &url);
    login(&b, &url);

    let stick = work.path().join("usb-a");
    std::fs::create_dir_all(&stick).unwrap();
    let said = ok(&a, &["bundle", "write", "--to", stick.to_str().unwrap()]);
    assert!(
        said.contains(
            "1 revisions of 1 reports, 0 photos, 0 link operations and 1 site revisions written"
        ),
        "{said}"
    );
    let back = work.path().join("back-a");
    std::fs::create_dir_all(&back).unwrap();
    let done = import(&bundle_in(&stick), &back);
    assert_eq!((done.stored, done.sites), (1, 1));
    let said = ok(&a, &["bundle", "read", bundle_in(&back).to_str().unwrap()]);
    assert!(
        said.contains("The server received 1 reports")
            && said.contains("0 review decisions received.")
            && said.contains("Link operations: 0 received by the server, 0 from other devices.")
            && said.contains("Sites: 1 revisions received by the server, 0 from other devices (0 sites merged, 0 in conflict)."),
        "{said}"
    );

    // The other device: an empty bundle asks for news; its reply brings the site and report.
    let stick = work.path().join("usb-b");
    std::fs::create_dir_all(&stick).unwrap();
    let said = ok(&b, &["bundle", "write", "--to", stick.to_str().unwrap()]);
    assert!(said.contains("No new report to send"), "{said}");
    assert!(said.contains("0 site revisions written"), "{said}");
    let back = work.path().join("back-b");
    std::fs::create_dir_all(&back).unwrap();
    let done = import(&bundle_in(&stick), &back);
    assert_eq!((done.pulled, done.sites_sent), (1, 1));
    let read: serde_json::Value = serde_json::from_str(&ok(
        &b,
        &[
            "bundle",
            "read",
            bundle_in(&back).to_str().unwrap(),
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(read["received"], 1);
    assert_eq!(read["sites_received"], 1);
    assert_eq!(read["sites_acked"], 0);
    let sites = ok(&b, &["site", "list"]);
    assert!(sites.contains("lime and plaster plant"), "{sites}");
}

//! A source's contact is need-to-know: it reaches its author's devices and the region's
//! reviewers, never another reporter's laptop, and the server's database holds it only sealed.
//! Real server on loopback, both engines.

use serde_json::{Value, json};
use terrain_domain::{ValidReport, check, parse_json};
use terrain_protocol::Role;
use terrain_tests::SEED;
use terrain_tests::harness::{Device, Engine, Server};
use uuid::Uuid;

const CONTACT: &str = "+223 76 12 34 56 ne jamais citer";

terrain_tests::on_both_engines!(a_contact_reaches_its_author_and_reviewers_only);

fn report_with_contact() -> ValidReport {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    v["id"] = json!(Uuid::now_v7());
    v["sources"][0]["contact"] = json!(CONTACT);
    check(
        parse_json(&v.to_string()).unwrap(),
        chrono::Local::now().date_naive(),
    )
    .unwrap()
}

/// Every revision the device holds of `id`, as JSON, after checking each still verifies.
fn history_json(device: &Device, id: Uuid) -> String {
    let history = device.store.history(id).unwrap();
    assert!(!history.is_empty());
    assert!(history.iter().all(|r| r.hash_matches()), "hashes verify");
    serde_json::to_string(&history).unwrap()
}

/// No trace of the contact in the server's rows: revisions and the sealed contacts.
async fn server_rows_hold_no_contact(server: &Server, id: Uuid) {
    let page = server.state.store.pull(0, 1000, None).await.unwrap();
    assert!(
        !serde_json::to_string(&page.items)
            .unwrap()
            .contains("76 12 34 56")
    );
    let sealed = server.state.store.contacts(vec![id]).await.unwrap();
    assert!(!sealed.is_empty());
    for c in sealed {
        assert!(!String::from_utf8_lossy(&c.sealed).contains("76 12 34 56"));
    }
    if server.engine == Engine::Sqlite {
        for file in ["server.db", "server.db-wal"] {
            let bytes = std::fs::read(server.dir.path().join(file)).unwrap_or_default();
            assert!(
                !bytes.windows(11).any(|w| w == b"76 12 34 56"),
                "{file} holds the contact in clear"
            );
        }
    }
}

async fn a_contact_reaches_its_author_and_reviewers_only(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("binta", Role::Reporter, &["Kayes"]).await;
    server.user("rokia", Role::Reviewer, &["Kayes"]).await;
    let (a, b, r) = (
        server.device("awa").await,
        server.device("binta").await,
        server.device("rokia").await,
    );
    let report = report_with_contact();
    let id = report.id;
    a.store.save(report, "awa").unwrap();
    a.sync().await.unwrap();
    server_rows_hold_no_contact(&server, id).await;

    // Another reporter of the region: the report, verified, without the contact.
    b.sync().await.unwrap();
    assert!(!history_json(&b, id).contains(CONTACT));
    let (status, pulled) = server
        .call(reqwest::Method::GET, "/v1/pull?since=0", &b.token())
        .await;
    assert_eq!(status, 200);
    assert!(!pulled.to_string().contains("76 12 34 56"));
    // The reviewer: with it.
    r.sync().await.unwrap();
    assert!(history_json(&r, id).contains(CONTACT));

    // B edits the narrative and pushes a revision whose source has no contact...
    let mut edited = b.store.get(id).unwrap().report;
    edited.narrative = "Edited by Binta.".into();
    let edited = check(edited, chrono::Local::now().date_naive()).unwrap();
    b.store.save(edited, "binta").unwrap();
    b.sync().await.unwrap();
    server_rows_hold_no_contact(&server, id).await;
    // ...and the author's second device still sees the contact on the edited report.
    let a2 = server.device("awa").await;
    a2.sync().await.unwrap();
    let head = a2.store.get(id).unwrap().report;
    assert_eq!(head.narrative, "Edited by Binta.");
    assert_eq!(head.sources[0].contact.as_deref(), Some(CONTACT));
    assert!(history_json(&a2, id).contains(CONTACT));
    r.sync().await.unwrap();
    assert_eq!(
        r.store.get(id).unwrap().report.sources[0]
            .contact
            .as_deref(),
        Some(CONTACT)
    );
    b.sync().await.unwrap();
    assert!(!history_json(&b, id).contains(CONTACT));
    server.stop().await;
}

//! Sizes: a revision with a 15 MiB author or 300,000 parents is refused, naming the field and
//! its limit, and nothing is stored; a region whose revisions pass a pull page's byte budget
//! is pulled in several pages, each under it, none lost or repeated. Both engines.

use serde_json::{Value, json};
use std::collections::HashSet;
use terrain_domain::{Revision, check, limits, new_id, parse_json};
use terrain_protocol::{Role, limits::PULL_PAGE_BYTES};
use terrain_tests::harness::{Engine, Server};

terrain_tests::on_both_engines!(
    a_huge_author_and_300000_parents_are_refused_by_name_and_nothing_is_stored,
    a_region_larger_than_a_page_is_pulled_in_pages_under_the_budget,
);

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

/// A valid final report of Kayes (a new one each call), with `narrative` as its narrative.
fn revision(narrative: String) -> Revision {
    let mut report = parse_json(SEED).unwrap();
    report.id = new_id();
    report.narrative = narrative;
    let today = chrono::Utc::now().date_naive();
    Revision::new(
        check(report, today).unwrap(),
        vec![],
        "awa",
        "awa's laptop",
        chrono::Utc::now(),
    )
}

/// POST /v1/push: the answer's results.
async fn push(server: &Server, token: &str, revisions: &[Revision]) -> Vec<Value> {
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/push", server.url))
        .bearer_auth(token)
        .header("Terrain-Protocol", "1")
        .json(&json!({ "revisions": revisions }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    body["results"].as_array().unwrap().clone()
}

async fn a_huge_author_and_300000_parents_are_refused_by_name_and_nothing_is_stored(
    engine: Engine,
) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let token = server.device("awa").await.token();
    let mut author = revision(String::new());
    author.author = "a".repeat(15 * 1024 * 1024);
    let mut parents = revision(String::new());
    parents.parents = vec![new_id(); 300_000];
    for (rev, said) in [
        (
            author,
            "author: is 15728640 characters long; at most 200 are allowed",
        ),
        (parents, "parents: has 300000 items; at most 64 are allowed"),
    ] {
        let results = push(&server, &token, &[rev]).await;
        assert_eq!(results[0]["status"], "rejected", "{results:?}");
        assert_eq!(results[0]["code"], "invalid_report");
        assert_eq!(results[0]["message"], said);
    }
    assert_eq!(server.revision_count().await, 0);
    assert_eq!(limits::PARENTS, 64);
}

async fn a_region_larger_than_a_page_is_pulled_in_pages_under_the_budget(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let token = server.device("awa").await.token();
    // 50 revisions of about 100 KB each: 5 MB, more than one page's 4 MiB.
    let revisions: Vec<Revision> = (0..50)
        .map(|i| revision(format!("{i} ").repeat(limits::NARRATIVE_CHARS / 3)))
        .collect();
    let sent: HashSet<String> = revisions.iter().map(|r| r.id.to_string()).collect();
    for half in revisions.chunks(25) {
        let results = push(&server, &token, half).await;
        assert!(
            results.iter().all(|r| r["status"] == "stored"),
            "{results:?}"
        );
    }
    let (mut since, mut pages, mut pulled) = (0, 0, Vec::new());
    loop {
        let resp = reqwest::Client::new()
            .get(format!("{}/v1/pull?since={since}", server.url))
            .bearer_auth(&token)
            .header("Terrain-Protocol", "1")
            .send()
            .await
            .unwrap();
        let bytes = resp.bytes().await.unwrap();
        assert!(
            bytes.len() <= PULL_PAGE_BYTES,
            "a page of {} bytes",
            bytes.len()
        );
        let page: Value = serde_json::from_slice(&bytes).unwrap();
        pages += 1;
        for r in page["revisions"].as_array().unwrap() {
            pulled.push(r["revision"]["id"].as_str().unwrap().to_string());
        }
        since = page["next"].as_i64().unwrap();
        if !page["more"].as_bool().unwrap() {
            break;
        }
    }
    assert!(pages >= 2, "{pages} pages");
    assert_eq!(pulled.len(), 50, "none repeated");
    assert_eq!(
        pulled.into_iter().collect::<HashSet<_>>(),
        sent,
        "none lost"
    );
    // The sync client follows `more` to the end too.
    let (summary, _) = server.device("awa").await.sync().await.unwrap();
    assert_eq!(summary.received, 50);
}

//! The duplicate check's candidates (issue 15): on normal data every engine finds the rows the
//! domain's `DuplicateIndex` would compare, so `compare` on them answers as the index does;
//! under a flood of copies about one place and week a check reads at most
//! [`CANDIDATES_READ`] rows of its weeks, and a report sharing one of its sites is still
//! found, however far its point.

use crate::{incoming, no_audit};
use chrono::Utc;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use terrain_domain::incident::{DuplicateIndex, Fingerprint, compare};
use terrain_domain::{Revision, check, parse_json};
use terrain_server_store::incidents::CANDIDATES_READ;
use terrain_server_store::{CandidateQuery, ServerStore};
use uuid::Uuid;

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

/// A report of the seed's kind edited by `edit`, as a first revision.
fn report(edit: impl FnOnce(&mut Value)) -> Revision {
    let mut v: Value = serde_json::from_str(SEED).expect("seed is JSON");
    v["id"] = json!(Uuid::now_v7());
    edit(&mut v);
    let report = check(
        parse_json(&v.to_string()).expect("parses"),
        Utc::now().date_naive(),
    )
    .expect("valid");
    Revision::new(report, vec![], "tester", "device-1", Utc::now())
}

async fn push(store: &dyn ServerStore, revisions: &[Revision]) {
    for batch in revisions.chunks(100) {
        store
            .push(batch.iter().map(incoming).collect(), no_audit())
            .await
            .expect("pushed");
    }
}

async fn fingerprint(store: &dyn ServerStore, report: Uuid) -> Fingerprint {
    store
        .fingerprint(report)
        .await
        .unwrap()
        .expect("filed in the push")
}

/// The reports the candidate rows of `f` hold that `compare` accepts.
async fn found(store: &dyn ServerStore, f: &Fingerprint) -> BTreeSet<Uuid> {
    let rows = store
        .fingerprint_candidates(CandidateQuery::of(f))
        .await
        .unwrap();
    let ids: BTreeSet<Uuid> = rows.iter().map(|r| r.report).collect();
    assert_eq!(ids.len(), rows.len(), "each row once");
    rows.iter()
        .filter(|r| compare(f, r).is_some())
        .map(|r| r.report)
        .collect()
}

pub async fn run(store: &dyn ServerStore) {
    the_candidates_answer_as_the_domain_index(store).await;
    a_flood_of_copies_reads_a_bounded_number_and_still_finds_a_shared_site(store).await;
}

async fn the_candidates_answer_as_the_domain_index(store: &dyn ServerStore) {
    let (plant, convoy) = (Uuid::now_v7(), Uuid::now_v7());
    let ambush = "A convoy of fuel tankers was ambushed on the road; drivers were killed and \
                  the trucks burned.";
    let revisions: Vec<Revision> = (0..120)
        .map(|i: i64| {
            report(|v| {
                let day = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()
                    + chrono::Duration::days(i * 7 % 45);
                v["when"]["date"] = json!(day.to_string());
                let place = &mut v["where"];
                place["coordinates"] = json!({
                    "latitude": 13.7 + (i % 5) as f64 * 0.07,
                    "longitude": -10.9 + (i % 3) as f64 * 0.2,
                });
                if i % 4 == 0 {
                    place.as_object_mut().unwrap().remove("coordinates");
                }
                if i % 6 == 3 {
                    place.as_object_mut().unwrap().remove("admin2");
                    place.as_object_mut().unwrap().remove("admin3");
                }
                if i % 2 == 1 {
                    v["narrative"] = json!(ambush);
                    v["title"] = json!(format!("Convoy ambushed, report {i}"));
                }
                let sites: Vec<Value> = [(7, plant), (11, convoy)]
                    .iter()
                    .filter(|(n, _)| i % n == 0)
                    .map(|(_, s)| json!({ "site_id": s }))
                    .collect();
                if !sites.is_empty() {
                    v["sites"] = json!(sites);
                }
            })
        })
        .collect();
    push(store, &revisions).await;
    let mut index = DuplicateIndex::new();
    let mut all = Vec::new();
    for r in &revisions {
        let f = fingerprint(store, r.report_id).await;
        index.insert(f.clone());
        all.push(f);
    }
    let mut pairs = 0;
    for f in &all {
        let expected: BTreeSet<Uuid> = index.check(f).into_iter().map(|c| c.report).collect();
        pairs += expected.len();
        assert_eq!(found(store, f).await, expected, "report {}", f.report);
    }
    assert!(pairs > 100, "the data has suggestions to find: {pairs}");
}

async fn a_flood_of_copies_reads_a_bounded_number_and_still_finds_a_shared_site(
    store: &dyn ServerStore,
) {
    let site = Uuid::now_v7();
    // The flood: copies of one report about one place and day, in another region than the
    // first check's data so that stays apart.
    let in_segou = |v: &mut Value| {
        v["where"] = json!({
            "admin1": "Ségou",
            "coordinates": { "latitude": 13.45, "longitude": -6.26 },
            "geo_precision": "near",
        });
    };
    let flood: Vec<Revision> = (0..CANDIDATES_READ + 50)
        .map(|_| report(in_segou))
        .collect();
    push(store, &flood).await;
    let target = report(|v| {
        in_segou(v);
        v["sites"] = json!([{ "site_id": site }]);
    });
    // The same site, told with a point far off (four cells away): found by its site only.
    let far = report(|v| {
        in_segou(v);
        v["where"]["coordinates"]["latitude"] = json!(14.45);
        v["sites"] = json!([{ "site_id": site }]);
    });
    push(store, &[target.clone(), far.clone()]).await;
    let f = fingerprint(store, target.report_id).await;
    let rows = store
        .fingerprint_candidates(CandidateQuery::of(&f))
        .await
        .unwrap();
    assert_eq!(
        rows.len(),
        CANDIDATES_READ + 1,
        "the weeks' bound, and the site's report"
    );
    assert!(found(store, &f).await.contains(&far.report_id));
}

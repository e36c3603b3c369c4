//! A site's reports (issue 15, schema step 14, the console's site page): every engine finds
//! the reports whose heads name a set of sites (each once, sorted, bounded), follows a
//! report's new head (a site dropped is no longer found; both heads of a conflict are), and
//! finds the sites a revision says were merged into a site.

use crate::sites::{revision as site_revision, site};
use crate::{no_audit, revision};
use terrain_domain::{Revision, SiteRef};
use terrain_server_store::{Incoming, ServerStore, SitesStored};
use uuid::Uuid;

/// A report of Kayes naming `sites`, following `parents`.
fn naming(report: Uuid, sites: &[Uuid], parents: Vec<Uuid>) -> Revision {
    let mut rev = revision(report, "Kayes", "Attaque de l'usine", parents);
    rev.content.sites = sites
        .iter()
        .map(|s| SiteRef {
            site_id: *s,
            damage: None,
        })
        .collect();
    rev.content_hash = terrain_domain::content_hash(&rev.content);
    rev
}

async fn push(s: &dyn ServerStore, revs: &[&Revision]) {
    let batch = revs
        .iter()
        .map(|r| Incoming {
            revision: (*r).clone(),
            region: "Kayes".into(),
            pushed_by: "tester".into(),
            pushed_device: "tester's laptop".into(),
            contacts: Vec::new(),
        })
        .collect();
    s.push(batch, no_audit()).await.expect("pushed");
}

fn sorted(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids
}

/// Runs every check against a store no other check of this module wrote to.
pub async fn run(s: &dyn ServerStore) {
    reports_are_found_at_the_sites_their_heads_name(s).await;
    sites_merged_into_a_site_are_found(s).await;
}

async fn reports_are_found_at_the_sites_their_heads_name(s: &dyn ServerStore) {
    let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let (r1, r2, r3, r4, r5, r6) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    let r5_first = naming(r5, &[a], vec![]);
    let r6_first = naming(r6, &[], vec![]);
    push(
        s,
        &[
            &naming(r1, &[a], vec![]),
            &naming(r2, &[b], vec![]),
            &naming(r3, &[c], vec![]),
            &naming(r4, &[a, c], vec![]),
            &r5_first,
            &r6_first,
        ],
    )
    .await;
    assert_eq!(
        s.reports_at_sites(vec![a], 100).await.unwrap(),
        sorted(vec![r1, r4, r5])
    );
    assert_eq!(
        s.reports_at_sites(vec![a, b, c], 100).await.unwrap(),
        sorted(vec![r1, r2, r3, r4, r5]),
        "each report once, though r4 names two of them"
    );
    assert_eq!(
        s.reports_at_sites(vec![a, b, c], 2).await.unwrap(),
        sorted(vec![r1, r2, r3, r4, r5])[3..],
        "at most the limit, the newest ids (a busy site keeps its latest reports)"
    );
    // r5's next revision names no site: it is no longer found there.
    push(s, &[&naming(r5, &[], vec![r5_first.id])]).await;
    assert_eq!(
        s.reports_at_sites(vec![a], 100).await.unwrap(),
        sorted(vec![r1, r4])
    );
    // Two devices edited r6 apart: one head names b, the other c; both are found.
    push(
        s,
        &[
            &naming(r6, &[b], vec![r6_first.id]),
            &naming(r6, &[c], vec![r6_first.id]),
        ],
    )
    .await;
    assert_eq!(s.heads(r6).await.unwrap(), 2);
    assert_eq!(
        s.reports_at_sites(vec![b], 100).await.unwrap(),
        sorted(vec![r2, r6])
    );
    assert_eq!(
        s.reports_at_sites(vec![c], 100).await.unwrap(),
        sorted(vec![r3, r4, r6])
    );
    assert!(
        s.reports_at_sites(vec![Uuid::now_v7()], 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(s.reports_at_sites(vec![], 100).await.unwrap().is_empty());
}

async fn sites_merged_into_a_site_are_found(s: &dyn ServerStore) {
    // B and D were merged into A (D's merge later undone), E into B.
    let a = site("Kayes", "Usine de chaux Diawara");
    let b = site("Kayes", "Usine Diawara (bis)");
    let d = site("Kayes", "Usine Diawara (ter)");
    let e = site("Kayes", "Usine Diawara (quater)");
    let merged = |from: &terrain_domain::Site, into: Uuid| {
        let mut m = from.clone();
        m.merged_into = Some(into);
        m
    };
    let a1 = site_revision(&a, vec![], "bina", "bina-phone");
    let b1 = site_revision(&merged(&b, a.id), vec![], "bina", "bina-phone");
    let d1 = site_revision(&merged(&d, a.id), vec![], "bina", "bina-phone");
    let d2 = site_revision(&d, vec![d1.id], "bina", "bina-phone");
    let e1 = site_revision(&merged(&e, b.id), vec![], "bina", "bina-phone");
    let batch = [&a1, &b1, &d1, &d2, &e1]
        .iter()
        .map(|r| crate::sites::incoming(r))
        .collect();
    assert_eq!(
        s.store_sites(batch, "bina").await.unwrap(),
        SitesStored::Stored(vec![true; 5])
    );
    assert_eq!(
        s.sites_merged_into(vec![a.id]).await.unwrap(),
        sorted(vec![b.id, d.id]),
        "every site a revision says was merged into it (D's head is for the caller to judge)"
    );
    assert_eq!(
        s.sites_merged_into(vec![a.id, b.id]).await.unwrap(),
        sorted(vec![b.id, d.id, e.id])
    );
    assert!(s.sites_merged_into(vec![e.id]).await.unwrap().is_empty());
    assert!(s.sites_merged_into(vec![]).await.unwrap().is_empty());
}

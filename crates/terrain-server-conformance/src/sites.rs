//! Shared sites (issue 15): every engine keeps a site revision once by id with its audit
//! event, refuses a batch naming another user's device whole, serves the site feed by region
//! in order (parents before children), gives a site's history with the sites it was merged
//! into, and keeps one revision once when several connections store it at the same time.

use chrono::Utc;
use std::sync::Arc;
use terrain_domain::{Site, SiteRevision};
use terrain_server_store::{
    AuditEvent, AuditQuery, IncomingSite, ServerStore, SitesStored, actions,
};
use uuid::Uuid;

const PLANT: &str = include_str!("../../../docs/examples/sites/diawara-plant.json");

/// The Diawara plant moved to `region` (its cercle dropped), named `name`, checked.
pub fn site(region: &str, name: &str) -> Site {
    let mut v: serde_json::Value = serde_json::from_str(PLANT).expect("the example is JSON");
    v["admin1"] = serde_json::json!(region);
    v["name"] = serde_json::json!(name);
    if region != "Kayes" {
        v.as_object_mut().unwrap().remove("admin2");
    }
    serde_json::from_value::<Site>(v)
        .expect("a site")
        .check()
        .expect("a valid site")
}

/// A revision of `site` by `author` from `device`, following `parents`.
pub fn revision(site: &Site, parents: Vec<Uuid>, author: &str, device: &str) -> SiteRevision {
    SiteRevision::new(site.clone(), parents, author, device, Utc::now())
}

/// What the server hands the store for `rev`.
pub fn incoming(rev: &SiteRevision) -> IncomingSite {
    let event = AuditEvent {
        at: Utc::now(),
        actor: Some(rev.author.clone()),
        device: Some(format!("{}'s laptop", rev.author)),
        action: actions::SITE_REVISION.into(),
        detail: format!("site {} revision {}", rev.site_id, rev.id),
    };
    IncomingSite::new(rev.clone(), event)
}

async fn store(s: &dyn ServerStore, revs: &[&SiteRevision], user: &str) -> SitesStored {
    let batch = revs.iter().map(|r| incoming(r)).collect();
    s.store_sites(batch, user).await.expect("stored")
}

async fn audited(s: &dyn ServerStore, user: &str) -> usize {
    let query = AuditQuery {
        since: None,
        user: Some(user.into()),
        limit: 1_000,
    };
    s.audit(&query)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == actions::SITE_REVISION)
        .count()
}

/// Runs every check against an empty store; `other` is a second connection to the same one
/// (another pool, another process's view).
pub async fn run(store: Arc<dyn ServerStore>, other: Arc<dyn ServerStore>) {
    revisions_are_kept_once_with_their_audit_events(&*store).await;
    another_users_device_stores_nothing(&*store).await;
    the_feed_gives_a_regions_revisions_in_order(&*store).await;
    history_follows_merges(&*store).await;
    concurrent_stores_keep_a_revision_once(store, other).await;
}

async fn revisions_are_kept_once_with_their_audit_events(s: &dyn ServerStore) {
    let plant = site("Kayes", "Usine de chaux Diawara");
    let first = revision(&plant, vec![], "awa", "awa-laptop");
    let mut renamed = plant.clone();
    renamed.operator = Some("Ibrahima Diawara et fils".into());
    let second = revision(&renamed, vec![first.id], "awa", "awa-laptop");
    assert_eq!(
        store(s, &[&first, &second], "awa").await,
        SitesStored::Stored(vec![true, true])
    );
    assert_eq!(audited(s, "awa").await, 2);
    // A retry (the answer was lost) keeps each once and audits nothing more; a revision sent
    // twice in one batch is kept once.
    let third = revision(&plant, vec![second.id], "awa", "awa-laptop");
    assert_eq!(
        store(s, &[&first, &second, &third, &third], "awa").await,
        SitesStored::Stored(vec![false, false, true, false])
    );
    assert_eq!(audited(s, "awa").await, 3);
    let kept = s.site_revisions(vec![plant.id]).await.unwrap();
    let revs: Vec<&SiteRevision> = kept.iter().map(|k| &k.revision).collect();
    assert_eq!(revs, [&first, &second, &third], "read back whole, in order");
    assert!(kept.iter().all(|k| k.region == "Kayes"));
    assert!(kept[0].seq < kept[1].seq && kept[1].seq < kept[2].seq);
    let some = s
        .site_revisions_by_id(vec![third.id, first.id, Uuid::now_v7()])
        .await
        .unwrap();
    let ids: Vec<Uuid> = some.iter().map(|k| k.revision.id).collect();
    assert_eq!(ids, [first.id, third.id]);
    assert!(
        s.site_revisions(vec![Uuid::now_v7()])
            .await
            .unwrap()
            .is_empty()
    );
}

async fn another_users_device_stores_nothing(s: &dyn ServerStore) {
    let mine = revision(
        &site("Kayes", "Carrière de Kalana"),
        vec![],
        "fanta",
        "fanta-phone",
    );
    assert_eq!(
        store(s, &[&mine], "fanta").await,
        SitesStored::Stored(vec![true])
    );
    // Moussa sends a good revision, then one claiming Fanta's device: neither is kept.
    let good = revision(
        &site("Kayes", "Marché de Toukoto"),
        vec![],
        "moussa",
        "moussa-phone",
    );
    let posing = revision(
        &site("Kayes", "Mine de Sadiola"),
        vec![],
        "moussa",
        "fanta-phone",
    );
    assert_eq!(
        store(s, &[&good, &posing], "moussa").await,
        SitesStored::DeviceOfAnotherUser {
            device: "fanta-phone".into()
        }
    );
    let held = s
        .site_revisions_by_id(vec![good.id, posing.id])
        .await
        .unwrap();
    assert!(held.is_empty(), "nothing of the batch is kept");
    assert_eq!(audited(s, "moussa").await, 0, "nor audited");
    // Alone, the good one is kept, and its device is Moussa's from then on.
    assert_eq!(
        store(s, &[&good], "moussa").await,
        SitesStored::Stored(vec![true])
    );
    let later = revision(
        &site("Kayes", "Route de Manantali"),
        vec![],
        "fanta",
        "moussa-phone",
    );
    assert!(matches!(
        store(s, &[&later], "fanta").await,
        SitesStored::DeviceOfAnotherUser { .. }
    ));
}

async fn the_feed_gives_a_regions_revisions_in_order(s: &dyn ServerStore) {
    let start = s.site_feed(0, 10_000, None).await.unwrap();
    assert!(!start.more);
    let since = start.next;
    let gao = site("Gao", "Dépôt de carburant de Gao");
    let kayes = site("Kayes", "Centrale de Félou");
    let g1 = revision(&gao, vec![], "oumar", "oumar-phone");
    let k1 = revision(&kayes, vec![], "oumar", "oumar-phone");
    let k2 = revision(&kayes, vec![k1.id], "oumar", "oumar-phone");
    let g2 = revision(&gao, vec![g1.id], "oumar", "oumar-phone");
    assert_eq!(
        store(s, &[&g1, &k1, &k2, &g2], "oumar").await,
        SitesStored::Stored(vec![true; 4])
    );
    let kayes_only = Some(vec!["Kayes".to_string()]);
    let page = s.site_feed(since, 100, kayes_only.clone()).await.unwrap();
    let ids: Vec<Uuid> = page.items.iter().map(|i| i.revision.id).collect();
    assert_eq!(ids, [k1.id, k2.id], "Kayes only, parents before children");
    assert!(!page.more);
    assert_eq!(page.next, page.items[1].seq);
    let again = s.site_feed(page.next, 100, kayes_only).await.unwrap();
    assert!(again.items.is_empty() && !again.more);
    assert_eq!(again.next, page.next, "an empty page keeps the cursor");
    // Page by page, every region: one at a time, in order, none skipped.
    let (mut at, mut seen) = (since, Vec::new());
    loop {
        let page = s.site_feed(at, 1, None).await.unwrap();
        seen.extend(page.items.iter().map(|i| i.revision.id));
        at = page.next;
        if !page.more {
            break;
        }
    }
    assert_eq!(seen, [g1.id, k1.id, k2.id, g2.id]);
    let none = s
        .site_feed(since, 100, Some(vec!["Mopti".into()]))
        .await
        .unwrap();
    assert!(none.items.is_empty());
}

async fn history_follows_merges(s: &dyn ServerStore) {
    // Two devices added the same plant offline; B is then merged into A, and A into C.
    let a = site("Kayes", "Usine Diawara (Awa)");
    let b = site("Kayes", "Usine Diawara (Fanta)");
    let c = site("Kayes", "Usine Diawara");
    let a1 = revision(&a, vec![], "bina", "bina-phone");
    let b1 = revision(&b, vec![], "bina", "bina-phone");
    let c1 = revision(&c, vec![], "bina", "bina-phone");
    let mut b_merged = b.clone();
    b_merged.merged_into = Some(a.id);
    let b2 = revision(&b_merged, vec![b1.id], "bina", "bina-phone");
    let mut a_merged = a.clone();
    a_merged.merged_into = Some(c.id);
    let a2 = revision(&a_merged, vec![a1.id], "bina", "bina-phone");
    assert_eq!(
        store(s, &[&a1, &b1, &c1, &b2, &a2], "bina").await,
        SitesStored::Stored(vec![true; 5])
    );
    let ids = |h: Vec<terrain_server_store::StoredSite>| -> Vec<Uuid> {
        h.into_iter().map(|s| s.revision.id).collect()
    };
    assert_eq!(
        ids(s.site_history(b.id).await.unwrap()),
        [a1.id, b1.id, c1.id, b2.id, a2.id],
        "B, A it was merged into and C A was merged into, in feed order"
    );
    assert_eq!(
        ids(s.site_history(a.id).await.unwrap()),
        [a1.id, c1.id, a2.id]
    );
    assert_eq!(ids(s.site_history(c.id).await.unwrap()), [c1.id]);
    assert!(s.site_history(Uuid::now_v7()).await.unwrap().is_empty());
    // A cycle two devices made at once ends.
    let mut c_merged = c.clone();
    c_merged.merged_into = Some(b.id);
    let c2 = revision(&c_merged, vec![c1.id], "bina", "bina-phone");
    store(s, &[&c2], "bina").await;
    assert_eq!(s.site_history(c.id).await.unwrap().len(), 6);
}

async fn concurrent_stores_keep_a_revision_once(
    store: Arc<dyn ServerStore>,
    other: Arc<dyn ServerStore>,
) {
    for round in 0..5 {
        let plant = site("Kayes", &format!("Usine n° {round}"));
        let rev = revision(&plant, vec![], "kadia", "kadia-phone");
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let s = Arc::clone(if i % 2 == 0 { &store } else { &other });
                let batch = vec![incoming(&rev)];
                tokio::spawn(async move { s.store_sites(batch, "kadia").await.unwrap() })
            })
            .collect();
        let mut new = 0;
        for task in tasks {
            match task.await.unwrap() {
                SitesStored::Stored(s) => new += s.iter().filter(|n| **n).count(),
                other => panic!("refused: {other:?}"),
            }
        }
        assert_eq!(new, 1, "one connection stored it, the others found it held");
        assert_eq!(store.site_revisions(vec![plant.id]).await.unwrap().len(), 1);
    }
    assert_eq!(
        audited(&*store, "kadia").await,
        5,
        "one event per revision kept"
    );
}

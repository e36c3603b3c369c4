//! Shared sites on the device (issue 15, migration 015), between real device stores: the
//! "server" is a list of site revisions in feed order, as the real one serves them. Offline
//! edits of one site on two devices merge or conflict like reports'; applying a page twice
//! changes nothing; sites saved before the migration get a first revision; a site reaching a
//! device files the fingerprints of the reports naming it again.

use rusqlite::{Connection, params};
use serde_json::{Value, json};
use terrain_domain::{Site, SiteRevision, ValidReport, check, parse_json};
use terrain_store::Store;
use terrain_store::schema::{migrate, version};
use uuid::Uuid;

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");
const PLANT: &str = include_str!("../../../docs/examples/sites/diawara-plant.json");

struct Device {
    _dir: tempfile::TempDir,
    store: Store,
}

fn device() -> Device {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    Device { _dir: dir, store }
}

fn plant() -> Site {
    serde_json::from_str(PLANT).unwrap()
}

fn report(edit: impl FnOnce(&mut Value)) -> ValidReport {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    edit(&mut v);
    check(
        parse_json(&v.to_string()).unwrap(),
        chrono::Local::now().date_naive(),
    )
    .unwrap()
}

/// A stand-in site feed: revisions in the order the server stored them, each once.
#[derive(Default)]
struct Feed(Vec<SiteRevision>);

impl Feed {
    /// Sends what `d` queued and acks it, as the sync client does; returns how many were new.
    fn push(&mut self, d: &Device) -> usize {
        let queued = d.store.queued_site_revisions(500).unwrap();
        let mut new = 0;
        for rev in &queued {
            if !self.0.iter().any(|r| r.id == rev.id) {
                self.0.push(rev.clone());
                new += 1;
            }
        }
        let ids: Vec<Uuid> = queued.iter().map(|r| r.id).collect();
        d.store.ack_site_revisions(&ids).unwrap();
        new
    }

    fn pull(&self, d: &Device) -> terrain_store::SitesApplied {
        let since = d.store.sites_cursor().unwrap() as usize;
        let page: Vec<SiteRevision> = self.0.iter().skip(since).cloned().collect();
        d.store
            .apply_pulled_sites(&page, Some(self.0.len() as i64), "sync")
            .unwrap()
    }

    /// Both devices push and pull until neither has anything new.
    fn settle(&mut self, a: &Device, b: &Device) {
        for _ in 0..4 {
            let sent = self.push(a) + self.push(b);
            self.pull(a);
            self.pull(b);
            if sent == 0
                && a.store.queued_site_revisions(1).unwrap().is_empty()
                && b.store.queued_site_revisions(1).unwrap().is_empty()
            {
                return;
            }
        }
    }
}

#[test]
fn a_site_saved_on_one_device_reaches_another_and_saving_it_unchanged_writes_nothing() {
    let (a, b) = (device(), device());
    let site = a.store.save_site_as(plant(), "awa").unwrap();
    assert_eq!(a.store.save_site_as(site.clone(), "awa").unwrap(), site);
    let queued = a.store.queued_site_revisions(10).unwrap();
    assert_eq!(queued.len(), 1, "an unchanged save makes no revision");
    assert_eq!(queued[0].author, "awa");
    assert_eq!(queued[0].device, a.store.device_id());
    assert_eq!(queued[0].check(), Ok(()));
    let mut feed = Feed::default();
    feed.push(&a);
    assert!(a.store.queued_site_revisions(10).unwrap().is_empty());
    let applied = feed.pull(&b);
    assert_eq!(applied.received, 1);
    assert_eq!(b.store.site(site.id).unwrap(), Some(site.clone()));
    assert_eq!(b.store.sites_cursor().unwrap(), 1);
    // Nothing pulled is sent back.
    assert!(b.store.queued_site_revisions(10).unwrap().is_empty());
}

#[test]
fn applying_the_same_page_twice_changes_nothing() {
    let (a, b) = (device(), device());
    let site = a.store.save_site_as(plant(), "awa").unwrap();
    let mut edited = site.clone();
    edited.operator = Some("Diawara et fils".into());
    a.store.save_site_as(edited.clone(), "awa").unwrap();
    let page = a.store.queued_site_revisions(10).unwrap();
    assert_eq!(page[1].parents, [page[0].id]);
    let first = b.store.apply_pulled_sites(&page, Some(2), "sync").unwrap();
    assert_eq!((first.received, first.already_had), (2, 0));
    let again = b.store.apply_pulled_sites(&page, Some(2), "sync").unwrap();
    assert_eq!((again.received, again.already_had), (0, 2));
    assert!(again.conflicts.is_empty() && again.merged.is_empty());
    assert_eq!(b.store.site(site.id).unwrap(), Some(edited));
    assert_eq!(b.store.site_revisions(site.id).unwrap().len(), 2);
    // The same revisions as a fetched history change nothing either, cursor included.
    let fetched = b.store.apply_site_history(&page, "sync").unwrap();
    assert_eq!(fetched.already_had, 2);
    assert_eq!(b.store.sites_cursor().unwrap(), 2);
    // Its own revisions coming back from the feed leave A's queue.
    let own = a.store.apply_pulled_sites(&page, Some(2), "sync").unwrap();
    assert_eq!(own.already_had, 2);
    assert!(a.store.queued_site_revisions(10).unwrap().is_empty());
}

#[test]
fn a_revision_that_does_not_check_is_refused_and_named() {
    let a = device();
    let site = a.store.save_site_as(plant(), "awa").unwrap();
    let mut rev = a.store.queued_site_revisions(1).unwrap().remove(0);
    rev.id = Uuid::now_v7();
    rev.content.operator = Some("someone else".into());
    let b = device();
    let applied = b
        .store
        .apply_pulled_sites(&[rev.clone()], Some(1), "sync")
        .unwrap();
    assert_eq!(applied.received, 0);
    assert_eq!(applied.rejected[0].0, rev.id);
    assert!(
        applied.rejected[0].1.contains("content_hash"),
        "{:?}",
        applied.rejected
    );
    assert!(b.store.site(site.id).unwrap().is_none());
}

/// Two devices hold one site; each edits it offline, then both sync.
fn edited_offline(
    edit_a: impl FnOnce(&mut Site),
    edit_b: impl FnOnce(&mut Site),
) -> (Device, Device, Feed, Site) {
    let (a, b) = (device(), device());
    let base = a.store.save_site_as(plant(), "awa").unwrap();
    let mut feed = Feed::default();
    feed.push(&a);
    feed.pull(&b);
    let mut on_a = base.clone();
    edit_a(&mut on_a);
    a.store.save_site_as(on_a, "awa").unwrap();
    let mut on_b = base.clone();
    edit_b(&mut on_b);
    b.store.save_site_as(on_b, "musa").unwrap();
    feed.settle(&a, &b);
    (a, b, feed, base)
}

#[test]
fn disjoint_offline_edits_of_one_site_merge_into_the_same_site_on_both_devices() {
    let (a, b, feed, base) = edited_offline(
        |s| s.operator = Some("Diawara et fils".into()),
        |s| s.place = Some("Route de Mahina".into()),
    );
    let (on_a, on_b) = (
        a.store.site(base.id).unwrap().unwrap(),
        b.store.site(base.id).unwrap().unwrap(),
    );
    assert_eq!(on_a, on_b);
    assert_eq!(on_a.operator.as_deref(), Some("Diawara et fils"));
    assert_eq!(on_a.place.as_deref(), Some("Route de Mahina"));
    assert!(a.store.site_conflicts().unwrap().is_empty());
    assert!(b.store.site_conflicts().unwrap().is_empty());
    // Both devices made the same merge revision (its id is its parents'): the feed holds it once.
    let merges: Vec<_> = feed.0.iter().filter(|r| r.parents.len() == 2).collect();
    assert_eq!(merges.len(), 1, "{:?}", feed.0);
    assert_eq!(
        a.store.site_revisions(base.id).unwrap().len(),
        b.store.site_revisions(base.id).unwrap().len()
    );
}

#[test]
fn the_same_field_edited_differently_is_a_conflict_kept_visible_until_saved_again() {
    let (a, b, mut feed, base) = edited_offline(
        |s| s.operator = Some("Diawara et fils".into()),
        |s| s.operator = Some("Diawara SARL".into()),
    );
    for d in [&a, &b] {
        let conflicts = d.store.site_conflicts().unwrap();
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].site_id, base.id);
        assert_eq!(conflicts[0].fields, ["operator"]);
        assert_eq!(conflicts[0].base.as_ref().unwrap().content, base);
        assert_eq!(conflicts[0].heads.len(), 2);
    }
    // Both devices show the same version meanwhile (the latest made).
    assert_eq!(
        a.store.site(base.id).unwrap(),
        b.store.site(base.id).unwrap()
    );
    assert_eq!(
        a.store.site(base.id).unwrap().unwrap().operator.as_deref(),
        Some("Diawara SARL")
    );
    // Someone decides on A: one revision following both heads ends it everywhere.
    let mut decided = base.clone();
    decided.operator = Some("Ibrahima Diawara (Diawara SARL)".into());
    a.store.save_site_as(decided.clone(), "awa").unwrap();
    let resolution = a.store.queued_site_revisions(10).unwrap();
    assert_eq!(resolution.last().unwrap().parents.len(), 2);
    feed.settle(&a, &b);
    for d in [&a, &b] {
        assert!(d.store.site_conflicts().unwrap().is_empty());
        assert_eq!(d.store.site(base.id).unwrap(), Some(decided.clone()));
    }
}

#[test]
fn offline_edits_converge_whichever_device_pulls_first() {
    // Property style, cheap: every pair of edits to (operator, place, name, merged_into),
    // pulled in either order, leaves both devices showing the same site, merged or in conflict
    // on the same fields.
    let edits: [fn(&mut Site, u8); 4] = [
        |s, n| s.operator = Some(format!("operator {n}")),
        |s, n| s.place = Some(format!("place {n}")),
        |s, n| s.name = format!("name {n}"),
        |s, n| s.merged_into = Some(Uuid::from_u128(n as u128 + 100)),
    ];
    for (i, ea) in edits.iter().enumerate() {
        for (j, eb) in edits.iter().enumerate() {
            for b_first in [false, true] {
                let (a, b) = (device(), device());
                let base = a.store.save_site_as(plant(), "awa").unwrap();
                let mut feed = Feed::default();
                feed.push(&a);
                feed.pull(&b);
                let mut on_a = base.clone();
                ea(&mut on_a, 1);
                a.store.save_site_as(on_a, "awa").unwrap();
                let mut on_b = base.clone();
                eb(&mut on_b, 2);
                b.store.save_site_as(on_b, "musa").unwrap();
                if b_first {
                    feed.push(&b);
                    feed.push(&a);
                } else {
                    feed.push(&a);
                    feed.push(&b);
                }
                feed.settle(&a, &b);
                let (sa, sb) = (
                    a.store.site(base.id).unwrap(),
                    b.store.site(base.id).unwrap(),
                );
                assert_eq!(sa, sb, "edits {i} and {j}, b first: {b_first}");
                let fields = |d: &Device| -> Vec<Vec<String>> {
                    d.store
                        .site_conflicts()
                        .unwrap()
                        .into_iter()
                        .map(|c| c.fields)
                        .collect()
                };
                assert_eq!(fields(&a), fields(&b), "edits {i} and {j}");
                assert_eq!(fields(&a).is_empty(), i != j, "edits {i} and {j}");
            }
        }
    }
}

#[test]
fn a_merge_of_two_sites_is_a_revision_that_syncs() {
    let (a, b) = (device(), device());
    let kept = a.store.save_site_as(plant(), "awa").unwrap();
    let mut dup = plant();
    dup.name = "Usine de chaux Diawara".into();
    let dup = a.store.save_site_as(dup, "awa").unwrap();
    let merged = a
        .store
        .merge_site_as(&dup.id.to_string(), &kept.id.to_string(), "awa")
        .unwrap();
    assert_eq!(merged.merged_into, Some(kept.id));
    let mut feed = Feed::default();
    assert_eq!(feed.push(&a), 3);
    feed.pull(&b);
    assert_eq!(
        b.store.site(dup.id).unwrap().unwrap().merged_into,
        Some(kept.id)
    );
    assert!(b.store.unknown_sites().unwrap().is_empty());
}

#[test]
fn a_pulled_report_naming_an_unknown_site_is_listed_and_refiled_once_the_site_arrives() {
    let (a, b) = (device(), device());
    let site = a.store.save_site_as(plant(), "awa").unwrap();
    let saved = a
        .store
        .save(
            report(|v| {
                v["sites"] = json!([{ "site_id": site.id }]);
                v["where"].as_object_mut().unwrap().remove("coordinates");
            }),
            "awa",
        )
        .unwrap();
    // B gets the report through the report feed, not the site.
    let rev = saved.revision.clone();
    b.store.apply_pulled(vec![(1, rev)], 1, "sync").unwrap();
    assert_eq!(b.store.unknown_sites().unwrap(), [site.id]);
    let before = b
        .store
        .fingerprint(saved.revision.report_id)
        .unwrap()
        .unwrap();
    // The history fetched from GET /v1/sites/{id}.
    let history = a.store.site_revisions(site.id).unwrap();
    let applied = b.store.apply_site_history(&history, "sync").unwrap();
    assert_eq!(applied.received, 1);
    assert!(b.store.unknown_sites().unwrap().is_empty());
    assert_eq!(
        b.store.reports_at_site(site.id).unwrap(),
        [saved.revision.report_id]
    );
    let after = b
        .store
        .fingerprint(saved.revision.report_id)
        .unwrap()
        .unwrap();
    assert_eq!(
        after,
        a.store
            .fingerprint(saved.revision.report_id)
            .unwrap()
            .unwrap()
    );
    assert_ne!(before, after, "the site's point reaches the fingerprint");
}

#[test]
fn sites_saved_before_the_migration_get_a_first_revision_queued() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(terrain_store::DB_FILE);
    let site = plant().check().unwrap();
    {
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn, 14).unwrap();
        conn.execute(
            "INSERT INTO sites (id, name, kind, admin1, content, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                site.id.to_string(),
                site.name,
                site.kind.key(),
                site.admin1,
                serde_json::to_string(&site).unwrap(),
                chrono::Utc::now().to_rfc3339()
            ],
        )
        .unwrap();
        assert_eq!(version(&conn).unwrap(), 14);
    }
    let store = Store::open(dir.path()).unwrap();
    let queued = store.queued_site_revisions(10).unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].content, site);
    assert!(queued[0].parents.is_empty());
    assert_eq!(queued[0].check(), Ok(()));
    drop(store);
    // Opening again makes none.
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.site_revisions(site.id).unwrap().len(), 1);
    // And an edit follows it.
    let mut edited = site.clone();
    edited.place = Some("Route de Mahina".into());
    store.save_site_as(edited, "awa").unwrap();
    let revs = store.queued_site_revisions(10).unwrap();
    assert_eq!(revs[1].parents, [revs[0].id]);
}

#[test]
fn a_refused_revision_leaves_the_queue_with_its_reason_until_the_site_is_saved_again() {
    let a = device();
    let site = a.store.save_site_as(plant(), "awa").unwrap();
    let other = a.store.save_site_as(plant(), "awa").unwrap();
    let first = a.store.queued_site_revisions(10).unwrap()[0].id;
    a.store
        .refuse_site_revision(first, "region_forbidden: Kayes")
        .unwrap();
    let queued = a.store.queued_site_revisions(10).unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].site_id, other.id);
    let refused = a.store.refused_site_revisions().unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].0.id, first);
    assert_eq!(refused[0].1, "region_forbidden: Kayes");
    let mut edited = site.clone();
    edited.place = Some("Route de Mahina".into());
    a.store.save_site_as(edited, "awa").unwrap();
    let queued = a.store.queued_site_revisions(10).unwrap();
    assert_eq!(
        queued.len(),
        3,
        "the refused one goes again, before its child"
    );
    assert_eq!(queued[0].id, first);
    assert!(a.store.refused_site_revisions().unwrap().is_empty());
}

//! Settling a site's conflict on the device (issue 15), between real device stores: the
//! "server" is a list of site revisions in feed order, as the real one serves them. Two devices
//! edit one site's operator differently offline; one of them settles it: one revision whose
//! parents are both heads, queued, shown; once synced the conflict is gone on the other device
//! too. A choice made on heads that moved meanwhile is refused and writes nothing.

use terrain_domain::{Site, SiteRevision, settle_sites};
use terrain_store::{Store, StoreError};
use uuid::Uuid;

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

/// A stand-in site feed: revisions in the order the server stored them, each once.
#[derive(Default)]
struct Feed(Vec<SiteRevision>);

impl Feed {
    fn push(&mut self, d: &Device) {
        let queued = d.store.queued_site_revisions(500).unwrap();
        for rev in &queued {
            if !self.0.iter().any(|r| r.id == rev.id) {
                self.0.push(rev.clone());
            }
        }
        let ids: Vec<Uuid> = queued.iter().map(|r| r.id).collect();
        d.store.ack_site_revisions(&ids).unwrap();
    }

    fn pull(&self, d: &Device) {
        let since = d.store.sites_cursor().unwrap() as usize;
        let page: Vec<SiteRevision> = self.0.iter().skip(since).cloned().collect();
        d.store
            .apply_pulled_sites(&page, Some(self.0.len() as i64), "sync")
            .unwrap();
    }

    fn sync(&mut self, a: &Device, b: &Device) {
        for _ in 0..3 {
            self.push(a);
            self.push(b);
            self.pull(a);
            self.pull(b);
        }
    }
}

/// The plant on two devices, its operator changed differently on each offline, then synced:
/// both hold the same conflict. Device A also moved the place, which nobody disputes.
fn conflicted() -> (Device, Device, Feed, Site) {
    let (a, b) = (device(), device());
    let base = a
        .store
        .save_site_as(serde_json::from_str(PLANT).unwrap(), "awa")
        .unwrap();
    let mut feed = Feed::default();
    feed.push(&a);
    feed.pull(&b);
    let mut on_a = base.clone();
    on_a.operator = Some("Diawara et fils".into());
    on_a.place = Some("Route de Mahina".into());
    a.store.save_site_as(on_a, "awa").unwrap();
    let mut on_b = base.clone();
    on_b.operator = Some("Diawara SARL".into());
    b.store.save_site_as(on_b, "musa").unwrap();
    feed.sync(&a, &b);
    (a, b, feed, base)
}

#[test]
fn a_settled_site_follows_both_heads_is_queued_and_ends_the_conflict_on_both_devices() {
    let (a, b, mut feed, base) = conflicted();
    let conflict = a.store.site_conflict(base.id).unwrap().expect("a conflict");
    assert_eq!(conflict.fields, ["operator"]);
    let heads: Vec<Uuid> = conflict.heads.iter().map(|h| h.id).collect();
    let ours = conflict.heads.iter().find(|h| h.author == "awa").unwrap();
    let theirs = conflict.heads.iter().find(|h| h.author == "musa").unwrap();
    // Musa's operator, Awa's undisputed place kept.
    let settled = settle_sites(
        conflict.base.as_ref().map(|r| &r.content),
        &ours.content,
        &theirs.content,
        &["operator".into()],
    )
    .unwrap();
    assert_eq!(settled.operator.as_deref(), Some("Diawara SARL"));
    assert_eq!(settled.place.as_deref(), Some("Route de Mahina"));

    let rev = a
        .store
        .resolve_site_conflict_as(settled.clone(), &heads, "awa")
        .unwrap();
    let mut parents = rev.parents.clone();
    parents.sort();
    let mut both = heads.clone();
    both.sort();
    assert_eq!(parents, both, "the settling revision follows both heads");
    assert_eq!(rev.check(), Ok(()));
    let queued = a.store.queued_site_revisions(10).unwrap();
    assert_eq!(queued.iter().map(|r| r.id).collect::<Vec<_>>(), [rev.id]);
    assert!(a.store.site_conflicts().unwrap().is_empty());
    assert_eq!(a.store.site(base.id).unwrap(), Some(settled.clone()));

    feed.sync(&a, &b);
    for d in [&a, &b] {
        assert!(d.store.site_conflicts().unwrap().is_empty());
        assert_eq!(d.store.site(base.id).unwrap(), Some(settled.clone()));
        assert!(d.store.queued_site_revisions(10).unwrap().is_empty());
    }
    assert_eq!(
        feed.0.last().unwrap().id,
        rev.id,
        "the server holds it once"
    );
}

#[test]
fn a_choice_made_on_heads_that_moved_is_refused_and_writes_nothing() {
    let (a, _b, _feed, base) = conflicted();
    let conflict = a.store.site_conflict(base.id).unwrap().unwrap();
    let heads: Vec<Uuid> = conflict.heads.iter().map(|h| h.id).collect();
    // Meanwhile the site was saved whole on this device: one new head follows both.
    let mut saved = conflict.heads[0].content.clone();
    saved.operator = Some("Ibrahima Diawara".into());
    a.store.save_site_as(saved.clone(), "awa").unwrap();
    let before = a.store.site_revisions(base.id).unwrap().len();
    let err = a
        .store
        .resolve_site_conflict_as(conflict.heads[1].content.clone(), &heads, "awa")
        .unwrap_err();
    assert!(
        matches!(err, StoreError::SiteMoved(id) if id == base.id),
        "{err}"
    );
    assert!(
        err.to_string().contains("look at its versions again"),
        "{err}"
    );
    assert_eq!(a.store.site_revisions(base.id).unwrap().len(), before);
    assert_eq!(a.store.site(base.id).unwrap(), Some(saved));
    // One head only is no conflict to settle either.
    let err = a
        .store
        .resolve_site_conflict_as(conflict.heads[1].content.clone(), &heads[..1], "awa")
        .unwrap_err();
    assert!(matches!(err, StoreError::SiteMoved(_)), "{err}");
}

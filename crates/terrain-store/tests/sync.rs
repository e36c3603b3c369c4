//! The store's side of sync, between two real device stores; the "server" here is a list of
//! revisions in feed order, as the real one serves them.

use serde_json::{Value, json};
use terrain_domain::{Revision, ValidReport, check, parse_json};
use terrain_store::{Store, StoreError};
use uuid::Uuid;

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

fn report(edit: impl FnOnce(&mut Value)) -> ValidReport {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    edit(&mut v);
    check(
        parse_json(&v.to_string()).unwrap(),
        chrono::Local::now().date_naive(),
    )
    .unwrap()
}

struct Device {
    _dir: tempfile::TempDir,
    store: Store,
}

fn device() -> Device {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    Device { _dir: dir, store }
}

/// A stand-in feed: revisions in the order the server stored them.
#[derive(Default)]
struct Feed(Vec<Revision>);

impl Feed {
    /// Pushes everything pending on `d`, acks it, as the sync client does.
    fn push(&mut self, d: &Device) {
        let pending = d.store.pending(100).unwrap();
        let mut acks = Vec::new();
        for p in pending {
            if !self.0.iter().any(|r| r.id == p.revision.id) {
                self.0.push(p.revision.clone());
            }
            let seq = self.0.iter().position(|r| r.id == p.revision.id).unwrap() as i64 + 1;
            acks.push((p.revision.id, Some(seq)));
        }
        d.store.acknowledge(&acks).unwrap();
    }

    fn pull(&self, d: &Device) -> terrain_store::Applied {
        let since = d.store.pull_cursor().unwrap() as usize;
        let batch: Vec<(i64, Revision)> = self
            .0
            .iter()
            .enumerate()
            .skip(since)
            .map(|(i, r)| (i as i64 + 1, r.clone()))
            .collect();
        d.store
            .apply_pulled(batch, self.0.len() as i64, "sync")
            .unwrap()
    }
}

#[test]
fn a_pulled_report_naming_a_site_this_device_lacks_still_applies() {
    // Found by the desktop suite: the site registry is per device, and such a report used to
    // fail its foreign key, stopping sync for good.
    let (a, b) = (device(), device());
    let site: terrain_domain::Site = serde_json::from_value(json!({
        "name": "Diawara lime plant", "kind": "plant", "admin1": "Kayes"
    }))
    .unwrap();
    let site = a.store.save_site(site).unwrap();
    a.store
        .save(
            report(|v| v["sites"] = json!([{ "site_id": site.id }])),
            "awa",
        )
        .unwrap();
    let mut feed = Feed::default();
    feed.push(&a);
    let applied = feed.pull(&b);
    assert_eq!(applied.received, 1);
    assert!(b.store.site(site.id).unwrap().is_none());
    let listed = b
        .store
        .list(&Default::default(), terrain_store::Page::first(5))
        .unwrap();
    assert_eq!(listed[0].report.sites[0].site_id, site.id);
    // This device can edit the report and keep the link, but not link a site it lacks.
    let id = listed[0].report.id;
    b.store
        .save(
            report(|v| {
                v["id"] = json!(id);
                v["sites"] = json!([{ "site_id": site.id }]);
                v["narrative"] = json!("Edited on B.");
            }),
            "musa",
        )
        .unwrap();
    let stranger = Uuid::now_v7();
    let err = b
        .store
        .save(
            report(|v| {
                v["id"] = json!(id);
                v["sites"] = json!([{ "site_id": site.id }, { "site_id": stranger }]);
            }),
            "musa",
        )
        .unwrap_err();
    assert!(err.to_string().contains("sites[1].site_id"), "{err}");
    // Once the site reaches this registry, the report is found by it.
    b.store.save_site(site.clone()).unwrap();
    assert_eq!(b.store.reports_at_site(site.id).unwrap().len(), 1);
}

/// Device A wrote the seed report, sent it, and device B received it.
fn two_devices_sharing_a_report() -> (Device, Device, Feed, Uuid) {
    let (a, b) = (device(), device());
    let mut feed = Feed::default();
    let id = a
        .store
        .save(report(|_| {}), "awa")
        .unwrap()
        .revision
        .report_id;
    feed.push(&a);
    feed.pull(&b);
    (a, b, feed, id)
}

#[test]
fn pending_revisions_leave_the_outbox_only_when_acknowledged() {
    let a = device();
    let id = a
        .store
        .save(report(|_| {}), "awa")
        .unwrap()
        .revision
        .report_id;
    let pending = a.store.pending(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(a.store.pending_count().unwrap(), 1);
    assert!(!a.store.get(id).unwrap().synced);
    a.store
        .acknowledge(&[(pending[0].revision.id, Some(1))])
        .unwrap();
    assert!(a.store.pending(10).unwrap().is_empty());
    let listed = a.store.get(id).unwrap();
    assert!(listed.synced && listed.queued == 0);
}

#[test]
fn a_report_from_another_device_arrives_once() {
    let (a, b) = (device(), device());
    let mut feed = Feed::default();
    let id = a
        .store
        .save(report(|_| {}), "awa")
        .unwrap()
        .revision
        .report_id;
    feed.push(&a);
    let applied = feed.pull(&b);
    assert_eq!((applied.received, applied.already_had), (1, 0));
    let listed = b.store.get(id).unwrap();
    assert!(listed.synced);
    assert_eq!(
        listed.queued, 0,
        "what came from the server is not sent back"
    );
    assert_eq!(b.store.pull_cursor().unwrap(), 1);
    // The same batch again (a retry after a lost answer) changes nothing.
    let again = b
        .store
        .apply_pulled(vec![(1, feed.0[0].clone())], 1, "sync")
        .unwrap();
    assert_eq!((again.received, again.already_had), (0, 1));
    assert_eq!(b.store.history(id).unwrap().len(), 1);
    // The sender pulling its own revision back just confirms it.
    let echo = feed.pull(&a);
    assert_eq!(echo.already_had, 1);
}

#[test]
fn an_ack_lost_in_transit_is_recovered_by_the_pull() {
    let a = device();
    let mut feed = Feed::default();
    a.store.save(report(|_| {}), "awa").unwrap();
    feed.0.push(a.store.pending(1).unwrap()[0].revision.clone()); // the server stored it...
    assert_eq!(a.store.pending(10).unwrap().len(), 1); // ...but the answer never arrived
    feed.pull(&a);
    assert!(
        a.store.pending(10).unwrap().is_empty(),
        "the echoed revision clears the outbox"
    );
}

#[test]
fn disjoint_offline_edits_merge_the_same_way_on_both_devices() {
    let (a, b, mut feed, id) = two_devices_sharing_a_report();
    a.store
        .save(
            report(|v| v["narrative"] = json!("Edited on laptop A.")),
            "awa",
        )
        .unwrap();
    b.store
        .save(
            report(|v| v["where"]["place"] = json!("Kilometre 12, Mahina road")),
            "moussa",
        )
        .unwrap();
    feed.push(&a);
    feed.push(&b);
    let on_a = feed.pull(&a);
    let on_b = feed.pull(&b);
    assert_eq!(
        (on_a.merged.as_slice(), on_b.merged.as_slice()),
        ([id].as_slice(), [id].as_slice())
    );
    for d in [&a, &b] {
        let listed = d.store.get(id).unwrap();
        assert_eq!(listed.heads, 1);
        assert_eq!(listed.report.narrative, "Edited on laptop A.");
        assert_eq!(
            listed.report.location.place.as_deref(),
            Some("Kilometre 12, Mahina road")
        );
        assert_eq!(
            listed.head.get_version_num(),
            5,
            "merge ids depend only on their parents"
        );
    }
    assert_eq!(a.store.get(id).unwrap().head, b.store.get(id).unwrap().head);
    let merge = a
        .store
        .revision(a.store.get(id).unwrap().head)
        .unwrap()
        .unwrap();
    assert_eq!(merge.parents.len(), 2);
    feed.push(&a);
    feed.push(&b);
    assert_eq!(
        feed.0.iter().filter(|r| r.id == merge.id).count(),
        1,
        "the server keeps the merge once"
    );
}

#[test]
fn clashing_edits_stay_as_a_conflict_until_a_person_resolves_it() {
    let (a, b, mut feed, id) = two_devices_sharing_a_report();
    a.store
        .save(report(|v| v["where"]["place"] = json!("North gate")), "awa")
        .unwrap();
    b.store
        .save(
            report(|v| v["where"]["place"] = json!("South gate")),
            "moussa",
        )
        .unwrap();
    feed.push(&a);
    feed.push(&b);
    let applied = feed.pull(&a);
    assert_eq!(applied.conflicts, [id]);
    let conflicts = a.store.conflicts().unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].fields, ["where.place"]);
    assert_eq!(conflicts[0].heads.len(), 2);
    assert!(conflicts[0].base.is_some());
    assert_eq!(a.store.get(id).unwrap().heads, 2);

    let err = a
        .store
        .save(report(|v| v["where"]["place"] = json!("East gate")), "awa")
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflicted(r) if r == id), "{err}");

    let saved = a
        .store
        .resolve(report(|v| v["where"]["place"] = json!("South gate")), "awa")
        .unwrap();
    assert_eq!(saved.revision.parents.len(), 2);
    assert!(saved.queued);
    assert!(a.store.conflicts().unwrap().is_empty());
    feed.push(&a);
    feed.pull(&b);
    let on_b = b.store.get(id).unwrap();
    assert_eq!(
        (on_b.heads, on_b.report.location.place.as_deref()),
        (1, Some("South gate"))
    );
}

#[test]
fn a_revision_whose_content_does_not_match_its_hash_is_refused() {
    let (a, b) = (device(), device());
    a.store.save(report(|_| {}), "awa").unwrap();
    let mut rev = a.store.pending(1).unwrap()[0].revision.clone();
    rev.content.title = "Altered in transit".into();
    let applied = b
        .store
        .apply_pulled(vec![(1, rev.clone())], 1, "sync")
        .unwrap();
    assert_eq!(applied.rejected.len(), 1);
    assert_eq!(applied.received, 0);
    assert!(matches!(
        b.store.get(rev.report_id),
        Err(StoreError::ReportNotFound(_))
    ));
}

#[test]
fn a_refused_revision_stays_visible_but_no_longer_blocks_the_queue() {
    let a = device();
    a.store.save(report(|_| {}), "awa").unwrap();
    let other = report(|v| v["id"] = json!(Uuid::now_v7()));
    a.store.save(other, "awa").unwrap();
    let first = a.store.pending(10).unwrap()[0].revision.id;
    a.store
        .refuse(first, "region_forbidden: you may not report in Kayes")
        .unwrap();
    let pending = a.store.pending(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        a.store.pending_count().unwrap(),
        1,
        "the refused one is not counted"
    );
    assert_ne!(pending[0].revision.id, first);
    let outbox = a.store.outbox().unwrap();
    assert_eq!(outbox.len(), 2);
    assert_eq!(
        outbox[0].refused.as_deref(),
        Some("region_forbidden: you may not report in Kayes")
    );
}

#[test]
fn the_account_is_remembered_and_its_token_never_printed() {
    let a = device();
    assert_eq!(a.store.account().unwrap(), None);
    let account = terrain_store::Account {
        server: "http://127.0.0.1:8080".into(),
        user: "awa".into(),
        token: terrain_store::Token("s3cret-token".into()),
        token_issued: None,
    };
    a.store.set_account(Some(&account)).unwrap();
    assert_eq!(a.store.account().unwrap(), Some(account.clone()));
    assert!(!format!("{account:?}").contains("s3cret"));
    a.store.set_account(None).unwrap();
    assert_eq!(a.store.account().unwrap(), None);
}

#[test]
fn a_renewed_token_replaces_the_old_one_with_its_date_only_while_the_account_holds_it() {
    let a = device();
    let old = terrain_store::Token("old-token".into());
    let new = terrain_store::Token("new-token".into());
    let issued = chrono::DateTime::parse_from_rfc3339("2026-11-20T08:00:00Z")
        .unwrap()
        .to_utc();
    // Signed out: nothing to replace.
    assert!(!a.store.replace_token(&old, &new, issued).unwrap());
    assert_eq!(a.store.account().unwrap(), None);
    let account = terrain_store::Account {
        server: "http://127.0.0.1:8080".into(),
        user: "awa".into(),
        token: old.clone(),
        token_issued: None,
    };
    a.store.set_account(Some(&account)).unwrap();
    assert!(a.store.replace_token(&old, &new, issued).unwrap());
    let renewed = a.store.account().unwrap().unwrap();
    assert_eq!(
        (renewed.token, renewed.token_issued),
        (new.clone(), Some(issued))
    );
    // A second renewal of the same old token (another process won) changes nothing.
    let other = terrain_store::Token("other-token".into());
    assert!(!a.store.replace_token(&old, &other, issued).unwrap());
    assert_eq!(a.store.account().unwrap().unwrap().token, new);
    // Signing in again starts with the new date; signing out forgets it.
    a.store.set_account(None).unwrap();
    a.store.set_account(Some(&account)).unwrap();
    assert_eq!(a.store.account().unwrap().unwrap().token_issued, None);
}

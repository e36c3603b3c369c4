//! The behaviour every engine must show, run by each engine's own tests:
//! `terrain_server_conformance::run(store).await`. A crate of its own, used only as a
//! dev-dependency, so the suite never ships inside the production trait crate.

use chrono::Utc;
use std::sync::Arc;
use terrain_domain::{Revision, check, parse_json};
use terrain_protocol::Role;
use terrain_server_store::*;
use uuid::Uuid;

pub mod console;
pub mod duplicates;
pub mod reviews;
pub mod site_reports;
pub mod sites;

const SEED: &str = include_str!("../../../docs/examples/bafoulabe-plants-attack.json");

/// A final report in `region` (admin1), as a first revision or following `parents`.
pub fn revision(report: Uuid, region: &str, title: &str, parents: Vec<Uuid>) -> Revision {
    let mut v: serde_json::Value = serde_json::from_str(SEED).expect("seed is JSON");
    v["id"] = serde_json::json!(report);
    v["title"] = serde_json::json!(title);
    v["where"] = serde_json::json!({ "admin1": region });
    let report = check(
        parse_json(&v.to_string()).expect("parses"),
        Utc::now().date_naive(),
    )
    .expect("valid");
    Revision::new(report, parents, "tester", "device-1", Utc::now())
}

fn incoming(r: &Revision) -> Incoming {
    Incoming {
        revision: r.clone(),
        region: r.content.location.admin1.clone(),
        pushed_by: "tester".into(),
        pushed_device: "tester's laptop".into(),
        contacts: Vec::new(),
    }
}

/// Rules that allow every revision, with audit events from a closure.
struct AuditOnly<F>(F);

impl<F: FnOnce(&[Outcome]) -> Vec<AuditEvent> + Send> PushRules for AuditOnly<F> {
    fn judge(&mut self, _: &Incoming, _: &[String]) -> Option<String> {
        None
    }
    fn events(self: Box<Self>, outcomes: &[Outcome]) -> Vec<AuditEvent> {
        (self.0)(outcomes)
    }
}

/// Every revision allowed, with the audit events `f` makes of the outcomes.
pub fn audit_only(f: impl FnOnce(&[Outcome]) -> Vec<AuditEvent> + Send + 'static) -> PushAudit {
    Box::new(AuditOnly(f))
}

/// No audit events for a push (the suite checks them on its own).
pub fn no_audit() -> PushAudit {
    audit_only(|_| Vec::new())
}

/// What a source of the seed report gives as its contact in [`with_contact`].
pub const CONTACT: &str = "+223 76 12 34 56, ne jamais citer";

/// [`revision`], whose first source (`wamaps`) has [`CONTACT`] as its contact.
pub fn with_contact(report: Uuid, region: &str, title: &str, parents: Vec<Uuid>) -> Revision {
    let mut rev = revision(report, region, title, parents);
    rev.content.sources[0].contact = Some(CONTACT.into());
    rev.content_hash = terrain_domain::content_hash(&rev.content);
    rev
}

/// Runs every check against an empty store.
pub async fn run(store: Arc<dyn ServerStore>) {
    store.health().await.expect("healthy");
    users_and_devices(&*store).await;
    pushes_are_idempotent_and_never_overwrite(&*store).await;
    contacts_are_kept_sealed_apart_from_their_revisions(&*store).await;
    pull_pages_in_feed_order_by_region(&*store).await;
    blobs(&*store).await;
    audit_log_appends_and_answers_queries(&*store).await;
    sign_in_failures_count_from_the_last_success(&*store).await;
    // These write audit events: after the checks that start from an empty log.
    pushes_record_who_and_commit_their_audit_events(&*store).await;
    head_regions_are_those_of_the_current_heads(&*store).await;
    current_heads_are_each_reports_last_received_head(&*store).await;
    pushes_are_judged_against_the_heads_inside_their_transaction(&*store).await;
    tokens_are_touched_and_renewed(&*store).await;
    concurrent_pushes_never_let_the_feed_skip(store).await;
}

/// An audit event by `actor` from their laptop (none for the admin CLI).
pub fn event(
    at: chrono::DateTime<Utc>,
    actor: Option<&str>,
    action: &str,
    detail: &str,
) -> AuditEvent {
    AuditEvent {
        at,
        actor: actor.map(str::to_string),
        device: actor.map(|a| format!("{a}'s laptop")),
        action: action.into(),
        detail: detail.into(),
    }
}

/// A whole second, so every engine keeps the time exactly.
fn second(offset: i64) -> chrono::DateTime<Utc> {
    chrono::DateTime::from_timestamp(1_800_000_000 + offset, 0).unwrap()
}

async fn audit_log_appends_and_answers_queries(store: &dyn ServerStore) {
    let all = |limit| AuditQuery {
        limit,
        ..AuditQuery::default()
    };
    assert!(store.audit(&all(100)).await.unwrap().is_empty());
    // Appended out of time order on purpose: answers come oldest first.
    let events = [
        event(second(20), Some("awa"), actions::PUSH, "3 revisions"),
        event(second(10), Some("awa"), actions::SIGN_IN, "signed in"),
        event(second(30), Some("fanta"), actions::VERIFY, "report x"),
        event(second(40), None, actions::USER_ADD, "oumar (reviewer)"),
    ];
    for e in &events {
        store.audit_append(e).await.unwrap();
    }
    let got = store.audit(&all(100)).await.unwrap();
    assert_eq!(
        got,
        vec![
            events[1].clone(),
            events[0].clone(),
            events[2].clone(),
            events[3].clone()
        ]
    );
    assert_eq!(got[3].actor, None, "the command line acts as nobody");
    assert_eq!(store.audit(&all(2)).await.unwrap(), got[..2].to_vec());
    let awa = store
        .audit(&AuditQuery {
            user: Some("awa".into()),
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(awa, vec![events[1].clone(), events[0].clone()]);
    let since = store
        .audit(&AuditQuery {
            since: Some(second(20)),
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(since, got[1..].to_vec(), "since is inclusive");
    let both = store
        .audit(&AuditQuery {
            since: Some(second(15)),
            user: Some("fanta".into()),
            limit: 100,
        })
        .await
        .unwrap();
    assert_eq!(both, vec![events[2].clone()]);
    // Microseconds survive the round trip.
    let fine = event(
        second(50) + chrono::Duration::microseconds(123_456),
        Some("awa"),
        actions::PUSH,
        "1 revision",
    );
    store.audit_append(&fine).await.unwrap();
    assert_eq!(
        store
            .audit(&AuditQuery {
                since: Some(second(50)),
                limit: 100,
                ..AuditQuery::default()
            })
            .await
            .unwrap(),
        vec![fine]
    );
}

async fn sign_in_failures_count_from_the_last_success(store: &dyn ServerStore) {
    let fail = |t, who: &str| {
        event(
            second(t),
            Some(who),
            actions::SIGN_IN_FAILED,
            "wrong password",
        )
    };
    for t in [100, 101] {
        store.audit_append(&fail(t, "kadi")).await.unwrap();
    }
    store
        .audit_append(&event(
            second(102),
            Some("kadi"),
            actions::SIGN_IN,
            "signed in",
        ))
        .await
        .unwrap();
    for t in [103, 104, 105] {
        store.audit_append(&fail(t, "kadi")).await.unwrap();
    }
    store.audit_append(&fail(104, "someone")).await.unwrap();
    assert_eq!(
        store.sign_in_failures("kadi", second(0)).await.unwrap(),
        vec![second(103), second(104), second(105)],
        "only failures after the last success count"
    );
    assert_eq!(
        store.sign_in_failures("kadi", second(104)).await.unwrap(),
        vec![second(104), second(105)]
    );
    assert_eq!(
        store
            .sign_in_failures("nobody-at-all", second(0))
            .await
            .unwrap(),
        Vec::<chrono::DateTime<Utc>>::new()
    );
}

async fn users_and_devices(store: &dyn ServerStore) {
    let awa = User {
        name: "awa".into(),
        role: Role::Reporter,
        regions: vec!["Kayes".into()],
    };
    store.put_user(&awa, "hash-1").await.unwrap();
    assert_eq!(
        store.user("awa").await.unwrap(),
        Some((awa.clone(), "hash-1".into()))
    );
    assert_eq!(store.user("nobody").await.unwrap(), None);
    let promoted = User {
        role: Role::Reviewer,
        ..awa.clone()
    };
    store.put_user(&promoted, "hash-2").await.unwrap();
    assert_eq!(
        store.user("awa").await.unwrap().unwrap().0.role,
        Role::Reviewer
    );

    let now = Utc::now();
    store
        .add_device("awa", "laptop-1", "token-hash-1", now)
        .await
        .unwrap();
    store
        .add_device("awa", "laptop-2", "token-hash-2", now)
        .await
        .unwrap();
    let d = store.device("token-hash-1").await.unwrap().unwrap();
    assert_eq!(
        (d.user.name.as_str(), d.name.as_str(), d.revoked),
        ("awa", "laptop-1", false)
    );
    assert_eq!(store.revoke("awa", Some("laptop-1"), now).await.unwrap(), 1);
    assert!(store.device("token-hash-1").await.unwrap().unwrap().revoked);
    assert!(!store.device("token-hash-2").await.unwrap().unwrap().revoked);
    assert_eq!(store.device("unknown").await.unwrap(), None);
}

async fn pushes_are_idempotent_and_never_overwrite(store: &dyn ServerStore) {
    let report = Uuid::now_v7();
    let first = revision(report, "Kayes", "first", vec![]);
    let out = store
        .push(vec![incoming(&first)], no_audit())
        .await
        .unwrap();
    let Outcome::Stored { seq } = out[0] else {
        panic!("{out:?}")
    };
    assert_eq!(
        store
            .push(vec![incoming(&first)], no_audit())
            .await
            .unwrap(),
        [Outcome::AlreadyHave { seq }]
    );
    assert_eq!(store.heads(report).await.unwrap(), 1);

    // Two devices edit the same first revision: both are kept, as two heads.
    let a = revision(report, "Kayes", "edit on A", vec![first.id]);
    let b = revision(report, "Kayes", "edit on B", vec![first.id]);
    let out = store
        .push(vec![incoming(&a), incoming(&b)], no_audit())
        .await
        .unwrap();
    assert!(matches!(out[0], Outcome::Stored { .. }), "{out:?}");
    assert!(matches!(out[1], Outcome::Conflict { .. }), "{out:?}");
    assert_eq!(store.heads(report).await.unwrap(), 2);
    let merge = revision(report, "Kayes", "resolved", vec![a.id, b.id]);
    assert!(matches!(
        store
            .push(vec![incoming(&merge)], no_audit())
            .await
            .unwrap()[0],
        Outcome::Stored { .. }
    ));
    assert_eq!(store.heads(report).await.unwrap(), 1);
    assert_eq!(
        store.report_region(report).await.unwrap().as_deref(),
        Some("Kayes")
    );
    assert_eq!(store.report_region(Uuid::now_v7()).await.unwrap(), None);
}

async fn contacts_are_kept_sealed_apart_from_their_revisions(store: &dyn ServerStore) {
    let key = ContactKey::random();
    let report = Uuid::now_v7();
    let mut first = with_contact(report, "Kayes", "first", vec![]);
    first.device = "awa-1".into();
    let sealed = Incoming::sealing(first.clone(), "awa", "awa's laptop", &key);
    assert!(
        sealed.revision.hash_matches(),
        "the hash leaves contacts out"
    );
    let Outcome::Stored { seq } = store.push(vec![sealed.clone()], no_audit()).await.unwrap()[0]
    else {
        panic!("stored")
    };
    // A retry stores nothing twice; an edit without the contact stores none.
    store.push(vec![sealed], no_audit()).await.unwrap();
    let mut edit = revision(report, "Kayes", "edited elsewhere", vec![first.id]);
    edit.device = "binta-1".into();
    store
        .push(
            vec![Incoming::sealing(edit, "binta", "binta's laptop", &key)],
            no_audit(),
        )
        .await
        .unwrap();
    let page = store.pull(seq - 1, 10, None).await.unwrap();
    assert_eq!(page.items.len(), 2);
    for (_, rev) in &page.items {
        assert!(rev.hash_matches());
        assert!(rev.content.sources.iter().all(|s| s.contact.is_none()));
    }
    let contacts = store.contacts(vec![report, Uuid::now_v7()]).await.unwrap();
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    let c = &contacts[0];
    assert_eq!(
        (
            c.report_id,
            c.rev_id,
            c.seq,
            c.source_key.as_str(),
            c.pushed_by.as_str()
        ),
        (report, first.id, seq, "wamaps", "awa")
    );
    assert!(!String::from_utf8_lossy(&c.sealed).contains("76 12"));
    assert_eq!(
        key.open(c.rev_id, &c.source_key, &c.sealed).unwrap(),
        CONTACT
    );
    assert_eq!(
        store.seal_clear_contacts(&key).await.unwrap(),
        0,
        "nothing stored in clear"
    );
}

async fn pull_pages_in_feed_order_by_region(store: &dyn ServerStore) {
    let start = store.pull(0, 10_000, None).await.unwrap().next;
    let mut pushed = Vec::new();
    for i in 0..7 {
        let region = if i % 2 == 0 { "Mopti" } else { "Gao" };
        let r = revision(Uuid::now_v7(), region, &format!("r{i}"), vec![]);
        store.push(vec![incoming(&r)], no_audit()).await.unwrap();
        pushed.push(r);
    }
    let mopti: Vec<Uuid> = pushed
        .iter()
        .filter(|r| r.content.location.admin1 == "Mopti")
        .map(|r| r.id)
        .collect();
    let mut got = Vec::new();
    let mut since = start;
    loop {
        let page = store
            .pull(since, 2, Some(vec!["Mopti".into()]))
            .await
            .unwrap();
        assert!(page.items.len() <= 2);
        assert!(page.items.windows(2).all(|w| w[0].0 < w[1].0), "feed order");
        got.extend(page.items.iter().map(|(_, r)| r.id));
        assert!(page.next >= since);
        since = page.next;
        if !page.more {
            break;
        }
    }
    assert_eq!(
        got, mopti,
        "every Mopti revision, in order, and nothing else"
    );
    let idle = store
        .pull(since, 10, Some(vec!["Mopti".into()]))
        .await
        .unwrap();
    assert!(idle.items.is_empty() && !idle.more && idle.next == since);
    let all = store.pull(start, 100, None).await.unwrap();
    assert_eq!(all.items.len(), 7);
    assert_eq!(all.items[0].1, pushed[0], "revisions come back whole");
}

/// A hex sha256 of `bytes`, as blobs are named.
fn sha_of(bytes: &[u8]) -> String {
    terrain_domain::sha256_hex(bytes)
}

/// Runs every check of attachments (uploads, blobs, who may know of one).
pub async fn blobs(store: &dyn ServerStore) {
    uploads_append_and_resume_from_their_offset(store).await;
    uploads_are_their_uploaders_own(store).await;
    a_blob_is_stored_once_whoever_completes_it(store).await;
    a_mismatched_upload_is_dropped_and_may_start_again(store).await;
    uploads_expire_when_no_piece_comes(store).await;
    a_blob_is_known_to_its_holders_and_readers_of_reports_naming_it(store).await;
    an_upload_racing_the_sweep_loses_no_piece_it_keeps(store).await;
    a_blob_is_read_by_ranges_across_its_pieces(store).await;
    a_revision_naming_a_blob_not_yet_held_is_stored_with_it_pending(store).await;
}

/// Downloads resume: any range of a stored blob reads back its bytes, across the pieces it was
/// uploaded in; nothing of a blob not stored whole.
async fn a_blob_is_read_by_ranges_across_its_pieces(store: &dyn ServerStore) {
    let data: Vec<u8> = (0..10_000u32).map(|i| (i * 13 % 251) as u8).collect();
    let sha = sha_of(&data);
    for at in (0..data.len()).step_by(3_000) {
        let end = (at + 3_000).min(data.len());
        store
            .blob_append(&sha, "awa", at as u64, data[at..end].to_vec(), Utc::now())
            .await
            .unwrap();
    }
    assert_eq!(
        store.blob_range(&sha, 0, 100).await.unwrap(),
        None,
        "an upload in progress is no blob"
    );
    store.blob_finish(&sha, "awa").await.unwrap();
    for (start, len) in [
        (0, 10_000),
        (2_999, 2),
        (3_000, 3_000),
        (5_000, 100_000),
        (9_999, 1),
        (0, 1),
    ] {
        let end = (start + len).min(data.len());
        assert_eq!(
            store
                .blob_range(&sha, start as u64, len)
                .await
                .unwrap()
                .unwrap(),
            data[start..end],
            "{len} bytes from {start}"
        );
    }
    assert_eq!(
        store.blob_range(&sha, 10_000, 5).await.unwrap(),
        Some(vec![])
    );
    assert_eq!(
        store.blob_range(&sha_of(b"never"), 0, 5).await.unwrap(),
        None
    );
}

/// A report may name a photo whose upload has not finished: the revision is stored and the
/// photo is pending until its bytes arrive and verify; then the region's readers may know of it.
async fn a_revision_naming_a_blob_not_yet_held_is_stored_with_it_pending(store: &dyn ServerStore) {
    let photo = b"market, east gate, smoke";
    let sha = sha_of(photo);
    let mut rev = revision(Uuid::now_v7(), "Kayes", "The market", vec![]);
    rev.content.attachments.push(terrain_domain::Attachment {
        sha256: sha.clone(),
        media_type: "image/jpeg".into(),
        size: photo.len() as u64,
        file_name: "market.jpg".into(),
        caption: None,
        reduced_of: None,
    });
    rev.content_hash = terrain_domain::content_hash(&rev.content);
    let outcomes = store.push(vec![incoming(&rev)], no_audit()).await.unwrap();
    assert!(
        matches!(outcomes[..], [Outcome::Stored { .. }]),
        "{outcomes:?}"
    );
    // Stored whole by a_blob_is_known_to_its_holders_and_readers_of_reports_naming_it.
    let held = sha_of(b"kiln, north wall");
    let ask = vec![sha.clone(), held.clone(), sha.clone()];
    assert_eq!(
        store.blobs_stored(ask.clone()).await.unwrap(),
        std::slice::from_ref(&held)
    );
    assert_eq!(store.blob_state(&sha).await.unwrap(), BlobState::Absent);
    store
        .blob_append(&sha, "awa", 0, photo.to_vec(), Utc::now())
        .await
        .unwrap();
    assert!(
        store
            .blobs_stored(vec![sha.clone()])
            .await
            .unwrap()
            .is_empty(),
        "partial"
    );
    store.blob_finish(&sha, "awa").await.unwrap();
    let mut stored = store.blobs_stored(ask).await.unwrap();
    stored.sort();
    let mut both = vec![sha.clone(), held];
    both.sort();
    assert_eq!(stored, both, "each once");
    assert!(
        store
            .blob_visible(&sha, "fanta", Some(vec!["Kayes".into()]))
            .await
            .unwrap(),
        "named by a Kayes report it was pending for"
    );
    assert!(store.blobs_stored(vec![]).await.unwrap().is_empty());
}

/// Sweeps (everything counts as stale) race an uploader: whatever an upload keeps after them
/// is whole, and it finishes with the right hash.
async fn an_upload_racing_the_sweep_loses_no_piece_it_keeps(store: &dyn ServerStore) {
    let data: Vec<u8> = (0..60_000u32).map(|i| (i % 253) as u8).collect();
    let sha = sha_of(&data);
    let sweeping = std::sync::atomic::AtomicBool::new(true);
    let (data, sha) = (&data, &sha);
    let append_from = |at: usize| async move {
        let end = (at + 1_000).min(data.len());
        match store
            .blob_append(sha, "awa", at as u64, data[at..end].to_vec(), Utc::now())
            .await
        {
            Ok(n) => n as usize,
            Err(StoreError::OffsetMismatch { actual }) => actual as usize,
            Err(e) => panic!("{e}"),
        }
    };
    let upload = async {
        let mut at = 0;
        while sweeping.load(std::sync::atomic::Ordering::Relaxed) && at < data.len() {
            at = append_from(at).await;
        }
    };
    let sweep = async {
        for _ in 0..20 {
            store
                .expire_uploads(Utc::now() + chrono::Duration::hours(1))
                .await
                .unwrap();
            tokio::task::yield_now().await;
        }
        sweeping.store(false, std::sync::atomic::Ordering::Relaxed);
    };
    tokio::join!(upload, sweep);
    let mut at = store.upload_state(sha, "awa").await.unwrap().unwrap_or(0) as usize;
    while at < data.len() {
        at = append_from(at).await;
    }
    assert_eq!(
        store.blob_finish(sha, "awa").await.unwrap(),
        Finished::Complete {
            size: data.len() as u64
        }
    );
}

async fn uploads_append_and_resume_from_their_offset(store: &dyn ServerStore) {
    let data = b"hello world";
    let sha = sha_of(data);
    let now = Utc::now();
    assert_eq!(store.blob_state(&sha).await.unwrap(), BlobState::Absent);
    assert_eq!(store.upload_state(&sha, "awa").await.unwrap(), None);
    assert_eq!(
        store
            .blob_append(&sha, "awa", 0, data[..6].to_vec(), now)
            .await
            .unwrap(),
        6
    );
    assert_eq!(store.upload_state(&sha, "awa").await.unwrap(), Some(6));
    assert_eq!(
        store.blob_state(&sha).await.unwrap(),
        BlobState::Absent,
        "a partial upload is no blob"
    );
    for stale in [0, 3, 7] {
        match store
            .blob_append(&sha, "awa", stale, b"again".to_vec(), now)
            .await
        {
            Err(StoreError::OffsetMismatch { actual }) => assert_eq!(actual, 6),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        store
            .blob_append(&sha, "awa", 6, data[6..].to_vec(), now)
            .await
            .unwrap(),
        11
    );
    assert_eq!(
        store.blob_finish(&sha, "awa").await.unwrap(),
        Finished::Complete { size: 11 }
    );
    assert_eq!(
        store.blob_state(&sha).await.unwrap(),
        BlobState::Complete { size: 11 }
    );
    assert_eq!(store.blob_bytes(&sha).await.unwrap().unwrap(), data);
    assert_eq!(
        store.upload_state(&sha, "awa").await.unwrap(),
        None,
        "the upload is done with"
    );
}

async fn uploads_are_their_uploaders_own(store: &dyn ServerStore) {
    let data = b"a photo of the burnt granary";
    let sha = sha_of(data);
    let now = Utc::now();
    store
        .blob_append(&sha, "awa", 0, data[..10].to_vec(), now)
        .await
        .unwrap();
    // Another user's pieces, at any offset, go to their own upload or nowhere.
    match store
        .blob_append(&sha, "mallory", 10, b"junk".to_vec(), now)
        .await
    {
        Err(StoreError::OffsetMismatch { actual }) => assert_eq!(actual, 0),
        other => panic!("{other:?}"),
    }
    store
        .blob_append(&sha, "mallory", 0, b"junk".to_vec(), now)
        .await
        .unwrap();
    assert_eq!(
        store.blob_finish(&sha, "mallory").await.unwrap(),
        Finished::Mismatch { size: 4 }
    );
    assert!(!store.upload_reset(&sha, "mallory").await.unwrap());
    assert_eq!(
        store.upload_state(&sha, "awa").await.unwrap(),
        Some(10),
        "mallory's pieces and finish left awa's upload alone"
    );
    // Only the owner's reset drops it.
    assert!(store.upload_reset(&sha, "awa").await.unwrap());
    assert_eq!(store.upload_state(&sha, "awa").await.unwrap(), None);
    assert_eq!(
        store
            .blob_append(&sha, "awa", 0, data.to_vec(), now)
            .await
            .unwrap(),
        data.len() as u64
    );
    assert!(matches!(
        store.blob_finish(&sha, "awa").await.unwrap(),
        Finished::Complete { .. }
    ));
}

async fn a_blob_is_stored_once_whoever_completes_it(store: &dyn ServerStore) {
    let data: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let sha = sha_of(&data);
    let now = Utc::now();
    // Both start; fanta finishes first, awa second: one blob, both hold it.
    for (who, end) in [("awa", 20_000), ("fanta", 30_000)] {
        store
            .blob_append(&sha, who, 0, data[..end].to_vec(), now)
            .await
            .unwrap();
    }
    store
        .blob_append(&sha, "fanta", 30_000, data[30_000..].to_vec(), now)
        .await
        .unwrap();
    assert_eq!(
        store.blob_finish(&sha, "fanta").await.unwrap(),
        Finished::Complete { size: 50_000 }
    );
    assert_eq!(store.upload_state(&sha, "awa").await.unwrap(), Some(20_000));
    store
        .blob_append(&sha, "awa", 20_000, data[20_000..].to_vec(), now)
        .await
        .unwrap();
    assert_eq!(
        store.blob_finish(&sha, "awa").await.unwrap(),
        Finished::Complete { size: 50_000 }
    );
    assert_eq!(store.blob_bytes(&sha).await.unwrap().unwrap(), data);
    for who in ["awa", "fanta"] {
        assert!(store.blob_visible(&sha, who, Some(vec![])).await.unwrap());
    }
}

async fn a_mismatched_upload_is_dropped_and_may_start_again(store: &dyn ServerStore) {
    let sha = sha_of(b"the real bytes");
    let now = Utc::now();
    store
        .blob_append(&sha, "awa", 0, b"the fake bytes".to_vec(), now)
        .await
        .unwrap();
    assert_eq!(
        store.blob_finish(&sha, "awa").await.unwrap(),
        Finished::Mismatch { size: 14 }
    );
    assert_eq!(store.blob_state(&sha).await.unwrap(), BlobState::Absent);
    assert_eq!(store.upload_state(&sha, "awa").await.unwrap(), None);
    assert!(!store.blob_visible(&sha, "awa", Some(vec![])).await.unwrap());
    store
        .blob_append(&sha, "awa", 0, b"the real bytes".to_vec(), now)
        .await
        .unwrap();
    assert_eq!(
        store.blob_finish(&sha, "awa").await.unwrap(),
        Finished::Complete { size: 14 }
    );
}

async fn uploads_expire_when_no_piece_comes(store: &dyn ServerStore) {
    let (old, fresh) = (sha_of(b"old"), sha_of(b"fresh"));
    store
        .blob_append(&old, "awa", 0, b"ol".to_vec(), second(0))
        .await
        .unwrap();
    store
        .blob_append(&fresh, "awa", 0, b"fr".to_vec(), second(0))
        .await
        .unwrap();
    // A piece keeps an upload alive.
    store
        .blob_append(&fresh, "awa", 2, b"es".to_vec(), second(100))
        .await
        .unwrap();
    assert_eq!(store.expire_uploads(second(50)).await.unwrap(), 1);
    assert_eq!(store.upload_state(&old, "awa").await.unwrap(), None);
    assert_eq!(store.upload_state(&fresh, "awa").await.unwrap(), Some(4));
    assert_eq!(store.expire_uploads(second(50)).await.unwrap(), 0);
    store
        .blob_append(&old, "awa", 0, b"old".to_vec(), second(200))
        .await
        .unwrap();
    assert!(matches!(
        store.blob_finish(&old, "awa").await.unwrap(),
        Finished::Complete { size: 3 }
    ));
    assert!(store.upload_reset(&fresh, "awa").await.unwrap());
}

async fn a_blob_is_known_to_its_holders_and_readers_of_reports_naming_it(store: &dyn ServerStore) {
    let photo = b"kiln, north wall";
    let sha = sha_of(photo);
    store
        .blob_append(&sha, "awa", 0, photo.to_vec(), Utc::now())
        .await
        .unwrap();
    store.blob_finish(&sha, "awa").await.unwrap();
    let kayes = || Some(vec!["Kayes".to_string()]);
    assert!(store.blob_visible(&sha, "awa", Some(vec![])).await.unwrap());
    assert!(
        !store.blob_visible(&sha, "fanta", kayes()).await.unwrap(),
        "named by no report yet"
    );
    let mut rev = revision(Uuid::now_v7(), "Kayes", "The kiln", vec![]);
    rev.content.attachments.push(terrain_domain::Attachment {
        sha256: sha.clone(),
        media_type: "image/jpeg".into(),
        size: photo.len() as u64,
        file_name: "kiln.jpg".into(),
        caption: None,
        reduced_of: None,
    });
    rev.content_hash = terrain_domain::content_hash(&rev.content);
    store.push(vec![incoming(&rev)], no_audit()).await.unwrap();
    assert!(store.blob_visible(&sha, "fanta", kayes()).await.unwrap());
    assert!(
        !store
            .blob_visible(&sha, "oumar", Some(vec!["Mopti".into()]))
            .await
            .unwrap()
    );
    assert!(store.blob_visible(&sha, "admin", None).await.unwrap());
    assert!(
        !store
            .blob_visible(&sha_of(b"other"), "admin", None)
            .await
            .unwrap()
    );
}

/// Many pushers at once while a reader pulls in a loop: the reader ends with every revision.
async fn concurrent_pushes_never_let_the_feed_skip(store: Arc<dyn ServerStore>) {
    let start = store.pull(0, 100_000, None).await.unwrap().next;
    let pushers: Vec<_> = (0..8)
        .map(|p| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for i in 0..15 {
                    let batch: Vec<Revision> = (0..3)
                        .map(|j| {
                            revision(
                                Uuid::now_v7(),
                                "Sikasso",
                                &format!("p{p} b{i} r{j}"),
                                vec![],
                            )
                        })
                        .collect();
                    ids.extend(batch.iter().map(|r| r.id));
                    store
                        .push(batch.iter().map(incoming).collect(), no_audit())
                        .await
                        .unwrap();
                }
                ids
            })
        })
        .collect();
    let reader = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut since = start;
            for _ in 0..100_000 {
                let page = store
                    .pull(since, 7, Some(vec!["Sikasso".into()]))
                    .await
                    .unwrap();
                seen.extend(page.items.iter().map(|(_, r)| r.id));
                since = page.next;
                if seen.len() == 8 * 15 * 3 {
                    break;
                }
                if page.items.is_empty() {
                    tokio::task::yield_now().await;
                }
            }
            seen
        })
    };
    let mut pushed = Vec::new();
    for p in pushers {
        pushed.extend(p.await.unwrap());
    }
    let mut seen = reader.await.unwrap();
    assert_eq!(
        seen.len(),
        pushed.len(),
        "the reader got every revision exactly once"
    );
    seen.sort();
    pushed.sort();
    assert_eq!(seen, pushed);
}

/// `rev` as pushed by `user` from their laptop.
fn pushed_by(rev: &Revision, user: &str) -> Incoming {
    Incoming {
        pushed_by: user.into(),
        pushed_device: format!("{user}'s laptop"),
        ..incoming(rev)
    }
}

/// An audit that records one push event counting what was stored.
fn counting(user: &str) -> PushAudit {
    let user = user.to_string();
    audit_only(move |outcomes: &[Outcome]| {
        let stored = outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Stored { .. } | Outcome::Conflict { .. }))
            .count();
        vec![event(
            Utc::now(),
            Some(&user),
            actions::PUSH,
            &format!("{stored} stored of {}", outcomes.len()),
        )]
    })
}

async fn push_events(store: &dyn ServerStore, user: &str) -> Vec<String> {
    store
        .audit(&AuditQuery {
            user: Some(user.into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == actions::PUSH)
        .map(|e| e.detail)
        .collect()
}

async fn pushes_record_who_and_commit_their_audit_events(store: &dyn ServerStore) {
    let report = Uuid::now_v7();
    let mut first = revision(report, "Kayes", "by kadi", vec![]);
    first.device = "kadi-tablet".into();
    // The author typed is not who pushed: the server keeps both.
    first.author = "someone else".into();
    let out = store
        .push(vec![pushed_by(&first, "kadi")], counting("kadi"))
        .await
        .unwrap();
    assert!(matches!(out[0], Outcome::Stored { .. }), "{out:?}");
    assert_eq!(
        store.pusher(first.id).await.unwrap(),
        Some(Pusher {
            user: "kadi".into(),
            device: "kadi's laptop".into()
        })
    );
    assert_eq!(store.pusher(Uuid::now_v7()).await.unwrap(), None);

    // Another user's revision claiming kadi's device is not stored; their own is.
    let mut claimed = revision(report, "Kayes", "as kadi's tablet", vec![first.id]);
    claimed.device = "kadi-tablet".into();
    let mut own = revision(Uuid::now_v7(), "Kayes", "by modibo", vec![]);
    own.device = "modibo-phone".into();
    let out = store
        .push(
            vec![pushed_by(&claimed, "modibo"), pushed_by(&own, "modibo")],
            counting("modibo"),
        )
        .await
        .unwrap();
    assert_eq!(out[0], Outcome::DeviceOfAnotherUser);
    assert!(matches!(out[1], Outcome::Stored { .. }), "{out:?}");
    assert_eq!(store.pusher(claimed.id).await.unwrap(), None);
    assert_eq!(store.heads(report).await.unwrap(), 1);
    // kadi may go on with their device.
    let mut next = revision(report, "Kayes", "kadi again", vec![first.id]);
    next.device = "kadi-tablet".into();
    let out = store
        .push(vec![pushed_by(&next, "kadi")], counting("kadi"))
        .await
        .unwrap();
    assert!(matches!(out[0], Outcome::Stored { .. }), "{out:?}");

    // The events are the push's: one per push, nothing stored included.
    store
        .push(vec![pushed_by(&first, "kadi")], counting("kadi"))
        .await
        .unwrap();
    store.push(Vec::new(), counting("kadi")).await.unwrap();
    assert_eq!(
        push_events(store, "kadi").await,
        [
            "1 stored of 1",
            "1 stored of 1",
            "0 stored of 1",
            "0 stored of 0"
        ]
    );
    assert_eq!(push_events(store, "modibo").await, ["1 stored of 2"]);
}

async fn head_regions_are_those_of_the_current_heads(store: &dyn ServerStore) {
    let report = Uuid::now_v7();
    let first = revision(report, "Mopti", "in Mopti", vec![]);
    let a = revision(report, "Mopti", "still Mopti", vec![first.id]);
    let b = revision(report, "Kayes", "moved to Kayes", vec![first.id]);
    store
        .push(vec![incoming(&first)], no_audit())
        .await
        .unwrap();
    assert_eq!(
        store.head_regions(vec![report]).await.unwrap(),
        [(report, "Mopti".to_string())]
    );
    store
        .push(vec![incoming(&a), incoming(&b)], no_audit())
        .await
        .unwrap();
    let mut regions = store
        .head_regions(vec![report, Uuid::now_v7()])
        .await
        .unwrap();
    regions.sort();
    assert_eq!(
        regions,
        [(report, "Kayes".to_string()), (report, "Mopti".to_string())]
    );
}

async fn current_heads_are_each_reports_last_received_head(store: &dyn ServerStore) {
    let (report, other) = (Uuid::now_v7(), Uuid::now_v7());
    let first = revision(report, "Gao", "first", vec![]);
    let a = revision(report, "Gao", "edit a", vec![first.id]);
    let b = revision(report, "Gao", "edit b, received last", vec![first.id]);
    let alone = revision(other, "Gao", "alone", vec![]);
    store
        .push(vec![incoming(&first), incoming(&alone)], no_audit())
        .await
        .unwrap();
    store
        .push(vec![incoming(&a), incoming(&b)], no_audit())
        .await
        .unwrap();
    let mut heads = store
        .current_heads(vec![report, other, Uuid::now_v7()])
        .await
        .unwrap();
    heads.sort_by_key(|r| r.report_id);
    let mut want = [b.clone(), alone.clone()];
    want.sort_by_key(|r| r.report_id);
    assert_eq!(
        heads.iter().map(|r| r.id).collect::<Vec<_>>(),
        want.iter().map(|r| r.id).collect::<Vec<_>>(),
        "one head per report, the last received; unknown reports absent"
    );
    assert!(heads.iter().all(|r| r.hash_matches()));
    assert!(store.current_heads(vec![]).await.unwrap().is_empty());
}

/// Rules that refuse any revision moving a report out of `keep`, remember the head regions
/// each revision was judged against, and count what they were told.
struct Watch {
    keep: &'static str,
    seen: Arc<std::sync::Mutex<Vec<Vec<String>>>>,
}

impl PushRules for Watch {
    fn judge(&mut self, incoming: &Incoming, head_regions: &[String]) -> Option<String> {
        self.seen.lock().unwrap().push(head_regions.to_vec());
        let leaves = head_regions.iter().any(|r| r == self.keep) && incoming.region != self.keep;
        leaves.then(|| format!("may not leave {}", self.keep))
    }
    fn events(self: Box<Self>, outcomes: &[Outcome]) -> Vec<AuditEvent> {
        let refused = outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Refused(_)))
            .count();
        vec![event(
            Utc::now(),
            Some("judge"),
            actions::PUSH,
            &format!("{refused} refused of {}", outcomes.len()),
        )]
    }
}

async fn pushes_are_judged_against_the_heads_inside_their_transaction(store: &dyn ServerStore) {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let rules = |keep| -> PushAudit {
        Box::new(Watch {
            keep,
            seen: Arc::clone(&seen),
        })
    };
    let report = Uuid::now_v7();
    let first = revision(report, "Mopti", "in Mopti", vec![]);
    // One batch: the report is created, moved to Kayes, then edited there. Each revision meets
    // the heads the one before left (a new report has none), so the edit is no second move.
    let moved = revision(report, "Kayes", "moved to Kayes", vec![first.id]);
    let edited = revision(report, "Kayes", "edited in Kayes", vec![moved.id]);
    let out = store
        .push(
            vec![incoming(&first), incoming(&moved), incoming(&edited)],
            rules("Gao"),
        )
        .await
        .unwrap();
    assert!(
        out.iter().all(|o| matches!(o, Outcome::Stored { .. })),
        "{out:?}"
    );
    assert_eq!(
        std::mem::take(&mut *seen.lock().unwrap()),
        [vec![], vec!["Mopti".to_string()], vec!["Kayes".to_string()]]
    );

    // A refused revision is not stored, and the next of the batch still meets the old heads;
    // a repeat is not judged again (it is already held).
    let away = revision(report, "Gao", "to Gao", vec![edited.id]);
    let back = revision(report, "Kayes", "edited again", vec![edited.id]);
    let out = store
        .push(
            vec![incoming(&edited), incoming(&away), incoming(&back)],
            rules("Kayes"),
        )
        .await
        .unwrap();
    assert!(matches!(out[0], Outcome::AlreadyHave { .. }), "{out:?}");
    assert_eq!(out[1], Outcome::Refused("may not leave Kayes".into()));
    assert!(matches!(out[2], Outcome::Stored { .. }), "{out:?}");
    assert_eq!(
        std::mem::take(&mut *seen.lock().unwrap()),
        [vec!["Kayes".to_string()], vec!["Kayes".to_string()]]
    );
    assert_eq!(store.pusher(away.id).await.unwrap(), None, "not stored");
    assert_eq!(store.heads(report).await.unwrap(), 1, "the last edit only");
    let events = push_events(store, "judge").await;
    assert_eq!(events, ["0 refused of 3", "1 refused of 3"]);
}

async fn tokens_are_touched_and_renewed(store: &dyn ServerStore) {
    store
        .put_user(
            &User {
                name: "sali".into(),
                role: Role::Reporter,
                regions: vec!["Kayes".into()],
            },
            "hash",
        )
        .await
        .unwrap();
    let made = second(0);
    store
        .add_device("sali", "tablet", "sali-old", made)
        .await
        .unwrap();
    let device = store.device("sali-old").await.unwrap().unwrap();
    assert_eq!(device.last_used, made);
    store.touch_device("sali-old", second(60)).await.unwrap();
    assert_eq!(
        store.device("sali-old").await.unwrap().unwrap().last_used,
        second(60)
    );
    let renew = event(second(61), Some("sali"), actions::TOKEN_RENEW, "renewed");
    assert!(
        store
            .renew_device("sali-old", "sali-new", second(61), renew.clone())
            .await
            .unwrap()
    );
    let new = store.device("sali-new").await.unwrap().unwrap();
    assert_eq!((new.name.as_str(), new.revoked), ("tablet", false));
    assert_eq!((new.last_used, new.replaces), (second(61), true));
    // The old token stays valid until the new one is used: the answer may have been lost, and
    // renewing again retires the new one, never used.
    assert!(!store.device("sali-old").await.unwrap().unwrap().revoked);
    assert!(
        store
            .renew_device("sali-old", "sali-newer", second(62), renew.clone())
            .await
            .unwrap()
    );
    assert!(store.device("sali-new").await.unwrap().unwrap().revoked);
    // The first use of the new token retires the old one, which then renews nothing.
    store.touch_device("sali-newer", second(63)).await.unwrap();
    let newer = store.device("sali-newer").await.unwrap().unwrap();
    assert_eq!((newer.revoked, newer.replaces), (false, false));
    assert!(store.device("sali-old").await.unwrap().unwrap().revoked);
    assert!(
        !store
            .renew_device("sali-old", "sali-other", second(64), renew)
            .await
            .unwrap()
    );
    assert_eq!(store.device("sali-other").await.unwrap(), None);
    let renewals = store
        .audit(&AuditQuery {
            user: Some("sali".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(renewals.len(), 2, "{renewals:?}");
}

/// An upload at its piece limit takes no more, and its owner may still start again.
/// `set_pieces` writes the upload's piece count straight to the engine's database: sending that
/// many pieces would take minutes.
pub async fn an_upload_at_its_piece_limit_takes_no_more(
    store: &dyn ServerStore,
    set_pieces: impl AsyncFnOnce(i64),
) {
    let limit = terrain_protocol::limits::UPLOAD_PIECES;
    let sha = "ab".repeat(32);
    let now = Utc::now();
    store
        .blob_append(&sha, "mallory", 0, vec![1], now)
        .await
        .unwrap();
    set_pieces(limit as i64 - 1).await;
    store
        .blob_append(&sha, "mallory", 1, vec![2], now)
        .await
        .unwrap();
    match store.blob_append(&sha, "mallory", 2, vec![3], now).await {
        Err(StoreError::TooManyPieces { limit: l }) => assert_eq!(l, limit),
        other => panic!("{other:?}"),
    }
    assert_eq!(store.upload_state(&sha, "mallory").await.unwrap(), Some(2));
    assert!(store.upload_reset(&sha, "mallory").await.unwrap());
    store
        .blob_append(&sha, "mallory", 0, vec![1], now)
        .await
        .unwrap();
}

/// What an older server left for its attachments, for an engine's test to write as rows of the
/// old layout: a whole photo in `blobs`, a partial upload of `partial` (no owner) and a
/// revision naming the photo, stored before `revision_blobs` was filled.
pub struct OlderBlobs {
    pub photo: Vec<u8>,
    pub sha: String,
    pub partial: String,
    pub rev: Revision,
}

impl OlderBlobs {
    pub fn new() -> OlderBlobs {
        let photo = b"an older server's photo".to_vec();
        let sha = terrain_domain::sha256_hex(&photo);
        let mut rev = revision(Uuid::now_v7(), "Kayes", "old report", vec![]);
        rev.content.attachments.push(terrain_domain::Attachment {
            sha256: sha.clone(),
            media_type: "image/jpeg".into(),
            size: photo.len() as u64,
            file_name: "old.jpg".into(),
            caption: None,
            reduced_of: None,
        });
        OlderBlobs {
            photo,
            sha,
            partial: "ab".repeat(32),
            rev,
        }
    }

    /// Once the engine reopened the old rows: the photo stays readable and visible to readers
    /// of the old revision's region only, the ownerless partial upload is swept, and a second
    /// upload of the photo completes (the engine's test then checks it is stored once).
    pub async fn check(&self, store: &dyn ServerStore) {
        let size = self.photo.len() as u64;
        assert_eq!(
            store.blob_state(&self.sha).await.unwrap(),
            BlobState::Complete { size }
        );
        assert_eq!(
            store.blob_bytes(&self.sha).await.unwrap().unwrap(),
            self.photo
        );
        assert!(
            store
                .blob_visible(&self.sha, "fanta", Some(vec!["Kayes".into()]))
                .await
                .unwrap(),
            "the old revision names its photo"
        );
        assert!(
            !store
                .blob_visible(&self.sha, "oumar", Some(vec!["Mopti".into()]))
                .await
                .unwrap()
        );
        assert_eq!(
            store.blob_state(&self.partial).await.unwrap(),
            BlobState::Absent
        );
        assert_eq!(store.expire_uploads(Utc::now()).await.unwrap(), 1);
        store
            .blob_append(&self.sha, "awa", 0, self.photo.clone(), Utc::now())
            .await
            .unwrap();
        store.blob_finish(&self.sha, "awa").await.unwrap();
    }
}

impl Default for OlderBlobs {
    fn default() -> Self {
        Self::new()
    }
}

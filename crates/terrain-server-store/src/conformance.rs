//! The behaviour every engine must show, run by each engine's own tests:
//! `terrain_server_store::conformance::run(store).await`.

use crate::*;
use chrono::Utc;
use std::sync::Arc;
use terrain_domain::{Revision, check, parse_json};

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
        contacts: Vec::new(),
    }
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
    blobs_resume_from_their_offset(&*store).await;
    verification_is_recorded(&*store).await;
    audit_log_appends_and_answers_queries(&*store).await;
    sign_in_failures_count_from_the_last_success(&*store).await;
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
    let out = store.push(vec![incoming(&first)]).await.unwrap();
    let Outcome::Stored { seq } = out[0] else {
        panic!("{out:?}")
    };
    assert_eq!(
        store.push(vec![incoming(&first)]).await.unwrap(),
        [Outcome::AlreadyHave { seq }]
    );
    assert_eq!(store.heads(report).await.unwrap(), 1);

    // Two devices edit the same first revision: both are kept, as two heads.
    let a = revision(report, "Kayes", "edit on A", vec![first.id]);
    let b = revision(report, "Kayes", "edit on B", vec![first.id]);
    let out = store.push(vec![incoming(&a), incoming(&b)]).await.unwrap();
    assert!(matches!(out[0], Outcome::Stored { .. }), "{out:?}");
    assert!(matches!(out[1], Outcome::Conflict { .. }), "{out:?}");
    assert_eq!(store.heads(report).await.unwrap(), 2);
    let merge = revision(report, "Kayes", "resolved", vec![a.id, b.id]);
    assert!(matches!(
        store.push(vec![incoming(&merge)]).await.unwrap()[0],
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
    let first = with_contact(report, "Kayes", "first", vec![]);
    let sealed = Incoming::sealing(first.clone(), "awa", &key);
    assert!(
        sealed.revision.hash_matches(),
        "the hash leaves contacts out"
    );
    let Outcome::Stored { seq } = store.push(vec![sealed.clone()]).await.unwrap()[0] else {
        panic!("stored")
    };
    // A retry stores nothing twice; an edit without the contact stores none.
    store.push(vec![sealed]).await.unwrap();
    let edit = revision(report, "Kayes", "edited elsewhere", vec![first.id]);
    store
        .push(vec![Incoming::sealing(edit, "binta", &key)])
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
        store.push(vec![incoming(&r)]).await.unwrap();
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

async fn blobs_resume_from_their_offset(store: &dyn ServerStore) {
    let sha = "ab".repeat(32);
    assert_eq!(store.blob_state(&sha).await.unwrap(), BlobState::Absent);
    assert_eq!(
        store
            .blob_append(&sha, 0, b"hello ".to_vec())
            .await
            .unwrap(),
        6
    );
    assert_eq!(
        store.blob_state(&sha).await.unwrap(),
        BlobState::Partial { received: 6 }
    );
    match store.blob_append(&sha, 3, b"again".to_vec()).await {
        Err(StoreError::OffsetMismatch { actual }) => assert_eq!(actual, 6),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store.blob_append(&sha, 6, b"world".to_vec()).await.unwrap(),
        11
    );
    assert_eq!(
        store.blob_bytes(&sha).await.unwrap().unwrap(),
        b"hello world"
    );
    store.blob_finish(&sha, true).await.unwrap();
    assert_eq!(
        store.blob_state(&sha).await.unwrap(),
        BlobState::Complete { size: 11 }
    );
    let bad = "cd".repeat(32);
    store.blob_append(&bad, 0, b"junk".to_vec()).await.unwrap();
    store.blob_finish(&bad, false).await.unwrap();
    assert_eq!(store.blob_state(&bad).await.unwrap(), BlobState::Absent);
}

async fn verification_is_recorded(store: &dyn ServerStore) {
    let report = Uuid::now_v7();
    store
        .push(vec![incoming(&revision(
            report,
            "Kayes",
            "to verify",
            vec![],
        ))])
        .await
        .unwrap();
    assert_eq!(store.verification(report).await.unwrap(), None);
    let at = Utc::now();
    store.verify(report, "reviewer-1", at).await.unwrap();
    let (by, when) = store.verification(report).await.unwrap().unwrap();
    assert_eq!(by, "reviewer-1");
    assert!((when - at).num_seconds().abs() <= 1);
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
                        .push(batch.iter().map(incoming).collect())
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

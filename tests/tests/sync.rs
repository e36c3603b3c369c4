//! Devices and a real server over HTTP on loopback, against both storage engines.

use serde_json::{Value, json};
use terrain_protocol::Role;
use terrain_sync::Event;
use terrain_tests::harness::{BlobState, Engine, Server};
use terrain_tests::seed_edited as report;
use uuid::Uuid;

terrain_tests::on_both_engines!(
    reports_reach_the_other_device_exactly_once,
    disjoint_edits_merge_and_clashing_ones_conflict,
    devices_only_see_and_send_their_regions,
    refusals_carry_their_exact_code_and_change_nothing,
    attachments_upload_first_and_resume,
);

async fn reports_reach_the_other_device_exactly_once(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let (a, b) = (server.device("awa").await, server.device("awa").await);
    let ids: Vec<Uuid> = (0..3)
        .map(|_| {
            a.store
                .save(report(|_| {}), "awa")
                .unwrap()
                .revision
                .report_id
        })
        .collect();
    a.store
        .save(report(|v| v["status"] = json!("draft")), "awa")
        .unwrap();

    let (sent, events) = a.sync().await.unwrap();
    assert_eq!((sent.sent, sent.acked, sent.refused), (3, 3, 0));
    assert_eq!(events.first(), Some(&Event::Queued { count: 3 }));
    assert_eq!(events.last(), Some(&Event::UpToDate));
    assert!(a.store.outbox().unwrap().is_empty());
    assert!(ids.iter().all(|id| a.store.get(*id).unwrap().synced));

    let (got, _) = b.sync().await.unwrap();
    assert_eq!(got.received, 3);
    for id in &ids {
        assert_eq!(
            b.store.get(*id).unwrap().report,
            a.store.get(*id).unwrap().report
        );
    }
    // Again, from both: nothing moves, nothing doubles.
    assert_eq!(a.sync().await.unwrap().0.sent, 0);
    assert_eq!(b.sync().await.unwrap().0.received, 0);
    assert_eq!(
        server.revision_count().await,
        3,
        "drafts stay on the device"
    );

    // A push repeated after a lost answer is acknowledged as already there.
    let revisions: Vec<_> = ids
        .iter()
        .map(|id| a.store.history(*id).unwrap().remove(0))
        .collect();
    let results = a.client().push(&revisions).await.unwrap();
    assert!(
        results
            .iter()
            .all(|r| r.status == terrain_protocol::PushStatus::AlreadyHave),
        "{results:?}"
    );
    assert_eq!(server.revision_count().await, 3);
    server.stop().await;
}

async fn disjoint_edits_merge_and_clashing_ones_conflict(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let (a, b) = (server.device("awa").await, server.device("awa").await);
    let first = report(|_| {});
    let id = first.id;
    let edit = |f: &dyn Fn(&mut Value)| {
        report(|v| {
            v["id"] = json!(id);
            f(v)
        })
    };
    a.store.save(first, "awa").unwrap();
    a.sync().await.unwrap();
    b.sync().await.unwrap();

    // Offline, each edits a different field: both edits survive, on both devices.
    a.store
        .save(edit(&|v| v["narrative"] = json!("Updated on A.")), "awa")
        .unwrap();
    b.store
        .save(edit(&|v| v["where"]["place"] = json!("Mahina road")), "awa")
        .unwrap();
    a.sync().await.unwrap();
    let (on_b, _) = b.sync().await.unwrap();
    assert_eq!(on_b.merged, 1);
    a.sync().await.unwrap();
    for d in [&a, &b] {
        let l = d.store.get(id).unwrap();
        assert_eq!((l.heads, l.report.narrative.as_str()), (1, "Updated on A."));
        assert_eq!(l.report.location.place.as_deref(), Some("Mahina road"));
    }
    assert_eq!(a.store.get(id).unwrap().head, b.store.get(id).unwrap().head);

    // Offline, both change the same field: both versions are kept, shown as a conflict.
    a.store
        .save(edit(&|v| v["where"]["place"] = json!("North gate")), "awa")
        .unwrap();
    b.store
        .save(edit(&|v| v["where"]["place"] = json!("South gate")), "awa")
        .unwrap();
    a.sync().await.unwrap();
    let (on_b, _) = b.sync().await.unwrap();
    assert_eq!(on_b.conflicts, 1);
    assert_eq!(
        server.state.store.heads(id).await.unwrap(),
        2,
        "the server keeps both heads"
    );
    let conflict = &b.store.conflicts().unwrap()[0];
    assert_eq!(conflict.fields, ["where.place"]);
    b.store
        .resolve(edit(&|v| v["where"]["place"] = json!("South gate")), "awa")
        .unwrap();
    b.sync().await.unwrap();
    a.sync().await.unwrap();
    assert_eq!(server.state.store.heads(id).await.unwrap(), 1);
    assert_eq!(
        a.store.get(id).unwrap().report.location.place.as_deref(),
        Some("South gate")
    );
    assert!(a.store.conflicts().unwrap().is_empty());
    server.stop().await;
}

async fn devices_only_see_and_send_their_regions(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("musa", Role::Reporter, &["Mopti"]).await;
    let (kayes, mopti) = (server.device("awa").await, server.device("musa").await);
    let in_kayes = kayes
        .store
        .save(report(|_| {}), "awa")
        .unwrap()
        .revision
        .report_id;
    let mopti_report = || {
        report(|v| {
            v["where"] = json!({"admin1": "Mopti", "admin2": "Djenné"});
        })
    };
    let in_mopti = mopti
        .store
        .save(mopti_report(), "musa")
        .unwrap()
        .revision
        .report_id;
    // A Kayes reporter tries to send a Mopti report: refused, kept on the device with why.
    let sneaked = kayes.store.save(mopti_report(), "awa").unwrap().revision.id;
    let (summary, events) = kayes.sync().await.unwrap();
    assert_eq!((summary.acked, summary.refused), (1, 1));
    let refusal = events.iter().find_map(|e| match e {
        Event::Refused { revision, reason } => Some((*revision, reason.clone())),
        _ => None,
    });
    assert_eq!(
        refusal,
        Some((
            sneaked,
            "awa may not send reports for region \"Mopti\"".to_string()
        ))
    );
    assert_eq!(
        kayes.store.outbox().unwrap()[0].refused.as_deref(),
        Some("awa may not send reports for region \"Mopti\"")
    );
    mopti.sync().await.unwrap();
    kayes.sync().await.unwrap();
    mopti.sync().await.unwrap();
    assert_eq!(server.revision_count().await, 2);
    let ids = |d: &terrain_tests::harness::Device| -> Vec<Uuid> {
        d.store
            .list(&Default::default(), terrain_store::Page::first(10))
            .unwrap()
            .iter()
            .map(|l| l.report.id)
            .collect()
    };
    assert!(ids(&kayes).contains(&in_kayes) && !ids(&kayes).contains(&in_mopti));
    assert_eq!(
        ids(&mopti),
        [in_mopti],
        "a Mopti device never receives a Kayes report"
    );
    server.stop().await;
}

async fn refusals_carry_their_exact_code_and_change_nothing(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let a = server.device("awa").await;
    a.store.save(report(|_| {}), "awa").unwrap();
    let rev = a.store.pending(1).unwrap()[0].revision.clone();
    let http = reqwest::Client::new();
    let push_url = format!("{}/v1/push", server.url);
    let good_body = serde_json::to_vec(&json!({ "revisions": [rev] })).unwrap();
    let send = |token: Option<&str>, protocol: Option<&str>, body: Vec<u8>| {
        let mut req = http
            .post(&push_url)
            .header("content-type", "application/json")
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(p) = protocol {
            req = req.header("Terrain-Protocol", p);
        }
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap();
            (
                status,
                body["error"]["code"].as_str().unwrap_or("").to_string(),
                body,
            )
        }
    };
    let token = a.token();
    let cases = [
        (
            "bad token",
            send(Some("not-a-token"), Some("1"), good_body.clone()).await,
            401,
            "unauthenticated",
        ),
        (
            "no token",
            send(None, Some("1"), good_body.clone()).await,
            401,
            "unauthenticated",
        ),
        (
            "malformed JSON",
            send(Some(&token), Some("1"), b"{\"revisions\": [".to_vec()).await,
            400,
            "malformed_json",
        ),
        (
            "wrong shape",
            send(Some(&token), Some("1"), b"{\"revs\": []}".to_vec()).await,
            400,
            "malformed_json",
        ),
        (
            "wrong protocol",
            send(Some(&token), Some("2"), good_body.clone()).await,
            426,
            "protocol_version",
        ),
        (
            "no protocol",
            send(Some(&token), None, good_body.clone()).await,
            400,
            "protocol_version",
        ),
        (
            "oversized body",
            send(
                Some(&token),
                Some("1"),
                vec![b' '; terrain_protocol::limits::BODY_BYTES + 1],
            )
            .await,
            413,
            "body_too_large",
        ),
    ];
    for (what, (status, code, body), want_status, want_code) in cases {
        assert_eq!(
            (status, code.as_str()),
            (want_status, want_code),
            "{what}: {body}"
        );
        assert!(
            !body["error"]["message"].as_str().unwrap().is_empty(),
            "{what} says why in words"
        );
    }
    assert_eq!(server.revision_count().await, 0, "nothing was stored");

    // A revoked laptop is refused at once, with its own code.
    server
        .state
        .store
        .revoke("awa", None, chrono::Utc::now())
        .await
        .unwrap();
    let (status, code, _) = send(Some(&token), Some("1"), good_body.clone()).await;
    assert_eq!((status, code.as_str()), (401, "token_revoked"));
    let err = a.sync().await.unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(
        a.store.outbox().unwrap().len(),
        1,
        "still queued on the device"
    );
    assert_eq!(server.revision_count().await, 0);

    let wrong = reqwest::Client::new()
        .post(format!("{}/v1/sessions", server.url))
        .header("Terrain-Protocol", "1")
        .json(&json!({"user": "awa", "password": "wrong password", "device_name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    assert_eq!(
        wrong.json::<Value>().await.unwrap()["error"]["code"],
        "bad_credentials"
    );
    server.stop().await;
}

async fn attachments_upload_first_and_resume(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let (a, b) = (server.device("awa").await, server.device("awa").await);
    let photo: Vec<u8> = (0..700_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let sha = a.store.put_attachment(&photo).unwrap();

    // An upload cut after its first piece: the server says where it stands, the client resumes.
    let http = reqwest::Client::new();
    let blob_url = format!("{}/v1/blobs/{sha}", server.url);
    let put = http
        .put(&blob_url)
        .bearer_auth(a.token())
        .header("Terrain-Protocol", "1")
        .header("Upload-Offset", "0")
        .header("Upload-Length", photo.len().to_string())
        .body(photo[..100_000].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 204);
    let head = http
        .head(&blob_url)
        .bearer_auth(a.token())
        .header("Terrain-Protocol", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(head.headers()["upload-offset"], "100000");
    let stale = http
        .put(&blob_url)
        .bearer_auth(a.token())
        .header("Terrain-Protocol", "1")
        .header("Upload-Offset", "0")
        .header("Upload-Length", photo.len().to_string())
        .body(photo[..10].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status().as_u16(), 409);
    assert_eq!(stale.headers()["upload-offset"], "100000");

    let r = report(|v| {
        v["attachments"] = json!([{"sha256": sha, "media_type": "image/jpeg", "size": photo.len(), "file_name": "kiln.jpg"}]);
    });
    a.store.save(r, "awa").unwrap();
    a.sync().await.unwrap();
    assert_eq!(
        server.state.store.blob_bytes(&sha).await.unwrap().unwrap(),
        photo,
        "whole and verified"
    );
    assert_eq!(
        server.state.store.blob_state(&sha).await.unwrap(),
        BlobState::Complete {
            size: photo.len() as u64
        }
    );
    b.sync().await.unwrap();

    // Bytes that do not match their name are refused and forgotten.
    let wrong = "0".repeat(64);
    let resp = http
        .put(format!("{}/v1/blobs/{wrong}", server.url))
        .bearer_auth(a.token())
        .header("Terrain-Protocol", "1")
        .header("Upload-Offset", "0")
        .header("Upload-Length", "5")
        .body(b"hello".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "blob_hash_mismatch"
    );
    let head = http
        .head(format!("{}/v1/blobs/{wrong}", server.url))
        .bearer_auth(a.token())
        .header("Terrain-Protocol", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(head.status().as_u16(), 404);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviewers_verify_reports_of_their_regions_only() {
    let server = Server::start(Engine::Sqlite).await.unwrap();
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    server.user("fanta", Role::Reviewer, &["Kayes"]).await;
    server.user("oumar", Role::Reviewer, &["Gao"]).await;
    let a = server.device("awa").await;
    let id = a
        .store
        .save(report(|_| {}), "awa")
        .unwrap()
        .revision
        .report_id;
    a.sync().await.unwrap();
    let path = format!("/v1/reports/{id}/verify");
    let verify = |token: String| {
        let path = &path;
        let server = &server;
        async move { server.call(reqwest::Method::POST, path, &token).await }
    };
    let (status, body) = verify(a.token()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "reporters do not verify"
    );
    let (status, body) = verify(server.device("oumar").await.token()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("region_forbidden"))
    );
    assert!(server.state.store.reviews(id).await.unwrap().is_empty());
    let (status, body) = verify(server.device("fanta").await.token()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["verified_by"], "fanta");
    let reviews = server.state.store.reviews(id).await.unwrap();
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].by, "fanta");
    server.stop().await;
}

//! The device renews its own token: a token older than a week (or of unknown age, from a store
//! made before the date was kept) is exchanged at the start of a pass, the new one stored before
//! use, the old one refused afterwards; a renewal the network cuts is tried again next pass (the
//! old token stays valid until the new one is used, so even a lost answer costs nothing); a
//! refused one stops the pass. Both engines.

use chrono::{TimeDelta, Utc};
use terrain_protocol::Role;
use terrain_server_store::AuditQuery;
use terrain_store::Account;
use terrain_sync::{RENEW_AFTER, SyncError};
use terrain_tests::harness::{Device, Engine, Server, free_port};

terrain_tests::on_both_engines!(
    an_old_token_is_renewed_by_the_device_and_the_old_one_refused,
    a_store_without_a_token_date_renews_and_a_cut_renewal_is_tried_next_pass,
    a_refused_renewal_stops_the_pass,
    a_renewal_whose_answer_was_lost_leaves_the_old_token_working_until_the_next,
);

/// Rewrites the stored account with `change` applied.
fn edit_account(device: &Device, change: impl FnOnce(&mut Account)) -> Account {
    let mut account = device.store.account().unwrap().unwrap();
    change(&mut account);
    device.store.set_account(Some(&account)).unwrap();
    account
}

async fn saves_one_report(device: &Device) {
    device
        .store
        .save(terrain_tests::seed_with_new_id(), "awa")
        .unwrap();
}

async fn an_old_token_is_renewed_by_the_device_and_the_old_one_refused(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let device = server.device("awa").await;
    let fresh = device.store.account().unwrap().unwrap();
    let issued = fresh.token_issued.expect("sign-in stores the token's date");
    assert!(Utc::now() - issued < TimeDelta::minutes(1), "{issued}");

    // A young token is kept.
    saves_one_report(&device).await;
    let (summary, _) = device.sync().await.unwrap();
    assert_eq!(summary.acked, 1);
    assert_eq!(device.store.account().unwrap().unwrap(), fresh);

    // Past a week it is renewed, and the pass runs on the new one.
    let old = edit_account(&device, |a| {
        a.token_issued = Some(Utc::now() - RENEW_AFTER - TimeDelta::hours(1))
    });
    saves_one_report(&device).await;
    let (summary, _) = device.sync().await.unwrap();
    assert_eq!(summary.acked, 1, "the pass syncs after renewing");
    let renewed = device.store.account().unwrap().unwrap();
    assert_ne!(renewed.token, old.token);
    assert!(Utc::now() - renewed.token_issued.unwrap() < TimeDelta::minutes(1));
    let (status, body) = server
        .call(reqwest::Method::GET, "/v1/pull?since=0", &old.token.0)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("token_revoked")),
        "{body}"
    );
    // The next pass keeps the young token, and the server saw one renewal.
    device.sync().await.unwrap();
    assert_eq!(device.store.account().unwrap().unwrap(), renewed);
    let events = server
        .state
        .store
        .audit(&AuditQuery {
            limit: 1000,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let renewals = events.iter().filter(|e| e.action == "token_renew").count();
    assert_eq!(renewals, 1);
    server.stop().await;
}

async fn a_store_without_a_token_date_renews_and_a_cut_renewal_is_tried_next_pass(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let device = server.device("awa").await;
    // A store from before the date was kept, whose server cannot be reached.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let before = edit_account(&device, |a| {
        a.token_issued = None;
        a.server = dead.clone();
    });
    saves_one_report(&device).await;
    let err = device.sync().await.unwrap_err();
    assert!(
        matches!(err, SyncError::Unreachable { .. }) && err.is_retryable(),
        "{err}"
    );
    assert_eq!(
        device.store.account().unwrap().unwrap(),
        before,
        "unchanged"
    );

    // The link is back: the next pass renews and syncs.
    edit_account(&device, |a| a.server = server.url.clone());
    let (summary, _) = device.sync().await.unwrap();
    assert_eq!(summary.acked, 1);
    let after = device.store.account().unwrap().unwrap();
    assert_ne!(after.token, before.token);
    assert!(after.token_issued.is_some());
    let (status, _) = server
        .call(reqwest::Method::GET, "/v1/pull?since=0", &before.token.0)
        .await;
    assert_eq!(status, 401, "the old token is retired");
    server.stop().await;
}

async fn a_refused_renewal_stops_the_pass(engine: Engine) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let device = server.device("awa").await;
    let old = edit_account(&device, |a| a.token_issued = None);
    server
        .state
        .store
        .revoke("awa", None, Utc::now())
        .await
        .unwrap();
    saves_one_report(&device).await;
    let err = device.sync().await.unwrap_err();
    match &err {
        SyncError::Refused { status, code, .. } => {
            assert_eq!((*status, code.as_str()), (401, "token_revoked"))
        }
        other => panic!("{other}"),
    }
    assert!(!err.is_retryable(), "a refusal is not retried");
    assert_eq!(device.store.account().unwrap().unwrap(), old);
    assert_eq!(device.store.pending_count().unwrap(), 1, "nothing sent");
    server.stop().await;
}

async fn a_renewal_whose_answer_was_lost_leaves_the_old_token_working_until_the_next(
    engine: Engine,
) {
    let Some(server) = Server::start(engine).await else {
        return;
    };
    server.user("awa", Role::Reporter, &["Kayes"]).await;
    let device = server.device("awa").await;
    let old = edit_account(&device, |a| a.token_issued = None);
    // The server renews, and the answer never reaches the device.
    let (status, lost) = server
        .call(reqwest::Method::POST, "/v1/sessions/renew", &old.token.0)
        .await;
    assert_eq!(status, 200, "{lost}");
    let lost = lost["token"].as_str().unwrap().to_string();
    // The device's next pass still signs with the old token, renews again and syncs.
    saves_one_report(&device).await;
    let (summary, _) = device.sync().await.unwrap();
    assert_eq!(summary.acked, 1);
    let now = device.store.account().unwrap().unwrap();
    assert!(now.token != old.token && now.token.0 != lost);
    // Its new token used, the old one is retired; the lost one was retired by the renewal.
    for (token, what) in [(&old.token.0, "old"), (&lost, "lost")] {
        let (status, body) = server
            .call(reqwest::Method::GET, "/v1/pull?since=0", token)
            .await;
        assert_eq!(status, 401, "the {what} token: {body}");
    }
    let (status, _) = server
        .call(reqwest::Method::GET, "/v1/pull?since=0", &now.token.0)
        .await;
    assert_eq!(status, 200);
    server.stop().await;
}

//! The request bodies `terrain-server` reads, decoded as its handlers decode them
//! (`terrain_protocol::json::from_slice` into the `terrain-protocol` types: serde, then once
//! more with whole numbers as integers), followed by the checks the
//! push handler makes with the domain's functions on every revision: content id, content hash,
//! `check`.
//!
//! - POST /v1/sessions: `SignIn`
//! - POST /v1/push: `Push` (revisions, each with its report)
//!
//! (POST /v1/reports/{id}/verify has no body; pull and audit read only query strings; blob
//! uploads are raw bytes.)
//!
//! Must never panic, whatever the bytes. And what a body decodes to must survive the server's
//! own serialisation: a revision is stored and later served by pull as JSON, so it must read
//! back the same, and a revision whose hash matched when pushed must still match when pulled.
//! And a device that sends the same content, checked, in a revision of its own making, must
//! see the server find its hash matching.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use terrain_domain::{Revision, Status, check};
use terrain_protocol::{Push, SignIn, limits};

fuzz_target!(|data: &[u8]| {
    sign_in(data);
    push(data);
});

fn sign_in(data: &[u8]) {
    let Ok(req) = terrain_protocol::json::from_slice::<SignIn>(data) else {
        return;
    };
    // What the handler does with the names before counting failures and logging them.
    let name: String = req.user.chars().take(100).collect();
    let device: String = req.device_name.chars().take(100).collect();
    assert!(name.chars().count() <= 100 && device.chars().count() <= 100);

    let json = serde_json::to_vec(&req).expect("a sign-in serialises");
    let again: SignIn = serde_json::from_slice(&json).unwrap_or_else(|e| {
        panic!(
            "a sign-in's own JSON does not read back: {e}\nJSON: {}",
            String::from_utf8_lossy(&json)
        )
    });
    assert_eq!(
        (again.user, again.password, again.device_name),
        (req.user, req.password, req.device_name),
        "a sign-in changed through its JSON form"
    );
}

fn push(data: &[u8]) {
    let Ok(req) = terrain_protocol::json::from_slice::<Push>(data) else {
        return;
    };
    if req.revisions.len() > limits::PUSH_REVISIONS {
        return; // refused whole (too_many_revisions)
    }
    let today = NaiveDate::from_ymd_opt(2026, 11, 24).expect("a date");
    for rev in &req.revisions {
        // The handler's checks, in its order.
        let hash_ok = rev.report_id == rev.content.id && rev.hash_matches();
        let valid = match check(rev.content.clone(), today) {
            Ok(valid) => Some(valid),
            Err(problems) => {
                assert!(!problems.0.is_empty(), "check failed with no problem");
                // The handler sends these in the rejection's message.
                let _ = problems.to_string().replace('\n', "; ");
                None
            }
        };
        let accepted = hash_ok && rev.content.status == Status::Final && valid.is_some();

        // The same content as a device sends it: a revision it made of the checked report, in a
        // push body of its own. The server must find its hash matching, or it refuses the
        // revision for good (hash_mismatch).
        if let Some(valid) = valid.filter(|v| v.status == Status::Final) {
            let mut sent = Revision::new(
                valid,
                rev.parents.clone(),
                &rev.author,
                &rev.device,
                rev.created_at,
            );
            sent.id = rev.id; // Revision::new draws a fresh id; keep runs repeatable
            let body = serde_json::to_vec(&Push {
                revisions: vec![sent],
            })
            .expect("a push serialises");
            let received: Push = serde_json::from_slice(&body).unwrap_or_else(|e| {
                panic!(
                    "a device's push body does not read back: {e}\nJSON: {}",
                    String::from_utf8_lossy(&body)
                )
            });
            assert!(
                received.revisions[0].hash_matches(),
                "the server refuses a revision a device made of a checked report (hash_mismatch)\nJSON: {}",
                String::from_utf8_lossy(&body)
            );
        }

        // Stored, then served by pull: the revision must come back the same...
        let json = serde_json::to_string(rev).expect("a revision serialises");
        let again: Revision = serde_json::from_str(&json).unwrap_or_else(|e| {
            panic!("a pushed revision's own JSON does not read back: {e}\nJSON: {json}")
        });
        assert_eq!(
            &again, rev,
            "a pushed revision changed through its JSON form\nJSON: {json}"
        );
        // ...and a hash that matched on the way in still matches on the way out.
        if hash_ok {
            assert!(
                again.hash_matches(),
                "a revision whose hash matched when pushed no longer matches once re-read \
                 (accepted by the server: {accepted})\nJSON: {json}"
            );
        }
    }
}

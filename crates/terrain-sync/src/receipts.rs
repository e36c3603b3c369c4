//! The device's side of receipts (issue 16, `docs/receipts.md`): the server's keys kept from
//! the sign-in answer, and each receipt checked against them before it is kept with its ack.
//!
//! A receipt that does not check (altered, signed by an unknown key, naming another revision or
//! content) is kept flagged, with why, and logged: the server's answer still acknowledged the
//! revision, so the outbox row goes as it always did, and the flag is evidence the user sees in
//! the report's history ("receipt NOT valid").

use terrain_protocol::receipt::{self, Receipt};
use terrain_protocol::{PushResult, ServerKeys};
use terrain_store::{KeptReceipt, KnownServerKey, Store};
use uuid::Uuid;

/// The keys of a sign-in answer as the store keeps them: the current one, then the retired.
pub fn known_keys(keys: &ServerKeys) -> Vec<KnownServerKey> {
    let current = KnownServerKey {
        key_id: keys.key_id.clone(),
        signing: keys.signing.clone(),
        sealing: Some(keys.sealing.clone()),
        fingerprint: Some(keys.fingerprint.clone()),
        current: true,
        retired_at: None,
    };
    let retired = keys.retired.iter().map(|r| KnownServerKey {
        key_id: r.key_id.clone(),
        signing: r.signing.clone(),
        sealing: None,
        fingerprint: None,
        current: false,
        retired_at: Some(r.retired_at.clone()),
    });
    std::iter::once(current).chain(retired).collect()
}

/// Keeps the server's keys of a sign-in answer, when it carries them (older servers do not).
/// The key id is recomputed from the public key: an answer whose id does not match is refused.
pub fn remember_keys(store: &Store, keys: Option<&ServerKeys>) -> terrain_store::Result<()> {
    let Some(keys) = keys else {
        return Ok(());
    };
    let known = known_keys(keys);
    for k in &known {
        let matches = receipt::parse_public_key(&k.signing)
            .map(|public| receipt::key_id(&public) == k.key_id)
            .unwrap_or(false);
        if !matches {
            tracing::warn!(key = %k.key_id, "the server sent a key whose id does not match it; not kept");
            return Ok(());
        }
    }
    store.set_server_keys(&known)
}

/// Whether `receipt` proves the server stored revision `rev` with `content_hash`, signed by one
/// of `keys`: Ok, or why not in plain words.
pub fn check(
    keys: &[KnownServerKey],
    receipt: &Receipt,
    rev: Uuid,
    content_hash: &str,
) -> Result<(), String> {
    let body = &receipt.body;
    if body.rev_id != rev {
        return Err(format!(
            "the receipt is for revision {}, not {rev}",
            body.rev_id
        ));
    }
    if body.content_hash != content_hash {
        return Err(format!(
            "the receipt names content sha256 {}, but this device's revision has {content_hash}",
            body.content_hash
        ));
    }
    let Some(key) = keys.iter().find(|k| k.key_id == body.key_id) else {
        return Err(format!(
            "the receipt was signed with key {}, which this device never learned from the server",
            body.key_id
        ));
    };
    let public = receipt::parse_public_key(&key.signing).map_err(|e| e.0)?;
    receipt::verify(receipt, &public).map_err(|e| e.0)
}

/// The receipts of a push's answer, checked against the store's server keys and the revisions
/// as sent (`sent`: id and content hash), ready to keep with the acks.
pub fn checked(
    store: &Store,
    results: &[PushResult],
    sent: &[(Uuid, String)],
) -> terrain_store::Result<Vec<KeptReceipt>> {
    let keys = store.server_keys()?;
    let mut kept = Vec::new();
    for r in results {
        let Some(receipt) = &r.receipt else { continue };
        let Some((_, hash)) = sent.iter().find(|(id, _)| *id == r.rev_id) else {
            continue;
        };
        kept.push(keep(&keys, receipt, r.rev_id, hash));
    }
    Ok(kept)
}

/// One receipt checked, as the store keeps it (logged when it does not check).
pub fn keep(keys: &[KnownServerKey], receipt: &Receipt, rev: Uuid, hash: &str) -> KeptReceipt {
    let verdict = check(keys, receipt, rev, hash);
    if let Err(why) = &verdict {
        tracing::warn!(%rev, %why, "a receipt from the server does not check; kept flagged");
    }
    KeptReceipt {
        rev_id: rev,
        receipt: serde_json::to_string(receipt).expect("a receipt serialises"),
        valid: verdict.is_ok(),
        problem: verdict.err(),
    }
}

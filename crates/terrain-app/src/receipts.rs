//! The server's signed receipts as both shells show them (issue 16, `docs/receipts.md`): in a
//! report's history ("received by the server at T, receipt valid"), and checked one by one
//! (`terrain receipt verify`), offline, against the server's public key.

use crate::{App, AppError, ErrorCode, Result};
use serde::Serialize;
use terrain_domain::Revision;
use terrain_protocol::Receipt;
use terrain_protocol::receipt;
use terrain_store::KnownServerKey;
use ts_rs::TS;
use uuid::Uuid;

/// A revision's receipt as history shows it; checked again each time it is shown, against the
/// server keys this device learned and the revision's own content hash.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ReceiptInfo {
    /// When the server stored the revision (RFC 3339, UTC, to the second).
    pub received_at: String,
    /// Its position in the server's feed.
    pub seq: i64,
    /// The server key that signed it.
    pub key_id: String,
    /// Base64 of the Ed25519 signature.
    pub signature: String,
    pub valid: bool,
    /// Why it does not check, in plain words.
    pub problem: Option<String>,
}

/// One receipt checked: what it says and whether it holds.
#[derive(Debug, Clone, Serialize)]
pub struct ReceiptCheck {
    pub receipt: Receipt,
    pub valid: bool,
    pub problem: Option<String>,
    /// The public key it was checked against (base64), when one was found.
    pub key: Option<String>,
}

/// Reads receipts from text: one receipt's JSON, or a list of them (what `terrain receipt show`
/// and `report history --json` give).
pub fn parse_receipts(text: &str) -> Result<Vec<Receipt>> {
    let bad = |e: serde_json::Error| {
        AppError::new(
            ErrorCode::Invalid,
            format!("not a receipt or a list of receipts in JSON: {e}"),
        )
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(bad)?;
    if value.is_array() {
        serde_json::from_value(value).map_err(bad)
    } else {
        Ok(vec![serde_json::from_value(value).map_err(bad)?])
    }
}

/// Checks `r` against the public key `key` (base64), with no store: anyone holding the
/// server's public key can.
pub fn check_with_key(r: &Receipt, key: &str) -> ReceiptCheck {
    let verdict = receipt::parse_public_key(key).and_then(|k| receipt::verify(r, &k));
    ReceiptCheck {
        receipt: r.clone(),
        valid: verdict.is_ok(),
        problem: verdict.err().map(|e| e.0),
        key: Some(key.trim().to_string()),
    }
}

fn check_with_known(keys: &[KnownServerKey], r: &Receipt, hash: Option<&str>) -> ReceiptCheck {
    let Some(key) = keys.iter().find(|k| k.key_id == r.body.key_id) else {
        return ReceiptCheck {
            receipt: r.clone(),
            valid: false,
            problem: Some(format!(
                "key_id: key {} is not one this device learned from its server; give the \
                 server's public key with --key",
                r.body.key_id
            )),
            key: None,
        };
    };
    let mut check = check_with_key(r, &key.signing);
    if check.valid
        && let Some(hash) = hash
        && hash != r.body.content_hash
    {
        check.valid = false;
        check.problem = Some(format!(
            "content_hash: the receipt names {}, this device's revision has {hash}",
            r.body.content_hash
        ));
    }
    check
}

impl App {
    /// The server keys this device learned at sign-in, the current one first.
    pub fn server_keys(&self) -> Result<Vec<KnownServerKey>> {
        Ok(self.store.server_keys()?)
    }

    /// The fingerprint of the server's current keys, to compare with the administrator's
    /// `terrain-server keys show`.
    pub fn server_fingerprint(&self) -> Result<Option<String>> {
        let keys = self.store.server_keys()?;
        Ok(keys
            .into_iter()
            .find(|k| k.current)
            .and_then(|k| k.fingerprint))
    }

    /// The receipt kept for `rev`, checked now.
    pub fn receipt_info(&self, rev: &Revision) -> Result<Option<ReceiptInfo>> {
        let Some(kept) = self.store.receipt(rev.id)? else {
            return Ok(None);
        };
        let Ok(r) = serde_json::from_str::<Receipt>(&kept.receipt) else {
            return Ok(None);
        };
        let keys = self.store.server_keys()?;
        let check = check_with_known(&keys, &r, Some(&rev.content_hash));
        let body = &r.body;
        Ok(Some(ReceiptInfo {
            received_at: body.received_at.clone(),
            seq: body.seq,
            key_id: body.key_id.clone(),
            signature: r.signature.clone(),
            valid: check.valid && body.rev_id == rev.id,
            problem: check.problem,
        }))
    }

    /// The receipts kept for a report's revisions, each checked now.
    pub fn receipts(&self, report: Uuid) -> Result<Vec<ReceiptCheck>> {
        let keys = self.store.server_keys()?;
        let mut checks = Vec::new();
        for kept in self.store.receipts_of(report)? {
            let Ok(r) = serde_json::from_str::<Receipt>(&kept.receipt) else {
                continue;
            };
            let hash = self.store.revision(kept.rev_id)?.map(|v| v.content_hash);
            checks.push(check_with_known(&keys, &r, hash.as_deref()));
        }
        Ok(checks)
    }

    /// Checks a receipt against `key` when given, else against the server keys this device
    /// learned; when this device holds the revision, its content hash must be the one signed.
    pub fn check_receipt(&self, r: &Receipt, key: Option<&str>) -> Result<ReceiptCheck> {
        let hash = self.store.revision(r.body.rev_id)?.map(|v| v.content_hash);
        let mut check = match key {
            Some(key) => check_with_key(r, key),
            None => check_with_known(&self.store.server_keys()?, r, None),
        };
        if check.valid
            && let Some(hash) = hash
            && hash != r.body.content_hash
        {
            check.valid = false;
            check.problem = Some(format!(
                "content_hash: the receipt names {}, this device's revision has {hash}",
                r.body.content_hash
            ));
        }
        Ok(check)
    }
}

impl App {
    /// A report's revisions, oldest first, each with its receipt checked now (history).
    pub fn history_with_receipts(&self, id: Uuid) -> Result<Vec<(Revision, Option<ReceiptInfo>)>> {
        let revisions = self.store.history(id)?;
        revisions
            .into_iter()
            .map(|r| {
                let info = self.receipt_info(&r)?;
                Ok((r, info))
            })
            .collect()
    }
}

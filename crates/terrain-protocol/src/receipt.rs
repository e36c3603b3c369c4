//! Signed receipts: the server's proof that it stored one revision, exactly as its author's
//! device hashed it, at a feed position and a time. Signed with the server's Ed25519 key
//! ([`ServerKeys::signing`]), checked offline by device, CLI and anyone holding that public key.
//!
//! What is signed is [`ReceiptBody::canonical`]: a versioned, line-based byte string (layout in
//! `docs/receipts.md`). Ed25519 is deterministic, so the same stored row always gives the same
//! receipt: a retry's `already_have` is answered with the receipt of the first push.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The canonical layout's version, its first line: `terrain-receipt-v1`.
pub const RECEIPT_VERSION: u32 = 1;

/// What the server vouches for, for one stored revision.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptBody {
    /// The layout's version ([`RECEIPT_VERSION`]).
    pub version: u32,
    /// The signing key's id ([`key_id`]): which of the server's keys, current or retired.
    #[cfg_attr(feature = "schema", schemars(regex(pattern = r"^[0-9a-f]{16}$")))]
    pub key_id: String,
    pub report_id: Uuid,
    pub rev_id: Uuid,
    /// The revision's `content_hash` as stored (the one its device made).
    #[cfg_attr(feature = "schema", schemars(regex(pattern = crate::schema::SHA256)))]
    pub content_hash: String,
    /// Its feed position on the server.
    pub seq: i64,
    /// When the server stored it, RFC 3339 in UTC to the second (`2026-11-28T17:05:09Z`).
    #[cfg_attr(
        feature = "schema",
        schemars(regex(pattern = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"))
    )]
    pub received_at: String,
}

/// A [`ReceiptBody`] and the server's Ed25519 signature of its canonical bytes (base64).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub body: ReceiptBody,
    /// Base64 (standard, padded) of the 64-byte Ed25519 signature of `body`'s canonical bytes.
    pub signature: String,
}

/// Why a receipt does not check, in plain words naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptError(pub String);

impl std::fmt::Display for ReceiptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReceiptError {}

fn refused(why: impl Into<String>) -> ReceiptError {
    ReceiptError(why.into())
}

impl ReceiptBody {
    /// The bytes signed, version 1: seven lines, each `name: value` after the first, each ending
    /// in `\n`, UTF-8 (all ASCII):
    ///
    /// ```text
    /// terrain-receipt-v1
    /// key: <key_id>
    /// report: <report_id, lower-case hyphenated>
    /// revision: <rev_id>
    /// hash: <content_hash>
    /// seq: <seq, decimal>
    /// received: <received_at>
    /// ```
    ///
    /// Refused (no bytes) when a field is not of its form, so no two bodies share bytes.
    pub fn canonical(&self) -> Result<Vec<u8>, ReceiptError> {
        self.check()?;
        Ok(format!(
            "terrain-receipt-v{}\nkey: {}\nreport: {}\nrevision: {}\nhash: {}\nseq: {}\nreceived: {}\n",
            self.version,
            self.key_id,
            self.report_id.hyphenated(),
            self.rev_id.hyphenated(),
            self.content_hash,
            self.seq,
            self.received_at
        )
        .into_bytes())
    }

    fn check(&self) -> Result<(), ReceiptError> {
        if self.version != RECEIPT_VERSION {
            return Err(refused(format!(
                "version: {} is not a receipt version this program reads ({RECEIPT_VERSION})",
                self.version
            )));
        }
        let hex = |s: &str, n: usize| {
            s.len() == n
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        if !hex(&self.key_id, 16) {
            return Err(refused("key_id: not 16 lower-case hex digits"));
        }
        if !hex(&self.content_hash, 64) {
            return Err(refused("content_hash: not 64 lower-case hex digits"));
        }
        let t = self.received_at.as_bytes();
        let shape = b"dddd-dd-ddTdd:dd:ddZ";
        let fits = t.len() == shape.len()
            && t.iter().zip(shape).all(|(c, s)| match s {
                b'd' => c.is_ascii_digit(),
                other => c == other,
            });
        if !fits {
            return Err(refused(
                "received_at: not a UTC time to the second (YYYY-MM-DDTHH:MM:SSZ)",
            ));
        }
        Ok(())
    }
}

/// A key's id: the first 8 bytes of the sha256 of its 32 public bytes, in hex.
pub fn key_id(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// An Ed25519 public key as text: base64 of its 32 bytes.
pub fn public_key_text(key: &VerifyingKey) -> String {
    STANDARD.encode(key.as_bytes())
}

/// Reads an Ed25519 public key written by [`public_key_text`].
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, ReceiptError> {
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|_| refused("the server key is not base64"))?;
    let bytes: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| refused("the server key is not 32 bytes long"))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| refused("the server key is not an Ed25519 key"))
}

/// Signs `body` with `key`; `body.key_id` must name it ([`key_id`]).
pub fn sign(body: ReceiptBody, key: &SigningKey) -> Result<Receipt, ReceiptError> {
    if body.key_id != key_id(&key.verifying_key()) {
        return Err(refused("key_id: does not name the signing key"));
    }
    let signature = key.sign(&body.canonical()?);
    Ok(Receipt {
        body,
        signature: STANDARD.encode(signature.to_bytes()),
    })
}

/// Whether `receipt` was signed by `key` as it reads: Ok, or why not in plain words.
pub fn verify(receipt: &Receipt, key: &VerifyingKey) -> Result<(), ReceiptError> {
    if receipt.body.key_id != key_id(key) {
        return Err(refused(format!(
            "key_id: the receipt was signed with key {}, not with this key ({})",
            receipt.body.key_id,
            key_id(key)
        )));
    }
    let bytes = receipt.body.canonical()?;
    let raw = STANDARD
        .decode(&receipt.signature)
        .map_err(|_| refused("signature: not base64"))?;
    let raw: [u8; 64] = raw
        .as_slice()
        .try_into()
        .map_err(|_| refused("signature: not 64 bytes long"))?;
    key.verify(&bytes, &Signature::from_bytes(&raw))
        .map_err(|_| refused("signature: does not match what the receipt says: it was altered, or not signed by this server"))
}

/// The server's public keys, as a device learns them at sign-in (and `GET /v1/server-keys`).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerKeys {
    /// The Ed25519 key receipts are signed with: base64 of its 32 bytes.
    pub signing: String,
    /// Its id, as receipts name it ([`key_id`]).
    #[cfg_attr(feature = "schema", schemars(regex(pattern = r"^[0-9a-f]{16}$")))]
    pub key_id: String,
    /// The age X25519 recipient bundles are sealed to (`age1...`).
    pub sealing: String,
    /// What an administrator and a user compare ([`fingerprint`]).
    pub fingerprint: String,
    /// Signing keys used before a rotation, still good for the receipts they signed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retired: Vec<RetiredKey>,
}

/// A signing key the server no longer signs with.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetiredKey {
    pub signing: String,
    pub key_id: String,
    /// When it was retired (RFC 3339).
    pub retired_at: String,
}

impl ServerKeys {
    /// The public key that signed a receipt naming `key_id`, current or retired.
    pub fn signing_key(&self, key_id: &str) -> Option<&str> {
        if self.key_id == key_id {
            return Some(&self.signing);
        }
        let retired = self.retired.iter().find(|r| r.key_id == key_id);
        retired.map(|r| r.signing.as_str())
    }
}

/// The fingerprint of a server's two public keys: the sha256 of the signing key's 32 bytes
/// followed by the sealing recipient's text, its first 16 bytes as eight groups of four
/// upper-case hex digits (`3F2A-9C01-...`), read aloud or compared by eye.
pub fn fingerprint(signing: &VerifyingKey, sealing: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(signing.as_bytes());
    hasher.update(sealing.as_bytes());
    let digest = hasher.finalize();
    digest[..16]
        .chunks(2)
        .map(|pair| format!("{:02X}{:02X}", pair[0], pair[1]))
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn body(k: &SigningKey) -> ReceiptBody {
        ReceiptBody {
            version: RECEIPT_VERSION,
            key_id: key_id(&k.verifying_key()),
            report_id: Uuid::from_u128(1),
            rev_id: Uuid::from_u128(2),
            content_hash: "ab".repeat(32),
            seq: 42,
            received_at: "2026-11-28T17:05:09Z".into(),
        }
    }

    #[test]
    fn a_signed_receipt_verifies_and_signing_is_deterministic() {
        let k = key(7);
        let a = sign(body(&k), &k).unwrap();
        assert_eq!(verify(&a, &k.verifying_key()), Ok(()));
        assert_eq!(a, sign(body(&k), &k).unwrap());
        let json = serde_json::to_string(&a).unwrap();
        let back: Receipt = serde_json::from_str(&json).unwrap();
        assert_eq!(verify(&back, &k.verifying_key()), Ok(()));
    }

    #[test]
    fn the_canonical_bytes_are_the_documented_lines() {
        let k = key(7);
        let text = String::from_utf8(body(&k).canonical().unwrap()).unwrap();
        assert_eq!(
            text,
            format!(
                "terrain-receipt-v1\nkey: {}\nreport: 00000000-0000-0000-0000-000000000001\n\
                 revision: 00000000-0000-0000-0000-000000000002\nhash: {}\nseq: 42\n\
                 received: 2026-11-28T17:05:09Z\n",
                key_id(&k.verifying_key()),
                "ab".repeat(32)
            )
        );
    }

    type Tamper = Box<dyn Fn(&mut Receipt)>;

    #[test]
    fn each_tampered_field_makes_the_receipt_invalid() {
        let k = key(7);
        let good = sign(body(&k), &k).unwrap();
        let tampers: Vec<(&str, Tamper)> = vec![
            (
                "report",
                Box::new(|r| r.body.report_id = Uuid::from_u128(9)),
            ),
            ("revision", Box::new(|r| r.body.rev_id = Uuid::from_u128(9))),
            ("hash", Box::new(|r| r.body.content_hash = "cd".repeat(32))),
            ("seq", Box::new(|r| r.body.seq = 43)),
            (
                "time",
                Box::new(|r| r.body.received_at = "2026-11-28T17:05:10Z".into()),
            ),
            ("version", Box::new(|r| r.body.version = 2)),
            (
                "key id",
                Box::new(|r| r.body.key_id = "0123456789abcdef".into()),
            ),
            (
                "signature",
                Box::new(|r| {
                    let mut raw = STANDARD.decode(&r.signature).unwrap();
                    raw[10] ^= 1;
                    r.signature = STANDARD.encode(raw);
                }),
            ),
            (
                "received_at form",
                Box::new(|r| r.body.received_at = "2026-11-28T17:05:09\nZ".into()),
            ),
        ];
        for (what, tamper) in tampers {
            let mut bad = good.clone();
            tamper(&mut bad);
            assert!(
                verify(&bad, &k.verifying_key()).is_err(),
                "a receipt with its {what} changed still verified"
            );
        }
    }

    #[test]
    fn another_key_does_not_verify_it() {
        let (k, other) = (key(7), key(8));
        let receipt = sign(body(&k), &k).unwrap();
        let why = verify(&receipt, &other.verifying_key()).unwrap_err();
        assert!(why.0.starts_with("key_id:"), "{why}");
        // Even naming the other key's id, the signature does not match it.
        let mut forged = receipt.clone();
        forged.body.key_id = key_id(&other.verifying_key());
        let why = verify(&forged, &other.verifying_key()).unwrap_err();
        assert!(why.0.starts_with("signature:"), "{why}");
        assert!(sign(body(&k), &other).is_err());
    }

    #[test]
    fn a_public_key_reads_back_and_fingerprints_are_grouped() {
        let k = key(7).verifying_key();
        assert_eq!(parse_public_key(&public_key_text(&k)).unwrap(), k);
        assert!(parse_public_key("not base64!").is_err());
        let f = fingerprint(&k, "age1example");
        assert_eq!(f.len(), 8 * 4 + 7);
        assert_eq!(f.split('-').count(), 8);
        assert_ne!(f, fingerprint(&k, "age1other"));
    }
}

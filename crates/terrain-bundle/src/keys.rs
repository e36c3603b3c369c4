//! A device's bundle keys: an Ed25519 signing key (its bundles are signed by it) and an age
//! X25519 identity (replies are sealed to it). Made at sign-in, kept sealed in the device store
//! like the token; the public halves go to the server with the sign-in.

use crate::{BundleError, Result};
use age::secrecy::ExposeSecret;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// A device's two bundle keys.
pub struct DeviceKeys {
    pub signing: SigningKey,
    pub sealing: age::x25519::Identity,
}

impl std::fmt::Debug for DeviceKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceKeys([redacted])")
    }
}

impl DeviceKeys {
    /// New random keys (from the operating system's generator).
    pub fn generate() -> DeviceKeys {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).expect("the OS gives random bytes");
        DeviceKeys {
            signing: SigningKey::from_bytes(&seed),
            sealing: age::x25519::Identity::generate(),
        }
    }

    /// Both secrets as one line to keep: `ed25519:<base64> <AGE-SECRET-KEY-...>`.
    pub fn to_secret(&self) -> Zeroizing<String> {
        let seed = Zeroizing::new(self.signing.to_bytes());
        Zeroizing::new(format!(
            "ed25519:{} {}",
            STANDARD.encode(seed.as_ref()),
            self.sealing.to_string().expose_secret()
        ))
    }

    /// Reads what [`DeviceKeys::to_secret`] wrote.
    pub fn from_secret(text: &str) -> Result<DeviceKeys> {
        let bad = || BundleError::Key("the device's bundle keys do not read".into());
        let (signing, sealing) = text.split_once(' ').ok_or_else(bad)?;
        let seed = Zeroizing::new(
            STANDARD
                .decode(signing.strip_prefix("ed25519:").ok_or_else(bad)?)
                .map_err(|_| bad())?,
        );
        let seed: [u8; 32] = seed.as_slice().try_into().map_err(|_| bad())?;
        Ok(DeviceKeys {
            signing: SigningKey::from_bytes(&seed),
            sealing: sealing.parse().map_err(|_| bad())?,
        })
    }

    /// The signing key's public half, as sent at sign-in.
    pub fn public_key(&self) -> String {
        public_key_text(&self.signing.verifying_key())
    }

    /// The sealing identity's recipient (`age1...`), as sent at sign-in.
    pub fn recipient(&self) -> String {
        self.sealing.to_public().to_string()
    }
}

/// An Ed25519 public key as text (base64 of its 32 bytes).
pub fn public_key_text(key: &VerifyingKey) -> String {
    STANDARD.encode(key.as_bytes())
}

/// Reads an Ed25519 public key from its text; the error names `what`.
pub fn parse_verifying_key(text: &str, what: &str) -> Result<VerifyingKey> {
    let bad = |why: &str| BundleError::Key(format!("{what}: {why}"));
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|_| bad("not base64"))?;
    let bytes: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| bad("not 32 bytes (an Ed25519 public key)"))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| bad("not an Ed25519 public key"))
}

/// Reads an age X25519 recipient (`age1...`); the error names `what`.
pub fn parse_recipient(text: &str, what: &str) -> Result<age::x25519::Recipient> {
    text.trim()
        .parse()
        .map_err(|e: &str| BundleError::Key(format!("{what}: not an age recipient ({e})")))
}

/// A recipient's key id: the first 16 hex digits of the sha256 of its `age1...` text. The
/// header names the recipient by it, so a reader tells "sealed to another key" before trying.
pub fn key_id(recipient: &age::x25519::Recipient) -> String {
    hex::encode(Sha256::digest(recipient.to_string().as_bytes()))[..16].to_string()
}

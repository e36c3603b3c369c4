//! Sources' contacts at rest: sealed (XChaCha20-Poly1305) under a key kept in a file of its own,
//! never in the database, so a copy of the database alone does not show them.

use crate::{Result, StoreError};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::io::Write;
use std::path::Path;
use terrain_domain::Revision;
use uuid::Uuid;
use zeroize::Zeroizing;

/// The server's key for contacts: 32 random bytes.
#[derive(Clone)]
pub struct ContactKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for ContactKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ContactKey([redacted])")
    }
}

fn key_error(path: &Path, why: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("contact key {}: {why}", path.display()))
}

impl ContactKey {
    /// A new random key (tests; [`ContactKey::load_or_create`] for a server).
    pub fn random() -> ContactKey {
        let mut bytes = Zeroizing::new([0u8; 32]);
        random_fill(bytes.as_mut());
        ContactKey(bytes)
    }

    /// The key in `path` (64 hex digits), or a new one written there, owner-only (0600), when
    /// there is no file yet.
    pub fn load_or_create(path: &Path) -> Result<ContactKey> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let mut bytes = Zeroizing::new([0u8; 32]);
                hex::decode_to_slice(text.trim(), bytes.as_mut())
                    .map_err(|_| key_error(path, "not 64 hex digits"))?;
                Ok(ContactKey(bytes))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = ContactKey::random();
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| key_error(path, e))?;
                }
                let mut options = std::fs::OpenOptions::new();
                // create_new: two servers starting together never write two different keys.
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = match options.open(path) {
                    Ok(file) => file,
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        return ContactKey::load_or_create(path);
                    }
                    Err(e) => return Err(key_error(path, e)),
                };
                let text = Zeroizing::new(format!("{}\n", hex::encode(key.0.as_ref())));
                file.write_all(text.as_bytes())
                    .and_then(|_| file.sync_all())
                    .map_err(|e| key_error(path, e))?;
                Ok(key)
            }
            Err(e) => Err(key_error(path, e)),
        }
    }

    /// Seals the contact that revision `rev` carried for source `source_key`; the two are the
    /// associated data, so a sealed contact moved to another row no longer opens.
    pub fn seal(&self, rev: Uuid, source_key: &str, contact: &str) -> Vec<u8> {
        let mut nonce = [0u8; 24];
        random_fill(&mut nonce);
        let aad = associated(rev, source_key);
        let sealed = self
            .cipher()
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: contact.as_bytes(),
                    aad: &aad,
                },
            )
            .expect("XChaCha20-Poly1305 seals any contact");
        [nonce.as_slice(), &sealed].concat()
    }

    /// Opens what [`ContactKey::seal`] made for the same revision and source.
    pub fn open(&self, rev: Uuid, source_key: &str, sealed: &[u8]) -> Result<String> {
        let refused = || {
            StoreError::Backend(format!(
                "the contact of source {source_key} in revision {rev} does not open with this \
                 contact key"
            ))
        };
        let (nonce, body) = sealed.split_at_checked(24).ok_or_else(refused)?;
        let aad = associated(rev, source_key);
        let plain = self
            .cipher()
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .map_err(|_| refused())?;
        String::from_utf8(plain).map_err(|_| refused())
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.as_ref().into())
    }
}

fn associated(rev: Uuid, source_key: &str) -> Vec<u8> {
    format!("terrain contact {rev} {source_key}").into_bytes()
}

fn random_fill(bytes: &mut [u8]) {
    getrandom::fill(bytes).expect("the operating system's random source is available");
}

/// A contact as the database keeps it: sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedContact {
    pub source_key: String,
    pub sealed: Vec<u8>,
}

/// Takes the contacts out of `rev` and seals them: what the revision row keeps is then free of
/// them, and the sealed contacts go in rows of their own.
pub fn seal_contacts(rev: &mut Revision, key: &ContactKey) -> Vec<SealedContact> {
    let id = rev.id;
    rev.take_contacts()
        .into_iter()
        .map(|(source_key, contact)| SealedContact {
            sealed: key.seal(id, &source_key, &contact),
            source_key,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_contact_opens_only_with_its_key_revision_and_source() {
        let key = ContactKey::random();
        let rev = Uuid::now_v7();
        let sealed = key.seal(rev, "s1", "+223 76 00 00 00");
        assert!(!String::from_utf8_lossy(&sealed).contains("76 00"));
        assert_eq!(key.open(rev, "s1", &sealed).unwrap(), "+223 76 00 00 00");
        assert!(key.open(rev, "s2", &sealed).is_err());
        assert!(key.open(Uuid::now_v7(), "s1", &sealed).is_err());
        assert!(ContactKey::random().open(rev, "s1", &sealed).is_err());
    }

    #[test]
    fn the_key_file_is_made_once_owner_only_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("contact.key");
        let made = ContactKey::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = ContactKey::load_or_create(&path).unwrap();
        let rev = Uuid::now_v7();
        assert_eq!(
            again.open(rev, "s1", &made.seal(rev, "s1", "x")).unwrap(),
            "x"
        );
        std::fs::write(&path, "not a key").unwrap();
        let err = ContactKey::load_or_create(&path).unwrap_err().to_string();
        assert!(
            err.contains("contact.key") && err.contains("64 hex"),
            "{err}"
        );
    }
}

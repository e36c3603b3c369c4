//! Attachment files, written whole before any row names them.
//!
//! A plain store keeps each file under its sha256 in `attachments/`. An encrypted store seals
//! each one (XChaCha20-Poly1305, the hash as associated data) under the attachments' key kept
//! in the database, in `blobs/`, named by a keyed hash: a file name does not tell which known
//! photo it holds.

use crate::secure::{PLAIN_ATTACHMENTS, SEALED_ATTACHMENTS};
use crate::vault::{self, Key};
use crate::{Result, Store, StoreError};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use terrain_domain::limits::ATTACHMENT_BYTES;
use terrain_domain::{Attachment, Problems};

pub(crate) fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit())
}

fn sealed_path(dir: &Path, key: &Key, sha256: &str) -> PathBuf {
    let name = hex::encode(
        Sha256::new()
            .chain_update(key.0.as_ref())
            .chain_update(sha256.as_bytes())
            .finalize(),
    );
    dir.join(SEALED_ATTACHMENTS).join(name)
}

/// Seals `bytes` (whose hash is `sha256`) into `dir`'s sealed attachments.
pub(crate) fn write_sealed(dir: &Path, key: &Key, sha256: &str, bytes: &[u8]) -> Result<()> {
    let target = sealed_path(dir, key, sha256);
    if target.is_file() {
        return Ok(());
    }
    create_parent(&target)?;
    vault::write_durably(&target, &key.seal(bytes, sha256.as_bytes()))
}

fn create_parent(path: &Path) -> Result<()> {
    let dir = path.parent().expect("attachment paths have a folder");
    std::fs::create_dir_all(dir).map_err(StoreError::io(dir))
}

impl Store {
    /// Whether the device holds the attachment with this hash.
    pub fn has_attachment(&self, sha256: &str) -> bool {
        is_sha256(sha256) && self.attachment_file(sha256).is_file()
    }

    fn attachment_file(&self, sha256: &str) -> PathBuf {
        match &self.blob_key {
            Some(key) => sealed_path(self.dir(), key, sha256),
            None => self.dir().join(PLAIN_ATTACHMENTS).join(sha256),
        }
    }

    /// The attachment with this hash, checked against it; None if the device lacks it.
    pub fn attachment(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        if !is_sha256(sha256) {
            return Ok(None);
        }
        let path = self.attachment_file(sha256);
        let stored = match std::fs::read(&path) {
            Ok(stored) => stored,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::io(&path)(e)),
        };
        let damaged =
            || StoreError::Corrupt(format!("attachment {sha256}"), path.display().to_string());
        let bytes = match &self.blob_key {
            Some(key) => key
                .open(&stored, sha256.as_bytes())
                .ok_or_else(damaged)?
                .to_vec(),
            None => stored,
        };
        if terrain_domain::sha256_hex(&bytes) != sha256.to_ascii_lowercase() {
            return Err(damaged());
        }
        Ok(Some(bytes))
    }

    /// Copies the file at `path` into the store (as [`Store::put_attachment`]) and returns what
    /// a report records of it. The app's attach button and `terrain report attach` both come
    /// here, so a file too large is refused alike, naming the field, before anything is read.
    pub fn attach_file(&self, path: &Path) -> Result<Attachment> {
        let io = |source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        };
        let size = std::fs::metadata(path).map_err(io)?.len();
        if size == 0 || size > ATTACHMENT_BYTES {
            return Err(Problems::one(
                "attachments",
                "attachment_size",
                [("size", size), ("max", ATTACHMENT_BYTES)],
            )
            .into());
        }
        let bytes = std::fs::read(path).map_err(io)?;
        let sha256 = self.put_attachment(&bytes)?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| sha256.clone());
        Ok(Attachment {
            sha256,
            media_type: Attachment::media_type_of(&file_name).into(),
            size,
            file_name,
            caption: None,
            reduced_of: None,
        })
    }

    /// Stores `bytes` under their sha256: written to a temporary name, fsynced, renamed, and the
    /// directory fsynced, so a power cut leaves either the whole file or none.
    pub fn put_attachment(&self, bytes: &[u8]) -> Result<String> {
        let hash = terrain_domain::sha256_hex(bytes);
        match &self.blob_key {
            Some(key) => write_sealed(self.dir(), key, &hash, bytes)?,
            None => {
                let target = self.attachment_file(&hash);
                if !target.is_file() {
                    create_parent(&target)?;
                    vault::write_durably(&target, bytes)?;
                }
            }
        }
        Ok(hash)
    }
}

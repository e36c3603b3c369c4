//! The keys of an encrypted store.
//!
//! A random 256-bit data key encrypts the database (SQLCipher: AES-256, a page HMAC). The
//! passphrase, stretched by Argon2id, only wraps that key (XChaCha20-Poly1305) in
//! `terrain.key`. So changing the passphrase rewrites one small file, and destroying that file
//! destroys every copy of the data at once: a database without its key is noise.

use crate::{Result, StoreError};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The wrapped data key, beside the database.
pub const KEY_FILE: &str = "terrain.key";

/// Shortest passphrase accepted when one is set (unlocking takes whatever was set).
pub const MIN_PASSPHRASE_CHARS: usize = 10;

/// Argon2id at 64 MiB and 3 passes: about a quarter of a second on a field laptop, once per
/// unlock, and the same cost per guess for whoever holds a copied disk.
const MEMORY_KIB: u32 = 64 * 1024;
const PASSES: u32 = 3;
const LANES: u32 = 1;

/// A passphrase as typed, wiped from memory when dropped.
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    pub fn new(text: impl Into<String>) -> Passphrase {
        Passphrase(Zeroizing::new(text.into()))
    }

    /// Whether this may become a store's passphrase.
    pub fn check_new(&self) -> Result<()> {
        let chars = self.0.chars().count();
        if self.0.trim().is_empty() || chars < MIN_PASSPHRASE_CHARS {
            return Err(StoreError::WeakPassphrase(format!(
                "it has {chars} characters; use at least {MIN_PASSPHRASE_CHARS} (several words are easiest to remember)"
            )));
        }
        Ok(())
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(…)")
    }
}

/// 32 secret bytes: the database key, or the attachments' key.
#[derive(Clone)]
pub(crate) struct Key(pub(crate) Zeroizing<[u8; 32]>);

impl Key {
    pub(crate) fn random() -> Key {
        let mut bytes = Zeroizing::new([0u8; 32]);
        random_fill(bytes.as_mut());
        Key(bytes)
    }

    pub(crate) fn from_hex(text: &str) -> Option<Key> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text, bytes.as_mut()).ok()?;
        Some(Key(bytes))
    }

    pub(crate) fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_ref()))
    }

    /// The statement that must come first on every connection to the encrypted database. A raw
    /// key (`x'..'`): SQLCipher's own PBKDF2 is skipped, the stretching was done by Argon2id.
    pub(crate) fn sqlcipher_pragma(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", self.to_hex().as_str()))
    }

    /// Seals `plain`; the result carries its random nonce.
    pub(crate) fn seal(&self, plain: &[u8], aad: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 24];
        random_fill(&mut nonce);
        let cipher = XChaCha20Poly1305::new(self.0.as_ref().into());
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad })
            .expect("XChaCha20-Poly1305 seals any length this store writes");
        [nonce.as_slice(), &sealed].concat()
    }

    /// Opens what [`Key::seal`] made; None if the key is wrong or the bytes were changed.
    pub(crate) fn open(&self, sealed: &[u8], aad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let (nonce, body) = sealed.split_at_checked(24)?;
        let cipher = XChaCha20Poly1305::new(self.0.as_ref().into());
        cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad })
            .ok()
            .map(Zeroizing::new)
    }
}

fn random_fill(bytes: &mut [u8]) {
    getrandom::fill(bytes).expect("the operating system's random source is available");
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    format: u32,
    kdf: Kdf,
    /// Nonce and sealed data key, hex.
    wrapped: String,
}

/// How the passphrase was stretched; sealed as associated data, so it cannot be weakened.
#[derive(Serialize, Deserialize, Clone)]
struct Kdf {
    algorithm: String,
    memory_kib: u32,
    passes: u32,
    lanes: u32,
    salt: String,
}

impl Kdf {
    fn new() -> Kdf {
        let mut salt = [0u8; 16];
        random_fill(&mut salt);
        Kdf {
            algorithm: "argon2id".into(),
            memory_kib: MEMORY_KIB,
            passes: PASSES,
            lanes: LANES,
            salt: hex::encode(salt),
        }
    }

    fn stretch(&self, passphrase: &Passphrase, path: &Path) -> Result<Key> {
        let damaged = |why: &str| StoreError::KeyFile {
            path: path.into(),
            why: why.into(),
        };
        if self.algorithm != "argon2id" {
            return Err(damaged("unknown key derivation"));
        }
        let salt = hex::decode(&self.salt).map_err(|_| damaged("the salt is not hex"))?;
        let params = argon2::Params::new(self.memory_kib, self.passes, self.lanes, Some(32))
            .map_err(|_| damaged("key derivation settings out of range"))?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut key = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(passphrase.0.as_bytes(), &salt, key.as_mut())
            .map_err(|_| damaged("key derivation failed"))?;
        Ok(Key(key))
    }

    fn aad(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("plain fields serialise")
    }
}

pub(crate) fn key_path(dir: &Path) -> PathBuf {
    dir.join(KEY_FILE)
}

/// Wraps `data` under `passphrase` into `dir/terrain.key` (or the name given), written whole
/// and fsynced before it replaces any earlier one.
pub(crate) fn write_key_file(
    dir: &Path,
    name: &str,
    data: &Key,
    passphrase: &Passphrase,
) -> Result<()> {
    let path = dir.join(name);
    let kdf = Kdf::new();
    let wrapping = kdf.stretch(passphrase, &path)?;
    let file = KeyFile {
        wrapped: hex::encode(wrapping.seal(data.0.as_ref(), &kdf.aad())),
        kdf,
        format: 1,
    };
    let json = serde_json::to_vec_pretty(&file).expect("plain fields serialise");
    write_durably(&path, &json)
}

/// Unwraps the data key of `dir` with `passphrase`.
pub(crate) fn read_key_file(dir: &Path, passphrase: &Passphrase) -> Result<Key> {
    let path = key_path(dir);
    let text = std::fs::read(&path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => StoreError::KeyFile {
            path: path.clone(),
            why: "it is missing".into(),
        },
        _ => StoreError::io(&path)(source),
    })?;
    let damaged = |why: &str| StoreError::KeyFile {
        path: path.clone(),
        why: why.into(),
    };
    let file: KeyFile =
        serde_json::from_slice(&text).map_err(|_| damaged("it is not a Terrain key file"))?;
    if file.format != 1 {
        return Err(damaged("written by a newer Terrain"));
    }
    let wrapped = hex::decode(&file.wrapped).map_err(|_| damaged("the key is not hex"))?;
    let wrapping = file.kdf.stretch(passphrase, &path)?;
    let data = wrapping
        .open(&wrapped, &file.kdf.aad())
        .ok_or(StoreError::WrongPassphrase)?;
    let bytes: [u8; 32] = data
        .as_slice()
        .try_into()
        .map_err(|_| damaged("the key has the wrong length"))?;
    Ok(Key(Zeroizing::new(bytes)))
}

/// Writes `bytes` to `path` through a temporary file (owner-only): fsynced, renamed, directory
/// fsynced. A file it replaces (an old wrapped key) is overwritten once the new one is in place,
/// so the old key does not linger in the disk's free blocks.
pub(crate) fn write_durably(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let replaced = std::fs::OpenOptions::new().write(true).open(path).ok();
    let temp = path.with_extension(format!("{}.part", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temp).map_err(StoreError::io(&temp))?;
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .map_err(StoreError::io(&temp))?;
    std::fs::rename(&temp, path).map_err(StoreError::io(path))?;
    sync_dir(dir)?;
    if let Some(mut old) = replaced {
        overwrite(&mut old).map_err(StoreError::io(path))?;
    }
    Ok(())
}

/// Overwrites a whole file with random bytes and fsyncs it.
pub(crate) fn overwrite(file: &mut std::fs::File) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom};
    let mut left = file.metadata()?.len();
    file.seek(SeekFrom::Start(0))?;
    let mut chunk = vec![0u8; 1 << 20];
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        random_fill(&mut chunk[..n]);
        file.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    file.sync_all()
}

pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(StoreError::io(dir))
}

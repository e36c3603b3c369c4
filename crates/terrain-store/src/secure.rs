//! Encrypting a store, changing its passphrase and destroying it ("quick delete").
//!
//! Encrypting an existing plain store copies it into a new encrypted file and swaps the files in
//! steps that a power cut can stop anywhere: [`kind`] finishes or undoes an interrupted run
//! before it answers, so the reports are never lost and never left both plain and encrypted.

use crate::vault::{self, KEY_FILE, Key, Passphrase};
use crate::{DB_FILE, Result, Store, StoreError};
use std::path::{Path, PathBuf};

/// What a data folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// No store yet.
    Absent,
    /// A store made before encryption (or by a tool): readable by anyone with the disk.
    Plain,
    /// A store that needs its passphrase.
    Encrypted,
}

const ENCRYPTING: &str = "terrain.db.encrypting";
const PENDING_KEY: &str = "terrain.key.pending";
const OLD_PLAIN: &str = "terrain.db.plain";
pub(crate) const PLAIN_ATTACHMENTS: &str = "attachments";
pub(crate) const SEALED_ATTACHMENTS: &str = "blobs";

/// What `dir` holds, after finishing (or undoing) an encryption a crash interrupted.
pub fn kind(dir: &Path) -> Result<Kind> {
    recover(dir)?;
    let db = dir.join(DB_FILE);
    Ok(if dir.join(KEY_FILE).is_file() {
        Kind::Encrypted
    } else if db.is_file() && std::fs::metadata(&db).map_err(StoreError::io(&db))?.len() > 0 {
        // (An empty file holds nothing: a connection left open across a quick delete can make
        // one.) Without its key file an encrypted database is still told apart: it has no
        // plain header.
        if is_plain_sqlite(&db)? {
            Kind::Plain
        } else {
            Kind::Encrypted
        }
    } else {
        Kind::Absent
    })
}

fn is_plain_sqlite(db: &Path) -> Result<bool> {
    use std::io::Read;
    let mut header = Vec::with_capacity(16);
    std::fs::File::open(db)
        .and_then(|f| f.take(16).read_to_end(&mut header))
        .map_err(StoreError::io(db))?;
    Ok(header == b"SQLite format 3\0")
}

fn recover(dir: &Path) -> Result<()> {
    let [db, key, pending, encrypting, old_plain] =
        [DB_FILE, KEY_FILE, PENDING_KEY, ENCRYPTING, OLD_PLAIN].map(|f| dir.join(f));
    if pending.is_file() {
        if encrypting.is_file() && db.is_file() {
            // Stopped before the swap: the plain store is whole and still in place.
            undo(dir)?;
        } else {
            if encrypting.is_file() {
                rename(&encrypting, &db)?;
            }
            rename(&pending, &key)?;
            vault::sync_dir(dir)?;
        }
    } else if encrypting.is_file() && !key.is_file() {
        undo(dir)?;
    }
    if key.is_file() {
        for leftover in [
            &old_plain,
            &suffixed(&old_plain, "-wal"),
            &suffixed(&old_plain, "-shm"),
        ] {
            shred(leftover)?;
        }
        shred_dir(&dir.join(PLAIN_ATTACHMENTS))?;
    }
    Ok(())
}

fn undo(dir: &Path) -> Result<()> {
    for name in [PENDING_KEY, ENCRYPTING] {
        remove(&dir.join(name))?;
        remove(&suffixed(&dir.join(name), "-journal"))?;
    }
    remove_dir(&dir.join(SEALED_ATTACHMENTS))
}

/// The attachments' key, kept in the (encrypted) database; made on first use.
pub(crate) fn blob_key(conn: &rusqlite::Connection) -> rusqlite::Result<Key> {
    let fresh = Key::random();
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('blob_key', ?1)",
        [fresh.to_hex().as_str()],
    )?;
    let text: zeroize::Zeroizing<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'blob_key'", [], |r| {
            r.get(0)
        })
        .map(zeroize::Zeroizing::new)?;
    Key::from_hex(&text).ok_or_else(|| {
        rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
            Some("the attachments' key is damaged".into()),
        )
    })
}

impl Store {
    /// Encrypts the plain store in `dir` under `passphrase`: reports, history, outbox, account
    /// and attachments, then destroys the plain copy. Nothing else may have the store open.
    pub fn encrypt(dir: &Path, passphrase: &Passphrase) -> Result<Store> {
        passphrase.check_new()?;
        match kind(dir)? {
            Kind::Absent => return Err(StoreError::NoStore(dir.into())),
            Kind::Encrypted => return Err(StoreError::AlreadyExists(dir.join(KEY_FILE))),
            Kind::Plain => {}
        }
        let key = Key::random();
        let plain = Store::open_with(dir, None)?;
        let blob_key = Key::random();
        copy_encrypted(&plain, &dir.join(ENCRYPTING), &key, &blob_key)?;
        seal_attachments(dir, &blob_key)?;
        drop(plain);
        let [db, encrypting] = [DB_FILE, ENCRYPTING].map(|f| dir.join(f));
        for side in ["-wal", "-shm"] {
            // Closing the last connection checkpointed the log into the file just copied.
            remove(&suffixed(&db, side))?;
        }
        fsync(&encrypting)?;
        vault::write_key_file(dir, PENDING_KEY, &key, passphrase)?;
        rename(&db, &dir.join(OLD_PLAIN))?;
        rename(&encrypting, &db)?;
        vault::sync_dir(dir)?;
        rename(&dir.join(PENDING_KEY), &dir.join(KEY_FILE))?;
        vault::sync_dir(dir)?;
        recover(dir)?;
        Store::open_with(dir, Some(key))
    }

    /// Re-wraps the store's key under `new`; the database itself is not rewritten.
    pub fn change_passphrase(dir: &Path, old: &Passphrase, new: &Passphrase) -> Result<()> {
        new.check_new()?;
        if kind(dir)? != Kind::Encrypted {
            return Err(StoreError::NotEncrypted(dir.into()));
        }
        let key = vault::read_key_file(dir, old)?;
        vault::write_key_file(dir, KEY_FILE, &key, new)
    }
}

fn copy_encrypted(plain: &Store, target: &Path, key: &Key, blob_key: &Key) -> Result<()> {
    let sql = |source| StoreError::Sqlite {
        path: target.into(),
        source,
    };
    remove(target)?;
    let conn = plain.writer();
    let quoted = target.to_string_lossy().replace('\'', "''");
    let hex = key.to_hex();
    conn.execute_batch(&zeroize::Zeroizing::new(format!(
        "ATTACH DATABASE '{quoted}' AS encrypted KEY \"x'{}'\";",
        hex.as_str()
    )))
    .map_err(sql)?;
    let copied = (|| {
        conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        let version = crate::schema::version(&conn)?;
        conn.execute_batch(&format!("PRAGMA encrypted.user_version = {version};"))?;
        conn.execute(
            "INSERT OR REPLACE INTO encrypted.meta (key, value) VALUES ('blob_key', ?1)",
            [blob_key.to_hex().as_str()],
        )?;
        Ok(())
    })();
    let detached = conn.execute_batch("DETACH DATABASE encrypted;");
    copied.and(detached).map_err(sql)
}

/// Seals every plain attachment into the encrypted store's folder (the plain ones are shredded
/// once the encrypted store is in place).
fn seal_attachments(dir: &Path, blob_key: &Key) -> Result<()> {
    let from = dir.join(PLAIN_ATTACHMENTS);
    let Ok(entries) = std::fs::read_dir(&from) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry.map_err(StoreError::io(&from))?.path();
        let Some(sha) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !crate::attachments::is_sha256(sha) {
            continue; // a temporary file a crash left: never named by a report
        }
        let bytes = zeroize::Zeroizing::new(std::fs::read(&path).map_err(StoreError::io(&path))?);
        crate::attachments::write_sealed(dir, blob_key, sha, &bytes)?;
    }
    Ok(())
}

/// Quick delete: destroys the store in `dir` so that nothing in it can be read again, and
/// removes Terrain's files (and nothing else) from `dir`.
///
/// The key file goes first, overwritten then removed: the encrypted database, its log and the
/// sealed attachments are noise without it, even where the disk keeps old blocks, so they are
/// only removed. A plain store has no such key, so its files are overwritten in full.
pub fn wipe(dir: &Path) -> Result<()> {
    for name in [KEY_FILE, PENDING_KEY] {
        shred(&dir.join(name))?;
    }
    // A wrapped key a crash left half-renamed (`terrain.key.<pid>.part`).
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("terrain.") && name.ends_with(".part") {
                shred(&entry.path())?;
            }
        }
    }
    if dir.is_dir() {
        vault::sync_dir(dir)?;
    }
    for file in [DB_FILE, ENCRYPTING, OLD_PLAIN] {
        let path = dir.join(file);
        // An encrypted database is noise now that its key is gone: removing it is enough, and
        // overwriting hundreds of megabytes would break the one-second promise. A plain one
        // has no key to destroy, so its bytes are overwritten.
        let sealed = path.is_file() && file != OLD_PLAIN && !is_plain_sqlite(&path)?;
        for side in ["", "-wal", "-shm", "-journal"] {
            let side = suffixed(&path, side);
            if sealed {
                remove(&side)?
            } else {
                shred(&side)?
            }
        }
    }
    shred_dir(&dir.join(PLAIN_ATTACHMENTS))?;
    remove_dir(&dir.join(SEALED_ATTACHMENTS))?;
    // Leave a folder the user chose; remove ours if nothing else is in it.
    let _ = std::fs::remove_dir(dir);
    Ok(())
}

/// Overwrites a file with random bytes, fsyncs, removes it. Absent: nothing to do.
fn shred(path: &Path) -> Result<()> {
    let mut file = match std::fs::OpenOptions::new().write(true).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StoreError::io(path)(e)),
    };
    vault::overwrite(&mut file).map_err(StoreError::io(path))?;
    remove(path)
}

fn shred_dir(dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        shred(&entry.map_err(StoreError::io(dir))?.path())?;
    }
    remove_dir(dir)
}

fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

fn fsync(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(StoreError::io(path))
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(StoreError::io(to))
}

fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::io(path)(e)),
        _ => Ok(()),
    }
}

fn remove_dir(path: &Path) -> Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::io(path)(e)),
        _ => Ok(()),
    }
}

//! The durable local store of a Terrain device: one SQLite file per user profile.
//!
//! Every save is one transaction that appends an immutable revision, moves the report's head,
//! updates the list and search rows and, for a final report, queues an outbox row; the commit
//! is fsynced (WAL, `synchronous=FULL`) before `save` returns. One writer connection behind a
//! mutex, read-only connections kept for reuse (no helper thread) for lists and searches.
//!
//! The store takes only [`terrain_domain::ValidReport`]s: the rules live in the domain crate.
//! It knows nothing of the network, the UI or the file formats of exports.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = terrain_store::Store::open(std::path::Path::new("/tmp/terrain"))?;
//! let page = store.list(&terrain_store::Filter::default(), terrain_store::Page::first(20))?;
//! # Ok(()) }
//! ```

mod attachments;
mod bundles;
mod connection;
mod drafts;
mod error;
mod filter;
mod ids;
mod import;
mod incidents;
mod read;
mod receipts;
mod reduce;
mod reviews;
pub mod schema;
mod search;
mod secure;
mod settings;
mod site_conflicts;
mod sites;
mod sync;
mod vault;
mod write;

pub use drafts::WorkInProgress;
pub use error::{Result, StoreError};
pub use filter::{Filter, Page};
pub use ids::{SHORT_ID_CHARS, short_id};
pub use import::{Import, Imported, fingerprint};
pub use incidents::Suggestion;
pub use read::{Listed, OutboxEntry};
pub use receipts::{KeptReceipt, KnownServerKey, StoredReceipt};
pub use reduce::reduced_jpeg;
pub use reviews::Review;
pub use secure::{Kind, kind, wipe};
pub use settings::PhotoPolicy;
pub use sites::{SiteConflict, SitesApplied};
pub use sync::{Account, Applied, Conflict, Pending, PhotoUpload, Token};
pub use vault::{KEY_FILE, MIN_PASSPHRASE_CHARS, Passphrase};
pub use write::Saved;

use connection::{Reader, Readers, Role};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use vault::Key;

/// The platform's data folder for Terrain (`~/.local/share/terrain` on Linux), where the CLI
/// and the desktop app keep their store unless told otherwise.
pub fn default_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("org", "Terrain", "terrain").map(|d| d.data_dir().to_path_buf())
}

/// The database file's name inside a data directory.
pub const DB_FILE: &str = "terrain.db";

pub struct Store {
    dir: PathBuf,
    db_path: PathBuf,
    writer: Mutex<Connection>,
    readers: Readers,
    device_id: String,
    /// Seals attachment files; None in a plain store.
    blob_key: Option<Key>,
}

impl Store {
    /// Opens (creating if need be) a plain, unencrypted store in `dir`: for tests, tools and
    /// stores made before encryption. An encrypted store is refused: [`Store::unlock`] it.
    pub fn open(dir: &Path) -> Result<Store> {
        if kind(dir)? == Kind::Encrypted {
            return Err(StoreError::Locked(dir.into()));
        }
        Store::open_with(dir, None)
    }

    /// Makes a new encrypted store in `dir` with `passphrase` (which must pass
    /// [`Passphrase::check_new`]). Refused if `dir` already holds a store.
    pub fn create(dir: &Path, passphrase: &Passphrase) -> Result<Store> {
        passphrase.check_new()?;
        if kind(dir)? != Kind::Absent {
            return Err(StoreError::AlreadyExists(dir.into()));
        }
        create_dir(dir)?;
        let key = Key::random();
        vault::write_key_file(dir, KEY_FILE, &key, passphrase)?;
        Store::open_with(dir, Some(key))
    }

    /// Opens the encrypted store in `dir`. A wrong passphrase is
    /// [`StoreError::WrongPassphrase`] and changes nothing.
    pub fn unlock(dir: &Path, passphrase: &Passphrase) -> Result<Store> {
        match kind(dir)? {
            Kind::Absent => Err(StoreError::NoStore(dir.into())),
            Kind::Plain => Err(StoreError::NotEncrypted(dir.into())),
            Kind::Encrypted => Store::open_with(dir, Some(vault::read_key_file(dir, passphrase)?)),
        }
    }

    fn open_with(dir: &Path, key: Option<Key>) -> Result<Store> {
        create_dir(dir)?;
        let db_path = dir.join(DB_FILE);
        let sql = |source| StoreError::Sqlite {
            path: db_path.clone(),
            source,
        };
        let mut writer = connection::open(&db_path, Role::Writer, key.as_ref()).map_err(sql)?;
        let found = schema::version(&writer).map_err(sql)?;
        if found > schema::LATEST {
            return Err(StoreError::SchemaTooNew {
                path: db_path,
                found,
                known: schema::LATEST,
            });
        }
        schema::migrate(&mut writer, schema::LATEST).map_err(sql)?;
        let device_id = device_id(&writer).map_err(sql)?;
        let blob_key = match &key {
            Some(_) => Some(secure::blob_key(&writer).map_err(sql)?),
            None => None,
        };
        let store = Store {
            dir: dir.into(),
            readers: Readers::new(&db_path, key),
            db_path,
            writer: Mutex::new(writer),
            device_id,
            blob_key,
        };
        // Reports written before fingerprints were filed (migration 014) get theirs once.
        store.file_missing_fingerprints()?;
        // Sites saved before site revisions (migration 015) get their first one once.
        store.first_site_revisions()?;
        Ok(store)
    }

    /// Whether this store is encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.blob_key.is_some()
    }

    /// This device's id, made when the store was created.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    fn sql(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |source| StoreError::Sqlite {
            path: self.db_path.clone(),
            source,
        }
    }

    fn reader(&self) -> Result<Reader<'_>> {
        self.readers.get().map_err(self.sql())
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no half transaction (it rolls back on drop), so
        // the connection is still sound.
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `PRAGMA integrity_check`: "ok" or what is wrong.
    pub fn integrity_check(&self) -> Result<String> {
        let conn = self.reader()?;
        conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(self.sql())
    }
}

impl std::fmt::Debug for Store {
    // Never the keys.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .field("encrypted", &self.is_encrypted())
            .finish_non_exhaustive()
    }
}

/// Makes the data folder; one Terrain makes is readable by its owner only.
fn create_dir(dir: &Path) -> Result<()> {
    let io = StoreError::io(dir);
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(&io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(&io)?;
    }
    Ok(())
}

fn device_id(conn: &Connection) -> rusqlite::Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('device_id', ?1)",
        [&id],
    )?;
    conn.query_row("SELECT value FROM meta WHERE key = 'device_id'", [], |r| {
        r.get(0)
    })
}

//! The one place that opens SQLite connections and sets their pragmas.

use crate::vault::Key;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// What a connection is for. Readers cannot write, so a bug in a read path cannot change data.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Writer,
    Reader,
}

/// Sets up a fresh connection; with `key`, the key comes first (SQLCipher reads nothing before).
// A 16 MiB page cache per connection (SQLite's default is 2 MiB): in an encrypted store every
// page read from the file is decrypted, so pages kept in the cache are pages not decrypted
// again by the next list or search.
pub(crate) fn configure(conn: &Connection, role: Role, key: Option<&Key>) -> rusqlite::Result<()> {
    if let Some(key) = key {
        conn.execute_batch(&key.sqlcipher_pragma())?;
    }
    conn.busy_timeout(Duration::from_secs(10))?;
    if role == Role::Writer {
        // WAL: readers never block the writer; FULL: every commit is fsynced before it returns,
        // so a report the UI calls saved survives a power cut.
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                Some(format!("journal_mode is {mode}, not WAL")),
            ));
        }
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -16384;",
    )?;
    if role == Role::Reader {
        conn.execute_batch("PRAGMA query_only = ON;")?;
    }
    Ok(())
}

pub(crate) fn open(path: &Path, role: Role, key: Option<&Key>) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    configure(&conn, role, key)?;
    Ok(conn)
}

/// The read-only connections, opened on the calling thread when none is idle and kept for the
/// next read. No helper thread: r2d2's pool closed connections on its own threads, which could
/// still be running while `exit()` ran SQLCipher's shutdown, and the `terrain` command then
/// crashed as it ended (about one run in 300). Here every connection is closed by the thread
/// that drops it, at the latest when the store is dropped.
pub(crate) struct Readers {
    path: PathBuf,
    key: Option<Key>,
    idle: Mutex<Vec<Connection>>,
}

/// Idle readers kept open; more may be open at once, the extra ones close when returned.
const IDLE_READERS: usize = 4;

impl Readers {
    pub(crate) fn new(path: &Path, key: Option<Key>) -> Readers {
        Readers {
            path: path.into(),
            key,
            idle: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn get(&self) -> rusqlite::Result<Reader<'_>> {
        let idle = self.idle().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => open(&self.path, Role::Reader, self.key.as_ref())?,
        };
        Ok(Reader {
            conn: Some(conn),
            readers: self,
        })
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        // A Vec of connections is sound whatever a panicking holder was doing.
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A reader on loan; it goes back to the idle ones when dropped.
pub(crate) struct Reader<'a> {
    conn: Option<Connection>,
    readers: &'a Readers,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("present until dropped")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        let mut idle = self.readers.idle();
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
    }
}

//! The one place that opens SQLite connections and sets their pragmas.

use crate::vault::Key;
use rusqlite::Connection;
use std::path::Path;
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

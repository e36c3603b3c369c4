//! Numbered migrations, embedded and applied in order, each in its own transaction.
//! `PRAGMA user_version` holds how many have been applied.

use rusqlite::Connection;

/// Every migration, in order. Never edit one that has shipped: add the next.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("001_reports", include_str!("migrations/001_reports.sql")),
    ("002_sites", include_str!("migrations/002_sites.sql")),
    ("003_search", include_str!("migrations/003_search.sql")),
    ("004_sync", include_str!("migrations/004_sync.sql")),
    (
        "005_outbox_errors",
        include_str!("migrations/005_outbox_errors.sql"),
    ),
    (
        "006_pulled_sites",
        include_str!("migrations/006_pulled_sites.sql"),
    ),
    (
        "007_search_folded",
        include_str!("migrations/007_search_folded.sql"),
    ),
    (
        "008_import_fingerprints",
        include_str!("migrations/008_import_fingerprints.sql"),
    ),
    (
        "009_work_in_progress",
        include_str!("migrations/009_work_in_progress.sql"),
    ),
    (
        "010_photo_uploads",
        include_str!("migrations/010_photo_uploads.sql"),
    ),
    ("011_reviews", include_str!("migrations/011_reviews.sql")),
    ("012_receipts", include_str!("migrations/012_receipts.sql")),
    ("013_bundles", include_str!("migrations/013_bundles.sql")),
    (
        "014_incidents",
        include_str!("migrations/014_incidents.sql"),
    ),
    (
        "015_site_revisions",
        include_str!("migrations/015_site_revisions.sql"),
    ),
];

/// The schema version this build writes.
pub const LATEST: usize = MIGRATIONS.len();

pub fn version(conn: &Connection) -> rusqlite::Result<usize> {
    conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .map(|v| v as usize)
}

/// Applies the migrations after the database's version, up to `target`.
pub fn migrate(conn: &mut Connection, target: usize) -> rusqlite::Result<()> {
    let current = version(conn)?;
    crate::search::register(conn)?;
    for (number, (_name, sql)) in MIGRATIONS.iter().enumerate().take(target).skip(current) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (number + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

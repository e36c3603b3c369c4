//! The store's side of USB bundles (issue 16, `docs/bundles.md`): the device's bundle keys,
//! what already travels in a bundle, and the photos a reply proves delivered.
//!
//! Writing a bundle never touches the outbox: only an acknowledgement (a reply's, or an online
//! push's) takes a revision out of it. The `bundled` rows only let the next bundle leave out
//! what an earlier one carries.

use crate::{Result, Store};
use chrono::Utc;
use rusqlite::{OptionalExtension, params};
use terrain_domain::Revision;
use uuid::Uuid;

/// Kept with the account (`sync.`): signing out or in again forgets them.
const BUNDLE_KEYS: &str = "sync.bundle_keys";
/// The last bundle's sequence number; kept across sign-ins, so names keep sorting.
const BUNDLE_SEQUENCE: &str = "bundle.sequence";

impl Store {
    /// The device's bundle keys (their secret text), if it signed in with them.
    pub fn bundle_keys(&self) -> Result<Option<String>> {
        let conn = self.reader()?;
        conn.query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [BUNDLE_KEYS],
            |r| r.get(0),
        )
        .optional()
        .map_err(self.sql())
    }

    /// Keeps the device's bundle keys (a secret, in the encrypted database like the token).
    pub fn set_bundle_keys(&self, secret: &str) -> Result<()> {
        self.writer()
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![BUNDLE_KEYS, secret],
            )
            .map(|_| ())
            .map_err(self.sql())
    }

    /// The revisions waiting in the outbox (refused ones left aside) that no bundle carries
    /// yet, or all of them with `again`, oldest first.
    pub fn to_bundle(&self, again: bool) -> Result<Vec<Revision>> {
        let conn = self.reader()?;
        let sql = "SELECT v.id, v.report_id, v.parents, v.author, v.device, v.created_at, v.content_hash, v.content
                     FROM outbox o JOIN revisions v ON v.id = o.rev_id
                    WHERE o.refused IS NULL
                      AND (?1 OR NOT EXISTS (SELECT 1 FROM bundled b WHERE b.rev_id = o.rev_id))
                    ORDER BY o.seq";
        let mut stmt = conn.prepare_cached(sql).map_err(self.sql())?;
        let rows = stmt
            .query_map([again], crate::read::revision_row)
            .map_err(self.sql())?;
        rows.map(|r| r.map_err(self.sql())?).collect()
    }

    /// Whether a bundle already carries this photo.
    pub fn photo_bundled(&self, sha256: &str) -> Result<bool> {
        let conn = self.reader()?;
        conn.prepare_cached("SELECT 1 FROM bundled_photos WHERE sha256 = ?1")
            .and_then(|mut s| s.exists([sha256]))
            .map_err(self.sql())
    }

    /// The sequence number the next bundle gets (from 1).
    pub fn next_bundle_sequence(&self) -> Result<u64> {
        let conn = self.reader()?;
        let last: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [BUNDLE_SEQUENCE],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.sql())?;
        Ok(last.and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) + 1)
    }

    /// Records, in one transaction, that bundle `bundle_id` (number `sequence`) carries these
    /// revisions and photos. Called once its files are whole under their names.
    pub fn record_bundle(
        &self,
        bundle_id: Uuid,
        sequence: u64,
        revisions: &[Uuid],
        photos: &[String],
    ) -> Result<()> {
        let now = Utc::now().to_rfc3339();
        let id = bundle_id.to_string();
        let mut conn = self.writer();
        let tx = conn.transaction().map_err(self.sql())?;
        for rev in revisions {
            tx.prepare_cached(
                "INSERT INTO bundled (rev_id, bundle_id, bundled_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (rev_id) DO UPDATE SET bundle_id = excluded.bundle_id,
                     bundled_at = excluded.bundled_at",
            )
            .and_then(|mut s| s.execute(params![rev.to_string(), id, now]))
            .map_err(self.sql())?;
        }
        for sha in photos {
            tx.prepare_cached(
                "INSERT INTO bundled_photos (sha256, bundle_id, bundled_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (sha256) DO UPDATE SET bundle_id = excluded.bundle_id,
                     bundled_at = excluded.bundled_at",
            )
            .and_then(|mut s| s.execute(params![sha, id, now]))
            .map_err(self.sql())?;
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![BUNDLE_SEQUENCE, sequence.to_string()],
        )
        .map_err(self.sql())?;
        tx.commit().map_err(self.sql())
    }

    /// Photos a bundle carried leave the upload queue once their revisions are acknowledged:
    /// the server stored them from the bundle before it stored the revisions. How many left.
    pub fn photos_delivered_by_bundle(&self) -> Result<usize> {
        self.writer()
            .execute(
                "DELETE FROM photo_uploads WHERE sha256 IN (SELECT sha256 FROM bundled_photos)",
                [],
            )
            .map_err(self.sql())
    }
}

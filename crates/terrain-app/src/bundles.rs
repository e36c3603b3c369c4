//! USB bundles as the app and `terrain bundle` show them (issue 16, `docs/bundles.md`): write
//! what waits into a folder (a USB stick), read the server's reply. The work is
//! `terrain_sync`'s; this translates it for the shells.

use crate::{App, Result};
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
use ts_rs::TS;

/// What writing a bundle did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BundleWritten {
    /// The bundle's files (several when it is split below 4 GiB).
    pub files: Vec<String>,
    #[ts(type = "number")]
    pub revisions: usize,
    #[ts(type = "number")]
    pub photos: usize,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// What reading the server's reply did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BundleRead {
    /// Reports the server received (out of the outbox), and refused.
    #[ts(type = "number")]
    pub acked: usize,
    #[ts(type = "number")]
    pub refused: usize,
    /// Receipts kept, and those that did not check.
    #[ts(type = "number")]
    pub receipts: usize,
    #[ts(type = "number")]
    pub receipts_flagged: usize,
    /// Reports from other devices received, merged, left in conflict.
    #[ts(type = "number")]
    pub received: usize,
    #[ts(type = "number")]
    pub merged: usize,
    #[ts(type = "number")]
    pub conflicts: usize,
}

impl App {
    /// Writes what waits in the outbox and no bundle carries yet (everything waiting, with
    /// `again`) into a bundle in `dir`.
    pub async fn write_bundle(&self, dir: &Path, again: bool) -> Result<BundleWritten> {
        let store = Arc::clone(&self.store);
        let dir = dir.to_path_buf();
        let written = tokio::task::spawn_blocking(move || {
            terrain_sync::write_bundle(&store, &dir, again, terrain_bundle::PART_BYTES)
        })
        .await
        .expect("bundle task does not panic")?;
        Ok(BundleWritten {
            files: written
                .files
                .iter()
                .map(|f| f.display().to_string())
                .collect(),
            revisions: written.revisions,
            photos: written.photos,
            bytes: written.bytes,
        })
    }

    /// Reads the server's reply bundle `file` (any part of it): acknowledgements, receipts,
    /// and other devices' reports, applied as a sync would.
    pub async fn read_reply_bundle(&self, file: &Path) -> Result<BundleRead> {
        let store = Arc::clone(&self.store);
        let author = self.author()?;
        let file = file.to_path_buf();
        let read =
            tokio::task::spawn_blocking(move || terrain_sync::read_reply(&store, &file, &author))
                .await
                .expect("bundle task does not panic")?;
        self.note_queue()?;
        Ok(BundleRead {
            acked: read.acked,
            refused: read.refused,
            receipts: read.receipts,
            receipts_flagged: read.receipts_flagged,
            received: read.received,
            merged: read.merged,
            conflicts: read.conflicts,
        })
    }
}

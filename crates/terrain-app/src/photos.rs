//! A report's photos fetched from the server on demand (another device's report pulled
//! without its photos): the download, its resumption and its hash check are terrain-sync's.

use crate::{App, Result};
use serde::Serialize;
use ts_rs::TS;

/// What fetching a report's photos did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FetchedPhotos {
    /// Photos downloaded, checked and stored now.
    pub fetched: usize,
    /// Photos the device already held.
    pub had: usize,
    /// sha256 of photos not on the server yet (their upload is on its way): "photo on its way".
    pub missing: Vec<String>,
    /// Bytes downloaded.
    pub bytes: u64,
}

impl App {
    /// Downloads the photos of report `id` (or its first characters) this device lacks.
    pub async fn fetch_photos(&self, id: &str) -> Result<FetchedPhotos> {
        let report = self.store.resolve_id(id)?;
        let done = self.fetch_photos_of(report, &mut |_, _, _| {}).await?;
        Ok(FetchedPhotos {
            fetched: done.fetched.len(),
            had: done.had.len(),
            missing: done.missing,
            bytes: done.bytes,
        })
    }
}

impl App {
    /// Downloads the photos of report `id` this device lacks, telling `on` each photo's sha256,
    /// bytes so far and size as pieces arrive; says which photos, by sha256.
    pub async fn fetch_photos_of(
        &self,
        id: uuid::Uuid,
        on: &mut (dyn FnMut(&str, u64, u64) + Send),
    ) -> Result<terrain_sync::PhotosFetched> {
        let client = terrain_sync::client_for(&self.store)?;
        Ok(terrain_sync::fetch_photos(&self.store, &client, id, on).await?)
    }
}

impl App {
    /// How this device sends photos (kept in its store across restarts).
    pub fn photo_policy(&self) -> Result<terrain_store::PhotoPolicy> {
        Ok(self.store.photo_policy()?)
    }

    /// Chooses how this device sends photos, from the next sync pass on. Reduced copies are
    /// made for reports saved final from then on.
    pub fn set_photo_policy(&self, policy: terrain_store::PhotoPolicy) -> Result<()> {
        Ok(self.store.set_photo_policy(policy)?)
    }
}

//! A report's photos fetched from the server on demand (another device's report pulled
//! without its photos): the download, its resumption and its hash check are terrain-sync's.

use crate::{App, Result};
use serde::Serialize;
use ts_rs::TS;

/// The photos a report names that are not on this device (pulled from another device
/// without them): what "Download photos (2, 600 KB)" offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AbsentPhotos {
    /// sha256 of each.
    pub photos: Vec<String>,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// A photo coming down: its sha256, bytes so far, its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PhotoComing {
    pub sha256: String,
    #[ts(type = "number")]
    pub bytes: u64,
    #[ts(type = "number")]
    pub size: u64,
}

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

impl App {
    /// The photos of report `id` this device does not hold.
    pub fn absent_photos(&self, id: uuid::Uuid) -> Result<AbsentPhotos> {
        let listed = self.store.get(id)?;
        let absent: Vec<_> = listed
            .report
            .attachments
            .iter()
            .filter(|a| !self.store.has_attachment(&a.sha256))
            .collect();
        Ok(AbsentPhotos {
            bytes: absent.iter().map(|a| a.size).sum(),
            photos: absent.into_iter().map(|a| a.sha256.clone()).collect(),
        })
    }

    /// Downloads report `id`'s absent photos, telling `on` as pieces arrive; says what it did
    /// (`missing`: not on the server yet, "photo on its way").
    pub async fn fetch_photos_telling(
        &self,
        id: uuid::Uuid,
        on: &(dyn Fn(PhotoComing) + Send + Sync),
    ) -> Result<FetchedPhotos> {
        let mut tell = |sha256: &str, bytes: u64, size: u64| {
            on(PhotoComing {
                sha256: sha256.to_string(),
                bytes,
                size,
            })
        };
        let client = terrain_sync::client_for(&self.store)?;
        let done = terrain_sync::fetch_photos(&self.store, &client, id, &mut tell).await?;
        Ok(FetchedPhotos {
            fetched: done.fetched.len(),
            had: done.had.len(),
            missing: done.missing,
            bytes: done.bytes,
        })
    }
}

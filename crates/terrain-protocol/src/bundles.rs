//! The console's bundle upload (issue 16): `POST /v1/admin/bundles` takes one device bundle
//! (its parts, if it was split, sent one after the other in one body: a bundle's parts are cuts
//! of one stream) and answers what was imported, [`BundleImported`], naming the reply files
//! `GET /v1/admin/bundles/replies/{name}` gives. Administrators only.

use serde::{Deserialize, Serialize};

/// The upload's query: the name of the file sent (its first part's, for a split bundle), so
/// the answer and any refusal speak of the file the administrator chose.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BundleUpload {
    /// The file's name, e.g. `terrain-awa_s_tablet-20261129T050000Z-000003.tbundle`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// What importing one bundle did: the server's `Imported`, as the console shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BundleImported {
    /// The file's name, as sent.
    pub file: String,
    /// Whose device wrote it.
    pub user: String,
    pub device: String,
    /// The device's revisions: stored now, already held, stored as a conflict, refused.
    pub stored: u64,
    pub already: u64,
    pub conflicts: u64,
    pub refused: u64,
    /// Photos stored now (those already held are not counted).
    pub photos: u64,
    /// The device's link operations: stored now, already held, refused.
    pub links: u64,
    pub links_already: u64,
    pub links_refused: u64,
    /// The device's site revisions: stored now, already held, stored as a conflict, refused.
    pub sites: u64,
    pub sites_already: u64,
    pub sites_conflicts: u64,
    pub sites_refused: u64,
    /// What the reply carries to the device: reports, review decisions, link operations and
    /// site revisions it does not have yet (besides the receipts of what it sent).
    pub pulled: u64,
    pub decisions_sent: u64,
    pub links_sent: u64,
    pub sites_sent: u64,
    /// The reply's files, in order (more than one when it was split), to carry back to the
    /// device and read in the app's Sync screen (or `terrain bundle read`).
    pub replies: Vec<ReplyFile>,
}

/// One file of a reply bundle the server wrote, kept for download a while.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReplyFile {
    /// Its name: `GET /v1/admin/bundles/replies/{name}` gives it.
    pub name: String,
    pub bytes: u64,
}

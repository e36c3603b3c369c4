//! Shared sites over the wire (issue 15, docs/sync-protocol.md): a device sends its site
//! revisions in `POST /v1/sites/revisions` ([`SiteRevisions`], answered by [`SiteResults`]),
//! pulls the revisions of its regions' sites after their own cursor
//! ([`crate::PullParams::sites_since`], [`crate::PullPage::sites`]), and fetches every revision
//! of one site a pulled report names but it does not hold with `GET /v1/sites/{id}`
//! ([`SiteHistory`]). Revisions are the domain's [`SiteRevision`]: content-addressed, kept once,
//! two heads of one site being a conflict merged like a report's.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use terrain_domain::SiteRevision;

/// POST /v1/sites/revisions: at most [`crate::limits::SITE_REVISIONS`] revisions, parents
/// before children.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteRevisions {
    #[cfg_attr(feature = "schema", schemars(length(max = 500)))]
    pub revisions: Vec<SiteRevision>,
}

/// What became of one site revision.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteStatus {
    /// Stored now (and audited).
    Stored,
    /// Stored before (the same id): kept once.
    AlreadyHave,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteResult {
    pub id: Uuid,
    pub status: SiteStatus,
}

/// The answer to POST /v1/sites/revisions: one result per revision, in order.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteResults {
    pub results: Vec<SiteResult>,
}

/// GET /v1/sites/{id}: every revision of the site, parents before children, and of the sites
/// it was merged into (so `merged_into` never dangles).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteHistory {
    pub site: Uuid,
    pub revisions: Vec<SiteRevision>,
}

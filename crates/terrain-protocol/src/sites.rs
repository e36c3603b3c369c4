//! Shared sites over the wire (issue 15, docs/sync-protocol.md): a device sends its site
//! revisions in `POST /v1/sites/revisions` ([`SiteRevisions`], answered by [`SiteResults`]),
//! pulls the revisions of its regions' sites after their own cursor
//! ([`crate::PullParams::sites_since`], [`crate::PullPage::sites`]), and fetches every revision
//! of one site a pulled report names but it does not hold with `GET /v1/sites/{id}`
//! ([`SiteHistory`]). Revisions are the domain's [`SiteRevision`]: content-addressed, kept once,
//! two heads of one site being a conflict merged like a report's. The console's site page
//! reads every incident at a site over time with `GET /v1/sites/{id}/incidents`
//! ([`SiteIncidents`]).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use terrain_domain::incident::IncidentFigures;
pub use terrain_domain::{EventType, Site, SiteRevision};

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

/// GET /v1/sites/{id}/incidents: a site as it is now and every incident at it over time, of
/// the reports the reader may see ("3 incident(s) since March 2026").
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteIncidents {
    /// The site asked for, as it is now (its newest head).
    pub site: Site,
    /// The site it was merged into, at the end of its merges, when the reader may read it:
    /// the incidents are then that site's.
    pub merged_into: Option<Site>,
    /// The sites whose reports count: the one the incidents are of and those merged into it.
    pub sites: Vec<Uuid>,
    /// The day the first incident began; None when none is known yet.
    pub since: Option<chrono::NaiveDate>,
    /// Oldest first; linked reports make one incident.
    pub incidents: Vec<SiteIncident>,
}

/// One incident at a site: its reports (linked ones counted once) summed up.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteIncident {
    /// The incident id (ACLED's event id: the smallest id of its linked reports).
    pub id: Uuid,
    /// Its first report's event type and title.
    pub event_type: Option<EventType>,
    pub title: String,
    /// Its reports the reader may see, figures over every claim, sources, earliest and latest
    /// moments, sites.
    pub figures: IncidentFigures,
}

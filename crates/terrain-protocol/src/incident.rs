//! Incidents over the wire (issue 15): `GET /v1/reports/{id}/similar` answers a report's
//! suggestions ([`Similar`]), `POST /v1/incidents/links` takes link operations ([`LinkOps`])
//! and answers each one's fate ([`LinkResults`]), `GET /v1/incidents/{id}` answers the
//! incident a report is in ([`IncidentView`]); `POST /v1/incidents/decisions` takes one
//! decision on a pair ([`PairDecision`]) that the server makes into an operation (the
//! console's way: a browser has no stamp to order its operations by); the pull feed carries
//! link operations ([`crate::PullPage::links`]) after their own cursor
//! ([`crate::PullParams::links_since`]).
//! The operations, reasons and figures are the domain's types, shared with the device store.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use terrain_domain::incident::{IncidentFigures, Likeness, LinkAction, LinkOp, Reason};

/// One report a report may be the same incident as.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub report: Uuid,
    /// Its title (current head's).
    pub title: String,
    /// Why: the reasons (each with its catalogue key) and a score to rank by.
    pub likeness: Likeness,
    /// The reasons in English: "same region; dates overlap within their precision; …".
    pub reasons: String,
}

/// GET /v1/reports/{id}/similar: likeliest first, at most [`crate::limits::SUGGESTIONS`];
/// never a report already in its incident, one whose suggestion was dismissed, or one of a
/// region the reader does not work in.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Similar {
    pub report: Uuid,
    pub suggestions: Vec<Suggestion>,
}

/// POST /v1/incidents/links: at most [`crate::limits::LINK_OPS`] operations, as devices make
/// them (`terrain_domain::incident::LinkSet::make`).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkOps {
    #[cfg_attr(feature = "schema", schemars(length(max = 100)))]
    pub ops: Vec<LinkOp>,
}

/// What became of one operation.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    /// Stored now (and audited).
    Stored,
    /// Stored before (the same id): kept once.
    AlreadyHave,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkResult {
    pub id: Uuid,
    pub status: LinkStatus,
}

/// The answer to POST /v1/incidents/links: one result per operation, in order.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkResults {
    pub results: Vec<LinkResult>,
}

/// GET /v1/incidents/{id}: the incident the report is in (alone: itself).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentView {
    /// The smallest report id among its reports (as ACLED's event id names one event).
    pub id: Uuid,
    /// Its reports, sorted.
    pub reports: Vec<Uuid>,
    /// What its reports say together: every figure's claims by source, the conservative value.
    pub figures: Option<IncidentFigures>,
}

/// POST /v1/incidents/decisions: link, unlink or dismiss one pair as the signed-in user; the
/// server makes the operation (stamped after every operation it holds on the pair, so it wins)
/// and keeps it as `POST /v1/incidents/links` would, answering it.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairDecision {
    /// The two reports, in any order.
    pub reports: [Uuid; 2],
    pub action: LinkAction,
}

//! One incident, many reports: the pure core of issue 15.
//!
//! - [`similar`]: whether two reports may describe one incident, with the reasons, and
//!   [`index::DuplicateIndex`], which finds such reports among a million in milliseconds.
//! - [`links`]: which reports people linked into one incident, or said are not one, as a set
//!   of operations that devices exchange and that converges whatever the order.
//! - [`figures`]: what an incident's reports say together: every claim by source, the
//!   conservative value, the time span and the sites.
//!
//! No I/O and no clock, like the rest of the crate: callers pass reports, sites and `now`.
//! The rules and measured figures are in `docs/incidents.md`.

pub mod figures;
pub mod index;
pub mod links;
pub mod similar;
pub mod words;

pub use figures::{IncidentFigure, IncidentFigures, SourcedClaim};
pub use index::{Candidate, DuplicateIndex};
pub use links::{Incident, LinkAction, LinkError, LinkOp, LinkSet};
pub use similar::{Fingerprint, Likeness, Reason, SiteBook, compare, haversine_km, similar};

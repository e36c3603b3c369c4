//! The incident record of Terrain: what a report is, how it is checked, and how its revisions
//! are hashed.
//!
//! This crate does no I/O: no files, no database, no network, no clock (callers pass `today`
//! and `now`). The store, the sync client, the server, the exporters and the CLI all build on
//! it, so a rule written here holds everywhere.
//!
//! ```
//! use terrain_domain::{check, parse_json};
//! let text = r#"{"title":"Plant burned","when":{"date":"2026-11-20"},"where":{"admin1":"kayes"}}"#;
//! let report = check(parse_json(text).unwrap(), chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()).unwrap();
//! assert_eq!(report.location.admin1, "Kayes");
//! ```

pub mod claims;
pub mod coords;
pub mod dates;
pub mod gazetteer;
pub mod incident;
mod json;
pub mod merge;
pub mod messages;
pub mod reduced;
pub mod report;
pub mod review;
pub mod revision;
pub mod search;
pub mod site;
pub mod taxonomy;
pub mod text;
pub mod validate;

pub use claims::{Amount, Claim, ClaimsSummary, FigureKind, VagueAmount};
pub use merge::{Dispute, Merge, disputes, settle, three_way};
pub use messages::{Lang, Message};
pub use report::{
    Actor, Attachment, Attribution, Coordinates, DatePrecision, GeoPrecision, Location,
    Reliability, Report, SCHEMA_VERSION, SiteRef, Source, SourceKind, Status, What, When, new_id,
};
pub use review::{ReviewDecision, ReviewState};
pub use revision::{Revision, canonical_json, canonical_report_json, content_hash, sha256_hex};
pub use site::{Site, SiteKind, SiteMerge, SiteRevision, merge_sites, settle_sites, site_hash};
pub use taxonomy::{EventType, LocalCategory, SubEventType};
pub use validate::{
    Problem, Problems, REQUIRED, ValidReport, check, check_transition, limits, parse_json, sizes,
};

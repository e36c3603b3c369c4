//! Incidents on the server (issue 15): what the engines keep of each report for the duplicate
//! check, and of the link operations people make. The rules are `terrain_domain::incident`'s;
//! this module only decides the columns an engine files and the rows it reads back, so both
//! engines answer the same.
//!
//! A report's **fingerprint row** is written in the push transaction from its current head (the
//! last received when a conflict left several), so it is never older than what was pushed.
//! It carries the blocking key of `terrain_domain::incident::index` as columns (region, weeks,
//! cercle, grid cell; the sites it names in rows of their own, schema step 13) and the
//! fingerprint itself: a check reads only the rows the in-memory index would have compared
//! ([`CandidateQuery`]), at most [`CANDIDATES_READ`] of its weeks and as many of each of its
//! sites as the device reads, then runs the domain's `compare` on them.
//! Nothing is held in a server process, so several processes sharing one database never
//! answer from a stale copy.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use terrain_domain::Revision;
use terrain_domain::incident::index::CELL_DEGREES;
use terrain_domain::incident::similar::DATE_SLACK_DAYS;
use terrain_domain::incident::{Fingerprint, LinkOp};
use terrain_domain::site::Site;
use uuid::Uuid;

/// The week a day falls in, as the domain's index files it.
pub fn week(day: i32) -> i32 {
    day.div_euclid(7)
}

/// The grid cell of a point, as the domain's index files it.
pub fn cell(latitude: f64, longitude: f64) -> (i32, i32) {
    (
        (latitude / CELL_DEGREES).floor() as i32,
        (longitude / CELL_DEGREES).floor() as i32,
    )
}

/// A fingerprint as an engine files it: the blocking key as columns, the fingerprint as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct FingerprintRow {
    pub report: Uuid,
    pub region: i64,
    pub first_week: i32,
    pub last_week: i32,
    pub cercle: Option<i64>,
    /// The grid cell (row, column) of its point; None without a point.
    pub cell: Option<(i32, i32)>,
    /// The sites it names (a row each, schema step 13).
    pub sites: Vec<Uuid>,
    pub json: String,
}

impl FingerprintRow {
    pub fn of(f: &Fingerprint) -> FingerprintRow {
        FingerprintRow {
            report: f.report,
            region: i64::from(f.region),
            first_week: week(f.first_day),
            last_week: week(f.last_day),
            cercle: f.cercle.map(i64::from),
            cell: f.point.map(|p| cell(p.latitude, p.longitude)),
            sites: f.sites.clone(),
            json: serde_json::to_string(f).expect("a fingerprint serialises"),
        }
    }

    /// The fingerprint back from its stored JSON.
    pub fn parse(json: &str) -> crate::Result<Fingerprint> {
        serde_json::from_str(json).map_err(|e| crate::StoreError::Backend(e.to_string()))
    }
}

/// The fingerprint a report's heads give: its last received head's, read without a site book
/// (a report's point is its own; its sites are named by id).
pub fn fingerprint_of_heads(heads: &[(i64, Revision)]) -> Option<Fingerprint> {
    let (_, head) = heads.iter().max_by_key(|(seq, _)| *seq)?;
    let sites: BTreeMap<Uuid, Site> = BTreeMap::new();
    Some(Fingerprint::of(&head.content, &sites))
}

/// How many rows one check reads at most from its weeks, and from each of its sites: the
/// device's bound (terrain-store's `CANDIDATES_READ`). Only a flood of reports about one place
/// and fortnight (a bulk import of one template) reaches it; without it every check in such a
/// flood compared with all before it, so checking the flood grew as its square.
pub const CANDIDATES_READ: usize = 250;

/// The rows worth comparing with a fingerprint: those the domain's `DuplicateIndex` would
/// compare (same region, weeks within the date slack; with a point, rows without a point of
/// its cercle or none and rows in the nine cells around it; without, rows of its cercle or
/// none; and rows naming one of its sites), bounded as the device bounds them: at most
/// [`CANDIDATES_READ`] by weeks, the weeks nearest its first day first, and as many naming
/// each of its sites (same region, overlapping weeks). Below the bound, the same answer as
/// the index. An engine turns it into indexed queries.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateQuery {
    pub report: Uuid,
    pub region: i64,
    /// Weeks `lo..=hi`: a row matches when its weeks overlap them.
    pub week_lo: i32,
    pub week_hi: i32,
    /// The week of its first day: rows nearest it are read first.
    pub week: i32,
    /// Rows naming one of these sites match as well (at most [`CANDIDATES_READ`] each).
    pub sites: Vec<Uuid>,
    /// Only rows of this cercle or none (None: any cercle).
    pub cercle: Option<i64>,
    /// With a point: rows' cells within one of this one (rows without a point still match).
    pub cell: Option<(i32, i32)>,
}

impl CandidateQuery {
    pub fn of(f: &Fingerprint) -> CandidateQuery {
        CandidateQuery {
            report: f.report,
            region: i64::from(f.region),
            week_lo: week(f.first_day - DATE_SLACK_DAYS),
            week_hi: week(f.last_day + DATE_SLACK_DAYS),
            week: week(f.first_day),
            sites: f.sites.clone(),
            cercle: f.cercle.map(i64::from),
            cell: f.point.map(|p| cell(p.latitude, p.longitude)),
        }
    }
}

/// A link operation as stored: its feed position and the regions of its two reports when it
/// was stored (what the pull feed filters by).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredLinkOp {
    pub seq: i64,
    pub op: LinkOp,
}

/// A page of the link feed.
pub type LinkPage = crate::FeedPage<StoredLinkOp>;

/// A link operation to store, with the regions of its reports' heads and its audit event.
#[derive(Debug, Clone)]
pub struct IncomingLink {
    pub op: LinkOp,
    pub regions: Vec<String>,
    pub event: crate::AuditEvent,
}

/// When an operation was stored, for engines that keep times as text.
pub fn op_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_and_cells_are_the_domain_index_s() {
        assert_eq!(week(0), 0);
        assert_eq!(week(-1), -1);
        assert_eq!(week(13), 1);
        assert_eq!(cell(13.8, -10.8), (55, -44));
    }
}

//! What the console reads about reports (issue 14): the inbox (`GET /v1/reports`), counts
//! (`GET /v1/reports/counts`) and one report (`GET /v1/reports/{id}`).
//!
//! One query, [`ReportFilter`], selects reports for the inbox, the counts and the exports
//! (`GET /v1/exports/...`). Every field is optional; they combine with AND. A reader sees only
//! the reports of their regions (all for an administrator); asking for another region's report
//! is refused (`403 region_forbidden`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use terrain_domain::{DatePrecision, EventType, LocalCategory, ReviewDecision};
use uuid::Uuid;

use crate::Pulled;
#[cfg(feature = "schema")]
use crate::schema;

/// Reports in one inbox page when the query does not say.
pub const INBOX_PAGE: usize = 50;
/// The most reports in one inbox page.
pub const INBOX_PAGE_MAX: usize = 500;
/// The longest search text, in characters.
pub const SEARCH_CHARS: usize = 200;
/// The most words of a search that count (the rest are ignored).
pub const SEARCH_WORDS: usize = 8;

/// Which reports: the inbox's filter, shared by counts and exports. Query parameters, each
/// optional; unknown parameters are ignored (exports add their own).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFilter {
    /// Words to find in the title, narrative, place, sources' names and actors; accents and
    /// case do not matter, Arabic vowel marks neither; each word matches as a word's start;
    /// a report matches when it has every word. Query syntax is not read: `"`, `*`, `OR` are
    /// plain text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(schema_with = "schema::optional_line"))]
    pub q: Option<String>,
    /// Only this region (admin1), as the gazetteer spells it or any case and accents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(schema_with = "schema::optional_line"))]
    pub region: Option<String>,
    /// Only this cercle (admin2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(schema_with = "schema::optional_line"))]
    pub cercle: Option<String>,
    /// Only this ACLED event type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<EventType>,
    /// Only reports with this local category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<LocalCategory>,
    /// Only incidents on or after this day (YYYY-MM-DD; an incident that lasts counts while it
    /// lasts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// Only incidents on or before this day (YYYY-MM-DD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// Only reports whose latest review decision is this, or `none`: not reviewed yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewFilter>,
    /// Only reports written by this user (a head revision's author).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(schema_with = "schema::optional_line"))]
    pub reporter: Option<String>,
    /// `true`: only reports where sources disagree on a figure; `false`: only where none do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disputed: Option<bool>,
    /// Inbox only: the page after this cursor (the previous page's `next`, digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(regex(pattern = r"^[1-9][0-9]{0,17}$")))]
    pub before: Option<String>,
    /// Inbox only: at most this many reports ([`INBOX_PAGE`] if absent, at most
    /// [`INBOX_PAGE_MAX`], at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(max = usize::MAX)))]
    pub limit: Option<usize>,
}

/// A review state to filter on, or `none` (never reviewed).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewFilter {
    Verified,
    NeedsFollowUp,
    Rejected,
    /// No decision yet.
    None,
}

impl ReviewFilter {
    /// The review state it asks for; None for `none`.
    pub fn state(self) -> Option<terrain_domain::ReviewState> {
        use terrain_domain::ReviewState as S;
        match self {
            ReviewFilter::Verified => Some(S::Verified),
            ReviewFilter::NeedsFollowUp => Some(S::NeedsFollowUp),
            ReviewFilter::Rejected => Some(S::Rejected),
            ReviewFilter::None => None,
        }
    }
}

/// One report in the inbox: its current head (the last received, when a conflict left two).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRow {
    pub id: Uuid,
    pub title: String,
    /// Region (admin1).
    pub region: String,
    /// Cercle (admin2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cercle: Option<String>,
    /// The place as people name it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<EventType>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<LocalCategory>,
    /// The incident's (first) day.
    pub event_date: NaiveDate,
    /// Its last day, for incidents that last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_end: Option<NaiveDate>,
    pub date_precision: DatePrecision,
    /// When the server received the report's first revision.
    pub first_received: DateTime<Utc>,
    /// When it received the latest (the inbox's order).
    pub last_received: DateTime<Utc>,
    /// Who wrote the current head (its `author`).
    pub author: String,
    /// Who pushed the current head (the signed-in user), when the server recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushed_by: Option<String>,
    /// Sources disagree on at least one figure.
    pub disputed: bool,
    /// The report has more than one head (two versions wait for a person to settle them).
    pub conflict: bool,
    /// Attachments of the current head.
    pub photos: u32,
    /// The latest review decision, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewDecision>,
}

/// GET /v1/reports: newest first by last arrival.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportPage {
    pub reports: Vec<ReportRow>,
    /// The next page's `before`; absent on the last page. Reports arriving meanwhile go to
    /// the top, never into later pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// What counts are grouped by.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountBy {
    /// Region and ISO week of the incident's day.
    RegionWeek,
    /// ACLED event type.
    EventType,
}

/// GET /v1/reports/counts's own parameter (besides the [`ReportFilter`]).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountsParams {
    /// `region_week`: by region and ISO week of the incident's day; `event_type`: by ACLED
    /// event type.
    pub by: CountBy,
}

/// One group's count.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountRow {
    /// The region, or the event type's label (`""`: none given).
    pub key: String,
    /// `region_week`: the incident's ISO week, `2026-W48`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub week: Option<String>,
    pub count: u64,
}

/// GET /v1/reports/counts: rows by key then week (ascending).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub by: CountBy,
    pub rows: Vec<CountRow>,
    /// All reports the filter selects.
    pub total: u64,
}

/// One stored revision of a report, as its history shows it.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub rev_id: Uuid,
    pub parents: Vec<Uuid>,
    /// Who wrote it, and on which device (as the revision says).
    pub author: String,
    pub device: String,
    pub created_at: DateTime<Utc>,
    /// When the server stored it, and at which feed position.
    pub received_at: DateTime<Utc>,
    pub seq: i64,
    /// Who pushed it (the signed-in user and their device's name); absent for revisions
    /// stored before the server recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushed_device: Option<String>,
    /// The sha256 it was stored with.
    pub content_hash: String,
    /// The stored content still has that hash (recomputed for this answer).
    pub verified: bool,
    /// Nothing follows it: a current head.
    pub head: bool,
}

/// GET /v1/reports/{id}: the report whole.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportDetail {
    pub id: Uuid,
    pub region: String,
    /// The current heads, last received first, with sources' contacts only where the reader
    /// may see them (`rehashed` as in the pull feed) and their pending photos.
    pub heads: Vec<Pulled>,
    /// Every revision, oldest first.
    pub history: Vec<HistoryEntry>,
    /// More than one head.
    pub conflict: bool,
    /// The sha256 of attachments the heads name whose bytes the server does not hold yet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "schema", schemars(inner(regex(pattern = schema::SHA256))))]
    pub pending: Vec<String>,
    /// Review decisions, oldest first; the last is the current one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviews: Vec<ReviewDecision>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_reads_from_a_query_string() {
        let f: ReportFilter = serde_json::from_value(serde_json::json!({
            "q": "bafoulabé", "event_type": "Battles", "category": "fuel_blockade",
            "from": "2026-11-01", "review": "none", "disputed": true
        }))
        .unwrap();
        assert_eq!(f.event_type, Some(EventType::Battles));
        assert_eq!(f.category, Some(LocalCategory::FuelBlockade));
        assert_eq!(f.review, Some(ReviewFilter::None));
        assert_eq!(f.review.unwrap().state(), None);
        assert_eq!(f.from, NaiveDate::from_ymd_opt(2026, 11, 1));
    }
}

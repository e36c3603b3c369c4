//! The incident report and the parts it is made of.
//!
//! The JSON form is the serde form of these types; `schema_version` says which form a file is in.

use crate::claims::{Claim, ClaimsSummary, FigureKind};
use crate::taxonomy::{EventType, LocalCategory, SubEventType};
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The version of the report's JSON form this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

fn current_schema() -> u32 {
    SCHEMA_VERSION
}

/// An absent id is a new one each time: no single default to state in a schema.
#[cfg(feature = "schema")]
pub(crate) fn no_default(schema: &mut schemars::Schema) {
    schema.remove("default");
}

/// A new report id: a UUIDv7, so ids made offline on different devices never collide and sort
/// by creation time.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// One incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Report {
    #[serde(default = "current_schema")]
    pub schema_version: u32,
    #[serde(default = "new_id")]
    #[cfg_attr(feature = "schema", schemars(transform = no_default))]
    pub id: Uuid,
    pub title: String,
    #[serde(default)]
    pub status: Status,
    pub when: When,
    #[serde(rename = "where")]
    pub location: Location,
    #[serde(default)]
    pub what: What,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub perpetrators: Vec<Actor>,
    /// Who or what was targeted, in words ("plant workers", "fuel tanker drivers").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// Sites from the registry that the incident touched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<SiteRef>,
    /// Every figure is a list of claims, each tied to a source.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub figures: BTreeMap<FigureKind, Vec<Claim>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    #[serde(default)]
    pub narrative: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub damage: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Still being written; stays on the device.
    #[default]
    Draft,
    /// Complete; queued for sync.
    Final,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Final => "final",
        }
    }
}

/// When it happened, as precisely as it is known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct When {
    /// Local date of the incident (or the first day of the week or month it is known by).
    pub date: NaiveDate,
    /// Local time, when known; required with precision "exact".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<NaiveTime>,
    /// Last day, for incidents that last (a blockade).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<NaiveDate>,
    #[serde(default)]
    pub precision: DatePrecision,
    /// The device's offset from UTC when the time was recorded (Africa/Bamako: 0).
    #[serde(default)]
    pub utc_offset_minutes: i16,
}

impl When {
    /// The date as one line: "2026-11-18 14:05 to 2026-11-20".
    pub fn line(&self) -> String {
        let mut line = self.date.to_string();
        if let Some(t) = self.time {
            line.push_str(&t.format(" %H:%M").to_string());
        }
        if let Some(end) = self.end_date {
            line.push_str(&format!(" to {end}"));
        }
        line
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DatePrecision {
    /// Date and time known.
    Exact,
    /// The day is known.
    #[default]
    Day,
    /// Known to within a week.
    Week,
    /// Known to within a month.
    Month,
}

impl DatePrecision {
    /// ACLED's `time_precision`: 1 day, 2 week, 3 month.
    pub fn acled_code(self) -> u8 {
        match self {
            DatePrecision::Exact | DatePrecision::Day => 1,
            DatePrecision::Week => 2,
            DatePrecision::Month => 3,
        }
    }
}

/// Where it happened. Admin names are spelled as the gazetteer spells them once validated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// Region, e.g. "Kayes". Required for a final report.
    #[serde(default)]
    pub admin1: String,
    /// Cercle, e.g. "Bafoulabé".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin2: Option<String>,
    /// Commune.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin3: Option<String>,
    /// The place as people name it: a village, a road, "near Bafoulabé".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Coordinates>,
    #[serde(default)]
    pub geo_precision: GeoPrecision,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Coordinates {
    pub latitude: f64,
    pub longitude: f64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum GeoPrecision {
    /// The named place itself.
    #[default]
    Place,
    /// Near the place, or part of a region.
    Near,
    /// Only the region is known.
    Region,
}

impl GeoPrecision {
    /// ACLED's `geo_precision`: 1, 2 or 3.
    pub fn acled_code(self) -> u8 {
        match self {
            GeoPrecision::Place => 1,
            GeoPrecision::Near => 2,
            GeoPrecision::Region => 3,
        }
    }
}

/// What kind of incident, in ACLED's taxonomy and ours.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct What {
    /// Required for a final report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<EventType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_event_type: Option<SubEventType>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<LocalCategory>,
}

/// An armed group or person held responsible, and how sure that is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Actor {
    pub name: String,
    pub attribution: Attribution,
    /// ACLED's actor type: 1 state forces, 2 rebels, 3 political militias, 4 identity militias,
    /// 5 rioters, 6 protesters, 7 civilians, 8 external/other forces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inter: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Attribution {
    /// The group said it did it.
    Claimed,
    /// Sources believe it; no claim, no proof.
    Suspected,
    /// Established.
    Confirmed,
}

/// A link to a site in the registry (a plant, a mine...), so repeat attacks show up together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SiteRef {
    pub site_id: Uuid,
    /// What happened to this site ("kilns and warehouse burned").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub damage: Option<String>,
}

/// Where information came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Short key claims refer to, unique in the report ("s1", "wamaps").
    pub key: String,
    /// Who: a name or a description ("an elected official of the Kayes region").
    pub name: String,
    pub kind: SourceKind,
    #[serde(default)]
    pub reliability: Reliability,
    /// Sensitive: how to reach the source. Never leaves the device unless asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Official,
    Security,
    Journalist,
    Witness,
    Media,
    Ngo,
    Other,
}

/// How far the source has proved reliable (the Admiralty scale's A–F, in words).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Reliability {
    Reliable,
    UsuallyReliable,
    FairlyReliable,
    NotUsuallyReliable,
    Unreliable,
    #[default]
    Unknown,
}

/// A photo or document kept with the report, named by its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// Lower-case hex sha256 of the file's bytes.
    pub sha256: String,
    pub media_type: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
    pub file_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Set on a reduced copy of a photo (a smaller JPEG sent first on a slow link): the
    /// sha256 of the original, an attachment of the same report. Absent on everything else,
    /// so records without copies hash as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduced_of: Option<String>,
}

impl Attachment {
    /// The media type by a file's extension: photos and the documents field staff carry.
    pub fn media_type_of(file_name: &str) -> &'static str {
        let ext = file_name
            .rsplit('.')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "jpg" | "jpeg" => "image/jpeg",
            "png" => "image/png",
            "webp" => "image/webp",
            "pdf" => "application/pdf",
            "txt" => "text/plain",
            "mp3" => "audio/mpeg",
            "m4a" => "audio/mp4",
            "mp4" => "video/mp4",
            _ => "application/octet-stream",
        }
    }
}

impl Report {
    /// The summary of one figure's claims, if any source gave it.
    pub fn figure(&self, kind: FigureKind) -> Option<ClaimsSummary> {
        self.figures.get(&kind).and_then(|c| ClaimsSummary::of(c))
    }

    /// The place as one line: "near Bafoulabé, Bafoulabé, Kayes".
    pub fn place_line(&self) -> String {
        let l = &self.location;
        [
            l.place.as_deref(),
            l.admin3.as_deref(),
            l.admin2.as_deref(),
            Some(l.admin1.as_str()),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .fold(Vec::<&str>::new(), |mut seen, s| {
            if !seen.contains(&s) {
                seen.push(s);
            }
            seen
        })
        .join(", ")
    }
}

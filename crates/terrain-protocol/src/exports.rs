//! The console's exports, streamed by the server from the same writers the device uses
//! (`terrain-export`): `GET /v1/exports/reports.csv`, `.geojson` and `.pdf` (a summary) take
//! the inbox's filter (`ReportFilter`) and, besides it, these [`ExportOptions`] in the same
//! query; `GET /v1/reports/{id}/pdf` takes only the language. Answers are files
//! (`Content-Disposition: attachment`), never JSON, unless refused.

use serde::{Deserialize, Serialize};

/// Answer header of an export: how many reports it holds, sent before the first byte, so a
/// progress bar knows where it ends. Absent when the server cannot tell up front.
pub const TOTAL_HEADER: &str = "X-Terrain-Total";

/// The most reports a PDF summary holds: it is laid out whole before its first byte (its
/// totals come first), so a bigger selection is refused (`invalid_query`), naming this limit
/// and the CSV export, which has none.
pub const SUMMARY_PDF_REPORTS: u64 = 5_000;

/// The language of a PDF's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum ExportLang {
    En,
    Fr,
}

/// What an export takes besides the filter: all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExportOptions {
    /// CSV: the HXL hashtag row under the header (true unless `false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hxl: Option<bool>,
    /// CSV: start with a UTF-8 byte-order mark, which some spreadsheet programs need to read
    /// accents (false unless `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bom: Option<bool>,
    /// PDF: the language of its words; else the request's `Accept-Language`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<ExportLang>,
    /// CSV, GeoJSON, PDF summary: one row (feature, entry) per incident instead of per report:
    /// reports linked as one incident counted once, with the conservative figure and every
    /// source (false unless `true`). Every export names each report's `incident_id` either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_incident: Option<bool>,
}

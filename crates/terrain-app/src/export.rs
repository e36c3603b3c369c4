//! Exports to a file the user chose: the same writers as `terrain export`, the same filter as
//! the list.

use crate::{App, AppError, ErrorCode, ListQuery, Result};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use ts_rs::TS;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Geojson,
    /// One report when `report` is given, else a summary of the selection.
    Pdf,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct ExportRequest {
    pub format: ExportFormat,
    #[ts(type = "string")]
    pub path: PathBuf,
    /// Which reports: the list's filter.
    pub query: ListQuery,
    /// PDF of this one report.
    #[serde(default)]
    pub report: Option<Uuid>,
    /// CSV: add the HXL hashtag row.
    #[serde(default)]
    pub hxl: bool,
    /// CSV: start with a byte-order mark, for Excel.
    #[serde(default)]
    pub bom: bool,
    /// One row (CSV), point (GeoJSON) or entry (PDF summary) per incident rather than per
    /// report: reports people linked as one incident are summed up once.
    #[serde(default)]
    pub per_incident: bool,
    /// PDF: the language of its words (the app's language unless the user chose another).
    #[serde(default)]
    #[ts(type = "\"en\" | \"fr\"")]
    pub lang: terrain_domain::Lang,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ExportResult {
    #[ts(type = "string")]
    pub path: PathBuf,
    /// Rows (CSV) or points (GeoJSON) written: reports, or incidents with `per_incident`; for a
    /// PDF, the reports it sums up.
    #[ts(type = "number")]
    pub reports: u64,
    /// Pages of a PDF; none for CSV and GeoJSON.
    #[ts(type = "number | null")]
    pub pages: Option<usize>,
    /// GeoJSON: reports selected but left out, having no coordinates.
    #[ts(type = "number")]
    pub without_coordinates: u64,
}

impl App {
    pub fn export(&self, req: &ExportRequest) -> Result<ExportResult> {
        if req.path.as_os_str().is_empty() || req.path.is_dir() {
            return Err(AppError::new(
                ErrorCode::Invalid,
                "path: choose a file to write, not a folder",
            ));
        }
        let (store, out) = (self.store.as_ref(), &req.path);
        let filter = req.query.filter()?;
        let mut done = ExportResult {
            path: out.clone(),
            reports: 0,
            pages: None,
            without_coordinates: 0,
        };
        match (req.format, req.report) {
            (ExportFormat::Csv, _) => {
                let options = terrain_export::csv::CsvOptions {
                    bom: req.bom,
                    hxl: req.hxl,
                    per_incident: req.per_incident,
                };
                done.reports = terrain_export::csv_file(store, &filter, options, out)?;
            }
            (ExportFormat::Geojson, _) => {
                let options = terrain_export::geojson::GeoJsonOptions {
                    per_incident: req.per_incident,
                };
                let written = terrain_export::geojson_file(store, &filter, options, out)?;
                done.reports = written.features;
                done.without_coordinates = written.without_coordinates;
            }
            (ExportFormat::Pdf, Some(id)) => {
                let written = terrain_export::report_pdf_file(store, id, req.lang, out)?;
                (done.reports, done.pages) = (written.reports, Some(written.pages));
            }
            (ExportFormat::Pdf, None) => {
                let site = match filter.site {
                    Some(id) => store.site(id)?.map(|s| s.name),
                    None => None,
                };
                let selection = filter.describe(site.as_deref(), req.lang);
                let written = terrain_export::summary_pdf_file(
                    store,
                    &filter,
                    &selection,
                    req.lang,
                    req.per_incident,
                    out,
                )?;
                (done.reports, done.pages) = (written.reports, Some(written.pages));
            }
        }
        Ok(done)
    }
}

impl App {
    /// The name the save dialog suggests for one report's PDF: its date and title, so two
    /// reports of the same day do not suggest the same file.
    pub fn report_file_name(&self, id: Uuid) -> Result<String> {
        let report = self.store.get(id)?.report;
        Ok(file_name(report.when.date, &report.title, "pdf"))
    }
}

/// `2026-11-19-attaque-convoi-kayes.pdf`: the title folded (no accents, lower case), words
/// joined by hyphens, cut at a word to keep the name short; "report" when there is no title.
pub fn file_name(date: chrono::NaiveDate, title: &str, extension: &str) -> String {
    const MAX_CHARS: usize = 60;
    let mut stem = String::new();
    for word in terrain_domain::gazetteer::fold(title).split(' ') {
        if word.is_empty() || stem.chars().count() + word.chars().count() + 1 > MAX_CHARS {
            break;
        }
        if !stem.is_empty() {
            stem.push('-');
        }
        stem.push_str(word);
    }
    if stem.is_empty() {
        stem.push_str("report");
    }
    format!("{date}-{stem}.{extension}")
}

#[cfg(test)]
mod tests {
    use super::file_name;
    use chrono::NaiveDate;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 19).unwrap()
    }

    #[test]
    fn a_file_name_is_the_date_and_the_title_without_accents_or_punctuation() {
        assert_eq!(
            file_name(day(), "Attaque du convoi — Kayes !", "pdf"),
            "2026-11-19-attaque-du-convoi-kayes.pdf"
        );
        assert_eq!(
            file_name(day(), "Écoles fermées à Bafoulabé/Mahina", "pdf"),
            "2026-11-19-ecoles-fermees-a-bafoulabe-mahina.pdf"
        );
    }

    #[test]
    fn a_file_name_holds_no_path_and_stays_short() {
        let name = file_name(day(), "../../etc/passwd", "pdf");
        assert_eq!(name, "2026-11-19-etc-passwd.pdf");
        let long = file_name(day(), &"convoi ".repeat(40), "pdf");
        assert!(long.len() <= "2026-11-19-.pdf".len() + 60, "{long}");
        assert!(long.ends_with("-convoi.pdf"), "{long}");
        assert_eq!(file_name(day(), "  ", "pdf"), "2026-11-19-report.pdf");
    }
}

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
    /// PDF: the language of its words (the app's language unless the user chose another).
    #[serde(default)]
    #[ts(type = "\"en\" | \"fr\"")]
    pub lang: terrain_domain::Lang,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ExportResult {
    #[ts(type = "string")]
    pub path: PathBuf,
    /// Reports written.
    #[ts(type = "number")]
    pub reports: u64,
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
        let reports = match (req.format, req.report) {
            (ExportFormat::Csv, _) => {
                let options = terrain_export::csv::CsvOptions {
                    bom: req.bom,
                    hxl: req.hxl,
                };
                terrain_export::csv_file(store, &filter, options, out)?
            }
            (ExportFormat::Geojson, _) => {
                terrain_export::geojson_file(store, &filter, out)?.features
            }
            (ExportFormat::Pdf, Some(id)) => {
                terrain_export::report_pdf_file(store, id, req.lang, out)?.reports
            }
            (ExportFormat::Pdf, None) => {
                let site = match filter.site {
                    Some(id) => store.site(id)?.map(|s| s.name),
                    None => None,
                };
                let selection = filter.describe(site.as_deref(), req.lang);
                terrain_export::summary_pdf_file(store, &filter, &selection, req.lang, out)?.reports
            }
        };
        Ok(ExportResult {
            path: out.clone(),
            reports,
        })
    }
}

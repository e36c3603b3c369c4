//! Exports to a file the user chose in the native save dialog: the same writers as
//! `terrain export`, the same filter as the list.

use crate::{App, ListQuery, Result};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use terrain_export::{SiteNames, write_atomically};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Geojson,
}

#[derive(Debug, Clone, Deserialize, TS)]
pub struct ExportRequest {
    pub format: ExportFormat,
    #[ts(type = "string")]
    pub path: PathBuf,
    /// Which reports: the list's filter.
    pub query: ListQuery,
    /// CSV: add the HXL hashtag row.
    #[serde(default)]
    pub hxl: bool,
    /// CSV: start with a byte-order mark, for Excel.
    #[serde(default)]
    pub bom: bool,
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
        let sites: SiteNames = self
            .store
            .sites()?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        let filter = req.query.filter();
        let out = &req.path;
        let reports = match req.format {
            ExportFormat::Csv => {
                let options = terrain_export::csv::CsvOptions {
                    bom: req.bom,
                    hxl: req.hxl,
                };
                self.store.with_heads(&filter, |reports| {
                    write_atomically(out, |w| {
                        terrain_export::csv::write(w, reports, &sites, options)
                    })
                })??
            }
            ExportFormat::Geojson => {
                self.store
                    .with_heads(&filter, |reports| {
                        write_atomically(out, |w| terrain_export::geojson::write(w, reports))
                    })??
                    .features as u64
            }
        };
        Ok(ExportResult {
            path: out.clone(),
            reports,
        })
    }
}

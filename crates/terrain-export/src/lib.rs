//! Exports of reports, for the tools people already use: a PDF of one report to print, sign
//! and hand over, or a PDF summary of a selection; CSV that spreadsheet programs open with
//! accents intact (optional HXL hashtag row for humanitarian tools); GeoJSON points for maps.
//!
//! Exports stream: they take the store's iterator of head revisions and hold one report at a
//! time, so a million rows take no more memory than ten (a PDF summary keeps each row's cells, not
//! its report, since its totals come first). Files are written to a temporary name
//! beside the target and renamed only when complete, so a failure leaves no half file.
//! This crate reads the record; it never changes it, and never exports a source's contact.

pub mod csv;
mod file;
mod from_store;
pub mod geojson;
pub mod incidents;
pub mod pdf;
mod site_names;

pub use file::write_atomically;
pub use from_store::{
    attachment, csv_file, geojson_file, incidents, report_pdf_file, site_names, summary_pdf_file,
};
pub use incidents::Incidents;
pub use site_names::SiteNames;

use std::path::PathBuf;
use terrain_domain::{ReviewDecision, Revision};

/// One report as the writers take it: the revision exported and the report's latest review
/// decision, if any. The device (its store) and the server (its listing) feed both the same way.
#[derive(Debug, Clone)]
pub struct Reviewed {
    pub revision: Revision,
    pub review: Option<ReviewDecision>,
}

/// What a writer reads from each item: a revision, and the report's latest review decision.
/// A bare [`Revision`] has none.
pub trait Row {
    fn revision(&self) -> &Revision;
    fn review(&self) -> Option<&ReviewDecision>;
}

impl Row for Revision {
    fn revision(&self) -> &Revision {
        self
    }
    fn review(&self) -> Option<&ReviewDecision> {
        None
    }
}

impl Row for Reviewed {
    fn revision(&self) -> &Revision {
        &self.revision
    }
    fn review(&self) -> Option<&ReviewDecision> {
        self.review.as_ref()
    }
}

/// Whether the report changed since `review`: the revision exported is not the one reviewed.
pub fn changed_since(review: &ReviewDecision, revision: &Revision) -> bool {
    review.revision != revision.id
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no report matches: nothing was written")]
    Empty,
    #[error("reading the reports failed: {0}")]
    Source(String),
    #[error("writing CSV failed: {0}")]
    Csv(#[from] ::csv::Error),
    #[error("writing the PDF failed: {0}")]
    Pdf(String),
    #[error(
        "revision {0} is damaged: its content no longer matches its SHA-256, so no PDF was made"
    )]
    Damaged(String),
}

pub type Result<T, E = ExportError> = std::result::Result<T, E>;

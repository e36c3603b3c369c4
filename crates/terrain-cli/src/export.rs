//! `terrain export csv|geojson|pdf`: the same filters as `report list`.

use crate::Context;
use crate::report::FilterArgs;
use crate::terminal::say;
use anyhow::Result;
use clap::Subcommand;
use std::path::PathBuf;
use terrain_app::{ExportFormat, ExportRequest};

#[derive(Subcommand)]
pub enum Command {
    /// One row per report, for spreadsheets (columns: docs/csv-columns.md)
    Csv {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        filter: FilterArgs,
        /// Start with a UTF-8 byte-order mark, for Excel
        #[arg(long)]
        bom: bool,
        /// Add the HXL hashtag row under the header
        #[arg(long)]
        hxl: bool,
    },
    /// Points for maps: reports with coordinates
    Geojson {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// A PDF to print: one report with --report, else a summary of the reports the filters select
    Pdf {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The report (ID or its first characters): every field, claims, sources, photos
        #[arg(long, value_name = "ID", conflicts_with = "FilterArgs")]
        report: Option<String>,
        #[command(flatten)]
        filter: FilterArgs,
    },
}

pub fn run(ctx: &Context, cmd: Command) -> Result<()> {
    let (format, out, filter, report, bom, hxl) = match cmd {
        Command::Csv {
            out,
            filter,
            bom,
            hxl,
        } => (ExportFormat::Csv, out, filter, None, bom, hxl),
        Command::Geojson { out, filter } => {
            (ExportFormat::Geojson, out, filter, None, false, false)
        }
        Command::Pdf {
            out,
            report,
            filter,
        } => (ExportFormat::Pdf, out, filter, report, false, false),
    };
    let report = report.map(|id| ctx.app.find_id(&id)).transpose()?;
    let written = ctx.app.export(&ExportRequest {
        format,
        path: out.clone(),
        query: filter.to_query(ctx)?,
        report,
        hxl,
        bom,
        lang: crate::output::lang(),
    })?;
    let pages = written.pages.unwrap_or_default();
    match (format, report) {
        (ExportFormat::Csv, _) => say!("Wrote {} report(s) to {}.", written.reports, out.display()),
        (ExportFormat::Geojson, _) => say!(
            "Wrote {} point(s) to {}{}.",
            written.reports,
            out.display(),
            match written.without_coordinates {
                0 => String::new(),
                n => format!("; {n} report(s) without coordinates left out"),
            }
        ),
        (ExportFormat::Pdf, Some(id)) => {
            say!("Wrote report {id} ({pages} page(s)) to {}.", out.display())
        }
        (ExportFormat::Pdf, None) => say!(
            "Wrote a summary of {} report(s) ({pages} page(s)) to {}.",
            written.reports,
            out.display()
        ),
    }
    Ok(())
}

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
        /// One row per incident: reports linked as one incident summed up once
        #[arg(long)]
        per_incident: bool,
    },
    /// Points for maps: reports with coordinates
    Geojson {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        filter: FilterArgs,
        /// One point per incident: reports linked as one incident summed up once
        #[arg(long)]
        per_incident: bool,
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
        /// A summary with one entry per incident: reports linked as one incident summed up once
        #[arg(long, conflicts_with = "report")]
        per_incident: bool,
    },
}

pub fn run(ctx: &Context, cmd: Command) -> Result<()> {
    let (format, out, filter, report, bom, hxl, per_incident) = match cmd {
        Command::Csv {
            out,
            filter,
            bom,
            hxl,
            per_incident,
        } => (ExportFormat::Csv, out, filter, None, bom, hxl, per_incident),
        Command::Geojson {
            out,
            filter,
            per_incident,
        } => (
            ExportFormat::Geojson,
            out,
            filter,
            None,
            false,
            false,
            per_incident,
        ),
        Command::Pdf {
            out,
            report,
            filter,
            per_incident,
        } => (
            ExportFormat::Pdf,
            out,
            filter,
            report,
            false,
            false,
            per_incident,
        ),
    };
    let report = report.map(|id| ctx.app.find_id(&id)).transpose()?;
    let written = ctx.app.export(&ExportRequest {
        format,
        path: out.clone(),
        query: filter.to_query(ctx)?,
        report,
        hxl,
        bom,
        per_incident,
        lang: crate::output::lang(),
    })?;
    let rows = if per_incident { "incident" } else { "report" };
    let pages = written.pages.unwrap_or_default();
    match (format, report) {
        (ExportFormat::Csv, _) => say!("Wrote {} {rows}(s) to {}.", written.reports, out.display()),
        (ExportFormat::Geojson, _) => say!(
            "Wrote {} point(s) to {}{}.",
            written.reports,
            out.display(),
            match written.without_coordinates {
                0 => String::new(),
                n => format!("; {n} {rows}(s) without coordinates left out"),
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

//! `terrain export csv|geojson|pdf`: the same filters as `report list`.

use crate::Context;
use crate::report::FilterArgs;
use crate::terminal::say;
use anyhow::Result;
use clap::Subcommand;
use std::path::PathBuf;

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
    let store = &ctx.store;
    match cmd {
        Command::Csv {
            out,
            filter,
            bom,
            hxl,
        } => {
            let options = terrain_export::csv::CsvOptions { bom, hxl };
            let rows = terrain_export::csv_file(store, &filter.to_filter(ctx)?, options, &out)?;
            say!("Wrote {rows} report(s) to {}.", out.display());
        }
        Command::Geojson { out, filter } => {
            let written = terrain_export::geojson_file(store, &filter.to_filter(ctx)?, &out)?;
            say!(
                "Wrote {} point(s) to {}{}.",
                written.features,
                out.display(),
                match written.without_coordinates {
                    0 => String::new(),
                    n => format!("; {n} report(s) without coordinates left out"),
                }
            );
        }
        Command::Pdf {
            out,
            report: Some(id),
            ..
        } => {
            let id = store.resolve_id(&id)?;
            let lang = crate::output::lang();
            let written = terrain_export::report_pdf_file(store, id, lang, &out)?;
            say!(
                "Wrote report {id} ({} page(s)) to {}.",
                written.pages,
                out.display()
            );
        }
        Command::Pdf {
            out, filter: args, ..
        } => {
            let filter = args.to_filter(ctx)?;
            let lang = crate::output::lang();
            let selection = filter.describe(args.site.as_deref(), lang);
            let written = terrain_export::summary_pdf_file(store, &filter, &selection, lang, &out)?;
            say!(
                "Wrote a summary of {} report(s) ({} page(s)) to {}.",
                written.reports,
                written.pages,
                out.display()
            );
        }
    }
    Ok(())
}

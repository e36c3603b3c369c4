//! `terrain export csv|geojson|pdf`: the same filters as `report list`.

use crate::Context;
use crate::report::FilterArgs;
use anyhow::Result;
use clap::Subcommand;
use std::path::PathBuf;
use terrain_export::pdf::{ReportPdf, SummaryPdf};
use terrain_export::{SiteNames, write_atomically};

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
    let sites: SiteNames = ctx
        .store
        .sites()?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    match cmd {
        Command::Csv {
            out,
            filter,
            bom,
            hxl,
        } => {
            let filter = filter.to_filter(ctx)?;
            let options = terrain_export::csv::CsvOptions { bom, hxl };
            let rows = ctx.store.with_heads(&filter, |reports| {
                write_atomically(&out, |w| {
                    terrain_export::csv::write(w, reports, &sites, options)
                })
            })??;
            println!("Wrote {rows} report(s) to {}.", out.display());
        }
        Command::Geojson { out, filter } => {
            let filter = filter.to_filter(ctx)?;
            let written = ctx.store.with_heads(&filter, |reports| {
                write_atomically(&out, |w| terrain_export::geojson::write(w, reports))
            })??;
            println!(
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
            let id = ctx.store.resolve_id(&id)?;
            let head = ctx.store.get(id)?;
            let Some(revision) = ctx.store.revision(head.head)? else {
                anyhow::bail!("report {id}: its current revision {} is missing", head.head);
            };
            let attachment = |sha: &str| ctx.store.attachment_path(sha);
            let pdf = ReportPdf {
                revision: &revision,
                sites: &sites,
                heads: head.heads,
                attachment: &attachment,
                generated_at: chrono::Utc::now(),
            };
            let written = write_atomically(&out, |w| terrain_export::pdf::write_report(w, &pdf))?;
            println!(
                "Wrote report {id} ({} page(s)) to {}.",
                written.pages,
                out.display()
            );
        }
        Command::Pdf {
            out, filter: args, ..
        } => {
            let filter = args.to_filter(ctx)?;
            let selection = args.describe(&filter);
            let pdf = SummaryPdf {
                selection: &selection,
                generated_at: chrono::Utc::now(),
            };
            let written = ctx.store.with_heads(&filter, |reports| {
                write_atomically(&out, |w| {
                    terrain_export::pdf::write_summary(w, reports, &pdf)
                })
            })??;
            println!(
                "Wrote a summary of {} report(s) ({} page(s)) to {}.",
                written.reports,
                written.pages,
                out.display()
            );
        }
    }
    Ok(())
}

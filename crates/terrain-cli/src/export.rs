//! `terrain export csv|geojson`: the same filters as `report list`.

use crate::Context;
use crate::report::FilterArgs;
use anyhow::Result;
use clap::Subcommand;
use std::path::PathBuf;
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
    }
    Ok(())
}

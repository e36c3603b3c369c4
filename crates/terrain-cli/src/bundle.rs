//! `terrain bundle write --to DIR` and `terrain bundle read FILE`: sync with no network, by a
//! USB stick (issue 16, docs/bundles.md). The work is terrain-app's.

use crate::Context;
use crate::sync::runtime;
use crate::terminal::say;
use anyhow::Result;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum Command {
    /// Write the reports waiting to be sent, with their photos, into a bundle in DIR (a USB
    /// stick): sealed to the server, signed by this device. Only what no bundle carries yet
    Write {
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
        /// Everything still waiting for the server's answer, even what an earlier bundle
        /// carries (that bundle was lost)
        #[arg(long)]
        again: bool,
        /// What was written, as JSON
        #[arg(long)]
        json: bool,
    },
    /// Read the server's reply bundle (any part of it): reports received by the server leave
    /// the outbox with their receipts; other devices' reports arrive as a sync brings them
    Read {
        file: PathBuf,
        /// What was read, as JSON
        #[arg(long)]
        json: bool,
    },
}

pub fn run(ctx: &Context, cmd: Command) -> Result<()> {
    match cmd {
        Command::Write { to, again, json } => {
            let written = runtime()?.block_on(ctx.app.write_bundle(&to, again))?;
            if json {
                println!("{}", serde_json::to_string(&written)?);
            } else {
                if written.revisions == 0 {
                    say!(
                        "No new report to send (--again writes every report still waiting); the bundle asks the server for news."
                    );
                }
                say!(
                    "{} revisions of {} reports, {} photos, {} link operations and {} site revisions written ({} bytes) to:",
                    written.revisions,
                    written.reports,
                    written.photos,
                    written.links,
                    written.sites,
                    written.bytes
                );
                for f in &written.files {
                    say!("  {f}");
                }
                say!(
                    "They leave the outbox when the server's reply is read (terrain bundle read)."
                );
            }
        }
        Command::Read { file, json } => {
            let read = runtime()?.block_on(ctx.app.read_reply_bundle(&file))?;
            if json {
                println!("{}", serde_json::to_string(&read)?);
            } else {
                say!(
                    "The server received {} reports ({} receipts{}); {} refused. {} reports from other devices arrived ({} merged, {} in conflict).",
                    read.acked,
                    read.receipts,
                    if read.receipts_flagged > 0 {
                        format!(", {} NOT valid", read.receipts_flagged)
                    } else {
                        String::new()
                    },
                    read.refused,
                    read.received,
                    read.merged,
                    read.conflicts
                );
                say!(
                    "{} review decisions received. Link operations: {} received by the server, {} from other devices. Sites: {} revisions received by the server, {} from other devices ({} sites merged, {} in conflict).",
                    read.decisions,
                    read.links_acked,
                    read.links_received,
                    read.sites_acked,
                    read.sites_received,
                    read.sites_merged,
                    read.sites_conflicts
                );
            }
        }
    }
    Ok(())
}

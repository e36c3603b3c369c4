//! `terrain receipt ...`: the server's signed receipts (issue 16, docs/receipts.md), shown and
//! checked offline against the server's public key.

use crate::terminal::say;
use crate::{Context, output};
use anyhow::{Context as _, Result, bail};
use clap::Subcommand;
use std::path::PathBuf;
use terrain_app::ReceiptCheck;

#[derive(Subcommand)]
pub enum Command {
    /// Check receipts offline: those in FILE (one receipt's JSON or a list, as `receipt show`
    /// prints), or those this device keeps for a report. Exit code 0 when every one is valid, 1
    /// when one is not
    Verify {
        /// A receipt file ("-" for standard input)
        #[arg(
            value_name = "FILE",
            required_unless_present = "report",
            conflicts_with = "report"
        )]
        file: Option<PathBuf>,
        /// The receipts kept for this report (ID or its first characters)
        #[arg(long, value_name = "ID")]
        report: Option<String>,
        /// The server's public signing key (base64, as `terrain-server keys show` prints it)
        /// [default: the keys this device learned at sign-in]
        #[arg(long, value_name = "PUBKEY")]
        key: Option<String>,
    },
    /// Print the receipts this device keeps for a report, as JSON (a file `receipt verify`
    /// reads)
    Show { id: String },
}

/// A receipt checked did not hold: already said, the exit code is 1.
#[derive(Debug)]
pub struct NotValid;

impl std::fmt::Display for NotValid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a receipt is not valid")
    }
}

impl std::error::Error for NotValid {}

/// Whether the command needs no store: a file checked against a key given.
pub fn offline(cmd: &Command) -> bool {
    matches!(
        cmd,
        Command::Verify {
            file: Some(_),
            key: Some(_),
            ..
        }
    )
}

fn read_file(file: &PathBuf) -> Result<Vec<terrain_app::Receipt>> {
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("standard input")?
    } else {
        std::fs::read_to_string(file).with_context(|| format!("{}", file.display()))?
    };
    terrain_app::parse_receipts(&text).with_context(|| format!("{}", file.display()))
}

/// `receipt verify FILE --key PUBKEY`, with no store.
pub fn verify_offline(cmd: &Command) -> Result<()> {
    let Command::Verify {
        file: Some(file),
        key: Some(key),
        ..
    } = cmd
    else {
        bail!("a receipt file and --key are needed to check with no store");
    };
    let checks: Vec<ReceiptCheck> = read_file(file)?
        .iter()
        .map(|r| terrain_app::check_with_key(r, key))
        .collect();
    report(&checks)
}

pub fn run(ctx: &Context, cmd: Command) -> Result<()> {
    let app = &ctx.app;
    match cmd {
        Command::Verify {
            file,
            report: id,
            key,
        } => {
            let checks = match (file, id) {
                (Some(file), _) => read_file(&file)?
                    .iter()
                    .map(|r| app.check_receipt(r, key.as_deref()))
                    .collect::<Result<Vec<_>, _>>()?,
                (None, Some(id)) => {
                    let id = app.find_id(&id)?;
                    let checks = app.receipts(id)?;
                    match key {
                        Some(key) => checks
                            .iter()
                            .map(|c| app.check_receipt(&c.receipt, Some(&key)))
                            .collect::<Result<Vec<_>, _>>()?,
                        None => checks,
                    }
                }
                (None, None) => bail!("give a receipt FILE or --report ID"),
            };
            if checks.is_empty() {
                say!(
                    "No receipt: this device keeps none for that report yet (it is sent, and acknowledged, at a sync)."
                );
                return Err(NotValid.into());
            }
            report(&checks)
        }
        Command::Show { id } => {
            let id = app.find_id(&id)?;
            let receipts: Vec<_> = app.receipts(id)?.into_iter().map(|c| c.receipt).collect();
            output::print_json(&receipts)
        }
    }
}

/// One line per receipt; Ok when all are valid, else [`NotValid`].
fn report(checks: &[ReceiptCheck]) -> Result<()> {
    for c in checks {
        let b = &c.receipt.body;
        if c.valid {
            say!(
                "VALID: revision {} of report {} (content sha256 {}) was received by the server at {}, feed position {}, signed by key {}.",
                b.rev_id,
                b.report_id,
                b.content_hash,
                b.received_at,
                b.seq,
                b.key_id
            );
        } else {
            say!(
                "NOT VALID: the receipt of revision {}: {}.",
                b.rev_id,
                c.problem.as_deref().unwrap_or("it does not check")
            );
        }
    }
    if checks.iter().all(|c| c.valid) {
        Ok(())
    } else {
        Err(NotValid.into())
    }
}

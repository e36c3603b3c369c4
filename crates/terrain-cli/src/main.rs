//! `terrain`: everything Terrain does, from a terminal, with no network needed.
//!
//! Each subcommand parses its arguments, calls one function of `terrain-app` (the API the
//! desktop window calls too) and prints the result. Nothing here decides: a default, a rule or
//! a merge that lived here would exist twice.

mod bundle;
mod conflict;
mod export;
mod incident;
mod input;
mod output;
mod photos;
mod prompt;
mod receipt;
mod report;
mod site;
mod site_conflict;
mod sync;
mod terminal;
mod unlock;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use terrain_app::App;

#[derive(Parser)]
#[command(
    name = "terrain",
    version,
    about = "Record field incidents offline, sync them, export them."
)]
struct Cli {
    /// Folder holding the database and attachments [default: the platform's data folder]
    #[arg(long, global = true, env = "TERRAIN_DATA", value_name = "DIR")]
    data: Option<PathBuf>,
    /// Name recorded as the author of what you save [default: your login name]
    #[arg(long, global = true, env = "TERRAIN_AUTHOR", value_name = "NAME")]
    author: Option<String>,
    /// Language of messages and PDFs: fr or en [default: French when LANG starts with fr]
    #[arg(long, global = true, value_name = "fr|en", value_parser = parse_lang)]
    lang: Option<terrain_domain::Lang>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create, import, edit, list, search and show incident reports
    #[command(subcommand)]
    Report(report::Command),
    /// Write reports to CSV (with HXL tags) or GeoJSON
    #[command(subcommand)]
    Export(export::Command),
    /// The registry of sites (plants, mines, roads...) that incidents touch
    #[command(subcommand)]
    Site(site::Command),
    /// Reports of one incident: similar reports, link, unlink, dismiss, show
    #[command(subcommand)]
    Incident(incident::Command),
    /// Revisions queued for sync
    Outbox {
        #[arg(long)]
        json: bool,
    },
    /// Sign in to a Terrain server once; this device then syncs with it
    Login {
        /// The server's address, e.g. https://terrain.example.org
        #[arg(long, env = "TERRAIN_SERVER")]
        server: String,
        #[arg(long)]
        user: String,
        /// Read the password from standard input instead of asking
        #[arg(long)]
        password_stdin: bool,
    },
    /// Send queued reports and receive other devices' reports
    Sync {
        /// Keep syncing every 30 s, retrying with backoff when the link drops (Ctrl-C stops)
        #[arg(long)]
        watch: bool,
        /// Progress as JSON lines
        #[arg(long)]
        json: bool,
        /// How photos are sent, kept for later syncs too: always, good-link (wait while the
        /// link is below 128 kbit/s) or reduced-first (a 1280 px copy of each photo of a
        /// report saved final from now on goes before the original)
        #[arg(long, value_name = "HOW", value_parser = parse_photo_policy)]
        photos: Option<terrain_app::PhotoPolicy>,
    },
    /// The server's signed receipts of this device's reports: show them, check them offline
    #[command(subcommand)]
    Receipt(receipt::Command),
    /// Sync with no network: write reports into a bundle on a USB stick, read the reply
    #[command(subcommand)]
    Bundle(bundle::Command),
    /// Reports whose versions from different devices conflict
    Conflicts {
        #[arg(long)]
        json: bool,
    },
    /// End a conflict field by field: each disputed field from the side you choose, every
    /// other edit of both sides kept; or a version you wrote
    Resolve {
        id: String,
        /// The side of each --field given without one; with no such --field, of every disputed
        /// field not named (`remote` is another name for `server`)
        #[arg(long, value_enum, value_name = "local|server", conflicts_with = "json")]
        take: Option<conflict::Take>,
        /// A disputed field (repeatable) as `terrain conflicts` names it, or its last part
        /// (`place` for `where.place`); `PATH=local|server` gives its side
        #[arg(long = "field", value_name = "PATH[=local|server]", value_parser = conflict::parse_field, conflicts_with = "json")]
        fields: Vec<(String, Option<conflict::Take>)>,
        /// The resolved report in JSON form
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
    /// Encrypt reports recorded before encryption, under a new passphrase
    Encrypt,
    /// Change the passphrase (TERRAIN_PASSPHRASE, TERRAIN_NEW_PASSPHRASE, or asked)
    Passphrase,
    /// Quick delete: destroy this device's reports and keys at once, beyond recovery
    Wipe {
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
    /// Regions, cercles and communes of Mali matching what you type (accents optional)
    Places {
        text: String,
        #[arg(long)]
        json: bool,
    },
}

/// What every command gets: the open store, through the API both shells call.
pub struct Context {
    pub app: Arc<App>,
}

impl Cli {
    fn data_dir(&self) -> Result<PathBuf> {
        if let Some(dir) = &self.data {
            return Ok(dir.clone());
        }
        terrain_app::default_dir()
            .ok_or_else(|| anyhow::anyhow!("no home folder found; give one with --data DIR"))
    }
}

impl Command {
    /// Whether the command saves something, and so may start a store in an empty data folder.
    /// The others refuse one: a mistyped `--data` must not look like an empty list.
    fn creates_store(&self) -> bool {
        matches!(
            self,
            Command::Report(report::Command::New { .. } | report::Command::Import { .. })
                | Command::Site(site::Command::Add { .. })
                | Command::Login { .. }
        )
    }
}

fn run(cli: Cli) -> Result<()> {
    if let Command::Places { text, json } = &cli.command {
        return output::places(text, *json);
    }
    if let Command::Receipt(cmd) = &cli.command
        && receipt::offline(cmd)
    {
        return receipt::verify_offline(cmd);
    }
    let dir = cli.data_dir()?;
    match &cli.command {
        Command::Encrypt => return unlock::encrypt(&dir),
        Command::Passphrase => return unlock::change(&dir),
        Command::Wipe { yes } => return unlock::wipe(&dir, *yes),
        _ => {}
    }
    let app = unlock::open(&dir, cli.command.creates_store())?;
    // Without --author, the app's rule: the signed-in user, else the computer's user.
    app.set_author(cli.author.clone());
    let ctx = Context { app };
    match cli.command {
        Command::Report(report::Command::Photos { id, json }) => photos::photos(&ctx, &id, json),
        Command::Report(cmd) => report::run(&ctx, cmd),
        Command::Site(cmd) => site::run(&ctx, cmd),
        Command::Incident(cmd) => incident::run(&ctx, cmd),
        Command::Export(cmd) => export::run(&ctx, cmd),
        Command::Outbox { json } => report::outbox(&ctx, json),
        Command::Conflicts { json } => conflict::list(&ctx, json),
        Command::Receipt(cmd) => receipt::run(&ctx, cmd),
        Command::Bundle(cmd) => bundle::run(&ctx, cmd),
        Command::Login {
            server,
            user,
            password_stdin,
        } => sync::login(ctx, &server, &user, password_stdin),
        Command::Sync {
            watch,
            json,
            photos,
        } => {
            if let Some(policy) = photos {
                ctx.app.set_photo_policy(policy)?;
            }
            sync::sync(ctx, watch, json)
        }
        Command::Resolve {
            id,
            take,
            fields,
            json,
        } => conflict::resolve(&ctx, &id, take, &fields, json),
        Command::Places { .. } | Command::Encrypt | Command::Passphrase | Command::Wipe { .. } => {
            unreachable!("handled before the store opens")
        }
    }
}

fn parse_lang(text: &str) -> Result<terrain_domain::Lang, String> {
    terrain_domain::Lang::from_tag(text).ok_or_else(|| format!("\"{text}\" is not fr or en"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    output::set_lang(
        cli.lang
            .unwrap_or_else(|| terrain_domain::Lang::from_locale(|v| std::env::var(v).ok())),
    );
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // `receipt verify` said which receipt does not hold.
        Err(e) if e.is::<receipt::NotValid>() => ExitCode::from(1),
        Err(e) => {
            let detail = output::error_text(&e);
            let params = [("detail".to_string(), detail)].into_iter().collect();
            let line = terrain_domain::messages::text(output::lang(), "cli.error", &params);
            terminal::say_err!("{line}");
            ExitCode::FAILURE
        }
    }
}

fn parse_photo_policy(text: &str) -> Result<terrain_app::PhotoPolicy, String> {
    text.parse()
        .map_err(|p: terrain_domain::Problems| p.render(output::lang()))
}

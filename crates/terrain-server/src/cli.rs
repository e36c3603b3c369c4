//! `terrain-server`'s command line: serve the sync API, and the administrator's tasks.

use crate::keys::ServerKeyring;
use crate::{
    AppState, FailureLimit, add_user, default_contact_key, edge, revoke_tokens, router, with_hsts,
};
use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use std::io::BufRead;
use std::net::SocketAddr;
use std::sync::Arc;
use terrain_domain::text::TextKind;
use terrain_protocol::{Role, limits};
use terrain_server_store::{ContactKey, ServerStore};

#[derive(Parser)]
#[command(name = "terrain-server", version, about = "Terrain's sync server.")]
struct Config {
    /// Storage: sqlite:PATH or postgres://user@host/db [default: sqlite:<data dir>/server.db]
    #[arg(long, global = true, env = "TERRAIN_SERVER_DB")]
    db: Option<String>,
    /// PostgreSQL schema holding Terrain's tables
    #[arg(
        long,
        global = true,
        env = "TERRAIN_SERVER_PG_SCHEMA",
        default_value = "terrain"
    )]
    pg_schema: String,
    /// The key sources' contacts are sealed with, made (0600) on first start; keep it out of
    /// the database's backups, and give every server process on one database the same file
    /// [default: contact.key beside a SQLite database, else in the data dir]
    #[arg(long, global = true, env = "TERRAIN_SERVER_CONTACT_KEY")]
    contact_key: Option<std::path::PathBuf>,
    /// The server's identity keys (receipts' Ed25519 signing key, bundles' age identity), made
    /// (0600) on first start; secret like the contact key, never in the database; give every
    /// server process on one database the same file [default: server.keys beside the contact key]
    #[arg(long, global = true, env = "TERRAIN_SERVER_KEYS")]
    server_keys: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default)
    Serve {
        #[arg(long, env = "TERRAIN_SERVER_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Serve HTTPS with this certificate chain (PEM); needs --tls-key
        #[arg(long, env = "TERRAIN_SERVER_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<std::path::PathBuf>,
        /// The certificate's private key (PEM)
        #[arg(long, env = "TERRAIN_SERVER_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<std::path::PathBuf>,
        #[command(flatten)]
        limit: LimitArgs,
        /// Delete attachment uploads in progress that no piece came to for this many hours
        /// (swept at start and hourly)
        #[arg(long, env = "TERRAIN_SERVER_UPLOAD_EXPIRY_HOURS", default_value_t = limits::UPLOAD_EXPIRY_HOURS, value_parser = clap::value_parser!(u64).range(1..=100_000))]
        upload_expiry_hours: u64,
        /// Refuse a device token not used for this many days (token_expired: the device signs
        /// in again); each use, or a renewal, starts the count again
        #[arg(long, env = "TERRAIN_SERVER_TOKEN_IDLE_DAYS", default_value_t = limits::TOKEN_IDLE_DAYS, value_parser = clap::value_parser!(i64).range(1..=36_500))]
        token_idle_days: i64,
        /// End a console (browser) session after this many minutes without a request; it
        /// ends 12 hours after sign-in in any case
        #[arg(long, env = "TERRAIN_SERVER_CONSOLE_IDLE_MINUTES", default_value_t = limits::CONSOLE_IDLE_MINUTES, value_parser = clap::value_parser!(i64).range(1..=24 * 60))]
        console_idle_minutes: i64,
        /// The largest bundle the console's upload takes, all its parts together, in MiB
        /// (received into bundle-uploads/ in the data folder; larger ones go by `bundle import`)
        #[arg(long, env = "TERRAIN_SERVER_BUNDLE_UPLOAD_MAX_MIB", default_value_t = limits::BUNDLE_UPLOAD_BYTES / (1024 * 1024), value_parser = clap::value_parser!(u64).range(1..=1024 * 1024))]
        bundle_upload_max_mib: u64,
    },
    /// Users
    #[command(subcommand)]
    User(UserCommand),
    /// Device tokens
    #[command(subcommand)]
    Token(TokenCommand),
    /// The server's identity keys (docs/receipts.md)
    #[command(subcommand)]
    Keys(KeysCommand),
    /// USB bundles from devices with no network (docs/bundles.md)
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// Print the audit log, oldest first: sign-ins, lockouts, pushes, verifications, admin tasks
    Audit {
        /// Only this user's events
        #[arg(long)]
        user: Option<String>,
        /// Only events at or after this time (RFC 3339, e.g. 2026-11-25T08:00:00Z)
        #[arg(long)]
        since: Option<String>,
        /// At most this many events
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
}

/// The per-client-address limits: failed sign-ins (see `terrain_server::throttle`) and the
/// edge's connections and bodies (see `terrain_server::edge`).
#[derive(clap::Args)]
struct LimitArgs {
    /// Failed sign-ins one client address may make at once, whatever the names, before its
    /// sign-ins are refused (429 rate_limited). Behind a reverse proxy all clients share one
    /// address
    #[arg(long, env = "TERRAIN_SERVER_SIGN_IN_BURST", default_value_t = limits::SIGN_IN_BURST, value_parser = clap::value_parser!(u32).range(1..))]
    sign_in_burst: u32,
    /// ...then one more every this many seconds
    #[arg(long, env = "TERRAIN_SERVER_SIGN_IN_EVERY", default_value_t = limits::SIGN_IN_EVERY_SECS, value_parser = clap::value_parser!(u64).range(1..))]
    sign_in_every: u64,
    /// Open connections in all; past it new ones are closed at once
    #[arg(long, env = "TERRAIN_SERVER_CONNECTIONS", default_value_t = limits::CONNECTIONS as u64, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    connections: u64,
    /// Open connections from one client address; past it each request on an extra connection
    /// is answered 429 too_many_connections. Behind a reverse proxy all clients share one
    /// address: raise it there
    #[arg(long, env = "TERRAIN_SERVER_CONNECTIONS_PER_ADDRESS", default_value_t = limits::CONNECTIONS_PER_ADDRESS as u64, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    connections_per_address: u64,
    /// Request bodies read at once from one client address; past it 429
    #[arg(long, env = "TERRAIN_SERVER_BODIES_PER_ADDRESS", default_value_t = limits::BODIES_PER_ADDRESS as u64, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    bodies_per_address: u64,
}

impl LimitArgs {
    fn edge(&self) -> edge::EdgeConfig {
        edge::EdgeConfig {
            connections: self.connections as usize,
            connections_per_address: self.connections_per_address as usize,
            bodies_per_address: self.bodies_per_address as usize,
            ..edge::EdgeConfig::default()
        }
    }

    fn limit(&self) -> FailureLimit {
        FailureLimit {
            burst: std::num::NonZeroU32::new(self.sign_in_burst)
                .unwrap_or(std::num::NonZeroU32::MIN),
            every: std::time::Duration::from_secs(self.sign_in_every.max(1)),
        }
    }
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user, or replace one's role, regions and password
    Add {
        name: String,
        /// reporter, reviewer or admin
        #[arg(long, default_value = "reporter")]
        role: String,
        /// A region (admin1) the user works in; repeat for several
        #[arg(long = "region")]
        regions: Vec<String>,
        /// Read the password from standard input (else prompted)
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum BundleCommand {
    /// Check and store devices' bundles as their pushes would be (importing twice changes
    /// nothing); a refused bundle stores nothing. Give any part of a bundle split in parts
    Import {
        /// The bundle files (.tbundle)
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// Write each device's reply bundle (receipts, and its regions' reports it lacks) here
        #[arg(long)]
        reply_to: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Print the keys' fingerprint (what devices show) and public keys
    Show,
    /// Retire the current keys and make new ones; receipts signed before stay valid (the old
    /// public key is kept as retired). Restart every server process on this file afterwards
    Rotate,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Revoke a user's device tokens (one device by name, or all); refused at once
    Revoke {
        #[arg(long)]
        user: String,
        #[arg(long)]
        device: Option<String>,
    },
}

fn default_db() -> Result<String> {
    let dirs = directories::ProjectDirs::from("org", "Terrain", "terrain-server")
        .context("no home folder: give --db sqlite:PATH")?;
    Ok(format!(
        "sqlite:{}",
        dirs.data_dir().join("server.db").display()
    ))
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// The whole `terrain-server` program: parses the command line and runs it on the storage
/// `open_store` opens from the `--db` URL, the schema and the contact key (the binary passes
/// `terrain_server_engines::open_store`: only it names the engines).
pub async fn main(
    open_store: impl AsyncFnOnce(&str, &str, &ContactKey) -> Result<Arc<dyn ServerStore>>,
) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let config = Config::parse();
    let db = match &config.db {
        Some(db) => db.clone(),
        None => default_db()?,
    };
    let key_path = match &config.contact_key {
        Some(path) => path.clone(),
        None => default_contact_key(&db)?,
    };
    let keys_path = match &config.server_keys {
        Some(path) => path.clone(),
        None => crate::keys::default_path(&key_path),
    };
    if let Some(Command::Keys(command)) = &config.command {
        let keys = match command {
            KeysCommand::Show => ServerKeyring::load_or_create(&keys_path)?,
            KeysCommand::Rotate => {
                let keys = ServerKeyring::rotate(&keys_path, chrono::Utc::now())?;
                println!("New keys made; the old ones are retired. Restart every server process.");
                keys
            }
        };
        print!("{}", keys_text(&keys, &keys_path));
        return Ok(());
    }
    let server_keys = ServerKeyring::load_or_create(&keys_path)?;
    let contact_key = terrain_server_store::ContactKey::load_or_create(&key_path)?;
    let store = open_store(&db, &config.pg_schema, &contact_key).await?;
    let state = AppState::new(store, contact_key).with_server_keys(server_keys);
    // The console's bundle uploads and replies live in the data folder, beside the keys.
    state
        .bundle_uploads
        .set_folder(keys_path.parent().unwrap_or(std::path::Path::new(".")));
    let default = Command::Serve {
        listen: "127.0.0.1:8080".parse()?,
        tls_cert: None,
        tls_key: None,
        limit: LimitArgs {
            sign_in_burst: limits::SIGN_IN_BURST,
            sign_in_every: limits::SIGN_IN_EVERY_SECS,
            connections: limits::CONNECTIONS as u64,
            connections_per_address: limits::CONNECTIONS_PER_ADDRESS as u64,
            bodies_per_address: limits::BODIES_PER_ADDRESS as u64,
        },
        upload_expiry_hours: limits::UPLOAD_EXPIRY_HOURS,
        token_idle_days: limits::TOKEN_IDLE_DAYS,
        console_idle_minutes: limits::CONSOLE_IDLE_MINUTES,
        bundle_upload_max_mib: limits::BUNDLE_UPLOAD_BYTES / (1024 * 1024),
    };
    let engine = db.split(':').next().unwrap_or("").to_string();
    let command = config.command.unwrap_or(default);
    if let Command::Serve {
        upload_expiry_hours,
        ..
    } = &command
    {
        crate::sweep_uploads(
            state.clone(),
            chrono::Duration::hours(*upload_expiry_hours as i64),
        );
    }
    if let Command::Serve {
        bundle_upload_max_mib,
        ..
    } = &command
    {
        state
            .bundle_uploads
            .set_max_bytes(bundle_upload_max_mib * 1024 * 1024);
    }
    if let Command::Serve {
        token_idle_days, ..
    } = &command
    {
        state.set_token_idle(chrono::Duration::days(*token_idle_days));
    }
    if let Command::Serve {
        console_idle_minutes,
        tls_cert,
        ..
    } = &command
    {
        state
            .console
            .set_idle(chrono::Duration::minutes(*console_idle_minutes));
        // Under TLS the console's cookie is Secure and __Host- prefixed.
        state.console.set_secure(tls_cert.is_some());
    }
    match command {
        Command::Serve {
            listen,
            tls_cert: Some(cert),
            tls_key: Some(key),
            limit,
            ..
        } => {
            state.set_failure_limit(limit.limit());
            edge::return_large_buffers_to_the_os();
            let tls = edge::tls_acceptor(&cert, &key).await.with_context(|| {
                format!(
                    "--tls-cert {} / --tls-key {}: cannot load",
                    cert.display(),
                    key.display()
                )
            })?;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            tracing::info!(%listen, tls = true, %engine, "serving");
            edge::serve(
                listener,
                with_hsts(router(state)),
                limit.edge(),
                Some(tls),
                shutdown_signal(),
            )
            .await;
        }
        Command::Serve { listen, limit, .. } => {
            state.set_failure_limit(limit.limit());
            edge::return_large_buffers_to_the_os();
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            tracing::info!(%listen, %engine, "serving");
            edge::serve(
                listener,
                router(state),
                limit.edge(),
                None,
                shutdown_signal(),
            )
            .await;
        }
        Command::User(UserCommand::Add {
            name,
            role,
            regions,
            password_stdin,
        }) => {
            let Some(role) = Role::parse(&role) else {
                bail!("--role: {role:?} is not reporter, reviewer or admin")
            };
            if role != Role::Admin && regions.is_empty() {
                bail!("--region: a {} needs at least one region", role.as_str());
            }
            let regions = regions
                .iter()
                .map(|r| {
                    terrain_domain::gazetteer::region(r)
                        .map(|g| g.name.to_string())
                        .with_context(|| format!("--region: {r:?} is not a region of Mali"))
                })
                .collect::<Result<Vec<_>>>()?;
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                line.trim_end_matches(['\r', '\n']).to_string()
            } else {
                rpassword_prompt(&name)?
            };
            if password.chars().count() < 10 {
                bail!("the password must have at least 10 characters");
            }
            add_user(&state, &name, role, regions, &password).await?;
            println!("User {name} saved ({}).", role.as_str());
        }
        Command::Token(TokenCommand::Revoke { user, device }) => {
            let n = revoke_tokens(&state, &user, device.as_deref()).await?;
            println!("{n} device token(s) of {user} revoked.");
        }
        Command::Keys(_) => unreachable!("answered before the store opens"),
        Command::Bundle(BundleCommand::Import { files, reply_to }) => {
            let mut refused = 0;
            let today = chrono::Utc::now().date_naive();
            for file in &files {
                match crate::policy::bundles::import(&state, file, reply_to.as_deref(), today).await
                {
                    Ok(done) => {
                        println!(
                            "{}: from {} ({}): {} revisions stored, {} already here, {} conflicts, {} refused; {} photos stored; {} link operations stored, {} already here, {} refused; {} site revisions stored, {} already here, {} conflicts, {} refused",
                            done.file,
                            done.device,
                            done.user,
                            done.stored,
                            done.already,
                            done.conflicts,
                            done.refused,
                            done.photos,
                            done.links,
                            done.links_already,
                            done.links_refused,
                            done.sites,
                            done.sites_already,
                            done.sites_conflicts,
                            done.sites_refused
                        );
                        for reply in &done.reply {
                            println!(
                                "  reply ({} reports, {} review decisions, {} link operations, {} site revisions for the device): {}",
                                done.pulled,
                                done.decisions_sent,
                                done.links_sent,
                                done.sites_sent,
                                reply.display()
                            );
                        }
                    }
                    Err(e) => {
                        refused += 1;
                        eprintln!("not imported: {e:#}");
                    }
                }
            }
            if refused > 0 {
                bail!("{refused} of {} bundle(s) not imported", files.len());
            }
        }
        Command::Audit { user, since, limit } => {
            let since = since
                .map(|s| {
                    chrono::DateTime::parse_from_rfc3339(&s)
                        .map(|t| t.with_timezone(&chrono::Utc))
                        .with_context(|| format!("--since: {s:?} is not an RFC 3339 time"))
                })
                .transpose()?;
            let events = state
                .store
                .audit(&terrain_server_store::AuditQuery {
                    since,
                    user,
                    limit: limit.max(1),
                })
                .await?;
            for line in events.iter().map(audit_line) {
                println!("{line}");
            }
        }
    }
    Ok(())
}

/// What `keys show` prints: the fingerprint first, for the administrator to compare with what
/// devices show.
fn keys_text(keys: &ServerKeyring, path: &std::path::Path) -> String {
    let public = keys.public();
    let mut text = format!(
        "Fingerprint: {}\nSigning key (receipts): {} (key id {})\nSealing recipient (bundles): {}\nKept in: {}\n",
        public.fingerprint,
        public.signing,
        public.key_id,
        public.sealing,
        path.display()
    );
    for r in &public.retired {
        text.push_str(&format!(
            "Retired {}: {} (key id {})\n",
            r.retired_at, r.signing, r.key_id
        ));
    }
    text
}

/// Asks on the terminal without echoing the password, twice to catch a typo.
fn rpassword_prompt(name: &str) -> Result<String> {
    Ok(dialoguer::Password::new()
        .with_prompt(format!("Password for {name}"))
        .with_confirmation("Once more", "the two passwords differ")
        .interact()?)
}

/// One audit event as a line: time, action, who, from which device, detail.
pub fn audit_line(e: &terrain_server_store::AuditEvent) -> String {
    // Names and details come from clients (a failed sign-in's name is whatever was typed):
    // escaped, so an event stays one line and never drives the administrator's terminal.
    let shown = |text: &str| terrain_domain::text::escape(text, TextKind::Line).into_owned();
    format!(
        "{}  {:<14}  {}  {}  {}",
        e.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        shown(&e.action),
        e.actor.as_deref().map_or("-".to_string(), shown),
        e.device
            .as_deref()
            .map_or("-".to_string(), |d| format!("[{}]", shown(d))),
        shown(&e.detail)
    )
}

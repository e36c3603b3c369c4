//! The Terrain sync server: devices sign in once, push their queued revisions (stored exactly
//! once, never overwritten: a concurrent edit becomes a second head), pull their regions' feed,
//! upload attachments resumably. Reviewers verify reports.
//!
//! Handlers ([`api`]) are thin: they take what the request carries and call one [`policy`]
//! function, which decides and calls the storage trait; errors are [`AppError`] causes.
//! This library names no storage engine: the binary's `main` chooses one from the database URL
//! (`terrain_server_engines::open_store`) and hands the opener to [`cli::main`]. Logs never
//! carry passwords or tokens.
//!
//! Failed sign-ins are limited twice: per user name (the lockout, [`auth::lockout_end`]) and per
//! client address ([`throttle`]), which needs the peer address: serve with [`serve`] or
//! [`with_client_address`]. Every answer carries the security headers of [`router`].

pub mod api;
pub mod auth;
pub mod cli;
pub mod console;
mod contacts;
mod decompress;
pub mod edge;
mod error;
pub mod keys;
pub mod openapi;
pub mod policy;
pub mod routes;
pub mod throttle;

pub use axum::Router;
pub use error::AppError;
pub use policy::admin::{add_user, revoke_tokens};
pub use policy::blobs::{expire_uploads, sweep_uploads};
pub use throttle::FailureLimit;

use axum::extract::connect_info::IntoMakeServiceWithConnectInfo;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use routes::Group;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use terrain_protocol::{PROTOCOL_HEADER, PROTOCOL_VERSION, limits};
use terrain_server_store::{ContactKey, ServerStore};
use throttle::Throttle;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn ServerStore>,
    /// Seals sources' contacts before they are stored, opens them for who may read them.
    contact_key: ContactKey,
    /// Verified against when a user does not exist, so sign-in timing tells nothing.
    dummy_hash: String,
    /// Failed sign-ins per client address (password spraying across names).
    sign_ins: Arc<Throttle>,
    /// Requests with an unknown or revoked device token per client address: only those within
    /// the limit are audited, so a flood cannot fill the log. Never refuses anything itself.
    bad_tokens: Arc<Throttle>,
    /// Seconds a device token may go unused before it is refused ([`AppState::set_token_idle`]).
    token_idle_secs: Arc<std::sync::atomic::AtomicI64>,
    /// Uploads a piece is arriving for: one piece of an upload at a time.
    uploads: Arc<policy::blobs::UploadLocks>,
    /// How browser sessions of the console are kept (idle time, end, cookie under TLS).
    pub console: Arc<console::Settings>,
    /// The server's identity keys: receipts are signed with them, bundles sealed to them.
    pub server_keys: Arc<keys::ServerKeyring>,
    /// The console's bundle uploads: their folder and size limit.
    pub bundle_uploads: Arc<policy::bundle_uploads::Settings>,
}

impl AppState {
    /// A state with the default [`FailureLimit`] per client address; contacts sealed under
    /// `contact_key` (the one the store was opened with).
    pub fn new(store: Arc<dyn ServerStore>, contact_key: ContactKey) -> AppState {
        AppState {
            store,
            contact_key,
            dummy_hash: auth::hash_password("no such user"),
            sign_ins: Arc::new(Throttle::new(FailureLimit::default())),
            bad_tokens: Arc::new(Throttle::new(FailureLimit::default())),
            uploads: Arc::default(),
            console: Arc::default(),
            server_keys: Arc::new(keys::ServerKeyring::generate()),
            bundle_uploads: Arc::default(),
            token_idle_secs: Arc::new(std::sync::atomic::AtomicI64::new(
                limits::TOKEN_IDLE_DAYS * 24 * 3600,
            )),
        }
    }

    /// This state with the server's keys (`AppState::new` makes random ones, kept nowhere:
    /// tests' servers).
    pub fn with_server_keys(mut self, keys: keys::ServerKeyring) -> AppState {
        self.server_keys = Arc::new(keys);
        self
    }

    /// Sets how long a device token may go unused before it is refused (`token_expired`);
    /// shared by every clone of this state, so it takes effect at once.
    pub fn set_token_idle(&self, idle: chrono::Duration) {
        self.token_idle_secs.store(
            idle.num_seconds().max(1),
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    pub fn token_idle(&self) -> chrono::Duration {
        chrono::Duration::seconds(
            self.token_idle_secs
                .load(std::sync::atomic::Ordering::Relaxed),
        )
    }

    /// Sets how many failed sign-ins (and audited bad tokens) one client address may make
    /// ([`FailureLimit`]), forgetting the counts so far. The limiters are shared by every clone
    /// of this state, so this takes effect at once for a router already serving it.
    pub fn set_failure_limit(&self, limit: FailureLimit) {
        self.sign_ins.set_limit(limit);
        self.bad_tokens.set_limit(limit);
    }

    pub fn failure_limit(&self) -> FailureLimit {
        self.sign_ins.limit()
    }
}

/// Stands for the client address when there is none: a router called in-process (tests with
/// `tower::ServiceExt::oneshot`) has no socket. All such requests share this one key, so a
/// router served by mistake without [`with_client_address`] still limits failures, only for
/// everyone at once, rather than not at all.
const NO_ADDRESS: IpAddr = IpAddr::V6(Ipv6Addr::UNSPECIFIED);

/// The address a request came from: the TCP peer, from axum's `ConnectInfo` (see
/// [`with_client_address`]), else [`NO_ADDRESS`]. Behind a reverse proxy this is the proxy's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl ClientAddress {
    pub fn of(parts: &Parts) -> ClientAddress {
        ClientAddress(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(NO_ADDRESS, |ConnectInfo(peer)| peer.ip()),
        )
    }
}

impl std::fmt::Display for ClientAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 == NO_ADDRESS {
            f.write_str("an unknown address")
        } else {
            self.0.fmt(f)
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(ClientAddress::of(parts))
    }
}

impl AppState {
    /// Appends an event to the audit log, stamped now. Callers pass names and counts only:
    /// never a password or a token.
    pub async fn audit(
        &self,
        actor: Option<&str>,
        device: Option<&str>,
        action: &str,
        detail: impl Into<String>,
    ) -> terrain_server_store::Result<()> {
        self.store
            .audit_append(&terrain_server_store::AuditEvent {
                at: chrono::Utc::now(),
                actor: actor.map(str::to_string),
                device: device.map(str::to_string),
                action: action.to_string(),
                detail: detail.into(),
            })
            .await
    }
}

/// The audit log's action names.
pub use terrain_server_store::actions;

/// Where the contact key lives unless `--contact-key` says: beside a SQLite database
/// (`contact.key` in its folder), else in the server's data folder.
pub fn default_contact_key(url: &str) -> anyhow::Result<std::path::PathBuf> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        let dir = Path::new(path).parent().unwrap_or(Path::new("."));
        return Ok(dir.join("contact.key"));
    }
    let dirs = directories::ProjectDirs::from("org", "Terrain", "terrain-server")
        .ok_or_else(|| anyhow::anyhow!("no home folder: give --contact-key PATH"))?;
    Ok(dirs.data_dir().join("contact.key"))
}

/// Every /v1 request says which protocol it speaks; an old client is told to update.
async fn require_protocol(req: axum::extract::Request, next: Next) -> Response {
    let version = req
        .headers()
        .get(PROTOCOL_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    match version {
        Some(v) if v == PROTOCOL_VERSION.to_string() => next.run(req).await,
        // The console's pages are served by this very server, so never out of date; a download
        // link cannot send the header. They are judged by the session's rules instead.
        None if console::session::is_browser_request(req.headers(), req.uri().path()) => {
            next.run(req).await
        }
        theirs => AppError::ProtocolVersion(theirs).into_response(),
    }
}

/// The whole HTTP API, ready to serve or to call in tests without a socket.
pub fn router(state: AppState) -> Router {
    // The routes come from one table (`routes.rs`), which the OpenAPI document is built from
    // too; each group gets its own limits here.
    let blobs = routes::of_group(Group::Blobs)
        .layer(middleware::from_fn_with_state(
            limits::BLOB_CHUNK_BYTES,
            decompress::layer,
        ))
        .layer(DefaultBodyLimit::max(limits::BLOB_CHUNK_BYTES));
    // Signing in is the one body read before anyone is known: it stays small.
    let sessions = routes::of_group(Group::SignIn)
        .layer(middleware::from_fn_with_state(
            limits::SIGN_IN_BODY_BYTES,
            decompress::layer,
        ))
        .layer(middleware::from_fn_with_state(
            edge::Turns::sign_ins(),
            edge::in_turn,
        ))
        .layer(DefaultBodyLimit::max(limits::SIGN_IN_BODY_BYTES));
    let api = routes::of_group(Group::Api)
        .layer(middleware::from_fn_with_state(
            limits::BODY_BYTES,
            decompress::layer,
        ))
        .layer(DefaultBodyLimit::max(limits::BODY_BYTES))
        .merge(sessions)
        .merge(blobs)
        .merge(routes::of_group(Group::Bundles))
        .layer(middleware::from_fn(require_protocol));
    let app = routes::of_group(Group::Open)
        .merge(api)
        // Outside /v1: the console's pages (GET), else the API's 404.
        .fallback(console::assets::serve)
        .layer(middleware::from_fn(error::json_errors))
        // Blob downloads go as stored: photos do not shrink, and a range of a compressed body
        // would count compressed bytes.
        .layer(CompressionLayer::new().compress_when(
            DefaultPredicate::new().and(NotForContentType::const_new("application/octet-stream")),
        ));
    SECURITY_HEADERS
        .iter()
        .fold(app, |app, (name, value)| {
            let value = HeaderValue::from_static(value);
            // The console's pages set their own policy and caching (console::assets); the
            // API's answers never do, and get these.
            if name == header::CONTENT_SECURITY_POLICY || name == header::CACHE_CONTROL {
                app.layer(SetResponseHeaderLayer::if_not_present(name.clone(), value))
            } else {
                app.layer(SetResponseHeaderLayer::overriding(name.clone(), value))
            }
        })
        .layer(middleware::from_fn(error::log_causes))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Set on every answer, errors and 404s included. The API serves JSON only, never a page:
/// nothing may be loaded, framed or sniffed from it, no answer cached (they carry reports and
/// tokens), no address leaked to another site. `X-Frame-Options` is for browsers that predate
/// `frame-ancestors`.
pub const SECURITY_HEADERS: [(HeaderName, &str); 5] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::CACHE_CONTROL, "no-store"),
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; frame-ancestors 'none'",
    ),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "no-referrer"),
];

/// `Strict-Transport-Security`, for a server that speaks HTTPS itself (`--tls-cert`): a
/// browser that has seen it once never sends that host a request in clear again. Not set over
/// plain HTTP, where browsers ignore it (RFC 6797 §8.1) and where a TLS proxy in front, which
/// knows whether every name it serves has HTTPS, is the one to set it. No `includeSubDomains`:
/// other hosts of the organisation's domain may not have HTTPS.
pub const HSTS: &str = "max-age=31536000";

/// `app` with [`HSTS`] on every answer.
pub fn with_hsts(app: Router) -> Router {
    app.layer(SetResponseHeaderLayer::overriding(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static(HSTS),
    ))
}

/// `app` as a service that knows each connection's peer address ([`ClientAddress`]), which the
/// per-address limit on failed sign-ins is counted by. Used by [`serve`] and the binary.
pub fn with_client_address(app: Router) -> IntoMakeServiceWithConnectInfo<Router, SocketAddr> {
    app.into_make_service_with_connect_info::<SocketAddr>()
}

/// Serves `app` on `listener` until the task is dropped (tests), through the same
/// [`edge`] as the binary, with its default bounds.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) {
    edge::serve(
        listener,
        app,
        edge::EdgeConfig::default(),
        None,
        std::future::pending(),
    )
    .await
}

//! The Terrain sync server: devices sign in once, push their queued revisions (stored exactly
//! once, never overwritten: a concurrent edit becomes a second head), pull their regions' feed,
//! upload attachments resumably. Reviewers verify reports.
//!
//! Handlers are thin: they parse, check permissions, call the storage trait and map the result.
//! Storage engines (SQLite, PostgreSQL) are chosen from the database URL in [`open_store`]; no
//! handler names an engine. Logs never carry passwords or tokens.

pub mod auth;
pub mod cli;
mod error;
mod handlers;
pub mod openapi;

pub use axum::Router;
pub use error::AppError;
pub use handlers::add_user;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use std::path::Path;
use std::sync::Arc;
use terrain_protocol::{PROTOCOL_HEADER, PROTOCOL_VERSION, codes, limits};
use terrain_server_store::ServerStore;
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn ServerStore>,
    /// Verified against when a user does not exist, so sign-in timing tells nothing.
    dummy_hash: String,
}

impl AppState {
    pub fn new(store: Arc<dyn ServerStore>) -> AppState {
        AppState {
            store,
            dummy_hash: auth::hash_password("no such user"),
        }
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

/// Opens the storage a URL names: `sqlite:PATH` or `postgres://...` (tables in `pg_schema`).
pub async fn open_store(url: &str, pg_schema: &str) -> anyhow::Result<Arc<dyn ServerStore>> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        Ok(Arc::new(terrain_server_sqlite::SqliteStore::open(
            Path::new(path),
        )?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(
            terrain_server_postgres::PgStore::connect(url, pg_schema).await?,
        ))
    } else {
        anyhow::bail!("--db: {url:?} is neither sqlite:PATH nor postgres://...")
    }
}

/// Every /v1 request says which protocol it speaks; an old client is told to update.
async fn require_protocol(req: axum::extract::Request, next: Next) -> Response {
    let version = req
        .headers()
        .get(PROTOCOL_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    match version.as_deref() {
        Some(v) if v == PROTOCOL_VERSION.to_string() => next.run(req).await,
        Some(v) => AppError::new(
            StatusCode::UPGRADE_REQUIRED,
            codes::PROTOCOL_VERSION,
            format!("this server speaks protocol {PROTOCOL_VERSION}, not {v}; update Terrain"),
        )
        .into_response(),
        None => AppError::new(
            StatusCode::BAD_REQUEST,
            codes::PROTOCOL_VERSION,
            format!("the {PROTOCOL_HEADER} header is missing; this server speaks protocol {PROTOCOL_VERSION}"),
        )
        .into_response(),
    }
}

/// The whole HTTP API, ready to serve or to call in tests without a socket.
pub fn router(state: AppState) -> Router {
    let blobs = Router::new()
        .route(
            "/v1/blobs/{sha256}",
            put(handlers::blob_put).head(handlers::blob_head),
        )
        .layer(DefaultBodyLimit::max(limits::BLOB_CHUNK_BYTES));
    let api = Router::new()
        .route("/v1/sessions", post(handlers::sign_in))
        .route("/v1/push", post(handlers::push))
        .route("/v1/pull", get(handlers::pull))
        .route("/v1/reports/{id}/verify", post(handlers::verify))
        .route("/v1/audit", get(handlers::audit))
        .layer(DefaultBodyLimit::max(limits::BODY_BYTES))
        .merge(blobs)
        .layer(middleware::from_fn(require_protocol));
    Router::new()
        .route("/health", get(handlers::health))
        .route(
            "/v1/openapi.json",
            get(|| async { axum::Json(openapi::document()) }),
        )
        .merge(api)
        .layer(RequestDecompressionLayer::new())
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves `app` on `listener` until the task is dropped (tests); the binary adds graceful
/// shutdown on SIGTERM and Ctrl-C.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) {
    if let Err(e) = axum::serve(listener, app).await {
        tracing::error!(error = %e, "server stopped");
    }
}

//! The console's pages: the second Vite build of `ui/` (`ui/dist-console/`, made by
//! `npm run build` in `ui/`), embedded in the binary (rust-embed: a release build holds the
//! files; a debug build reads them from that folder as it runs). Served at `/`, with the
//! client-side routes `/console` and `/console/...` answered by the page itself
//! (`index.html`), hashed files under `/assets/` cached for a year (immutable), the page never.
//!
//! When the folder was not built, the server answers a one-page "console not built" notice
//! instead, so `cargo build` works on a fresh checkout (see docs/console.md).
//!
//! Every page carries a CSP of its own (`default-src 'self'`: no inline script or style, no
//! other origin), besides the security headers every answer has.

use crate::api::health::not_found;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "../../ui/dist-console/"]
#[allow_missing = true]
struct Built;

/// Shown when `ui/dist-console` was not built: no script, no style, no other origin.
const NOT_BUILT: &str = include_str!("not_built.html");

/// The console's pages' policy: only this server, nothing inline, never framed.
pub const CONSOLE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' blob: data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Hashed build output: a name never changes content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Whether `path` is one of the console's pages (its index and its client-side routes).
fn is_page(path: &str) -> bool {
    path == "/" || path == "/index.html" || path == "/console" || path.starts_with("/console/")
}

/// The router's fallback: the console's files and pages for GET and HEAD outside `/v1/`;
/// the API's 404 for everything else.
pub async fn serve(req: Request) -> Response {
    let path = req.uri().path();
    if !matches!(*req.method(), Method::GET | Method::HEAD) || path.starts_with("/v1/") {
        return not_found().await.into_response();
    }
    if is_page(path) {
        return page();
    }
    let name = path.trim_start_matches('/');
    match Built::get(name).filter(|_| !name.is_empty() && !name.ends_with(".html")) {
        Some(file) => {
            let cache = if name.starts_with("assets/") {
                IMMUTABLE
            } else {
                "no-cache"
            };
            let mime = file.metadata.mimetype().to_string();
            respond(file.data.into_owned(), &mime, cache)
        }
        None => not_found().await.into_response(),
    }
}

/// The console's page: the build's `index.html` (or `console.html`), else the notice.
fn page() -> Response {
    match Built::get("index.html").or_else(|| Built::get("console.html")) {
        Some(file) => respond(
            file.data.into_owned(),
            "text/html; charset=utf-8",
            "no-cache",
        ),
        None => {
            let mut resp = respond(
                NOT_BUILT.as_bytes().to_vec(),
                "text/html; charset=utf-8",
                "no-store",
            );
            resp.headers_mut()
                .insert("terrain-console", HeaderValue::from_static("not-built"));
            resp
        }
    }
}

/// Whether the console's build is embedded (else the notice is served).
pub fn built() -> bool {
    Built::get("index.html")
        .or_else(|| Built::get("console.html"))
        .is_some()
}

fn respond(bytes: Vec<u8>, mime: &str, cache: &'static str) -> Response {
    let mut resp = (StatusCode::OK, Body::from(bytes)).into_response();
    let headers = resp.headers_mut();
    if let Ok(mime) = HeaderValue::from_str(mime) {
        headers.insert(header::CONTENT_TYPE, mime);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONSOLE_CSP),
    );
    resp
}

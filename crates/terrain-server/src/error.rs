//! The one error type of the API: an enum of causes, each answered once with its status, its
//! stable code and plain words; the words in the request's `Accept-Language` when the message
//! catalogue has them (`server.<code>`). Failures' details are logged by [`log_causes`], a
//! layer, from the answer's extensions; never sent to the client.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use terrain_domain::messages::{self, Lang};
use terrain_protocol::{ErrorBody, ErrorDetail, PROTOCOL_HEADER, PROTOCOL_VERSION, codes, limits};
use terrain_server_store::StoreError;

/// Why a request is refused or failed: one cause each, its words the `Display`; its status
/// ([`AppError::status`]), code ([`AppError::code`]) and headers are decided once, here.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    // Signing in and tokens.
    #[error("too many failed sign-ins from your network address; try again in {retry_after} s")]
    RateLimited { retry_after: u64 },
    #[error("too many failed sign-ins for {user}; try again after {} UTC", until.format("%H:%M"))]
    LockedOut {
        user: String,
        until: DateTime<Utc>,
        retry_after: u64,
    },
    #[error("wrong user name or password")]
    BadCredentials,
    #[error("sign in first: no valid device token")]
    Unauthenticated,
    #[error("this device's token was not used for more than {}; sign in again", idle_words(*.idle))]
    TokenExpired { idle: chrono::Duration },
    #[error("this device's access was revoked; ask an administrator")]
    TokenRevoked,
    #[error("this token was renewed or revoked meanwhile; use the new one or sign in")]
    TokenRetired,
    /// A console (browser) session past its idle time or its end, or ended.
    #[error("your console session has ended ({0}); sign in again")]
    SessionExpired(&'static str),
    /// A request made with the console's cookie without its CSRF token, or from another site.
    #[error("{0}")]
    CsrfRefused(&'static str),
    // What a request carries.
    #[error("{0}")]
    MalformedJson(String),
    #[error("{0}")]
    BodyTooLarge(String),
    #[error("{field} {why}")]
    InvalidText { field: &'static str, why: String },
    /// A body field the endpoint refuses; the words name the field and the problem.
    #[error("{field}: {why}")]
    InvalidField { field: &'static str, why: String },
    #[error("a user named {0:?} exists already")]
    UserExists(String),
    /// A site revision following one the server does not hold (and the request does not bring
    /// earlier): 409, code `invalid_field`; the words name the revision and the parent.
    #[error("{0}")]
    UnknownParent(String),
    #[error("{0}")]
    InvalidQuery(String),
    #[error("{count} revisions in one push; at most {}", limits::PUSH_REVISIONS)]
    TooManyRevisions { count: usize },
    #[error("Content-Encoding {0:?} is not taken; send zstd, gzip or identity")]
    UnknownEncoding(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    BadEncoding(String),
    #[error("{}", protocol_words(.0.as_deref()))]
    ProtocolVersion(Option<String>),
    #[error("{method} is not taken by this path; its Allow header lists the methods it takes")]
    MethodNotAllowed { method: String },
    #[error("{0}")]
    BadRequest(String),
    // Who may do what.
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{user} does not review region {region:?}")]
    RegionForbidden { user: String, region: String },
    #[error("{0}")]
    NotFound(String),
    // Attachments.
    #[error(
        "the Range header {range} is not one range of bytes within this blob of {size} bytes (bytes=START- or bytes=START-END)"
    )]
    RangeNotSatisfiable {
        /// As the request spelt it, quoted.
        range: String,
        size: u64,
    },
    #[error("{0}")]
    InvalidUploadHeader(String),
    #[error("your upload stands at byte {actual}; resume from there")]
    OffsetMismatch { actual: u64 },
    #[error("an upload may have at most {limit} pieces; send bigger ones")]
    TooManyPieces { limit: usize },
    #[error("the piece was cut short; the bytes up to {at} are kept: resume from there")]
    PieceCut { at: u64 },
    #[error("the bytes received do not have the sha256 they are named by; upload again from 0")]
    BlobHashMismatch,
    /// A USB bundle refused whole: the catalogue's code (`codes::BUNDLE_REFUSALS`) and its
    /// words, already in the request's language.
    #[error("{message}")]
    BundleRefused { code: &'static str, message: String },
    // The server's own limits and failures.
    #[error("{message}")]
    TooManyConnections { message: String },
    #[error("{0}")]
    RequestTimeout(String),
    #[error("{0}")]
    Busy(String),
    /// The detail goes to the log (see [`log_causes`]), not to the client.
    #[error("the server's storage is unavailable; try again later")]
    Storage(#[from] StoreError),
    /// The detail goes to the log, not to the client.
    #[error("the server failed; try again later")]
    Internal(String),
}

fn idle_words(idle: chrono::Duration) -> String {
    if idle.num_days() >= 1 {
        format!("{} days", idle.num_days())
    } else {
        format!("{} seconds", idle.num_seconds())
    }
}

fn protocol_words(theirs: Option<&str>) -> String {
    match theirs {
        Some(v) => {
            format!("this server speaks protocol {PROTOCOL_VERSION}, not {v}; update Terrain")
        }
        None => format!(
            "the {PROTOCOL_HEADER} header is missing; this server speaks protocol {PROTOCOL_VERSION}"
        ),
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        use AppError::*;
        match self {
            RateLimited { .. } | LockedOut { .. } | TooManyConnections { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            BadCredentials
            | Unauthenticated
            | TokenExpired { .. }
            | TokenRevoked
            | TokenRetired
            | SessionExpired(_) => StatusCode::UNAUTHORIZED,
            CsrfRefused(_) => StatusCode::FORBIDDEN,
            InvalidField { .. } => StatusCode::BAD_REQUEST,
            UserExists(_) | UnknownParent(_) => StatusCode::CONFLICT,
            MalformedJson(_)
            | InvalidText { .. }
            | InvalidQuery(_)
            | BadEncoding(_)
            | BadRequest(_)
            | InvalidUploadHeader(_)
            | PieceCut { .. } => StatusCode::BAD_REQUEST,
            ProtocolVersion(None) => StatusCode::BAD_REQUEST,
            ProtocolVersion(Some(_)) => StatusCode::UPGRADE_REQUIRED,
            BodyTooLarge(_) | TooManyRevisions { .. } | TooManyPieces { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            UnknownEncoding(_) | UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Forbidden(_) | RegionForbidden { .. } => StatusCode::FORBIDDEN,
            NotFound(_) => StatusCode::NOT_FOUND,
            RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            OffsetMismatch { .. } => StatusCode::CONFLICT,
            BlobHashMismatch | BundleRefused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Busy(_) | Storage(_) | Internal(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The stable code in the body ([`codes`]).
    pub fn code(&self) -> &'static str {
        use AppError::*;
        match self {
            RateLimited { .. } => codes::RATE_LIMITED,
            LockedOut { .. } => codes::LOCKED_OUT,
            BadCredentials => codes::BAD_CREDENTIALS,
            Unauthenticated => codes::UNAUTHENTICATED,
            TokenExpired { .. } => codes::TOKEN_EXPIRED,
            TokenRevoked | TokenRetired => codes::TOKEN_REVOKED,
            SessionExpired(_) => codes::SESSION_EXPIRED,
            CsrfRefused(_) => codes::CSRF_REFUSED,
            InvalidField { .. } | UnknownParent(_) => codes::INVALID_FIELD,
            UserExists(_) => codes::USER_EXISTS,
            MalformedJson(_) => codes::MALFORMED_JSON,
            BodyTooLarge(_) => codes::BODY_TOO_LARGE,
            InvalidText { .. } => codes::INVALID_TEXT,
            InvalidQuery(_) => codes::INVALID_QUERY,
            TooManyRevisions { .. } => codes::TOO_MANY_REVISIONS,
            UnknownEncoding(_) | UnsupportedMediaType(_) => codes::UNSUPPORTED_MEDIA_TYPE,
            BadEncoding(_) => codes::BAD_ENCODING,
            ProtocolVersion(_) => codes::PROTOCOL_VERSION,
            MethodNotAllowed { .. } => codes::METHOD_NOT_ALLOWED,
            BadRequest(_) | PieceCut { .. } => codes::BAD_REQUEST,
            Forbidden(_) => codes::FORBIDDEN,
            RegionForbidden { .. } => codes::REGION_FORBIDDEN,
            NotFound(_) => codes::NOT_FOUND,
            RangeNotSatisfiable { .. } => codes::RANGE_NOT_SATISFIABLE,
            InvalidUploadHeader(_) => codes::INVALID_UPLOAD_HEADER,
            OffsetMismatch { .. } => codes::OFFSET_MISMATCH,
            TooManyPieces { .. } => codes::TOO_MANY_PIECES,
            BlobHashMismatch => codes::BLOB_HASH_MISMATCH,
            BundleRefused { code, .. } => code,
            TooManyConnections { .. } => codes::TOO_MANY_CONNECTIONS,
            RequestTimeout(_) => codes::REQUEST_TIMEOUT,
            Busy(_) | Storage(_) | Internal(_) => codes::UNAVAILABLE,
        }
    }

    /// Seconds after which trying again may succeed (`Retry-After`).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::RateLimited { retry_after } | AppError::LockedOut { retry_after, .. } => {
                Some(*retry_after)
            }
            AppError::TooManyConnections { .. } | AppError::Busy(_) => Some(5),
            _ => None,
        }
    }

    /// The header this cause answers with, besides `Retry-After`.
    fn header(&self) -> Option<(HeaderName, HeaderValue)> {
        let offset = |at: u64| Some((HeaderName::from_static("upload-offset"), at.into()));
        match self {
            AppError::OffsetMismatch { actual } => offset(*actual),
            AppError::PieceCut { at } => offset(*at),
            AppError::RangeNotSatisfiable { size, .. } => Some((
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes */{size}")).ok()?,
            )),
            AppError::UnknownEncoding(_) => Some((
                header::ACCEPT_ENCODING,
                HeaderValue::from_static("zstd, gzip, identity"),
            )),
            _ => None,
        }
    }

    /// What the log is told: the cause with its detail, which the client is not.
    fn log_line(&self) -> Option<String> {
        match self {
            AppError::Storage(e) => Some(format!("storage failed: {e}")),
            AppError::Internal(e) => Some(format!("the server failed: {e}")),
            _ => None,
        }
    }

    pub fn rate_limited(retry_after: u64) -> AppError {
        AppError::RateLimited { retry_after }
    }

    /// `user` may not sign in before `until`.
    pub fn locked_out(user: &str, until: DateTime<Utc>, now: DateTime<Utc>) -> AppError {
        AppError::LockedOut {
            user: user.to_string(),
            until,
            retry_after: (until - now).num_seconds().max(1) as u64,
        }
    }

    pub fn bad_credentials() -> AppError {
        AppError::BadCredentials
    }

    pub fn invalid_text(field: &'static str, why: impl ToString) -> AppError {
        AppError::InvalidText {
            field,
            why: why.to_string(),
        }
    }

    /// A request body over `limit` bytes.
    pub fn body_too_large(limit: usize) -> AppError {
        AppError::BodyTooLarge(format!(
            "the request is larger than {limit} bytes; send smaller batches"
        ))
    }
}

/// The detail of a failure, put in the answer's extensions for [`log_causes`] to log.
#[derive(Clone, Debug)]
pub struct LoggedCause(pub String);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_string(),
                message: self.to_string(),
            },
        };
        let mut resp = (self.status(), axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after() {
            resp.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        if let Some((name, value)) = self.header() {
            resp.headers_mut().insert(name, value);
        }
        if let Some(line) = self.log_line() {
            resp.extensions_mut().insert(LoggedCause(line));
        }
        resp
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Logs the detail of each failure an answer carries ([`LoggedCause`]): storage and internal
/// failures, whose words the client does not get.
pub async fn log_causes(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let resp = next.run(req).await;
    if let Some(LoggedCause(line)) = resp.extensions().get::<LoggedCause>() {
        tracing::error!(%method, %path, status = resp.status().as_u16(), error = %line, "request failed");
    }
    resp
}

/// Gives every error answer the documented shape, whoever made it: axum's extractor
/// rejections (plain text), its empty 405, a 413 or 415 from a layer. Answers already in JSON
/// (an [`AppError`]) pass untouched; headers such as `Allow` are kept.
pub async fn json_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let method = req.method().clone();
    let lang = req
        .headers()
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default();
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    if resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"))
    {
        return translated(resp, lang).await;
    }
    let (mut parts, body) = resp.into_parts();
    // axum's rejections are a line or two; anything longer is cut, not buffered.
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let or = |default: &str| {
        if text.is_empty() {
            default.to_string()
        } else {
            text.clone()
        }
    };
    let cause = match status {
        // The router adds `Allow` after this layer has run, so the message points to it.
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed {
            method: method.to_string(),
        },
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType(or(
            "this body's Content-Type or Content-Encoding is not taken here",
        )),
        StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::BodyTooLarge(or("the request body is larger than this endpoint takes"))
        }
        StatusCode::REQUEST_TIMEOUT => AppError::RequestTimeout(or("the request came too slowly")),
        StatusCode::NOT_FOUND => AppError::NotFound(or("not found")),
        StatusCode::BAD_REQUEST if text.starts_with("Failed to deserialize query string") => {
            AppError::InvalidQuery(text.clone())
        }
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST
            if text.starts_with("Failed to deserialize the JSON")
                || text.starts_with("Failed to parse the request body as JSON") =>
        {
            AppError::MalformedJson(text.clone())
        }
        s if s.is_server_error() => AppError::Internal(or("the server failed; try again later")),
        _ => AppError::BadRequest(or("the request cannot be read")),
    };
    parts.headers.remove(axum::http::header::CONTENT_TYPE);
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let mut fixed = cause.into_response();
    // The status stays what the layer or extractor chose; only the body takes our shape.
    *fixed.status_mut() = status;
    for (name, value) in parts.headers.iter() {
        fixed.headers_mut().insert(name.clone(), value.clone());
    }
    translated(fixed, lang).await
}

/// An error answer with its `message` in `lang`, its code unchanged. English answers keep the
/// handler's own words, which say more than the catalogue's general sentence.
async fn translated(resp: Response, lang: Lang) -> Response {
    if lang == Lang::En {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    // Error bodies are a code and a sentence; anything longer is not one of ours.
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let Ok(mut answer) = serde_json::from_slice::<ErrorBody>(&bytes) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    let code = format!("server.{}", answer.error.code);
    if messages::template(lang, &code).is_some() {
        answer.error.message = messages::text(lang, &code, &messages::Params::new());
    }
    let body = serde_json::to_vec(&answer).unwrap_or_else(|_| bytes.to_vec());
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    parts.headers.insert(
        axum::http::header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.code()),
    );
    Response::from_parts(parts, axum::body::Body::from(body))
}

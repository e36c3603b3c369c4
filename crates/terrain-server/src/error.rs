//! The one error type handlers return: a status, a stable code and plain words; the words in
//! the request's `Accept-Language` when the message catalogue has them (`server.<code>`).

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use terrain_domain::messages::{self, Lang};
use terrain_protocol::{ErrorBody, ErrorDetail, codes};

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub header: Option<(HeaderName, HeaderValue)>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> AppError {
        AppError {
            status,
            code,
            message: message.into(),
            header: None,
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl ToString) -> AppError {
        if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
            self.header = Some((HeaderName::from_static(name), v));
        }
        self
    }
}

impl From<terrain_server_store::StoreError> for AppError {
    fn from(e: terrain_server_store::StoreError) -> AppError {
        // The detail goes to the log, not to the client.
        tracing::error!(error = %e, "storage failed");
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::UNAVAILABLE,
            "the server's storage is unavailable; try again later",
        )
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
            },
        };
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some((name, value)) = self.header {
            resp.headers_mut().insert(name, value);
        }
        resp
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

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
    let (code, message) = match status {
        // The router adds `Allow` after this layer has run, so the message points to it.
        StatusCode::METHOD_NOT_ALLOWED => (
            codes::METHOD_NOT_ALLOWED,
            format!(
                "{method} is not taken by this path; its Allow header lists the methods it takes"
            ),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            codes::UNSUPPORTED_MEDIA_TYPE,
            or("this body's Content-Type or Content-Encoding is not taken here"),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            codes::BODY_TOO_LARGE,
            or("the request body is larger than this endpoint takes"),
        ),
        StatusCode::REQUEST_TIMEOUT => (codes::REQUEST_TIMEOUT, or("the request came too slowly")),
        StatusCode::NOT_FOUND => (codes::NOT_FOUND, or("not found")),
        StatusCode::BAD_REQUEST if text.starts_with("Failed to deserialize query string") => {
            (codes::INVALID_QUERY, text.clone())
        }
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST
            if text.starts_with("Failed to deserialize the JSON")
                || text.starts_with("Failed to parse the request body as JSON") =>
        {
            (codes::MALFORMED_JSON, text.clone())
        }
        s if s.is_server_error() => (codes::UNAVAILABLE, or("the server failed; try again later")),
        _ => (codes::BAD_REQUEST, or("the request cannot be read")),
    };
    parts.headers.remove(axum::http::header::CONTENT_TYPE);
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let mut fixed = AppError::new(status, code, message).into_response();
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

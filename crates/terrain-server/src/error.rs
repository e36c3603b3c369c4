//! The one error type handlers return: a status, a stable code and plain words.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
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

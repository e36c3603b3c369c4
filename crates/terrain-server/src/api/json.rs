//! The JSON body extractor: its rejections are [`AppError`] causes.

use crate::error::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use terrain_protocol::limits;

/// A request body read as a `T`, as the OpenAPI document reads it (`2.0` is an integer
/// there: [`terrain_protocol::json`]). Too large: `body_too_large`; not a `T`: `malformed_json`
/// with serde's words, which name the field and what was wrong with it.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::body_too_large(limits::BODY_BYTES)
            } else {
                AppError::MalformedJson(e.body_text())
            }
        })?;
        terrain_protocol::json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| {
                AppError::MalformedJson(format!("the body is not valid JSON for this request: {e}"))
            })
    }
}

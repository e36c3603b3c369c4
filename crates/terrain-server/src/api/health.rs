//! `GET /health`, and the answer to a path no route serves.

use crate::error::AppError;
use crate::{AppState, error::LoggedCause};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use terrain_protocol::{Health, PROTOCOL_VERSION};

/// 200 when the storage answers, else 503 (its failure logged).
pub async fn health(State(state): State<AppState>) -> Response {
    match state.store.health().await {
        Ok(()) => {
            let protocol = vec![PROTOCOL_VERSION];
            let status = "ok".into();
            (StatusCode::OK, Json(Health { status, protocol })).into_response()
        }
        Err(e) => {
            let status = "storage unavailable".into();
            let body = Json(Health {
                status,
                protocol: Vec::new(),
            });
            let mut resp = (StatusCode::SERVICE_UNAVAILABLE, body).into_response();
            let cause = LoggedCause(format!("health check failed: {e}"));
            resp.extensions_mut().insert(cause);
            resp
        }
    }
}

/// Any answer to a path no route serves: the API's error shape, with its headers.
pub async fn not_found() -> AppError {
    AppError::NotFound("no such endpoint; /v1/openapi.json lists them".into())
}

//! `POST /v1/reports/{id}/review` and the old clients' `POST /v1/reports/{id}/verify`.

use crate::AppState;
use crate::api::JsonBody;
use crate::auth::Authed;
use crate::error::Result;
use crate::policy::reviews;
use axum::Json;
use axum::extract::{Path, State};
use terrain_protocol::{ReviewDecision, ReviewRequest, Verified};
use uuid::Uuid;

/// A review decision on one of the report's revisions ([`reviews::review`]).
pub async fn review(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(report): Path<Uuid>,
    JsonBody(request): JsonBody<ReviewRequest>,
) -> Result<Json<ReviewDecision>> {
    Ok(Json(
        reviews::review(&state, &device, report, request).await?,
    ))
}

/// Marks a report verified on its current head ([`reviews::verify`]).
pub async fn verify(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(report): Path<Uuid>,
) -> Result<Json<Verified>> {
    Ok(Json(reviews::verify(&state, &device, report).await?))
}

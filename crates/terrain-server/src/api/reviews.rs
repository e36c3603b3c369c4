//! `POST /v1/reports/{id}/verify`.

use crate::AppState;
use crate::auth::Authed;
use crate::error::Result;
use crate::policy::reviews;
use axum::Json;
use axum::extract::{Path, State};
use terrain_protocol::Verified;
use uuid::Uuid;

/// Marks a report verified ([`reviews::verify`]).
pub async fn verify(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(report): Path<Uuid>,
) -> Result<Json<Verified>> {
    Ok(Json(reviews::verify(&state, &device, report).await?))
}

//! `GET /v1/pull`.

use crate::AppState;
use crate::auth::Authed;
use crate::error::Result;
use crate::policy::pull;
use axum::Json;
use axum::extract::{Query, State};
use terrain_protocol::{PullPage, PullParams};

/// A page of the reader's feed ([`pull::page`]).
pub async fn pull(
    State(state): State<AppState>,
    Authed(device): Authed,
    Query(q): Query<PullParams>,
) -> Result<Json<PullPage>> {
    Ok(Json(pull::page(&state, &device, q).await?))
}

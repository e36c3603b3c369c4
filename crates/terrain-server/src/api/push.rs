//! `POST /v1/push`.

use crate::AppState;
use crate::api::JsonBody;
use crate::auth::Authed;
use crate::error::Result;
use crate::policy::push;
use axum::Json;
use axum::extract::State;
use chrono::Utc;
use terrain_protocol::{Push, PushAnswer};

/// Stores a batch of revisions, each once ([`push::push`]).
pub async fn push(
    State(state): State<AppState>,
    Authed(device): Authed,
    JsonBody(req): JsonBody<Push>,
) -> Result<Json<PushAnswer>> {
    let today = Utc::now().date_naive();
    Ok(Json(
        push::push(&state, &device, req.revisions, today).await?,
    ))
}

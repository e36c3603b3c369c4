//! `GET /v1/audit`.

use crate::AppState;
use crate::auth::Authed;
use crate::error::Result;
use crate::policy::audit;
use axum::Json;
use axum::extract::{Query, State};
use terrain_protocol::{AuditPage, AuditParams};

/// The audit log, oldest first, for administrators ([`audit::read`]).
pub async fn audit(
    State(state): State<AppState>,
    Authed(device): Authed,
    Query(q): Query<AuditParams>,
) -> Result<Json<AuditPage>> {
    Ok(Json(audit::read(&state, &device, q).await?))
}

//! Shared sites (issue 15): `POST /v1/sites/revisions`, `GET /v1/sites/{id}`; the rules are
//! [`crate::policy::sites`]'s.

use crate::AppState;
use crate::api::JsonBody;
use crate::auth::Authed;
use crate::error::Result;
use crate::policy::sites;
use axum::Json;
use axum::extract::{Path, State};
use terrain_protocol::sites::{SiteHistory, SiteResults, SiteRevisions};
use uuid::Uuid;

/// The caller's site revisions ([`sites::record`]).
pub async fn revisions(
    State(state): State<AppState>,
    Authed(device): Authed,
    JsonBody(body): JsonBody<SiteRevisions>,
) -> Result<Json<SiteResults>> {
    Ok(Json(sites::record(&state, &device, body).await?))
}

/// One site's revisions and those of the sites it was merged into ([`sites::history`]).
pub async fn history(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(site): Path<Uuid>,
) -> Result<Json<SiteHistory>> {
    Ok(Json(sites::history(&state, &device, site).await?))
}

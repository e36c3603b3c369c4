//! Shared sites (issue 15): `POST /v1/sites/revisions`, `GET /v1/sites/{id}`, and the
//! console's site page `GET /v1/sites/{id}/incidents`; the rules are [`crate::policy::sites`]'s
//! and [`crate::policy::site_incidents`]'s.

use crate::AppState;
use crate::api::JsonBody;
use crate::auth::Authed;
use crate::error::Result;
use crate::policy::{site_incidents, sites};
use axum::Json;
use axum::extract::{Path, State};
use terrain_protocol::sites::{SiteHistory, SiteIncidents, SiteResults, SiteRevisions};
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

/// A site as it is now and every incident at it ([`site_incidents::site_incidents`]).
pub async fn incidents(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(site): Path<Uuid>,
) -> Result<Json<SiteIncidents>> {
    Ok(Json(
        site_incidents::site_incidents(&state, &device, site).await?,
    ))
}

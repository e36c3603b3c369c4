//! Incidents (issue 15): `GET /v1/reports/{id}/similar`, `POST /v1/incidents/links`,
//! `GET /v1/incidents/{id}`, `POST /v1/incidents/decisions`; the rules are
//! [`crate::policy::incidents`]'s.

use crate::AppState;
use crate::api::JsonBody;
use crate::auth::Authed;
use crate::error::Result;
use crate::policy::incidents;
use axum::Json;
use axum::extract::{Path, State};
use terrain_domain::incident::LinkOp;
use terrain_protocol::{IncidentView, LinkOps, LinkResults, PairDecision, Similar};
use uuid::Uuid;

/// The reports a report may be the same incident as ([`incidents::similar`]).
pub async fn similar(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(report): Path<Uuid>,
) -> Result<Json<Similar>> {
    Ok(Json(incidents::similar(&state, &device, report).await?))
}

/// Link, unlink and dismiss operations ([`incidents::record`]).
pub async fn links(
    State(state): State<AppState>,
    Authed(device): Authed,
    JsonBody(body): JsonBody<LinkOps>,
) -> Result<Json<LinkResults>> {
    Ok(Json(incidents::record(&state, &device, body).await?))
}

/// The incident a report is in ([`incidents::incident`]).
pub async fn incident(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(report): Path<Uuid>,
) -> Result<Json<IncidentView>> {
    Ok(Json(incidents::incident(&state, &device, report).await?))
}

/// One decision on a pair, made into an operation by the server ([`incidents::decide`]).
pub async fn decide(
    State(state): State<AppState>,
    Authed(device): Authed,
    JsonBody(body): JsonBody<PairDecision>,
) -> Result<Json<LinkOp>> {
    Ok(Json(incidents::decide(&state, &device, body).await?))
}

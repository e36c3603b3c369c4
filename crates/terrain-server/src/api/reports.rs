//! `GET /v1/reports` (the console's inbox), `GET /v1/reports/counts` and
//! `GET /v1/reports/{id}`: each one call of [`crate::policy::reports`].

use crate::AppState;
use crate::auth::Authed;
use crate::error::Result;
use crate::policy::reports;
use axum::Json;
use axum::extract::{Path, Query, State};
use terrain_protocol::{Counts, CountsParams, ReportDetail, ReportFilter, ReportPage};
use uuid::Uuid;

/// A page of the reader's reports, newest arrival first ([`reports::inbox`]).
pub async fn list(
    State(state): State<AppState>,
    Authed(device): Authed,
    Query(filter): Query<ReportFilter>,
) -> Result<Json<ReportPage>> {
    Ok(Json(reports::inbox(&state, &device, filter).await?))
}

/// How many of the reader's reports the filter selects, grouped ([`reports::counts`]).
pub async fn counts(
    State(state): State<AppState>,
    Authed(device): Authed,
    Query(filter): Query<ReportFilter>,
    Query(params): Query<CountsParams>,
) -> Result<Json<Counts>> {
    Ok(Json(
        reports::counts(&state, &device, filter, params.by).await?,
    ))
}

/// One report whole ([`reports::detail`]).
pub async fn detail(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(id): Path<Uuid>,
) -> Result<Json<ReportDetail>> {
    Ok(Json(reports::detail(&state, &device, id).await?))
}

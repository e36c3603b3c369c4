//! `GET /v1/exports/reports.csv`, `.geojson` and `.pdf`, and `GET /v1/reports/{id}/pdf`:
//! files from [`crate::policy::exports`], with the headers a browser saves them by.

use crate::AppState;
use crate::auth::Authed;
use crate::error::Result;
use crate::policy::exports::{self, Export, Filter, Format, Payload};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::pin::Pin;
use terrain_domain::Lang;
use terrain_protocol::{ExportOptions, TOTAL_HEADER};
use tokio::sync::mpsc;
use uuid::Uuid;

/// The reports the filter selects as CSV (RFC 4180, UTF-8, the HXL row unless `hxl=false`).
pub async fn csv(
    state: State<AppState>,
    authed: Authed,
    filter: Query<Filter>,
    options: Query<ExportOptions>,
    headers: HeaderMap,
) -> Result<Response> {
    reports(Format::Csv, state, authed, filter, options, headers).await
}

/// The reports the filter selects that have coordinates, as GeoJSON points.
pub async fn geojson(
    state: State<AppState>,
    authed: Authed,
    filter: Query<Filter>,
    options: Query<ExportOptions>,
    headers: HeaderMap,
) -> Result<Response> {
    reports(Format::GeoJson, state, authed, filter, options, headers).await
}

/// A PDF summary of the reports the filter selects (at most
/// [`terrain_protocol::SUMMARY_PDF_REPORTS`]).
pub async fn pdf(
    state: State<AppState>,
    authed: Authed,
    filter: Query<Filter>,
    options: Query<ExportOptions>,
    headers: HeaderMap,
) -> Result<Response> {
    reports(Format::SummaryPdf, state, authed, filter, options, headers).await
}

/// One report's PDF: every field, its photos, its review.
pub async fn report_pdf(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(id): Path<Uuid>,
    Query(options): Query<ExportOptions>,
    headers: HeaderMap,
) -> Result<Response> {
    let lang = exports::language(&options, accepted(&headers));
    Ok(answer(
        exports::report_pdf(&state, &device, id, lang).await?,
    ))
}

async fn reports(
    format: Format,
    State(state): State<AppState>,
    Authed(device): Authed,
    Query(filter): Query<Filter>,
    Query(options): Query<ExportOptions>,
    headers: HeaderMap,
) -> Result<Response> {
    let lang = exports::language(&options, accepted(&headers));
    let export = exports::reports(&state, &device, format, filter, options, lang).await?;
    Ok(answer(export))
}

fn accepted(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default()
}

fn answer(export: Export) -> Response {
    let (mut resp, length) = match export.body {
        Payload::Stream(pieces) => (Body::new(Pieces(pieces)).into_response(), None),
        Payload::Whole(bytes) => {
            let length = bytes.len();
            (Body::from(bytes).into_response(), Some(length))
        }
    };
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(export.media_type),
    );
    if let Some(length) = length {
        h.insert(header::CONTENT_LENGTH, length.into());
    }
    // The name is ours (ASCII letters, digits, dashes): no quoting to escape.
    if let Ok(v) = format!("attachment; filename=\"{}\"", export.file_name).parse() {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(total) = export.total {
        h.insert(TOTAL_HEADER, total.into());
    }
    resp
}

/// A body sent as the export's pieces arrive.
struct Pieces(mpsc::Receiver<std::io::Result<Bytes>>);

impl http_body::Body for Pieces {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<std::io::Result<http_body::Frame<Bytes>>>> {
        self.0
            .poll_recv(cx)
            .map(|piece| piece.map(|bytes| bytes.map(http_body::Frame::data)))
    }
}

//! `/v1/admin/bundles`: the console's upload of a device's USB bundle, and its reply's
//! download (administrators only; the rules are [`crate::policy::bundle_uploads`]).

use crate::AppState;
use crate::auth::Authed;
use crate::error::{AppError, Result};
use crate::policy::bundle_uploads;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use http_body::{Body as _, Frame};
use std::pin::Pin;
use std::task::{Context, Poll};
use terrain_domain::Lang;
use terrain_protocol::{BundleImported, BundleUpload};
use tokio::io::{AsyncRead, ReadBuf};

/// Receives the bundle (its parts in order, one body) into a file as it comes, then imports it.
pub async fn upload(
    State(state): State<AppState>,
    Authed(device): Authed,
    Query(query): Query<BundleUpload>,
    headers: HeaderMap,
    mut body: Body,
) -> Result<Json<BundleImported>> {
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let mut upload = bundle_uploads::begin(&state, &device, query.name.as_deref(), length).await?;
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|e| {
            AppError::BadRequest(format!(
                "the upload stopped before its end ({e}); send it again"
            ))
        })?;
        if let Ok(bytes) = frame.into_data() {
            upload.write(&bytes).await?;
        }
    }
    let lang = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default();
    Ok(Json(
        bundle_uploads::import(&state, &device, upload, lang).await?,
    ))
}

/// One file of a reply bundle, as an attachment.
pub async fn reply(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(name): Path<String>,
) -> Result<Response> {
    let (path, size) = bundle_uploads::reply(&state, &device, &name).await?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| AppError::NotFound(format!("no reply bundle named {name:?} is kept here")))?;
    let mut resp = Body::new(FileBody {
        file,
        buf: vec![0; 64 * 1024],
    })
    .into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::CONTENT_LENGTH, size.into());
    // The name is the server's own (letters, digits, dashes, underscores, dots).
    if let Ok(v) = format!("attachment; filename=\"{name}\"").parse() {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// A file sent as it is read.
struct FileBody {
    file: tokio::fs::File,
    buf: Vec<u8>,
}

impl http_body::Body for FileBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::io::Result<Frame<Bytes>>>> {
        let this = &mut *self;
        let mut read = ReadBuf::new(&mut this.buf);
        match Pin::new(&mut this.file).poll_read(cx, &mut read) {
            Poll::Ready(Ok(())) if read.filled().is_empty() => Poll::Ready(None),
            Poll::Ready(Ok(())) => {
                Poll::Ready(Some(Ok(Frame::data(Bytes::copy_from_slice(read.filled())))))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
            Poll::Pending => Poll::Pending,
        }
    }
}

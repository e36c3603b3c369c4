//! Attachments: resumable uploads and who may know of a blob.
//!
//! An upload in progress is its uploader's own (keyed by sha256 and user): another user's
//! pieces, offsets or hash mismatches never touch it, and only its owner may reset it. Pieces
//! are appended, never rewritten; the last one checks the sha256 over them all and stores the
//! blob once. A complete blob is answered for only to who uploaded it whole or may read a report
//! naming it; to anyone else it is absent, so HEAD and PUT tell nothing of photos in other
//! regions until the bytes prove the caller holds them. Uploads nobody appends to for a while
//! are deleted by [`sweep_uploads`].

use crate::AppState;
use crate::actions;
use crate::auth::Authed;
use crate::error::{AppError, Result};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use terrain_protocol::*;
use terrain_server_store::{BlobState, Device, Finished, StoreError};

fn check_sha(sha: &str) -> Result<()> {
    if sha.len() == 64 && sha.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')) {
        Ok(())
    } else {
        Err(AppError::new(
            StatusCode::NOT_FOUND,
            codes::NOT_FOUND,
            "a blob is named by 64 lower-case hex digits",
        ))
    }
}

/// What a blob the caller may not know of, or that does not exist, answers: the same.
fn absent(sha: &str) -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        codes::NOT_FOUND,
        format!("no blob {sha} and no upload of it in progress"),
    )
}

/// The first hex digits of a blob's name, enough to find it in the audit log.
fn short(sha: &str) -> &str {
    &sha[..12]
}

/// The stored blob's size, if `device`'s user may know of it: they uploaded it whole, or a
/// report naming it is in their regions (an admin's: any).
async fn known_size(state: &AppState, device: &Device, sha: &str) -> Result<Option<u64>> {
    let BlobState::Complete { size } = state.store.blob_state(sha).await? else {
        return Ok(None);
    };
    let regions = (device.user.role != Role::Admin).then(|| device.user.regions.clone());
    let visible = state
        .store
        .blob_visible(sha, &device.user.name, regions)
        .await?;
    Ok(visible.then_some(size))
}

fn at_offset(status: StatusCode, offset: u64) -> Response {
    (status, [(UPLOAD_OFFSET, offset.to_string())]).into_response()
}

/// 200 and the size: a blob the caller may know of; 204 and where it stands: the caller's
/// upload in progress; else 404.
pub async fn head(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(sha): Path<String>,
) -> Result<Response> {
    check_sha(&sha)?;
    if let Some(size) = known_size(&state, &device, &sha).await? {
        return Ok(at_offset(StatusCode::OK, size));
    }
    match state.store.upload_state(&sha, &device.user.name).await? {
        Some(received) => Ok(at_offset(StatusCode::NO_CONTENT, received)),
        None => Err(absent(&sha)),
    }
}

fn header_u64(headers: &HeaderMap, name: &'static str) -> Result<u64> {
    let value = headers.get(name).ok_or_else(|| {
        AppError::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_UPLOAD_HEADER,
            format!("the {name} header is missing"),
        )
    })?;
    value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            AppError::new(
                StatusCode::BAD_REQUEST,
                codes::INVALID_UPLOAD_HEADER,
                format!("the {name} header {value:?} is not a whole number of bytes below 2^64"),
            )
        })
}

/// Where a piece ends, checked: offsets near 2^64 are refused, never wrapped.
fn piece_end(offset: u64, piece: usize, length: u64) -> Result<u64> {
    let end = offset.checked_add(piece as u64).ok_or_else(|| {
        AppError::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_UPLOAD_HEADER,
            format!("{UPLOAD_OFFSET} {offset} plus the piece's {piece} bytes is past any size"),
        )
    })?;
    if length > limits::BLOB_BYTES || end > length {
        return Err(AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::BODY_TOO_LARGE,
            format!(
                "a blob may be at most {} bytes and a piece may not end past its {UPLOAD_LENGTH} \
                 ({length}); this one ends at byte {end}",
                limits::BLOB_BYTES
            ),
        ));
    }
    Ok(end)
}

/// Appends a piece to the caller's upload; the last piece (ending at `Upload-Length`) checks
/// the sha256 and stores the blob (201), or drops the upload (422).
pub async fn put(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(sha): Path<String>,
    headers: HeaderMap,
    bytes: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    check_sha(&sha)?;
    let bytes = bytes.map_err(|_| {
        AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::BODY_TOO_LARGE,
            format!(
                "upload pieces may be at most {} bytes",
                limits::BLOB_CHUNK_BYTES
            ),
        )
    })?;
    let (offset, length) = (
        header_u64(&headers, UPLOAD_OFFSET)?,
        header_u64(&headers, UPLOAD_LENGTH)?,
    );
    piece_end(offset, bytes.len(), length)?;
    if let Some(size) = known_size(&state, &device, &sha).await? {
        return Ok(at_offset(StatusCode::OK, size));
    }
    let owner = &device.user.name;
    let received = match state
        .store
        .blob_append(&sha, owner, offset, bytes.to_vec(), Utc::now())
        .await
    {
        Ok(n) => n,
        Err(StoreError::OffsetMismatch { actual }) => {
            return Err(AppError::new(
                StatusCode::CONFLICT,
                codes::OFFSET_MISMATCH,
                format!("your upload stands at byte {actual}; resume from there"),
            )
            .with_header("upload-offset", actual));
        }
        Err(StoreError::TooManyPieces { limit }) => {
            return Err(AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                codes::TOO_MANY_PIECES,
                format!("an upload may have at most {limit} pieces; send bigger ones"),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if received < length {
        return Ok(at_offset(StatusCode::NO_CONTENT, received));
    }
    match state.store.blob_finish(&sha, owner).await? {
        Finished::Complete { size } => {
            state
                .audit(
                    Some(owner),
                    Some(&device.name),
                    actions::UPLOAD_COMPLETE,
                    format!("blob {}… complete, {size} bytes", short(&sha)),
                )
                .await?;
            Ok(at_offset(StatusCode::CREATED, size))
        }
        Finished::Mismatch { size } => {
            state
                .audit(
                    Some(owner),
                    Some(&device.name),
                    actions::UPLOAD_HASH_MISMATCH,
                    format!(
                        "blob {}…: {size} bytes of another sha256, dropped",
                        short(&sha)
                    ),
                )
                .await?;
            Err(AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                codes::BLOB_HASH_MISMATCH,
                "the bytes received do not have the sha256 they are named by; upload again from 0",
            ))
        }
    }
}

/// Drops the caller's own upload in progress, to start again from 0 (204); 404 if they have
/// none. Never touches a stored blob or another user's upload.
pub async fn reset(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(sha): Path<String>,
) -> Result<Response> {
    check_sha(&sha)?;
    if !state.store.upload_reset(&sha, &device.user.name).await? {
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            codes::NOT_FOUND,
            format!("you have no upload of {sha} in progress"),
        ));
    }
    state
        .audit(
            Some(&device.user.name),
            Some(&device.name),
            actions::UPLOAD_RESET,
            format!("blob {}…: upload dropped by its owner", short(&sha)),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Deletes uploads in progress that no piece came to for `idle`, and audits how many (when
/// any). Returns how many.
pub async fn expire_uploads(
    state: &AppState,
    idle: chrono::Duration,
) -> terrain_server_store::Result<usize> {
    let n = state.store.expire_uploads(Utc::now() - idle).await?;
    if n > 0 {
        state
            .audit(
                None,
                None,
                actions::UPLOADS_EXPIRED,
                format!(
                    "{n} upload(s) in progress deleted: no piece for {} h",
                    idle.num_hours()
                ),
            )
            .await?;
        tracing::info!(uploads = n, "expired uploads deleted");
    }
    Ok(n)
}

/// Runs [`expire_uploads`] now and every hour, for as long as the task lives.
pub fn sweep_uploads(state: AppState, idle: chrono::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            if let Err(e) = expire_uploads(&state, idle).await {
                tracing::error!(error = %e, "expiring uploads failed");
            }
        }
    })
}

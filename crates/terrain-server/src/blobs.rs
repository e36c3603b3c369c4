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
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use http_body::Body as _;
use std::pin::Pin;
use terrain_protocol::*;
use terrain_server_store::{BlobState, Device, Finished, StoreError};

fn check_sha(sha: &str) -> Result<()> {
    if sha.len() == 64 && sha.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')) {
        Ok(())
    } else {
        Err(AppError::NotFound(
            "a blob is named by 64 lower-case hex digits".into(),
        ))
    }
}

/// What a blob the caller may not know of, or that does not exist, answers: the same.
fn absent(sha: &str) -> AppError {
    AppError::NotFound(format!("no blob {sha} and no upload of it in progress"))
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

/// Bytes read from the store at a time while a download streams.
const DOWNLOAD_READ_BYTES: usize = 256 * 1024;

/// The bytes `Range` asks for (`bytes=N-`, `bytes=N-M`, `bytes=-K`), as `start..end` within a
/// blob of `size` bytes; None without the header. One range only.
fn requested_range(headers: &HeaderMap, size: u64) -> Result<Option<(u64, u64)>> {
    let Some(value) = headers.get(header::RANGE) else {
        return Ok(None);
    };
    let unsatisfiable = || AppError::RangeNotSatisfiable {
        range: format!("{value:?}"),
        size,
    };
    let spec = value
        .to_str()
        .ok()
        .and_then(|v| v.trim().strip_prefix("bytes="))
        .ok_or_else(unsatisfiable)?;
    let (first, last) = spec.split_once('-').ok_or_else(unsatisfiable)?;
    let number = |s: &str| s.trim().parse::<u64>().map_err(|_| unsatisfiable());
    let (start, end) = match (first.trim().is_empty(), last.trim().is_empty()) {
        (true, false) => (size.saturating_sub(number(last)?), size),
        (false, true) => (number(first)?, size),
        (false, false) => (number(first)?, number(last)?.saturating_add(1).min(size)),
        (true, true) => return Err(unsatisfiable()),
    };
    if start >= end {
        return Err(unsatisfiable());
    }
    Ok(Some((start, end)))
}

/// A blob's bytes (200), or the range asked for (206, resumable), to who may know of it (the
/// uploader, a reader of a report naming it); to anyone else, as to HEAD, it does not exist.
/// Streamed from the store a part at a time.
pub async fn get(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(sha): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    check_sha(&sha)?;
    let Some(size) = known_size(&state, &device, &sha).await? else {
        return Err(absent(&sha));
    };
    let range = requested_range(&headers, size)?;
    let (start, end) = range.unwrap_or((0, size));
    // A reader task feeds the answer a part at a time; it stops when the client goes away.
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(read_parts(state.store.clone(), sha, start..end, tx));
    let mut resp = Body::new(Parts(rx)).into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_LENGTH, (end - start).into());
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(
        header::ACCEPT_RANGES,
        header::HeaderValue::from_static("bytes"),
    );
    if range.is_some() {
        *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
        if let Ok(v) = format!("bytes {start}-{}/{size}", end - 1).parse() {
            resp.headers_mut().insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(resp)
}

/// A download's body: the parts [`read_parts`] sends.
struct Parts(tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>);

impl http_body::Body for Parts {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<std::io::Result<http_body::Frame<Bytes>>>> {
        self.0
            .poll_recv(cx)
            .map(|part| part.map(|bytes| bytes.map(http_body::Frame::data)))
    }
}

/// Reads `range` of a stored blob [`DOWNLOAD_READ_BYTES`] at a time into `tx`, until the
/// range is sent or nobody listens; a failed read ends the answer short (the client resumes).
async fn read_parts(
    store: std::sync::Arc<dyn terrain_server_store::ServerStore>,
    sha: String,
    range: std::ops::Range<u64>,
    tx: tokio::sync::mpsc::Sender<std::io::Result<Bytes>>,
) {
    let mut at = range.start;
    while at < range.end {
        let want = (range.end - at).min(DOWNLOAD_READ_BYTES as u64) as usize;
        let part = match store.blob_range(&sha, at, want).await {
            Ok(Some(bytes)) if !bytes.is_empty() => Ok(bytes),
            Ok(_) => Err(std::io::Error::other("the blob's bytes are missing")),
            Err(e) => {
                tracing::error!(error = %e, "reading a blob failed");
                Err(std::io::Error::other("storage failed"))
            }
        };
        let failed = part.is_err();
        let part = part.map(|bytes| {
            at += bytes.len() as u64;
            Bytes::from(bytes)
        });
        if tx.send(part).await.is_err() || failed {
            return;
        }
    }
}

/// Marks each pulled revision's attachments the server does not hold whole yet as pending.
pub async fn mark_pending(state: &AppState, pulled: &mut [Pulled]) -> Result<()> {
    let mut named: Vec<String> = pulled
        .iter()
        .flat_map(|p| p.revision.content.attachments.iter())
        .map(|a| a.sha256.clone())
        .collect();
    if named.is_empty() {
        return Ok(());
    }
    named.sort();
    named.dedup();
    let stored = state.store.blobs_stored(named).await?;
    for p in pulled.iter_mut() {
        p.pending = p
            .revision
            .content
            .attachments
            .iter()
            .filter(|a| !stored.contains(&a.sha256))
            .map(|a| a.sha256.clone())
            .collect();
    }
    Ok(())
}

fn header_u64(headers: &HeaderMap, name: &'static str) -> Result<u64> {
    let value = headers
        .get(name)
        .ok_or_else(|| AppError::InvalidUploadHeader(format!("the {name} header is missing")))?;
    value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            AppError::InvalidUploadHeader(format!(
                "the {name} header {value:?} is not a whole number of bytes below 2^64"
            ))
        })
}

/// Bytes of a piece committed at a time as they arrive, so a piece cut short keeps all but
/// its last partial sub-piece (and that too when the stream ends, even in error).
pub const SUB_PIECE_BYTES: usize = 64 * 1024;

/// Where a piece of `piece` bytes ends, checked: offsets near 2^64 are refused, never wrapped;
/// no piece is larger than [`limits::BLOB_CHUNK_BYTES`] nor ends past `length`.
fn piece_end(offset: u64, piece: u64, length: u64) -> Result<u64> {
    let end = offset.checked_add(piece).ok_or_else(|| {
        AppError::InvalidUploadHeader(format!(
            "{UPLOAD_OFFSET} {offset} plus the piece's {piece} bytes is past any size"
        ))
    })?;
    if piece > limits::BLOB_CHUNK_BYTES as u64 {
        return Err(AppError::BodyTooLarge(format!(
            "upload pieces may be at most {} bytes",
            limits::BLOB_CHUNK_BYTES
        )));
    }
    if length > limits::BLOB_BYTES || end > length {
        return Err(AppError::BodyTooLarge(format!(
            "a blob may be at most {} bytes and a piece may not end past its {UPLOAD_LENGTH} \
             ({length}); this one ends at byte {end}",
            limits::BLOB_BYTES
        )));
    }
    Ok(end)
}

fn offset_mismatch(actual: u64) -> AppError {
    AppError::OffsetMismatch { actual }
}

fn store_refusal(e: StoreError) -> AppError {
    match e {
        StoreError::OffsetMismatch { actual } => offset_mismatch(actual),
        StoreError::TooManyPieces { limit } => AppError::TooManyPieces { limit },
        e => e.into(),
    }
}

/// How a piece's body ended.
enum Received {
    /// Whole: the upload now holds this many bytes.
    Whole(u64),
    /// Cut short (the client went away, or the edge stopped a body too slow): the bytes that
    /// arrived are kept, the upload holds this many.
    Cut(u64),
}

/// Reads a piece's body and appends it to `owner`'s upload as it arrives, in sub-pieces of
/// [`SUB_PIECE_BYTES`], so what arrived is kept however the body ends. Refuses (keeping the
/// sub-pieces before) a body longer than its piece may be.
async fn receive(
    store: std::sync::Arc<dyn terrain_server_store::ServerStore>,
    (sha, owner): (String, String),
    offset: u64,
    length: u64,
    mut body: Body,
) -> Result<Received> {
    let mut at = offset;
    let mut pending: Vec<u8> = Vec::new();
    let mut appended = false;
    let cut = loop {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
        let data = match frame {
            None => break false,
            Some(Err(_)) => break true,
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => data,
                Err(_) => continue,
            },
        };
        piece_end(
            offset,
            at - offset + (pending.len() + data.len()) as u64,
            length,
        )?;
        pending.extend_from_slice(&data);
        while pending.len() >= SUB_PIECE_BYTES {
            let rest = pending.split_off(SUB_PIECE_BYTES);
            let piece = std::mem::replace(&mut pending, rest);
            at = store
                .blob_append(&sha, &owner, at, piece, Utc::now())
                .await
                .map_err(store_refusal)?;
            appended = true;
        }
    };
    // The tail, and an empty piece's one append (which starts an upload of 0 bytes).
    if !pending.is_empty() || !appended {
        at = store
            .blob_append(&sha, &owner, at, pending, Utc::now())
            .await
            .map_err(store_refusal)?;
    }
    Ok(if cut {
        Received::Cut(at)
    } else {
        Received::Whole(at)
    })
}

/// Appends a piece to the caller's upload as it arrives; the last piece (ending at
/// `Upload-Length`) checks the sha256 and stores the blob (201), or drops the upload (422).
/// A piece cut short keeps what arrived: HEAD then tells where to resume.
pub async fn put(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(sha): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    check_sha(&sha)?;
    let (offset, length) = (
        header_u64(&headers, UPLOAD_OFFSET)?,
        header_u64(&headers, UPLOAD_LENGTH)?,
    );
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .unwrap_or(0);
    piece_end(offset, announced, length)?;
    if let Some(size) = known_size(&state, &device, &sha).await? {
        return Ok(at_offset(StatusCode::OK, size));
    }
    let owner = device.user.name.clone();
    let received = state.store.upload_state(&sha, &owner).await?.unwrap_or(0);
    if received != offset {
        return Err(offset_mismatch(received));
    }
    // Its own task: a client that goes away mid-body, or right after its last byte, drops this
    // handler, not the appends nor the upload's completion (else an upload whose every byte
    // arrived would wait unfinished, its offset saying "all sent", for good).
    let task = tokio::spawn(receive_and_finish(state, device, sha, offset, length, body));
    match task.await {
        Ok(piece) => match piece? {
            Piece::Cut(at) => Err(AppError::PieceCut { at }),
            Piece::Stored(at) => Ok(at_offset(StatusCode::NO_CONTENT, at)),
            Piece::Complete(size) => Ok(at_offset(StatusCode::CREATED, size)),
            Piece::Mismatch => Err(AppError::BlobHashMismatch),
        },
        Err(e) => Err(AppError::Internal(format!(
            "receiving an upload piece failed: {e}"
        ))),
    }
}

/// What became of one piece.
enum Piece {
    /// Cut short at this offset (what arrived is kept).
    Cut(u64),
    /// Stored whole; the upload is at this offset, not yet complete.
    Stored(u64),
    /// The last piece: the upload is checked and stored as a blob of this size.
    Complete(u64),
    /// The last piece, but the bytes have another sha256: dropped.
    Mismatch,
}

async fn receive_and_finish(
    state: AppState,
    device: Device,
    sha: String,
    offset: u64,
    length: u64,
    body: Body,
) -> Result<Piece> {
    let owner = device.user.name.clone();
    let received = receive(
        state.store.clone(),
        (sha.clone(), owner.clone()),
        offset,
        length,
        body,
    )
    .await?;
    // All the bytes count however the body ended: the upload is checked and stored.
    let at = match received {
        Received::Cut(at) if at < length => return Ok(Piece::Cut(at)),
        Received::Cut(at) | Received::Whole(at) => at,
    };
    if at < length {
        return Ok(Piece::Stored(at));
    }
    match state.store.blob_finish(&sha, &owner).await? {
        Finished::Complete { size } => {
            state
                .audit(
                    Some(&owner),
                    Some(&device.name),
                    actions::UPLOAD_COMPLETE,
                    format!("blob {}… complete, {size} bytes", short(&sha)),
                )
                .await?;
            Ok(Piece::Complete(size))
        }
        Finished::Mismatch { size } => {
            state
                .audit(
                    Some(&owner),
                    Some(&device.name),
                    actions::UPLOAD_HASH_MISMATCH,
                    format!(
                        "blob {}…: {size} bytes of another sha256, dropped",
                        short(&sha)
                    ),
                )
                .await?;
            Ok(Piece::Mismatch)
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
        return Err(AppError::NotFound(format!(
            "you have no upload of {sha} in progress"
        )));
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

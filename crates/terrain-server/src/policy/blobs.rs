//! Attachments: resumable uploads and who may know of a blob.
//!
//! An upload in progress is its uploader's own (keyed by sha256 and user): another user's
//! pieces, offsets or hash mismatches never touch it, and only its owner may reset it. Pieces
//! are appended, never rewritten; the last one checks the sha256 over them all and stores the
//! blob once. A complete blob is answered for only to who uploaded it whole or may read a report
//! naming it; to anyone else it is absent, so HEAD and PUT tell nothing of photos in other
//! regions until the bytes prove the caller holds them. Uploads nobody appends to for a while
//! are deleted by [`sweep_uploads`].
//!
//! Pieces of one upload are received one at a time ([`UploadLocks`]): a piece still arriving
//! from a pass that was killed holds its upload until its body ends, so a new pass's HEAD and
//! PUT see where it settled, never an offset still moving. The HTTP handlers are in
//! [`crate::api::blobs`].

use crate::AppState;
use crate::actions;
use crate::error::{AppError, Result};
use axum::body::{Body, Bytes};
use chrono::Utc;
use http_body::Body as _;
use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use terrain_protocol::*;
use terrain_server_store::{BlobState, Device, Finished, StoreError};
use tokio::sync::OwnedMutexGuard;

/// One async lock per upload in progress (sha256 and owner), held by a piece from its offset
/// check until its bytes are appended and, when it is the last, the blob stored; and taken
/// briefly by HEAD. Entries live only while someone holds or waits for them. One server
/// process only: several processes on one database do not share these.
#[derive(Default)]
pub struct UploadLocks(Mutex<HashMap<UploadKey, Arc<tokio::sync::Mutex<()>>>>);

/// An upload's sha256 and owner.
type UploadKey = (String, String);

/// An upload held by [`UploadLocks::hold`]; dropping it lets the next piece in.
pub struct UploadHeld {
    locks: Arc<UploadLocks>,
    key: UploadKey,
    guard: Option<OwnedMutexGuard<()>>,
}

impl UploadLocks {
    /// Waits until no other piece or HEAD holds `owner`'s upload of `sha`, then holds it.
    pub async fn hold(self: &Arc<Self>, sha: &str, owner: &str) -> UploadHeld {
        let key = (sha.to_owned(), owner.to_owned());
        let lock = {
            let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(key.clone()).or_default().clone()
        };
        UploadHeld {
            locks: self.clone(),
            key,
            guard: Some(lock.lock_owned().await),
        }
    }
}

impl Drop for UploadHeld {
    fn drop(&mut self) {
        let mut map = self.locks.0.lock().unwrap_or_else(|e| e.into_inner());
        // Only the map and this guard refer to it: nobody waits, so the entry goes.
        if map
            .get(&self.key)
            .is_some_and(|l| Arc::strong_count(l) == 2)
        {
            map.remove(&self.key);
        }
        self.guard.take();
    }
}

pub fn check_sha(sha: &str) -> Result<()> {
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

/// Where a blob stands for a caller.
pub enum Standing {
    /// Stored whole, this many bytes, and the caller may know of it.
    Blob(u64),
    /// The caller's own upload in progress, holding this many bytes.
    Upload(u64),
}

/// What HEAD answers: the blob if the caller may know of it, else their upload in progress
/// (once no piece of it is arriving), else absent.
pub async fn standing(state: &AppState, device: &Device, sha: &str) -> Result<Standing> {
    check_sha(sha)?;
    let _held = state.uploads.hold(sha, &device.user.name).await;
    if let Some(size) = known_size(state, device, sha).await? {
        return Ok(Standing::Blob(size));
    }
    match state.store.upload_state(sha, &device.user.name).await? {
        Some(received) => Ok(Standing::Upload(received)),
        None => Err(absent(sha)),
    }
}

/// Bytes read from the store at a time while a download streams.
const DOWNLOAD_READ_BYTES: usize = 256 * 1024;

/// The size of a blob `device` may read ([`known_size`]); to anyone else it does not exist.
pub async fn readable(state: &AppState, device: &Device, sha: &str) -> Result<u64> {
    check_sha(sha)?;
    known_size(state, device, sha)
        .await?
        .ok_or_else(|| absent(sha))
}

/// Streams `range` of a stored blob: a reader task sends it a part at a time and stops when
/// the receiver goes away.
pub fn download(
    state: &AppState,
    sha: String,
    range: std::ops::Range<u64>,
) -> tokio::sync::mpsc::Receiver<std::io::Result<Bytes>> {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(read_parts(state.store.clone(), sha, range, tx));
    rx
}

/// Reads `range` of a stored blob [`DOWNLOAD_READ_BYTES`] at a time into `tx`, until the
/// range is sent or nobody listens; a failed read ends the answer short (the client resumes).
async fn read_parts(
    store: Arc<dyn terrain_server_store::ServerStore>,
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
    store: Arc<dyn terrain_server_store::ServerStore>,
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

/// A piece as its request announces it.
pub struct PieceHeaders {
    /// Where it starts (`Upload-Offset`).
    pub offset: u64,
    /// The whole blob's size (`Upload-Length`).
    pub length: u64,
    /// Its `Content-Length`, 0 when absent (a longer body is refused as it arrives).
    pub announced: u64,
}

/// Appends a piece to `device`'s upload as it arrives; the last piece (ending at `length`)
/// checks the sha256 and stores the blob, or drops the upload. A piece cut short keeps what
/// arrived. Holds the upload ([`UploadLocks`]) from the offset check to the end, so a second
/// piece at the same offset waits and is then refused with where the first left it.
pub async fn put(
    state: &AppState,
    device: &Device,
    sha: String,
    piece: PieceHeaders,
    body: Body,
) -> Result<Piece> {
    check_sha(&sha)?;
    let PieceHeaders {
        offset,
        length,
        announced,
    } = piece;
    piece_end(offset, announced, length)?;
    let held = state.uploads.hold(&sha, &device.user.name).await;
    if let Some(size) = known_size(state, device, &sha).await? {
        return Ok(Piece::Known(size));
    }
    let received = state.store.upload_state(&sha, &device.user.name).await?;
    if received.unwrap_or(0) != offset {
        return Err(offset_mismatch(received.unwrap_or(0)));
    }
    // Its own task, holding the upload: a client that goes away mid-body, or right after its
    // last byte, drops the handler, not the appends nor the upload's completion (else an upload
    // whose every byte arrived would wait unfinished, its offset saying "all sent", for good).
    let (state, device) = (state.clone(), device.clone());
    let task = tokio::spawn(async move {
        let piece = receive_and_finish(state, device, sha, offset, length, body).await;
        drop(held);
        piece
    });
    task.await
        .map_err(|e| AppError::Internal(format!("receiving an upload piece failed: {e}")))?
}

/// What became of one piece.
pub enum Piece {
    /// The blob is already stored whole (this size) and the caller may know of it.
    Known(u64),
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

/// Drops `device`'s own upload in progress, to start again from 0; not found if they have
/// none. Never touches a stored blob or another user's upload. Waits for a piece arriving.
pub async fn reset(state: &AppState, device: &Device, sha: &str) -> Result<()> {
    check_sha(sha)?;
    let _held = state.uploads.hold(sha, &device.user.name).await;
    if !state.store.upload_reset(sha, &device.user.name).await? {
        return Err(AppError::NotFound(format!(
            "you have no upload of {sha} in progress"
        )));
    }
    state
        .audit(
            Some(&device.user.name),
            Some(&device.name),
            actions::UPLOAD_RESET,
            format!("blob {}…: upload dropped by its owner", short(sha)),
        )
        .await?;
    Ok(())
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

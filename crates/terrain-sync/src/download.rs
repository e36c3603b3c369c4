//! A report's photos fetched from the server on demand (`GET /v1/blobs/{sha256}` by ranges):
//! each range carries about [`PIECE_TIME`] at the measured rate, so a cut link costs one piece
//! and the download resumes from its last byte; the whole is checked against the sha256 it is
//! named by before the device stores it (sealed, like its own photos).

use crate::run::blocking;
use crate::{Client, SyncError};
use reqwest::StatusCode;
use reqwest::header::RANGE;
use std::sync::Arc;
use std::time::Duration;
use terrain_protocol::limits;
use terrain_store::Store;
use uuid::Uuid;

/// A range carries about this much time at the measured rate.
const PIECE_TIME: Duration = Duration::from_secs(10);
const FIRST_PIECE: usize = 64 * 1024;
const MIN_PIECE: usize = 16 * 1024;
/// Failed ranges in a row (the link, not the server, at fault) before a download gives up;
/// waits between them double from 1 s (31 s in all, about a cut's length).
const TRIES: u32 = 6;

/// Downloads the blob `sha256` of `size` bytes and checks its hash. Each range keeps the
/// bytes that arrived when it is cut, and the next starts after them. `on` is told the bytes
/// received after each range. A blob the server does not have whole yet (its upload is on its
/// way), or that the user may not see: `404 not_found`.
pub async fn download_blob(
    client: &Client,
    sha256: &str,
    size: u64,
    on: &mut (dyn FnMut(u64) + Send),
) -> Result<Vec<u8>, SyncError> {
    if size > limits::BLOB_BYTES {
        return Err(SyncError::BadAnswer(format!(
            "a photo of {size} bytes is past the largest a server keeps ({})",
            limits::BLOB_BYTES
        )));
    }
    let url = format!("/v1/blobs/{sha256}");
    let mut bytes: Vec<u8> = Vec::with_capacity(size as usize);
    let mut failed = 0;
    while (bytes.len() as u64) < size {
        let start = bytes.len() as u64;
        let piece = client.bytes_for(PIECE_TIME, FIRST_PIECE, MIN_PIECE, limits::BLOB_CHUNK_BYTES);
        let last = (start + piece as u64).min(size) - 1;
        let req = client
            .request(reqwest::Method::GET, &url)
            .header(RANGE, format!("bytes={start}-{last}"));
        let result = range(client, req, &mut bytes, last).await;
        on(bytes.len() as u64);
        match result {
            Ok(()) => failed = 0,
            // Bytes moved: the link works, count again from there.
            Err(e) if e.is_retryable() && bytes.len() as u64 > start => failed = 0,
            Err(e) if e.is_retryable() && failed + 1 < TRIES => {
                tokio::time::sleep(Duration::from_secs(1 << failed)).await;
                failed += 1;
            }
            Err(e) => return Err(e),
        }
    }
    if terrain_domain::sha256_hex(&bytes) != sha256 {
        return Err(SyncError::BadAnswer(format!(
            "the {size} bytes received for photo {sha256} have another sha256; nothing was kept"
        )));
    }
    Ok(bytes)
}

/// Appends the range from `bytes.len()` to `last` to `bytes`, as far as it arrives.
async fn range(
    client: &Client,
    req: reqwest::RequestBuilder,
    bytes: &mut Vec<u8>,
    last: u64,
) -> Result<(), SyncError> {
    let answer = client.send(req).await?;
    match answer.status() {
        StatusCode::PARTIAL_CONTENT => {}
        // A server ignoring the range sends the whole blob: take it from the start.
        StatusCode::OK => bytes.clear(),
        StatusCode::NOT_FOUND => {
            return Err(SyncError::Refused {
                status: 404,
                code: terrain_protocol::codes::NOT_FOUND.into(),
                message: "the server does not hold this photo yet (its upload is on its way), \
                          or you may not see it"
                    .into(),
            });
        }
        status => return Err(SyncError::BadAnswer(format!("{status} to a photo's range"))),
    }
    let read = answer.read_into(bytes).await;
    if bytes.len() as u64 > last + 1 {
        bytes.truncate(last as usize + 1);
        return Err(SyncError::BadAnswer(format!(
            "more bytes than the range {last} asked for"
        )));
    }
    read
}

/// What [`fetch_photos`] did with a report's photos.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PhotosFetched {
    /// Downloaded, checked and stored now.
    pub fetched: Vec<String>,
    /// Already on the device.
    pub had: Vec<String>,
    /// Not on the server yet (their upload is on its way) or not visible to the user.
    pub missing: Vec<String>,
    /// Bytes downloaded.
    pub bytes: u64,
}

/// Downloads the photos the report's current version names that the device lacks, each
/// checked against its hash and stored (sealed in an encrypted store) before the next.
/// `on` is told (photo's sha256, bytes received, its size) as each range arrives.
pub async fn fetch_photos(
    store: &Arc<Store>,
    client: &Client,
    report: Uuid,
    on: &mut (dyn FnMut(&str, u64, u64) + Send),
) -> Result<PhotosFetched, SyncError> {
    let listed = blocking(store, move |s| s.get(report)).await?;
    let mut done = PhotosFetched::default();
    for photo in listed.report.attachments {
        let sha = photo.sha256.clone();
        if done.had.contains(&sha) || done.fetched.contains(&sha) || done.missing.contains(&sha) {
            continue;
        }
        let held = {
            let sha = sha.clone();
            blocking(store, move |s| Ok(s.has_attachment(&sha))).await?
        };
        if held {
            done.had.push(sha);
            continue;
        }
        let bytes =
            match download_blob(client, &sha, photo.size, &mut |n| on(&sha, n, photo.size)).await {
                Ok(bytes) => bytes,
                Err(SyncError::Refused { status: 404, .. }) => {
                    done.missing.push(sha);
                    continue;
                }
                Err(e) => return Err(e),
            };
        done.bytes += bytes.len() as u64;
        let stored = blocking(store, move |s| s.put_attachment(&bytes)).await?;
        debug_assert_eq!(stored, sha);
        done.fetched.push(sha);
    }
    Ok(done)
}

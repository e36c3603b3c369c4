//! A report's photos fetched from the server on demand (`GET /v1/blobs/{sha256}`). Each
//! request asks for the bytes from the last one received (`Range: bytes=N-`) and keeps what
//! arrives, so a cut link costs only its round trip; the whole is checked against the sha256
//! it is named by before the device stores it (sealed, like its own photos).

use crate::run::blocking;
use crate::{Client, SyncError};
use reqwest::StatusCode;
use reqwest::header::RANGE;
use std::sync::Arc;
use std::time::Duration;
use terrain_protocol::{ErrorBody, limits};
use terrain_store::Store;
use uuid::Uuid;

/// A download that moves no byte for this long is taken as cut (as the client's other
/// requests: a 2G link pauses for seconds, not half a minute).
const STALL: Duration = Duration::from_secs(30);
/// Requests in a row that moved nothing before a download gives up; waits between them
/// double from 1 s (31 s in all, about a cut's length).
const TRIES: u32 = 6;

/// Downloads the blob `sha256` of `size` bytes and checks its hash, resuming after each cut
/// from the last byte received. `on` is told the bytes received as they arrive. A blob the
/// server does not have whole yet (its upload is on its way), or that the user may not see:
/// `404 not_found`.
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
        let start = bytes.len();
        match rest(client, &url, &mut bytes, size, on).await {
            Ok(()) => failed = 0,
            // Bytes moved: the link works, count again from there.
            Err(e) if e.is_retryable() && bytes.len() > start => failed = 0,
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

/// Appends the blob's bytes from `bytes.len()` on to `bytes` as they arrive, until its end
/// (`size`), a cut or a stall.
async fn rest(
    client: &Client,
    url: &str,
    bytes: &mut Vec<u8>,
    size: u64,
    on: &mut (dyn FnMut(u64) + Send),
) -> Result<(), SyncError> {
    let unreachable = |reason: String| SyncError::Unreachable {
        server: client.server().to_string(),
        reason,
    };
    let failed = |e: reqwest::Error| unreachable(e.without_url().to_string());
    let stalled = || unreachable(format!("no byte for {} s", STALL.as_secs()));
    let req = client
        .request(reqwest::Method::GET, url)
        .header(RANGE, format!("bytes={}-", bytes.len()));
    let mut resp = tokio::time::timeout(STALL, req.send())
        .await
        .map_err(|_| stalled())?
        .map_err(failed)?;
    match resp.status() {
        StatusCode::PARTIAL_CONTENT => {}
        // A server ignoring the range sends the whole blob: take it from the start.
        StatusCode::OK => bytes.clear(),
        status => return Err(refusal(status, resp).await),
    }
    loop {
        match tokio::time::timeout(STALL, resp.chunk()).await {
            Err(_) => return Err(stalled()),
            Ok(Err(e)) => return Err(failed(e)),
            Ok(Ok(None)) => return Ok(()),
            Ok(Ok(Some(chunk))) => {
                if bytes.len() as u64 + chunk.len() as u64 > size {
                    return Err(SyncError::BadAnswer(format!(
                        "more than the photo's {size} bytes"
                    )));
                }
                bytes.extend_from_slice(&chunk);
                on(bytes.len() as u64);
            }
        }
    }
}

/// The server's refusal of a download, in its words.
async fn refusal(status: StatusCode, resp: reqwest::Response) -> SyncError {
    if status == StatusCode::NOT_FOUND {
        return SyncError::Refused {
            status: 404,
            code: terrain_protocol::codes::NOT_FOUND.into(),
            message: "the server does not hold this photo yet (its upload is on its way), or \
                      you may not see it"
                .into(),
        };
    }
    let text = resp.text().await.unwrap_or_default();
    match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => SyncError::Refused {
            status: status.as_u16(),
            code: body.error.code,
            message: body.error.message,
        },
        Err(_) => SyncError::BadAnswer(format!("{status} to a photo's download")),
    }
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

//! `HEAD`, `GET`, `PUT` and `DELETE /v1/blobs/{sha256}`: headers to and from
//! [`crate::policy::blobs`], which holds the rules and the uploads' bookkeeping.

use crate::AppState;
use crate::auth::Authed;
use crate::error::{AppError, Result};
use crate::policy::blobs::{self, Piece, PieceHeaders, Standing};
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::pin::Pin;
use terrain_protocol::{UPLOAD_LENGTH, UPLOAD_OFFSET};

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
    Ok(match blobs::standing(&state, &device, &sha).await? {
        Standing::Blob(size) => at_offset(StatusCode::OK, size),
        Standing::Upload(received) => at_offset(StatusCode::NO_CONTENT, received),
    })
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
    let size = blobs::readable(&state, &device, &sha).await?;
    let range = requested_range(&headers, size)?;
    let (start, end) = range.unwrap_or((0, size));
    let mut resp = Body::new(Parts(blobs::download(&state, sha, start..end))).into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_LENGTH, (end - start).into());
    let octets = HeaderValue::from_static("application/octet-stream");
    headers.insert(header::CONTENT_TYPE, octets);
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if range.is_some() {
        *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
        if let Ok(v) = format!("bytes {start}-{}/{size}", end - 1).parse() {
            resp.headers_mut().insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(resp)
}

/// Appends a piece to the caller's upload as it arrives ([`blobs::put`]): 204 and the new
/// offset, 201 when the last piece stores the blob, 200 when it is already stored; a piece cut
/// short answers where to resume.
pub async fn put(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(sha): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    blobs::check_sha(&sha)?;
    let piece = PieceHeaders {
        offset: header_u64(&headers, UPLOAD_OFFSET)?,
        length: header_u64(&headers, UPLOAD_LENGTH)?,
        announced: (headers.get(header::CONTENT_LENGTH))
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .unwrap_or(0),
    };
    match blobs::put(&state, &device, sha, piece, body).await? {
        Piece::Known(size) => Ok(at_offset(StatusCode::OK, size)),
        Piece::Cut(at) => Err(AppError::PieceCut { at }),
        Piece::Stored(at) => Ok(at_offset(StatusCode::NO_CONTENT, at)),
        Piece::Complete(size) => Ok(at_offset(StatusCode::CREATED, size)),
        Piece::Mismatch => Err(AppError::BlobHashMismatch),
    }
}

/// Drops the caller's own upload in progress, to start again from 0 (204); 404 if they have
/// none ([`blobs::reset`]).
pub async fn reset(
    State(state): State<AppState>,
    Authed(device): Authed,
    Path(sha): Path<String>,
) -> Result<Response> {
    blobs::reset(&state, &device, &sha).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
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

/// A download's body: the parts [`blobs::download`] sends.
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

#[cfg(test)]
mod tests {
    use crate::policy::testing;
    use sha2::Digest;
    use std::time::Duration;
    use terrain_protocol::Role;

    /// A piece sent as `parts`, `gap` apart, so that it is still arriving when another starts.
    fn slow(parts: Vec<Vec<u8>>, gap: Duration) -> reqwest::Body {
        let parts = futures_util::stream::unfold(parts.into_iter(), move |mut rest| async move {
            let part = rest.next()?;
            tokio::time::sleep(gap).await;
            Some((Ok::<_, std::io::Error>(part), rest))
        });
        reqwest::Body::wrap_stream(parts)
    }

    /// Two pieces at one offset of one upload, the second sent while the first still arrives
    /// (a killed pass's piece and the next pass's): one is stored, the other waits for it and
    /// is refused with where the upload then stands, and the blob ends byte-identical.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_pieces_at_one_offset_one_wins_the_other_learns_where_it_ended() {
        let (state, _dir) = testing::state();
        crate::add_user(
            &state,
            "awa",
            Role::Reporter,
            vec!["Kayes".into()],
            "a long password",
        )
        .await
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(crate::serve(listener, crate::router(state)));
        let http = reqwest::Client::new();
        let session: serde_json::Value = http
            .post(format!("{base}/v1/sessions"))
            .header("Terrain-Protocol", "1")
            .json(&serde_json::json!({"user": "awa", "password": "a long password", "device_name": "phone"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = session["token"].as_str().unwrap().to_owned();
        let blob: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let sha = format!("{:x}", sha2::Sha256::digest(&blob));
        let url = format!("{base}/v1/blobs/{sha}");
        let part = 64 * 1024;
        let first: Vec<Vec<u8>> = blob[..3 * part].chunks(part).map(<[u8]>::to_vec).collect();
        let put = |body: reqwest::Body, offset: usize| {
            http.put(&url)
                .bearer_auth(&token)
                .header("Terrain-Protocol", "1")
                .header("Upload-Offset", offset.to_string())
                .header("Upload-Length", blob.len().to_string())
                .body(body)
                .send()
        };
        let gap = Duration::from_millis(150);
        let (a, b) = tokio::join!(put(slow(first.clone(), gap), 0), async {
            tokio::time::sleep(gap * 2).await;
            put(slow(first.clone(), Duration::ZERO), 0).await
        });
        let answers: Vec<(u16, String)> = [a.unwrap(), b.unwrap()]
            .iter()
            .map(|r| {
                (
                    r.status().as_u16(),
                    r.headers()["upload-offset"].to_str().unwrap().into(),
                )
            })
            .collect();
        let settled = (3 * part).to_string();
        assert_eq!(answers, [(204, settled.clone()), (409, settled)]);
        let rest = put(blob[3 * part..].to_vec().into(), 3 * part)
            .await
            .unwrap();
        assert_eq!(rest.status().as_u16(), 201);
        let got = http
            .get(&url)
            .bearer_auth(&token)
            .header("Terrain-Protocol", "1")
            .send()
            .await
            .unwrap();
        assert_eq!(got.bytes().await.unwrap(), blob);
    }
}

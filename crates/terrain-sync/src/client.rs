//! HTTP to the server: one function per endpoint, errors mapped to [`SyncError`].
//!
//! No request has a deadline: each fails only when its bytes stop moving ([`crate::stall`]).
//! Each exchange's bytes and time feed the link's measured [`Rate`], which sizes upload
//! pieces and push batches.

use crate::SyncError;
use crate::rate::Rate;
use crate::stall::{self, Progress, STALL, unless_stalled};
use reqwest::header::{AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use reqwest::{RequestBuilder, Response, StatusCode};
use std::time::{Duration, Instant};
use terrain_domain::Revision;
use terrain_protocol::{
    ErrorBody, PROTOCOL_HEADER, PROTOCOL_VERSION, PullPage, Push, PushAnswer, PushResult, Session,
    SignIn, UPLOAD_LENGTH, UPLOAD_OFFSET, limits,
};
use terrain_store::Token;

/// Bodies above this are zstd-compressed: JSON reports shrink about fivefold.
const COMPRESS_ABOVE: usize = 1024;
/// An upload piece carries about this much time at the measured rate: a cut loses little, and
/// the request's round trip stays a small share of it.
const PIECE_TIME: Duration = Duration::from_secs(10);
/// The first piece, before any rate is measured (32 s at 2G's 8 KB/s: no deadline stops it,
/// and the server keeps what arrived of a piece cut short), and the smallest.
const FIRST_PIECE: usize = 256 * 1024;
const MIN_PIECE: usize = 16 * 1024;
/// After a cut, an upload probes the server from 1 s apart up to 4 s apart, for this long
/// without an answer, before the pass gives up on it (the next pass resumes it).
const RESUME_FOR: Duration = Duration::from_secs(120);
const RESUME_PROBE_FIRST: Duration = Duration::from_secs(1);
const RESUME_PROBE_MOST: Duration = Duration::from_secs(4);
/// How long a probe may go unanswered: a `HEAD` takes a round trip or two, even on 2G.
const PROBE_ANSWER: Duration = Duration::from_secs(8);

/// The HTTP client and the link's measured rate, shared by every [`Client`] made from it.
#[derive(Clone)]
struct Http {
    client: reqwest::Client,
    rate: Rate,
}

#[derive(Clone)]
pub struct Client {
    http: Http,
    server: String,
    token: Option<Token>,
}

/// A success (or 404) answer whose body is still to be read, under the same stall watch.
pub(crate) struct Answer {
    resp: Response,
    progress: Progress,
    sent: usize,
    rate: Rate,
    server: String,
}

impl Answer {
    fn status(&self) -> StatusCode {
        self.resp.status()
    }

    fn offset(&self) -> Option<u64> {
        header_offset(self.resp.headers())
    }

    /// The whole body; the exchange's bytes and time then count toward the link's rate.
    async fn bytes(mut self) -> Result<Vec<u8>, SyncError> {
        let mut body = Vec::new();
        let (resp, progress) = (&mut self.resp, &self.progress);
        unless_stalled(&self.server, progress, async {
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| SyncError::BadAnswer(e.without_url().to_string()))?
            {
                progress.moved(chunk.len());
                body.extend_from_slice(&chunk);
            }
            Ok(())
        })
        .await?;
        self.rate
            .note(self.sent + body.len(), self.progress.elapsed());
        Ok(body)
    }
}

fn header_offset(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    headers
        .get(UPLOAD_OFFSET)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
}

impl Client {
    pub fn new(server: &str, token: Option<Token>) -> Result<Client, SyncError> {
        let client = reqwest::Client::builder()
            .connect_timeout(STALL)
            // Sent bytes the peer has not acknowledged for this long: the kernel gives up on
            // the connection, which our watch cannot see while they sit in its buffers.
            .tcp_user_timeout(STALL)
            .build()
            .map_err(|e| SyncError::Unreachable {
                server: server.into(),
                reason: e.to_string(),
            })?;
        Ok(Client {
            http: Http {
                client,
                rate: Rate::default(),
            },
            server: server.trim_end_matches('/').to_string(),
            token,
        })
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    /// The link's rate as last measured, in bytes a second.
    pub fn rate(&self) -> Option<u64> {
        self.http.rate.get()
    }

    /// Bytes a request should carry to take about `time` at the measured rate, within
    /// `least..=most`; `first` before anything was measured.
    pub(crate) fn bytes_for(
        &self,
        time: Duration,
        first: usize,
        least: usize,
        most: usize,
    ) -> usize {
        self.http.rate.bytes_for(time, first, least, most)
    }

    pub(crate) fn request(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        let mut req = self
            .http
            .client
            .request(method, format!("{}{path}", self.server))
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string());
        if let Some(Token(token)) = &self.token {
            req = req.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        req
    }

    fn unreachable(&self, e: reqwest::Error) -> SyncError {
        SyncError::Unreachable {
            server: self.server.clone(),
            // Without the URL: it is already named, and must not carry anything secret.
            reason: {
                let e = e.without_url();
                let mut reason = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(cause) = source {
                    reason = format!("{reason}: {cause}");
                    source = cause.source();
                }
                reason
            },
        }
    }

    /// Sends `req`, its body streamed under the stall watch; a refusal becomes
    /// [`SyncError::Refused`] with the server's code.
    async fn send(&self, req: RequestBuilder) -> Result<Answer, SyncError> {
        let mut request = req.build().map_err(|e| self.unreachable(e))?;
        let progress = Progress::new();
        let body = request
            .body()
            .and_then(|b| b.as_bytes())
            .map(<[u8]>::to_vec);
        let sent = body.as_ref().map_or(0, Vec::len);
        if let Some(body) = body {
            request.headers_mut().insert(CONTENT_LENGTH, sent.into());
            let drain = self.http.rate.drain_time(sent);
            *request.body_mut() = Some(stall::body(body, progress.clone(), drain));
        }
        let resp = unless_stalled(&self.server, &progress, async {
            self.http
                .client
                .execute(request)
                .await
                .map_err(|e| self.unreachable(e))
        })
        .await?;
        progress.moved(0);
        let status = resp.status();
        let answer = Answer {
            resp,
            progress,
            sent,
            rate: self.http.rate.clone(),
            server: self.server.clone(),
        };
        if status.is_success() || status == StatusCode::NOT_FOUND {
            return Ok(answer);
        }
        let status = status.as_u16();
        let text = String::from_utf8_lossy(&answer.bytes().await.unwrap_or_default()).into_owned();
        Err(match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => SyncError::Refused {
                status,
                code: body.error.code,
                message: body.error.message,
            },
            Err(_) => SyncError::Refused {
                status,
                code: format!("http_{status}"),
                message: text.chars().take(200).collect(),
            },
        })
    }

    async fn json<T: serde::de::DeserializeOwned>(answer: Answer) -> Result<T, SyncError> {
        let bytes = answer.bytes().await?;
        serde_json::from_slice(&bytes).map_err(|e| SyncError::BadAnswer(e.to_string()))
    }

    fn json_body(req: RequestBuilder, value: &impl serde::Serialize) -> RequestBuilder {
        let body = serde_json::to_vec(value).expect("messages serialise");
        let req = req.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if body.len() > COMPRESS_ABOVE {
            let packed = zstd::bulk::compress(&body, 3).expect("zstd compresses in memory");
            req.header(CONTENT_ENCODING, "zstd").body(packed)
        } else {
            req.body(body)
        }
    }

    /// Signs in once; the answer carries this device's token.
    pub async fn sign_in(
        &self,
        user: &str,
        password: &str,
        device_name: &str,
    ) -> Result<Session, SyncError> {
        self.sign_in_with_keys(user, password, device_name, None)
            .await
    }

    /// Signs in once, sending the device's bundle keys' public halves (Ed25519 key, age
    /// recipient) when given, so the server accepts its USB bundles (issue 16).
    pub async fn sign_in_with_keys(
        &self,
        user: &str,
        password: &str,
        device_name: &str,
        bundle_keys: Option<(String, String)>,
    ) -> Result<Session, SyncError> {
        let req = self.request(reqwest::Method::POST, "/v1/sessions");
        let (device_key, device_recipient) = bundle_keys.unzip();
        let resp = self
            .send(Self::json_body(
                req,
                &SignIn {
                    user: user.into(),
                    password: password.into(),
                    device_name: device_name.into(),
                    device_key,
                    device_recipient,
                },
            ))
            .await?;
        Self::json(resp).await
    }

    pub async fn push(&self, revisions: &[Revision]) -> Result<Vec<PushResult>, SyncError> {
        let req = self.request(reqwest::Method::POST, "/v1/push");
        let resp = self
            .send(Self::json_body(
                req,
                &Push {
                    revisions: revisions.to_vec(),
                },
            ))
            .await?;
        let answer: PushAnswer = Self::json(resp).await?;
        if answer.results.len() != revisions.len() {
            return Err(SyncError::BadAnswer(format!(
                "{} results for {} revisions",
                answer.results.len(),
                revisions.len()
            )));
        }
        Ok(answer.results)
    }

    pub async fn pull(&self, since: i64, limit: usize) -> Result<PullPage, SyncError> {
        let req = self.request(
            reqwest::Method::GET,
            &format!("/v1/pull?since={since}&limit={limit}"),
        );
        Self::json(self.send(req).await?).await
    }

    /// A page of the feed with the review decisions after `reviews_since` (servers before
    /// reviews ignore the parameter and send none).
    pub async fn pull_with_reviews(
        &self,
        since: i64,
        reviews_since: i64,
        limit: usize,
    ) -> Result<PullPage, SyncError> {
        let req = self.request(
            reqwest::Method::GET,
            &format!("/v1/pull?since={since}&limit={limit}&reviews_since={reviews_since}"),
        );
        Self::json(self.send(req).await?).await
    }

    /// A page of the feed with the review decisions after `reviews_since` and the link
    /// operations after `links_since` (servers before issue 15 ignore `links_since` and send
    /// none, nor a `links_next`).
    pub async fn pull_with_links(
        &self,
        since: i64,
        reviews_since: i64,
        links_since: i64,
        limit: usize,
    ) -> Result<PullPage, SyncError> {
        let req = self.request(
            reqwest::Method::GET,
            &format!(
                "/v1/pull?since={since}&limit={limit}&reviews_since={reviews_since}&links_since={links_since}"
            ),
        );
        Self::json(self.send(req).await?).await
    }

    /// [`Client::pull_with_links`] with the site revisions after `sites_since` (servers before
    /// shared sites ignore `sites_since` and send none, nor a `sites_next`).
    pub async fn pull_with_sites(
        &self,
        since: i64,
        reviews_since: i64,
        links_since: i64,
        sites_since: i64,
        limit: usize,
    ) -> Result<PullPage, SyncError> {
        let req = self.request(
            reqwest::Method::GET,
            &format!(
                "/v1/pull?since={since}&limit={limit}&reviews_since={reviews_since}&links_since={links_since}&sites_since={sites_since}"
            ),
        );
        Self::json(self.send(req).await?).await
    }

    /// Sends site revisions (issue 15), parents before children; the server answers each
    /// one's fate, in order.
    pub async fn push_sites(
        &self,
        revisions: &[terrain_domain::SiteRevision],
    ) -> Result<terrain_protocol::sites::SiteResults, SyncError> {
        let req = self.request(reqwest::Method::POST, "/v1/sites/revisions");
        let resp = self
            .send(Self::json_body(
                req,
                &terrain_protocol::sites::SiteRevisions {
                    revisions: revisions.to_vec(),
                },
            ))
            .await?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Err(SyncError::Refused {
                status: 404,
                code: "not_found".into(),
                message: "this server does not share sites".into(),
            });
        }
        let answer: terrain_protocol::sites::SiteResults = Self::json(resp).await?;
        if answer.results.len() != revisions.len() {
            return Err(SyncError::BadAnswer(format!(
                "{} results for {} site revisions",
                answer.results.len(),
                revisions.len()
            )));
        }
        Ok(answer)
    }

    /// Every revision of site `id` and of the sites it was merged into (`GET /v1/sites/{id}`);
    /// None when the server has no such site (404).
    pub async fn site_history(
        &self,
        id: uuid::Uuid,
    ) -> Result<Option<terrain_protocol::sites::SiteHistory>, SyncError> {
        let req = self.request(reqwest::Method::GET, &format!("/v1/sites/{id}"));
        let resp = self.send(req).await?;
        if resp.status() == StatusCode::NOT_FOUND {
            let _ = resp.bytes().await;
            return Ok(None);
        }
        Self::json(resp).await.map(Some)
    }

    /// Sends link operations (issue 15); the server answers each one's fate, in order.
    pub async fn push_links(
        &self,
        ops: &[terrain_domain::incident::LinkOp],
    ) -> Result<terrain_protocol::LinkResults, SyncError> {
        let req = self.request(reqwest::Method::POST, "/v1/incidents/links");
        let resp = self
            .send(Self::json_body(
                req,
                &terrain_protocol::LinkOps { ops: ops.to_vec() },
            ))
            .await?;
        let answer: terrain_protocol::LinkResults = Self::json(resp).await?;
        if answer.results.len() != ops.len() {
            return Err(SyncError::BadAnswer(format!(
                "{} results for {} link operations",
                answer.results.len(),
                ops.len()
            )));
        }
        Ok(answer)
    }

    /// Uploads an attachment unless the server has it, resuming from what it already holds.
    pub async fn upload_blob(&self, sha256: &str, bytes: &[u8]) -> Result<(), SyncError> {
        self.upload(sha256, bytes, false, &mut |_| {}).await
    }

    /// Where the server's copy of this attachment stands, and whether it is stored whole.
    async fn blob_offset(&self, url: &str, len: u64) -> Result<(u64, bool), SyncError> {
        let head = self.send(self.request(reqwest::Method::HEAD, url)).await?;
        Ok(match head.status() {
            StatusCode::OK => (len, true),
            StatusCode::NOT_FOUND => (0, false),
            _ => (head.offset().unwrap_or(0).min(len), false),
        })
    }

    /// After a piece was cut or stalled: asks where the server stands as soon as the link
    /// answers again, probing every few seconds for up to [`RESUME_FOR`], so an upload goes on
    /// from the server's last byte within the pass. `cause` is returned if the link stays down.
    async fn resume_point(
        &self,
        url: &str,
        len: u64,
        cause: SyncError,
    ) -> Result<(u64, bool), SyncError> {
        let since = Instant::now();
        let mut wait = RESUME_PROBE_FIRST;
        loop {
            tokio::time::sleep(wait).await;
            // A probe sent while the link is still cut waits on the kernel's retransmissions,
            // whose gaps double to tens of seconds: one unanswered for a few seconds is
            // dropped, and the next goes on a new connection.
            match tokio::time::timeout(PROBE_ANSWER, self.blob_offset(url, len)).await {
                Ok(Ok(point)) => return Ok(point),
                Ok(Err(e)) if resumable(&e) && since.elapsed() < RESUME_FOR => {
                    tracing::debug!(error = %e, "the link is still down; probing again");
                }
                Err(_) if since.elapsed() < RESUME_FOR => {
                    tracing::debug!("no answer to the probe yet; probing again");
                }
                _ => return Err(cause),
            }
            wait = (wait * 2).min(RESUME_PROBE_MOST);
        }
    }

    /// [`Client::upload_blob`], telling `on` how many bytes the server holds after each piece.
    /// Pieces carry about [`PIECE_TIME`] at the measured rate; a piece the server did not
    /// expect at that offset (`409`) resumes from where the server says it stands, and a
    /// piece cut by the link resumes from the server's last byte once the link is back.
    /// `fresh`: never tried before, so the first piece goes without asking where the server
    /// stands (one round trip less per photo).
    pub(crate) async fn upload(
        &self,
        sha256: &str,
        bytes: &[u8],
        fresh: bool,
        on: &mut (dyn FnMut(u64) + Send),
    ) -> Result<(), SyncError> {
        let url = format!("/v1/blobs/{sha256}");
        let len = bytes.len() as u64;
        // Whole only when the server says so (200/201): a 204 or a 404 at the end is not it.
        let (mut offset, mut whole) = if fresh {
            (0, false)
        } else {
            self.blob_offset(&url, len).await?
        };
        on(offset);
        // Never so many pieces that the server's count per upload is reached.
        let least = MIN_PIECE.max(bytes.len() / (limits::UPLOAD_PIECES / 2));
        let mut rounds = 0;
        loop {
            while offset < len && !whole {
                let piece =
                    self.bytes_for(PIECE_TIME, FIRST_PIECE, least, limits::BLOB_CHUNK_BYTES);
                let end = (offset + piece as u64).min(len);
                let req = self
                    .request(reqwest::Method::PUT, &url)
                    .header(UPLOAD_OFFSET, offset.to_string())
                    .header(UPLOAD_LENGTH, len.to_string())
                    .header(CONTENT_TYPE, "application/octet-stream")
                    .body(bytes[offset as usize..end as usize].to_vec());
                let answer = match self.send(req).await {
                    Ok(answer) => {
                        whole = matches!(answer.status(), StatusCode::OK | StatusCode::CREATED);
                        let at = answer.offset().unwrap_or(end);
                        answer.bytes().await.map(|_| at)
                    }
                    Err(e) => Err(e),
                };
                offset = match answer {
                    Ok(at) => at,
                    Err(SyncError::Refused { status: 409, .. }) => {
                        let at;
                        (at, whole) = self.blob_offset(&url, len).await?;
                        at
                    }
                    Err(e) if resumable(&e) => {
                        tracing::info!(error = %e, photo = %sha256, at = offset, "piece cut; resuming");
                        let at;
                        (at, whole) = self.resume_point(&url, len, e).await?;
                        at
                    }
                    Err(e) => return Err(e),
                };
                on(offset);
            }
            if !whole {
                let (at, stored) = self.blob_offset(&url, len).await?;
                // Every byte there but never completed (an older server lost the completion when
                // the client hung up after its last byte): an empty last piece completes it. A
                // `409` there means the server's upload moved meanwhile (a piece of an earlier,
                // killed pass finishing): go on from where it stands, a few times at most.
                whole = stored
                    || (at == len
                        && match self.empty_last_piece(&url, len).await {
                            Err(SyncError::Refused { status: 409, .. }) => false,
                            other => other?,
                        });
                if !whole && rounds < 3 {
                    rounds += 1;
                    tokio::time::sleep(RESUME_PROBE_FIRST).await;
                    (offset, whole) = self.blob_offset(&url, len).await?;
                    continue;
                }
            }
            if !whole {
                return Err(SyncError::BadAnswer(format!(
                    "the server did not confirm photo {sha256} whole"
                )));
            }
            break;
        }
        Ok(())
    }
}

/// The link cut or stalled an exchange (not the server refusing it): worth resuming.
fn resumable(e: &SyncError) -> bool {
    e.is_link() || matches!(e, SyncError::BadAnswer(_))
}

impl Client {
    /// A PUT of no bytes at `len`: the server checks and stores an upload it holds whole.
    async fn empty_last_piece(&self, url: &str, len: u64) -> Result<bool, SyncError> {
        let req = self
            .request(reqwest::Method::PUT, url)
            .header(UPLOAD_OFFSET, len.to_string())
            .header(UPLOAD_LENGTH, len.to_string())
            .header(CONTENT_TYPE, "application/octet-stream")
            .body(Vec::new());
        let answer = self.send(req).await?;
        Ok(matches!(
            answer.status(),
            StatusCode::OK | StatusCode::CREATED
        ))
    }
}

// Token renewal (crate::renew decides when).
impl Client {
    /// Exchanges this client's token for a new one (`POST /v1/sessions/renew`), no password;
    /// the server retires the old token at the new one's first use.
    pub async fn renew(&self) -> Result<Session, SyncError> {
        let req = self.request(reqwest::Method::POST, "/v1/sessions/renew");
        Self::json(self.send(req).await?).await
    }

    /// The same client (connections, timeouts) speaking with `token`.
    pub fn with_token(&self, token: Token) -> Client {
        Client {
            http: self.http.clone(),
            server: self.server.clone(),
            token: Some(token),
        }
    }
}

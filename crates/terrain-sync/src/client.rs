//! HTTP to the server: one function per endpoint, errors mapped to [`SyncError`].

use crate::SyncError;
use reqwest::header::{AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, HeaderValue};
use reqwest::{RequestBuilder, Response, StatusCode};
use std::time::Duration;
use terrain_domain::Revision;
use terrain_protocol::{
    ErrorBody, PROTOCOL_HEADER, PROTOCOL_VERSION, PullPage, Push, PushAnswer, PushResult, Session,
    SignIn, UPLOAD_LENGTH, UPLOAD_OFFSET,
};
use terrain_store::Token;

/// Bodies above this are zstd-compressed: JSON reports shrink about fivefold.
const COMPRESS_ABOVE: usize = 1024;
/// Attachment uploads go in pieces this big, so a cut link loses at most one piece.
const BLOB_CHUNK: usize = 256 * 1024;

pub struct Client {
    http: reqwest::Client,
    server: String,
    token: Option<Token>,
}

impl Client {
    pub fn new(server: &str, token: Option<Token>) -> Result<Client, SyncError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(15))
            // A link that carries nothing for this long is stalled: give up and retry, rather
            // than wait for the whole-request timeout.
            .read_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(300))
            .build()
            .map_err(|e| SyncError::Unreachable {
                server: server.into(),
                reason: e.to_string(),
            })?;
        Ok(Client {
            http,
            server: server.trim_end_matches('/').to_string(),
            token,
        })
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    pub(crate) fn request(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.server))
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string());
        if let Some(Token(token)) = &self.token {
            req = req.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        req
    }

    async fn send(&self, req: RequestBuilder) -> Result<Response, SyncError> {
        let unreachable = |e: reqwest::Error| SyncError::Unreachable {
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
        };
        let resp = req.send().await.map_err(unreachable)?;
        if resp.status().is_success() || resp.status() == StatusCode::NOT_FOUND {
            return Ok(resp);
        }
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
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

    async fn json<T: serde::de::DeserializeOwned>(resp: Response) -> Result<T, SyncError> {
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| SyncError::BadAnswer(e.without_url().to_string()))?;
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
        let req = self.request(reqwest::Method::POST, "/v1/sessions");
        let resp = self
            .send(Self::json_body(
                req,
                &SignIn {
                    user: user.into(),
                    password: password.into(),
                    device_name: device_name.into(),
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

    /// Uploads an attachment unless the server has it, resuming from what it already holds.
    pub async fn upload_blob(&self, sha256: &str, bytes: &[u8]) -> Result<(), SyncError> {
        let url = format!("/v1/blobs/{sha256}");
        let head = self.send(self.request(reqwest::Method::HEAD, &url)).await?;
        let mut offset = match head.status() {
            StatusCode::OK => return Ok(()),
            StatusCode::NOT_FOUND => 0,
            _ => head
                .headers()
                .get(UPLOAD_OFFSET)
                .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
                .unwrap_or(0),
        };
        while offset < bytes.len() {
            let end = (offset + BLOB_CHUNK).min(bytes.len());
            let req = self
                .request(reqwest::Method::PUT, &url)
                .header(UPLOAD_OFFSET, offset.to_string())
                .header(UPLOAD_LENGTH, bytes.len().to_string())
                .header(CONTENT_TYPE, "application/octet-stream")
                .body(bytes[offset..end].to_vec());
            let resp = self.send(req).await?;
            offset = resp
                .headers()
                .get(UPLOAD_OFFSET)
                .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
                .unwrap_or(end);
        }
        Ok(())
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

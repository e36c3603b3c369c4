//! The /v1 messages as the client sends and reads them (see docs/sync-protocol.md).

use serde::{Deserialize, Serialize};
use terrain_domain::Revision;
use uuid::Uuid;

/// The protocol version this client speaks, sent in every request's `Terrain-Protocol` header.
pub const PROTOCOL_VERSION: u32 = 1;
pub const PROTOCOL_HEADER: &str = "Terrain-Protocol";

#[derive(Debug, Serialize)]
pub struct SignIn<'a> {
    pub user: &'a str,
    pub password: &'a str,
    pub device_name: &'a str,
}

#[derive(Debug, Deserialize)]
pub struct Session {
    pub token: String,
    pub user: String,
    pub role: String,
    pub regions: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Push<'a> {
    pub revisions: &'a [Revision],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushStatus {
    Stored,
    AlreadyHave,
    Conflict,
    Rejected,
}

#[derive(Debug, Deserialize)]
pub struct PushResult {
    pub rev_id: Uuid,
    pub status: PushStatus,
    #[serde(default)]
    pub seq: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PushAnswer {
    pub results: Vec<PushResult>,
}

#[derive(Debug, Deserialize)]
pub struct Pulled {
    pub seq: i64,
    pub revision: Revision,
}

#[derive(Debug, Deserialize)]
pub struct PullPage {
    pub revisions: Vec<Pulled>,
    pub next: i64,
    pub more: bool,
}

#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

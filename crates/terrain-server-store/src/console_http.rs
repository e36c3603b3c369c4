//! What the console (issue 14) needs from storage besides reports: browser sessions, and the
//! administrator's view of users and their device tokens, and of the audit log.

use crate::User;
use chrono::{DateTime, Utc};

/// A console (browser) session, found by its cookie's hash, with its user as stored now (so a
/// change of role or regions applies at the next request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSessionRecord {
    pub user: User,
    /// The session's CSRF token (sent back in `X-CSRF-Token`).
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    /// When the session was last used (written at most about once a minute).
    pub last_used: DateTime<Utc>,
    /// When the session ends whatever its use.
    pub expires_at: DateTime<Utc>,
    /// When it was ended (signed out, or its user's password reset); None while open.
    pub ended_at: Option<DateTime<Utc>>,
}

/// One device token of a user, as an administrator sees it. `token_hash` stays on the server:
/// the console is given an id derived from it ([`device_id`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    pub token_hash: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The opaque id of a device token shown to administrators: 32 hex digits of a hash of the
/// token's stored hash, so neither the token nor its stored hash can be had from it.
pub fn device_id(token_hash: &str) -> String {
    let full = terrain_domain::sha256_hex(format!("terrain device id\n{token_hash}").as_bytes());
    full[..32].to_string()
}

/// Which audit events to read, oldest first: at or after `since`, before `until`, of `user`
/// (as actor), with `action`, from `device` (its name); `offset` matching events skipped,
/// then at most `limit`.
#[derive(Debug, Clone, Default)]
pub struct AuditSearch {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub user: Option<String>,
    pub action: Option<String>,
    pub device: Option<String>,
    pub offset: usize,
    pub limit: usize,
}

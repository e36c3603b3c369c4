//! The /v1 sync protocol between devices and the server: message types, error codes, limits.
//! Documented with examples in `docs/sync-protocol.md`.
//!
//! Types only (and how a body is read, [`json`]): no I/O, no HTTP library. The client (`terrain-sync`) and the server
//! (`terrain-server`) both serialise exactly these, so the two cannot drift apart.

use serde::{Deserialize, Serialize};
use terrain_domain::Revision;
use uuid::Uuid;

pub mod bundles;
pub mod console;
pub mod console_session;
pub mod exports;
pub mod incident;
pub mod json;
pub mod receipt;
pub mod review;
#[cfg(feature = "schema")]
pub mod schema;
pub mod sites;

pub use bundles::{BundleImported, BundleUpload, ReplyFile};
pub use incident::{
    IncidentView, LinkOps, LinkResult, LinkResults, LinkStatus, PairDecision, Similar, Suggestion,
};
pub use receipt::{Receipt, ReceiptBody, RetiredKey, ServerKeys};
pub use review::{ReviewDecision, ReviewRequest, ReviewState};

pub use console::{
    CountBy, CountRow, Counts, CountsParams, HistoryEntry, ReportDetail, ReportFilter, ReportPage,
    ReportRow, ReviewFilter,
};
pub use console_session::{
    CONSOLE_COOKIE, CONSOLE_COOKIE_SECURE, CSRF_HEADER, ConsoleSession, ConsoleSignIn, DeviceList,
    DeviceRow, NewUser, PasswordReset, UserChange, UserList, UserRow,
};
pub use exports::{ExportLang, ExportOptions, SUMMARY_PDF_REPORTS, TOTAL_HEADER};

/// The protocol version spoken, sent in every request's [`PROTOCOL_HEADER`].
pub const PROTOCOL_VERSION: u32 = 1;
pub const PROTOCOL_HEADER: &str = "Terrain-Protocol";
/// Blob uploads: where the upload stands (answer) or starts (request).
pub const UPLOAD_OFFSET: &str = "Upload-Offset";
/// Blob uploads: the whole file's size.
pub const UPLOAD_LENGTH: &str = "Upload-Length";

/// Bounds the server enforces; the client stays within them.
pub mod limits {
    /// Revisions in one push.
    pub const PUSH_REVISIONS: usize = 1_000;
    /// A request body after decompression.
    pub const BODY_BYTES: usize = 16 * 1024 * 1024;
    /// One piece of a blob upload.
    pub const BLOB_CHUNK_BYTES: usize = 4 * 1024 * 1024;
    /// A whole blob.
    pub const BLOB_BYTES: u64 = 200 * 1024 * 1024;
    /// Revisions in one pull page.
    pub const PULL_PAGE: usize = 1_000;
    /// Review decisions in one pull page.
    pub const PULL_REVIEWS: usize = 1_000;
    /// Link operations in one pull page.
    pub const PULL_LINKS: usize = 1_000;
    /// Link operations in one POST /v1/incidents/links.
    pub const LINK_OPS: usize = 100;
    /// Site revisions in one pull page.
    pub const PULL_SITES: usize = 500;
    /// Site revisions in one POST /v1/sites/revisions.
    pub const SITE_REVISIONS: usize = 500;
    /// Suggestions GET /v1/reports/{id}/similar gives at most.
    pub const SUGGESTIONS: usize = 20;
    /// Reports one incident view reads at most (a larger incident shows its first ones).
    pub const INCIDENT_REPORTS: usize = 200;
    /// Reports naming a site (and the sites merged into it) GET /v1/sites/{id}/incidents reads
    /// at most, before adding the reports linked to them.
    pub const SITE_REPORTS: usize = 1_000;
    /// JSON bytes of one pull page, about: a page stops at the revision that would pass them
    /// (one revision always goes, so the feed advances).
    pub const PULL_PAGE_BYTES: usize = 4 * 1024 * 1024;
    /// Audit events in one answer.
    pub const AUDIT_PAGE: usize = 1_000;
    /// Failed sign-ins for one user name within [`LOCKOUT_MINUTES`] that lock it out...
    pub const LOCKOUT_FAILURES: usize = 5;
    /// ...for this many minutes after the last of them.
    pub const LOCKOUT_MINUTES: i64 = 15;
    /// Failed sign-ins one client address may make at once, whatever the names tried (password
    /// spraying); then it is refused (`429 rate_limited`) until it earns another...
    pub const SIGN_IN_BURST: u32 = 10;
    /// ...one every this many seconds. Only failures count, so an office behind one NAT is
    /// never slowed by its colleagues' successful sign-ins, only by ten typos at once.
    pub const SIGN_IN_EVERY_SECS: u64 = 6;
    /// Pieces in one upload (a whole blob in 1-byte pieces would be millions of rows).
    pub const UPLOAD_PIECES: usize = 4_096;
    /// Hours an upload in progress may go without a piece before the server deletes it
    /// (`terrain-server serve --upload-expiry-hours`).
    pub const UPLOAD_EXPIRY_HOURS: u64 = 7 * 24;
    /// A bundle uploaded in the console (all its parts): one part's size, FAT32's limit
    /// (`serve --bundle-upload-max-mib` changes it). Larger ones go by `terrain-server bundle
    /// import`.
    pub const BUNDLE_UPLOAD_BYTES: u64 = 4 * 1024 * 1024 * 1024;
    /// Days the console's reply bundles are kept for download.
    pub const BUNDLE_REPLY_DAYS: i64 = 7;
    // The edge (terrain-server's `edge`): what one client may cost before any handler runs.
    /// A sign-in's body: a name, a password and a device name.
    pub const SIGN_IN_BODY_BYTES: usize = 64 * 1024;
    /// A compressed body may expand this many times...
    pub const DECOMPRESSION_RATIO: u64 = 100;
    /// ...once past this many bytes decompressed (small JSON bodies compress better).
    pub const DECOMPRESSION_RATIO_FREE_BYTES: u64 = 1024 * 1024;
    /// The largest zstd window accepted (2^23 = 8 MiB of decoder memory), and never more than
    /// the route's body limit needs; `zstd::bulk::compress` at level 3 uses at most 2^21.
    pub const ZSTD_WINDOW_LOG_MAX: u32 = 23;
    /// Seconds a client has to send a request's headers (and between two requests on one
    /// connection, and for a TLS handshake) before the connection is closed.
    pub const HEADER_TIMEOUT_SECS: u64 = 10;
    /// Seconds a request body may go without a byte before it is refused (408). On a
    /// 64 kbit/s link with 600 ms round trips and 10 % loss, a segment lost k times in a row
    /// stalls its connection about 2^k − 1 s (retransmission timeouts double from about 1 s):
    /// 15 s at k = 4, which one 300 KB photo in 50 meets (205 segments × 10^-4); 31 s at
    /// k = 5, one in 500. As long as the client's own stall limit (30 s), so an honest body is
    /// not cut before its sender gives up; a cut piece keeps what arrived anyway. Measured on
    /// the link emulator (`tests/tests/slow_blobs.rs`): 300 KB pieces whole in 44–46 s up,
    /// 45–50 s down (37.5 s at the line rate), none cut.
    pub const BODY_IDLE_SECS: u64 = 30;
    /// After the first [`BODY_GRACE_SECS`], a body must arrive at this many bytes a second on
    /// average or it is refused (408). 64 kbit/s is 8,000 B/s on the line; with 10 % loss one
    /// TCP connection averages about 4,000 to 6,000, so four sharing it stay above this.
    pub const BODY_MIN_BYTES_PER_SEC: u64 = 1024;
    pub const BODY_GRACE_SECS: u64 = 10;
    /// Open connections in all; past it new ones are closed at once.
    pub const CONNECTIONS: usize = 512;
    /// Open connections from one client address (an office behind one NAT is one address);
    /// past it, each request is answered `429 too_many_connections` and the connection closed.
    pub const CONNECTIONS_PER_ADDRESS: usize = 64;
    /// Request bodies being read at once from one client address; past it, `429`.
    pub const BODIES_PER_ADDRESS: usize = 16;
    /// Sign-ins checked at once, whoever sends them: each Argon2id check takes 19 MiB (100 at
    /// once from ten addresses took the server to 1.97 GB). The others wait their turn...
    pub const SIGN_INS_AT_ONCE: usize = 4;
    /// ...at most this many seconds, then `503 unavailable` with `Retry-After`.
    pub const SIGN_IN_WAIT_SECS: u64 = 10;
    /// Days a device token may go unused before it is refused (`token_expired`);
    /// `terrain-server serve --token-idle-days`. Renewing (`POST /v1/sessions/renew`) or any
    /// use starts the count again.
    pub const TOKEN_IDLE_DAYS: i64 = 30;
    /// Reasons for refused revisions one push's audit event lists; the rest are counted.
    pub const AUDIT_REASONS: usize = 20;
    /// Minutes a console (browser) session may go without a request before it ends
    /// (`terrain-server serve --console-idle-minutes`).
    pub const CONSOLE_IDLE_MINUTES: i64 = 30;
    /// Hours a console session lasts at most, however it is used.
    pub const CONSOLE_SESSION_HOURS: i64 = 12;
    /// A password set by the server's command line or an administrator: at least this long.
    pub const PASSWORD_MIN_CHARS: usize = 10;
}

/// GET /health: `{"status": "ok", "protocol": [1]}`, or (503) the storage does not answer.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// "ok", or what is wrong.
    pub status: String,
    /// The protocol versions the server speaks; absent when it cannot serve.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protocol: Vec<u32>,
}

/// POST /v1/sessions
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignIn {
    #[cfg_attr(feature = "schema", schemars(schema_with = "schema::line"))]
    pub user: String,
    pub password: String,
    #[cfg_attr(feature = "schema", schemars(schema_with = "schema::line"))]
    pub device_name: String,
    /// The device's bundle signing key (Ed25519 public key, base64 of 32 bytes): the server
    /// accepts USB bundles signed by it (issue 16, `docs/bundles.md`). Absent from devices
    /// before bundles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(regex(pattern = r"^[A-Za-z0-9+/]{43}=$")))]
    pub device_key: Option<String>,
    /// The age X25519 recipient (`age1...`) the server seals reply bundles to; sent with
    /// `device_key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schemars(regex(pattern = "^age1[02-9ac-hj-np-z]{58}$"))
    )]
    pub device_recipient: Option<String>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sends and receives reports of their regions.
    Reporter,
    /// And marks reports verified.
    Reviewer,
    /// And everything, in every region.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reporter => "reporter",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Reporter, Role::Reviewer, Role::Admin]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// The answer to a sign-in: this device's token, shown once.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub user: String,
    pub role: Role,
    /// Regions (admin1) the user may send and receive; empty for an admin: all.
    pub regions: Vec<String>,
    /// The server's public keys (receipts, bundles); absent from servers before them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_keys: Option<ServerKeys>,
}

/// POST /v1/push
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Push {
    #[cfg_attr(feature = "schema", schemars(length(max = limits::PUSH_REVISIONS)))]
    pub revisions: Vec<Revision>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushStatus {
    /// Stored now, durably.
    Stored,
    /// Stored earlier (a retry).
    AlreadyHave,
    /// Stored, and the report now has more than one head: both versions are kept.
    Conflict,
    /// Not stored; `message` says why. Sending it again will not help.
    Rejected,
}

/// One revision's fate, in the order they were sent.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResult {
    pub rev_id: Uuid,
    pub status: PushStatus,
    /// Feed position, when stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The server's signed receipt of the stored revision (stored, conflict, already held);
    /// absent from servers before receipts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushAnswer {
    pub results: Vec<PushResult>,
}

/// One revision of the feed, at its position. Its sources carry contacts only where the
/// reader may see them (their author, reviewers and administrators of the region).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pulled {
    pub seq: i64,
    pub revision: Revision,
    /// The revision was hashed over its whole content (the first rule) and a contact it carried
    /// is withheld from this reader, so `content_hash` is its hash under the current rule
    /// (contacts left out), not the one its author's device made.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rehashed: bool,
    /// The sha256 of the revision's attachments whose bytes the server does not hold yet
    /// (their upload has not finished): "photo on its way". Absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "schema", schemars(inner(regex(pattern = schema::SHA256))))]
    pub pending: Vec<String>,
}

/// GET /v1/pull?since=N&limit=M
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PullPage {
    pub revisions: Vec<Pulled>,
    /// The cursor for the next pull.
    pub next: i64,
    /// More revisions wait past `next`, or more decisions past `reviews_next`.
    pub more: bool,
    /// Review decisions on the reader's regions' reports made after the request's
    /// `reviews_since`, oldest first (at most [`limits::PULL_REVIEWS`]). Empty when the request
    /// had no `reviews_since` (an older device) and from older servers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviews: Vec<ReviewDecision>,
    /// The decision feed's cursor for the next pull; absent when the request had no
    /// `reviews_since` and from older servers (the device then keeps its cursor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviews_next: Option<i64>,
    /// Link operations (issue 15) on pairs with a report in the reader's regions, stored after
    /// the request's `links_since`, oldest first (at most [`limits::PULL_LINKS`]). Empty when
    /// the request had no `links_since` and from older servers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<incident::LinkOp>,
    /// The link feed's cursor for the next pull; absent when the request had no `links_since`
    /// and from older servers (the device then keeps its cursor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links_next: Option<i64>,
    /// Site revisions (issue 15) of sites in the reader's regions, stored after the request's
    /// `sites_since`, oldest first, parents before children (at most
    /// [`limits::PULL_SITES`]). Empty when the request had no `sites_since` and from older
    /// servers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<sites::SiteRevision>,
    /// The site feed's cursor for the next pull; absent when the request had no `sites_since`
    /// and from older servers (the device then keeps its cursor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sites_next: Option<i64>,
}

/// GET /v1/pull's query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PullParams {
    /// The feed position to read after (`next` of the last page); 0 to start.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schemars(range(min = i64::MIN, max = i64::MAX)))]
    pub since: i64,
    /// At most this many revisions; the server gives at most [`limits::PULL_PAGE`] and at
    /// least one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(max = usize::MAX)))]
    pub limit: Option<usize>,
    /// The decision feed's position to read after (`reviews_next` of the last page); 0 to
    /// start. Absent (an older device): the page carries no decisions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = i64::MIN, max = i64::MAX)))]
    pub reviews_since: Option<i64>,
    /// The link feed's position to read after (`links_next` of the last page); 0 to start.
    /// Absent (an older device): the page carries no link operations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = i64::MIN, max = i64::MAX)))]
    pub links_since: Option<i64>,
    /// The site feed's position to read after (`sites_next` of the last page); 0 to start.
    /// Absent (an older device): the page carries no site revisions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(min = i64::MIN, max = i64::MAX)))]
    pub sites_since: Option<i64>,
}

/// GET /v1/audit's query (administrators only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditParams {
    /// Only events at or after this time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(extend("format" = "date-time")))]
    pub since: Option<String>,
    /// Only this user's events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(schema_with = "schema::optional_line"))]
    pub user: Option<String>,
    /// At most this many events (100 if absent); the server gives at most
    /// [`limits::AUDIT_PAGE`] and at least one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(max = usize::MAX)))]
    pub limit: Option<usize>,
    /// Only events with this action (`sign_in`, `push`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(schema_with = "schema::optional_line"))]
    pub action: Option<String>,
    /// Only events before this time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(extend("format" = "date-time")))]
    pub until: Option<String>,
    /// Only events of this device name (`console` for browser sessions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(schema_with = "schema::optional_line"))]
    pub device: Option<String>,
    /// Skip this many matching events first (the previous page's `next`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(range(max = usize::MAX)))]
    pub offset: Option<usize>,
}

/// POST /v1/reports/{id}/verify
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verified {
    pub report_id: Uuid,
    pub verified_by: String,
    /// RFC 3339, UTC.
    #[cfg_attr(feature = "schema", schemars(extend("format" = "date-time")))]
    pub verified_at: String,
}

/// One audit log entry, as GET /v1/audit answers it (administrators only).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// RFC 3339, UTC.
    #[cfg_attr(feature = "schema", schemars(extend("format" = "date-time")))]
    pub at: String,
    /// Who acted (the name tried, for a failed sign-in); absent for the server's command line.
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub device: Option<String>,
    /// sign_in, sign_in_failed, locked_out, sign_in_throttled, token_refused, push, verify,
    /// user_add, token_revoke, upload_complete, upload_hash_mismatch, upload_reset,
    /// uploads_expired
    pub action: String,
    pub detail: String,
}

/// GET /v1/audit?since=RFC3339&user=NAME&limit=N: oldest first.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditPage {
    pub events: Vec<AuditEntry>,
    /// The `offset` of the next page, when there may be more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<usize>,
}

/// Every error answer's body.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable, for programs: see [`codes`].
    pub code: String,
    /// Plain words, for people.
    pub message: String,
}

/// The machine codes of errors.
pub mod codes {
    pub const PROTOCOL_VERSION: &str = "protocol_version";
    pub const UNAUTHENTICATED: &str = "unauthenticated";
    pub const TOKEN_REVOKED: &str = "token_revoked";
    pub const BAD_CREDENTIALS: &str = "bad_credentials";
    /// Too many failed sign-ins for this user name: refused for a while (HTTP 429).
    pub const LOCKED_OUT: &str = "locked_out";
    /// Too many failed sign-ins from this client address, whatever the names: refused for a
    /// while (HTTP 429, with Retry-After).
    pub const RATE_LIMITED: &str = "rate_limited";
    /// A query parameter is not what the endpoint reads.
    pub const INVALID_QUERY: &str = "invalid_query";
    pub const FORBIDDEN: &str = "forbidden";
    pub const REGION_FORBIDDEN: &str = "region_forbidden";
    pub const MALFORMED_JSON: &str = "malformed_json";
    pub const BODY_TOO_LARGE: &str = "body_too_large";
    pub const TOO_MANY_REVISIONS: &str = "too_many_revisions";
    pub const INVALID_REPORT: &str = "invalid_report";
    pub const HASH_MISMATCH: &str = "hash_mismatch";
    pub const BLOB_HASH_MISMATCH: &str = "blob_hash_mismatch";
    pub const OFFSET_MISMATCH: &str = "offset_mismatch";
    pub const NOT_FOUND: &str = "not_found";
    pub const UNAVAILABLE: &str = "unavailable";
    /// 400 for a request the server cannot read: a path segment, a header, a body framing.
    pub const BAD_REQUEST: &str = "bad_request";
    /// 405: the path exists, not with this method (the `Allow` header lists those it takes).
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
    /// 415: a body type or a Content-Encoding the endpoint does not take.
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
    /// 400: a compressed body that does not decompress (corrupt, truncated, window too large).
    pub const BAD_ENCODING: &str = "bad_encoding";
    /// 408: headers or body arrived too slowly.
    pub const REQUEST_TIMEOUT: &str = "request_timeout";
    /// 429: too many connections or bodies in flight from this client address.
    pub const TOO_MANY_CONNECTIONS: &str = "too_many_connections";
    /// Upload-Offset or Upload-Length missing, not a number, or past the largest size.
    pub const INVALID_UPLOAD_HEADER: &str = "invalid_upload_header";
    /// 416: a blob download's `Range` is not one range of bytes within the blob.
    pub const RANGE_NOT_SATISFIABLE: &str = "range_not_satisfiable";
    /// An upload already has `limits::UPLOAD_PIECES` pieces (HTTP 413).
    pub const TOO_MANY_PIECES: &str = "too_many_pieces";
    /// 401: a device token unused for longer than the server's idle time; sign in again.
    pub const TOKEN_EXPIRED: &str = "token_expired";
    /// A revision whose `device` first pushed under another user (per revision, in a push).
    pub const DEVICE_FORBIDDEN: &str = "device_forbidden";
    /// 400: a name holding a control, invisible or bidirectional character.
    pub const INVALID_TEXT: &str = "invalid_text";
    /// 403: a request made with the console's cookie without its session's `X-CSRF-Token`, or
    /// from another site (`Origin`, `Sec-Fetch-Site`).
    pub const CSRF_REFUSED: &str = "csrf_refused";
    /// 401: a console session unused for its idle time, or past its end; sign in again.
    pub const SESSION_EXPIRED: &str = "session_expired";
    /// 409: a user of this name exists already.
    pub const USER_EXISTS: &str = "user_exists";
    /// 400: a field of the body holds a value the endpoint refuses (the message names it).
    pub const INVALID_FIELD: &str = "invalid_field";
    /// 422: a USB bundle refused whole, nothing of it stored. The code is the message
    /// catalogue's (`bundle.import.*`, English and French), the words in the request's
    /// language.
    pub const BUNDLE_REFUSALS: &[&str] = &[
        "bundle.import.not_bundle",
        "bundle.import.newer",
        "bundle.import.incomplete",
        "bundle.import.truncated",
        "bundle.import.tampered",
        "bundle.import.other_server",
        "bundle.import.a_reply",
        "bundle.import.unknown_device",
        "bundle.import.revoked",
        "bundle.import.io",
        "bundle.error.refused",
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_results_omit_what_they_do_not_have() {
        let r = PushResult {
            rev_id: Uuid::nil(),
            status: PushStatus::AlreadyHave,
            seq: Some(7),
            code: None,
            message: None,
            receipt: None,
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"rev_id":"00000000-0000-0000-0000-000000000000","status":"already_have","seq":7}"#
        );
    }

    #[test]
    fn roles_read_from_their_names() {
        assert_eq!(Role::parse("reviewer"), Some(Role::Reviewer));
        assert_eq!(Role::parse("king"), None);
    }
}

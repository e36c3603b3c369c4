//! What the sync server needs from storage, as one trait every engine implements
//! (`terrain-server-sqlite`, `terrain-server-postgres`). The behaviour they share is tested by
//! the conformance suite (`terrain-server-conformance`, tests only) that each engine's tests run.
//!
//! Invariants every engine keeps: a revision is stored once (by id) and never changed; a push
//! batch is durable before `push` returns; feed positions (`seq`) become visible in increasing
//! order, so a reader that has seen position N has seen every position below N (the pull feed
//! never skips a revision that commits late). No HTTP and no rules here: the server checks
//! content and permissions before calling in.
//!
//! Sources' contacts never reach the database in clear: a revision arrives with its contacts
//! taken out and sealed ([`sealing`]); engines keep the sealed contacts in rows of their own and
//! give them back by report ([`ServerStore::contacts`]), and the server decides who sees them.

pub mod console_http;
pub mod incidents;
pub mod index;
pub mod sealing;
pub mod sites;

pub use console_http::{AuditSearch, ConsoleSessionRecord, DeviceRecord, device_id};
pub use incidents::{CandidateQuery, FingerprintRow, IncomingLink, LinkPage, StoredLinkOp};
pub use index::{IndexEntry, IndexedHead, PageBounds, Selection, StoredRevision};
pub use sealing::{ContactKey, SealedContact, seal_contacts};
pub use sites::{IncomingSite, SitePage, SitesStored, StoredSite};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use terrain_domain::{ReviewDecision, Revision};
use terrain_protocol::Role;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage: {0}")]
    Backend(String),
    #[error("the upload stands at byte {actual}")]
    OffsetMismatch { actual: u64 },
    /// An upload already has [`terrain_protocol::limits::UPLOAD_PIECES`] pieces.
    #[error("the upload already has {limit} pieces")]
    TooManyPieces { limit: usize },
    /// The database was made by a newer server: refused rather than guessed at.
    #[error(
        "this database is at schema version {found} but this terrain-server knows up to {known}: \
         upgrade terrain-server"
    )]
    SchemaTooNew { found: i64, known: i64 },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Whether a piece at `offset` may be appended to an upload that has `received` bytes in
/// `pieces` pieces: the engines' one rule for appends.
pub fn check_append(received: u64, pieces: usize, offset: u64) -> Result<()> {
    if received != offset {
        return Err(StoreError::OffsetMismatch { actual: received });
    }
    if pieces >= terrain_protocol::limits::UPLOAD_PIECES {
        return Err(StoreError::TooManyPieces {
            limit: terrain_protocol::limits::UPLOAD_PIECES,
        });
    }
    Ok(())
}

/// A region name as the server stores and compares it: the gazetteer's spelling of the region
/// ("kayes", "KAYES" and "Kayes" are one), or, for a name the gazetteer does not know, the
/// name as given, trimmed.
pub fn canonical_region(name: &str) -> String {
    match terrain_domain::gazetteer::region(name) {
        Some(region) => region.name.to_string(),
        None => name.trim().to_string(),
    }
}

/// Whether two region names are one region: canonically, and case- and accent-folded for
/// names the gazetteer does not know.
pub fn same_region(a: &str, b: &str) -> bool {
    let (a, b) = (canonical_region(a), canonical_region(b));
    a == b || terrain_domain::gazetteer::fold(&a) == terrain_domain::gazetteer::fold(&b)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// Regions (admin1) the user works in; an admin sees all.
    pub regions: Vec<String>,
}

impl User {
    /// A user from the columns both engines keep: the role by name, regions as a JSON array.
    pub fn from_columns(name: String, role: &str, regions_json: &str) -> Result<User> {
        Ok(User {
            name,
            role: Role::parse(role)
                .ok_or_else(|| StoreError::Backend(format!("unknown role {role}")))?,
            regions: serde_json::from_str(regions_json)
                .map_err(|e| StoreError::Backend(e.to_string()))?,
        })
    }

    pub fn regions_json(&self) -> String {
        serde_json::to_string(&self.regions).expect("strings serialise")
    }
}

/// A signed-in device, found by its token's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub user: User,
    pub name: String,
    pub revoked: bool,
    /// When the token was last used (written at most about once a minute: see
    /// [`ServerStore::touch_device`]), or made.
    pub last_used: DateTime<Utc>,
    /// The token was made by a renewal and is not used yet: the token it replaced stays valid
    /// until its first use ([`ServerStore::touch_device`] retires it).
    pub replaces: bool,
}

/// A revision to store, with the region it belongs to (its content's admin1, canonical), who
/// pushed it (the signed-in user and their device's name, whatever the revision's `author` and
/// `device` say), and the contacts it carried, sealed. The revision itself carries none.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub revision: Revision,
    pub region: String,
    pub pushed_by: String,
    pub pushed_device: String,
    pub contacts: Vec<SealedContact>,
}

impl Incoming {
    /// `revision` as pushed by `pushed_by` from their device `pushed_device`, its contacts taken
    /// out and sealed under `key`.
    pub fn sealing(
        mut revision: Revision,
        pushed_by: &str,
        pushed_device: &str,
        key: &ContactKey,
    ) -> Incoming {
        let contacts = seal_contacts(&mut revision, key);
        Incoming {
            region: canonical_region(&revision.content.location.admin1),
            pushed_by: pushed_by.to_string(),
            pushed_device: pushed_device.to_string(),
            revision,
            contacts,
        }
    }
}

/// Who pushed a stored revision: the signed-in user and the name of their device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pusher {
    pub user: String,
    pub device: String,
}

/// The server's part of a push, which the engine runs inside the push's transaction.
pub trait PushRules: Send {
    /// Whether `incoming` may be stored, given the regions of its report's current heads as
    /// the transaction sees them (empty for a new report): None, or the refusal's reason. Read
    /// there, a concurrent move cannot slip between the check and the write, and each revision
    /// of a batch meets the heads the earlier ones left.
    fn judge(&mut self, incoming: &Incoming, head_regions: &[String]) -> Option<String>;
    /// The push's audit events, given the outcomes of its batch: they commit with the
    /// revisions they describe, or neither does.
    fn events(self: Box<Self>, outcomes: &[Outcome]) -> Vec<AuditEvent>;
}

/// What a push's engine is given to judge and audit its batch.
pub type PushAudit = Box<dyn PushRules>;

/// A contact a stored revision carried for one of its sources, sealed, with who pushed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredContact {
    pub report_id: Uuid,
    pub rev_id: Uuid,
    /// The revision's feed position.
    pub seq: i64,
    pub source_key: String,
    /// The user who pushed the revision (for contacts stored before this was kept: the
    /// revision's `author`).
    pub pushed_by: String,
    pub sealed: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Stored {
        seq: i64,
    },
    AlreadyHave {
        seq: i64,
    },
    /// Stored; the report now has several heads.
    Conflict {
        seq: i64,
    },
    /// Not stored: the revision's `device` first pushed under another user, and a device id
    /// belongs to one user.
    DeviceOfAnotherUser,
    /// Not stored: [`PushRules::judge`] refused it, for this reason.
    Refused(String),
}

#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<(i64, Revision)>,
    pub next: i64,
    pub more: bool,
}

/// A page of one of the feeds a pull reads after its own cursor (decisions, link operations,
/// site revisions): items at their positions, the cursor for the next page (the last position
/// given, or `since`), and whether more wait past it.
#[derive(Debug, Clone)]
pub struct FeedPage<T> {
    pub items: Vec<T>,
    pub next: i64,
    pub more: bool,
}

impl<T> FeedPage<T> {
    /// The page of `items` read after `since` with a limit of `limit + 1`: the extra one only
    /// says that more wait.
    pub fn of(mut items: Vec<T>, since: i64, limit: usize, position: impl Fn(&T) -> i64) -> Self {
        let more = items.len() > limit;
        items.truncate(limit);
        let next = items.last().map_or(since.max(0), position);
        FeedPage { items, next, more }
    }
}

/// A page of the decision feed: each decision at its position.
pub type ReviewPage = FeedPage<(i64, ReviewDecision)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobState {
    Absent,
    Partial { received: u64 },
    Complete { size: u64 },
}

/// What finishing an upload found, streaming a SHA-256 over its pieces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// The bytes have the sha256 they are named by: the blob is stored (now, or already by
    /// another uploader, then kept once) and the uploader recorded as holding it.
    Complete { size: u64 },
    /// They do not: the upload is dropped, and may start again from 0.
    Mismatch { size: u64 },
}

/// Hashes an upload's pieces in order, as an engine reads them, so a whole blob is never held
/// in memory to be checked.
#[derive(Default)]
pub struct PieceHasher {
    hasher: sha2::Sha256,
    size: u64,
}

impl PieceHasher {
    pub fn update(&mut self, piece: &[u8]) {
        use sha2::Digest;
        self.hasher.update(piece);
        self.size += piece.len() as u64;
    }

    /// Whether the bytes hashed are `sha256` (lower-case hex): the finish as it stands.
    pub fn finish(self, sha256: &str) -> Finished {
        use sha2::Digest;
        let hex = hex::encode(self.hasher.finalize());
        if hex == sha256 {
            Finished::Complete { size: self.size }
        } else {
            Finished::Mismatch { size: self.size }
        }
    }
}

/// The part of a stored piece starting at byte `at` that falls within `start..end` of its
/// blob: how engines cut a range out of the pieces overlapping it.
pub fn slice_of_piece(piece: &[u8], at: i64, start: i64, end: i64) -> &[u8] {
    let from = (start - at).clamp(0, piece.len() as i64) as usize;
    let to = (end - at).clamp(0, piece.len() as i64) as usize;
    &piece[from..to.max(from)]
}

/// What the audit log records; the names are what is stored and shown.
pub mod actions {
    pub const SIGN_IN: &str = "sign_in";
    pub const SIGN_IN_FAILED: &str = "sign_in_failed";
    pub const LOCKED_OUT: &str = "locked_out";
    pub const PUSH: &str = "push";
    pub const VERIFY: &str = "verify";
    /// A review decision (detail: the report, the revision reviewed, the state).
    pub const REVIEW: &str = "review";
    pub const USER_ADD: &str = "user_add";
    pub const TOKEN_REVOKE: &str = "token_revoke";
    /// A sign-in refused because its client address made too many failed ones (detail: the
    /// address and until when); at most one a minute per address.
    pub const SIGN_IN_THROTTLED: &str = "sign_in_throttled";
    /// A request with an unknown or revoked device token (detail: which, the address and the
    /// request); only those within the per-address limit are recorded.
    pub const TOKEN_REFUSED: &str = "token_refused";
    /// A report moved from one region to another by a revision (detail: the report, the
    /// revision, from which regions to which); only reviewers and administrators may.
    pub const REPORT_MOVE: &str = "report_move";
    /// A device's token exchanged for a new one (the old one retired at the new one's first use).
    pub const TOKEN_RENEW: &str = "token_renew";
    /// An attachment uploaded whole, its hash checked (detail: the sha256's start, the size).
    pub const UPLOAD_COMPLETE: &str = "upload_complete";
    /// An upload whose bytes did not have their sha256: dropped (detail: sha256's start, size).
    pub const UPLOAD_HASH_MISMATCH: &str = "upload_hash_mismatch";
    /// An upload in progress dropped by its uploader to start again (detail: sha256's start).
    pub const UPLOAD_RESET: &str = "upload_reset";
    /// Partial uploads untouched for too long, deleted by the sweep (detail: how many).
    pub const UPLOADS_EXPIRED: &str = "uploads_expired";
    /// A console (browser) session ended by its user (device "console").
    pub const SIGN_OUT: &str = "sign_out";
    /// A console cookie refused: unknown, expired or ended (detail: which, the address).
    pub const SESSION_REFUSED: &str = "session_refused";
    /// A request made with the console's cookie refused for its CSRF token or its origin.
    pub const CSRF_REFUSED: &str = "csrf_refused";
    /// An administrator changed a user's role or regions (detail: the user, the new ones).
    pub const USER_CHANGE: &str = "user_change";
    /// An administrator set a user's password (detail: the user).
    pub const PASSWORD_RESET: &str = "password_reset";
    /// Reports taken out by an export (detail: the format, how many, the selection in words).
    pub const EXPORT: &str = "export";
    /// A device's USB bundle imported (detail: the bundle, what became of its revisions and
    /// photos); its revisions' push event comes with it.
    pub const BUNDLE_IMPORT: &str = "bundle_import";
    /// A bundle refused because its device is revoked (detail: the file).
    pub const BUNDLE_REFUSED: &str = "bundle_refused";
    /// Two reports linked as one incident (detail: the pair, the operation).
    pub const INCIDENT_LINK: &str = "incident_link";
    /// A link or dismissal undone (detail: the pair, the operation).
    pub const INCIDENT_UNLINK: &str = "incident_unlink";
    /// A suggestion answered "not the same incident" (detail: the pair, the operation).
    pub const INCIDENT_DISMISS: &str = "incident_dismiss";
    /// A site revision stored (detail: the site, the revision, its region).
    pub const SITE_REVISION: &str = "site_revision";
}

/// One entry of the append-only audit log. Never carries a password or a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// When, UTC (kept to the microsecond).
    pub at: DateTime<Utc>,
    /// The user acting (or the name tried, for a failed sign-in); None for the admin CLI.
    pub actor: Option<String>,
    pub device: Option<String>,
    /// One of [`actions`].
    pub action: String,
    /// A short detail: a count, a report id, the user concerned.
    pub detail: String,
}

/// Which audit events to read: those at or after `since`, of `user` (as actor), at most `limit`,
/// oldest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub since: Option<DateTime<Utc>>,
    pub user: Option<String>,
    pub limit: usize,
}

#[async_trait]
pub trait ServerStore: Send + Sync + 'static {
    /// Ok when the storage answers.
    async fn health(&self) -> Result<()>;

    /// Creates or replaces a user.
    async fn put_user(&self, user: &User, password_hash: &str) -> Result<()>;
    /// The user and their password hash.
    async fn user(&self, name: &str) -> Result<Option<(User, String)>>;

    async fn add_device(
        &self,
        user: &str,
        device_name: &str,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<()>;
    async fn device(&self, token_hash: &str) -> Result<Option<Device>>;
    /// Records that the token was used at `at` (its idle time starts again); at its first use,
    /// the token a renewal made it for is retired (revoked at `at`).
    async fn touch_device(&self, token_hash: &str, at: DateTime<Utc>) -> Result<()>;
    /// Gives the device of token `old` the token `new`, with `event`, in one transaction; `old`
    /// stays valid until `new` is first used, so a device whose answer was lost keeps working
    /// and renews again (retiring the unused `new`). False (nothing done) if `old` is unknown
    /// or revoked.
    async fn renew_device(
        &self,
        old: &str,
        new: &str,
        at: DateTime<Utc>,
        event: AuditEvent,
    ) -> Result<bool>;
    /// Revokes the user's devices (one by name, or all); returns how many.
    async fn revoke(
        &self,
        user: &str,
        device_name: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<usize>;

    /// Stores a batch in one transaction, in order, with the audit events `rules` makes of the
    /// outcomes (always, even when nothing is stored); each revision's outcome in the same
    /// order. A new revision is first judged by `rules` against its report's heads in the
    /// transaction ([`Outcome::Refused`]). A revision's `device` belongs to the user who first
    /// pushed it: a new revision claiming another user's is not stored
    /// ([`Outcome::DeviceOfAnotherUser`]).
    async fn push(&self, batch: Vec<Incoming>, rules: PushAudit) -> Result<Vec<Outcome>>;
    /// Who pushed a stored revision; None for an unknown one or one stored before the server
    /// recorded it.
    async fn pusher(&self, rev: Uuid) -> Result<Option<Pusher>>;
    /// The regions of the current heads of each of `reports` the server has, as (report,
    /// region) pairs: what a change to the report changes.
    async fn head_regions(&self, reports: Vec<Uuid>) -> Result<Vec<(Uuid, String)>>;
    /// The current head revision of each of `reports` the server has (the last received when
    /// a conflict left several), in no particular order; without contacts. Exports read
    /// their rows through it, a page of reports at a time.
    async fn current_heads(&self, reports: Vec<Uuid>) -> Result<Vec<Revision>>;
    /// Revisions after `since`, in feed order, of the given regions (None: all). They carry no
    /// contacts: [`ServerStore::contacts`] has them.
    async fn pull(&self, since: i64, limit: usize, regions: Option<Vec<String>>) -> Result<Page>;
    /// The console's inbox (issue 14, [`index`]): the reports `selection` finds, latest arrival
    /// first, within `page`; each with its latest revision's feed position (the next page's
    /// `before`). Rows carry no review: the server adds it.
    async fn list_reports(
        &self,
        selection: Selection,
        page: PageBounds,
    ) -> Result<Vec<(i64, terrain_protocol::ReportRow)>>;
    /// How many reports `selection` finds, by region and week or by event type, ordered by key
    /// then week.
    async fn count_reports(
        &self,
        selection: Selection,
        by: terrain_protocol::CountBy,
    ) -> Result<Vec<terrain_protocol::CountRow>>;
    /// Every stored revision of `report`, in feed order, with its arrival and whether it is a
    /// head; empty for an unknown report. Without contacts.
    async fn report_revisions(&self, report: Uuid) -> Result<Vec<StoredRevision>>;
    /// The sealed contacts the revisions of `reports` carried, in feed order.
    async fn contacts(&self, reports: Vec<Uuid>) -> Result<Vec<StoredContact>>;
    /// Seals the contacts of revisions stored in clear by servers older than sealing: each is
    /// taken out of its revision into a sealed row, in one transaction, leaving no copy of the
    /// clear text in the database's files where the engine can see to it. Returns how many
    /// revisions changed; run at every start (nothing to do is quick).
    async fn seal_clear_contacts(&self, key: &ContactKey) -> Result<usize>;
    /// The region of a report, if the server has it.
    async fn report_region(&self, report: Uuid) -> Result<Option<String>>;
    /// Appends a review decision with its audit event, in one transaction: it takes the next
    /// position of the decision feed (positions become visible in increasing order, as the
    /// revisions' do) and the report's index row takes its state. Returns the position.
    async fn review(&self, decision: &ReviewDecision, event: AuditEvent) -> Result<i64>;
    /// A report's decisions, oldest first (empty: never reviewed).
    async fn reviews(&self, report: Uuid) -> Result<Vec<ReviewDecision>>;
    /// The latest decision of each of `reports` that has one, in no particular order.
    async fn latest_reviews(&self, reports: Vec<Uuid>) -> Result<Vec<ReviewDecision>>;
    /// The decision feed after position `since`: decisions on reports with a revision in one of
    /// `regions` (every report for None), oldest first, at most `limit`.
    async fn review_feed(
        &self,
        since: i64,
        limit: usize,
        regions: Option<Vec<String>>,
    ) -> Result<ReviewPage>;
    /// The report a revision belongs to, if the server holds the revision.
    async fn report_of(&self, rev: Uuid) -> Result<Option<Uuid>>;
    /// How many heads the report has (0: unknown report).
    async fn heads(&self, report: Uuid) -> Result<usize>;

    /// The blob as stored, whoever uploaded it: `Complete` or `Absent`. Uploads in progress
    /// are each their uploader's own: [`ServerStore::upload_state`].
    async fn blob_state(&self, sha256: &str) -> Result<BlobState>;
    /// Bytes received so far of `owner`'s upload of `sha256`, if one is in progress.
    async fn upload_state(&self, sha256: &str, owner: &str) -> Result<Option<u64>>;
    /// Appends a piece to `owner`'s upload at `offset`, which must be what they sent so far
    /// (else `OffsetMismatch` with that); offset 0 starts an upload. Never rewrites a byte
    /// received, never touches another owner's upload. Returns the bytes received.
    async fn blob_append(
        &self,
        sha256: &str,
        owner: &str,
        offset: u64,
        bytes: Vec<u8>,
        at: DateTime<Utc>,
    ) -> Result<u64>;
    /// Checks `owner`'s upload against `sha256`, streaming over its pieces: whole, the blob is
    /// stored once (kept as it is if another upload stored it first) and `owner` recorded as
    /// holding it; not, the upload is dropped. The upload is gone either way.
    async fn blob_finish(&self, sha256: &str, owner: &str) -> Result<Finished>;
    /// Drops `owner`'s upload in progress (to start again); whether there was one.
    async fn upload_reset(&self, sha256: &str, owner: &str) -> Result<bool>;
    /// Deletes uploads in progress not appended to since `before`; how many.
    async fn expire_uploads(&self, before: DateTime<Utc>) -> Result<usize>;
    /// Whether `user` may know of the stored blob: they uploaded it whole, or a stored revision
    /// of one of `regions` (None: any) names it among its attachments.
    async fn blob_visible(
        &self,
        sha256: &str,
        user: &str,
        regions: Option<Vec<String>>,
    ) -> Result<bool>;
    /// A complete blob's bytes.
    async fn blob_bytes(&self, sha256: &str) -> Result<Option<Vec<u8>>>;
    /// At most `len` bytes of a complete blob from byte `start` (fewer at its end); None when
    /// the blob is not stored whole.
    async fn blob_range(&self, sha256: &str, start: u64, len: usize) -> Result<Option<Vec<u8>>>;
    /// Which of `sha256s` are stored whole; the others, named by revisions, are pending.
    async fn blobs_stored(&self, sha256s: Vec<String>) -> Result<Vec<String>>;

    /// Appends an event to the audit log. There is no way to change or remove one: the
    /// engines refuse UPDATE and DELETE on the table itself.
    async fn audit_append(&self, event: &AuditEvent) -> Result<()>;
    /// Audit events matching the query, oldest first.
    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>>;
    /// When `user`'s failed sign-ins happened at or after `since` and after their last
    /// successful sign-in, oldest first (the lockout counts these).
    async fn sign_in_failures(
        &self,
        user: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>>;

    // The console (issue 14): browser sessions, users and devices for administrators.
    /// Opens a console session for `user`, its cookie stored as `token_hash`.
    async fn console_session_start(
        &self,
        token_hash: &str,
        user: &str,
        csrf: &str,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;
    /// The console session of a cookie's hash, with its user as stored now.
    async fn console_session(&self, token_hash: &str) -> Result<Option<ConsoleSessionRecord>>;
    /// Records that the session was used at `at` (its idle time starts again).
    async fn console_session_touch(&self, token_hash: &str, at: DateTime<Utc>) -> Result<()>;
    /// Ends one session (`Some(hash)`) or all of `user`'s open ones; how many were open.
    async fn console_sessions_end(
        &self,
        user: &str,
        token_hash: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<usize>;
    /// Every user, by name, with how many device tokens each has not revoked.
    async fn users(&self) -> Result<Vec<(User, usize)>>;
    /// `user`'s device tokens, newest first.
    async fn user_devices(&self, user: &str) -> Result<Vec<DeviceRecord>>;
    /// Revokes one device token by its stored hash; false if unknown or already revoked.
    async fn revoke_token(&self, token_hash: &str, at: DateTime<Utc>) -> Result<bool>;
    /// Audit events matching the search, oldest first.
    async fn audit_search(&self, search: &AuditSearch) -> Result<Vec<AuditEvent>>;
    /// What the server's receipt of each of `revs` it holds signs (issue 16): read from the
    /// stored row, so a retry's receipt is the first one's. In no particular order.
    async fn received(&self, revs: Vec<Uuid>) -> Result<Vec<Received>>;

    // Bundles (issue 16).
    /// Keeps the bundle keys the device of token `token_hash` sent with its sign-in: its
    /// Ed25519 `public_key` (base64) and age `recipient`. A key already kept stays as it was.
    async fn add_device_key(
        &self,
        token_hash: &str,
        public_key: &str,
        recipient: &str,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// The device whose bundle key is `public_key`, with its recipient. `revoked` when the key
    /// was revoked with its device ([`ServerStore::revoke`]) or the device has no token left
    /// that is not revoked.
    async fn device_by_key(&self, public_key: &str) -> Result<Option<KeyedDevice>>;

    // Incidents (issue 15, [`incidents`]).
    /// The fingerprint filed for `report` (from its current head, in the push transaction).
    async fn fingerprint(
        &self,
        report: Uuid,
    ) -> Result<Option<terrain_domain::incident::Fingerprint>>;
    /// The fingerprints `query` finds, other than its own report's, each once, in no
    /// particular order: those the domain's index would compare, at most
    /// [`incidents::CANDIDATES_READ`] of its weeks (nearest first) and as many of each site.
    async fn fingerprint_candidates(
        &self,
        query: CandidateQuery,
    ) -> Result<Vec<terrain_domain::incident::Fingerprint>>;
    /// Stores link operations in one transaction, each once by id, the audit event of each new
    /// one with it; whether each was new. Each new one takes the next position of the link
    /// feed (positions become visible in increasing order, as the revisions' do).
    async fn record_links(&self, ops: Vec<IncomingLink>) -> Result<Vec<bool>>;
    /// Every operation stored on a pair with one of `reports`, in feed order.
    async fn link_ops_of(
        &self,
        reports: Vec<Uuid>,
    ) -> Result<Vec<terrain_domain::incident::LinkOp>>;
    /// The link feed after position `since`: operations on a pair with a report in one of
    /// `regions` (every one for None), oldest first, at most `limit`.
    async fn link_feed(
        &self,
        since: i64,
        limit: usize,
        regions: Option<Vec<String>>,
    ) -> Result<LinkPage>;

    // Shared sites (issue 15, [`sites`]).
    /// Stores site revisions in one transaction, in order, each once by id, the audit event of
    /// each new one with it; each new one takes the next position of the site feed (positions
    /// become visible in increasing order, as the revisions' do). A new revision's `device`
    /// is claimed for `user` as a report revision's is: one already another user's stores
    /// nothing ([`SitesStored::DeviceOfAnotherUser`]).
    async fn store_sites(&self, batch: Vec<IncomingSite>, user: &str) -> Result<SitesStored>;
    /// The stored revisions among `ids`, in feed order (for checking parents).
    async fn site_revisions_by_id(&self, ids: Vec<Uuid>) -> Result<Vec<StoredSite>>;
    /// Every stored revision of the sites `sites`, in feed order.
    async fn site_revisions(&self, sites: Vec<Uuid>) -> Result<Vec<StoredSite>>;
    /// The sites with a revision saying it was merged into one of `sites` (schema step 14's
    /// index), sorted; whether that revision is still the site's head is the caller's to judge.
    async fn sites_merged_into(&self, sites: Vec<Uuid>) -> Result<Vec<Uuid>>;
    /// The reports whose heads name one of `sites` (schema step 14's `report_sites`, kept in
    /// the push transaction), sorted, at most `limit`: the newest ids when there are more.
    async fn reports_at_sites(&self, sites: Vec<Uuid>, limit: usize) -> Result<Vec<Uuid>>;
    /// The site feed after position `since`: revisions of sites in one of `regions` (every one
    /// for None), oldest first (so parents before children), at most `limit`.
    async fn site_feed(
        &self,
        since: i64,
        limit: usize,
        regions: Option<Vec<String>>,
    ) -> Result<SitePage>;
    /// Every revision of `site` and of the sites it was merged into (followed at most
    /// [`sites::HISTORY_HOPS`] merges), in feed order; empty for an unknown site.
    async fn site_history(&self, site: Uuid) -> Result<Vec<StoredSite>> {
        let mut known = vec![site];
        let mut all = self.site_revisions(vec![site]).await?;
        let mut ask = sites::merged_into(&all, &known);
        for _ in 0..sites::HISTORY_HOPS {
            if ask.is_empty() {
                break;
            }
            known.extend(ask.iter().copied());
            let more = self.site_revisions(ask).await?;
            ask = sites::merged_into(&more, &known);
            all.extend(more);
        }
        all.sort_by_key(|s| s.seq);
        Ok(all)
    }
}

/// A device found by its bundle key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedDevice {
    /// Who; `last_used` is when the key was kept.
    pub device: Device,
    /// The age recipient the device's replies are sealed to.
    pub recipient: String,
}

/// A stored revision as its receipt names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub rev_id: Uuid,
    pub report_id: Uuid,
    /// The revision's `content_hash` as pushed.
    pub content_hash: String,
    pub seq: i64,
    pub received_at: DateTime<Utc>,
}

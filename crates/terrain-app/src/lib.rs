//! What the desktop app does, without the desktop: every Tauri command is one call to a
//! function here, so the app's behaviour is tested without a window and the shell stays a
//! translation layer.
//!
//! Types that cross to the UI derive `ts_rs::TS`; their TypeScript declarations are generated
//! into `ui/src/bindings/` (see [`bindings`]) and never written by hand.

pub mod bindings;
mod bundles;
mod catalog;
mod conflicts;
mod error;
mod export;
mod form;
mod incidents;
mod photos;
mod receipts;
mod reports;
mod session;
mod site_conflicts;
mod sites;
mod sync;

pub use bundles::{BundleRead, BundleWritten};
pub use catalog::{Catalog, Choice, Limits, RegionChoice, catalog, places};
pub use conflicts::{ConflictEntry, Resolution, Side};
pub use error::{AppError, ErrorCode};
pub use export::{ExportFormat, ExportRequest, ExportResult};
pub use form::{Form, Kept};
pub use incidents::{IncidentFigureLine, IncidentMember, IncidentView, ReasonLine, SimilarReport};
pub use photos::{AbsentPhotos, FetchedPhotos, PhotoComing};
pub use receipts::{ReceiptCheck, ReceiptInfo, check_with_key, parse_receipts};
pub use reports::{
    ConflictView, FigureLine, ListPage, ListQuery, Outbox, ReportDetail, ReportPage, ReportRow,
    ReportView, RevisionInfo, SavedReport, SyncBadge, figures,
};
pub use session::{LockState, Session, check_new_passphrase, default_dir};
pub use site_conflicts::{SiteConflictView, SiteVersion};
pub use sites::{SiteHistory, SiteIncident, SiteView};
pub use sync::{PhotoProgress, SYNC_EVERY, SyncPhase, SyncStatus};
/// The server's signed receipt, as `terrain receipt` reads and prints it.
pub use terrain_protocol::Receipt;
/// A report's latest review decision and whether it changed since (report views and lists).
pub use terrain_store::Review;
/// The store's records as the terminal prints them, and what it passes in.
pub use terrain_store::{
    Conflict, Import, Imported, KnownServerKey, Listed, OutboxEntry, Page, PhotoPolicy, short_id,
};
pub use terrain_sync::PhotosFetched;
/// The sync loop's vocabulary, for shells that print it (`terrain sync`).
pub use terrain_sync::{Event as SyncEvent, Status as SyncStep, Summary as SyncSummary, Tally};

use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use terrain_store::Store;
use ts_rs::TS;

/// One open profile: the store and the sync state the UI shows.
pub struct App {
    store: Arc<Store>,
    sync: Mutex<SyncStatus>,
    /// Wakes the sync loop (something was queued, the user asked) or, when the app locks,
    /// ends it so that it lets go of the store.
    wake: terrain_sync::Wake,
    /// A sync loop runs: a second one would only double the traffic.
    looping: std::sync::atomic::AtomicBool,
    /// The name saves are recorded under, when the user gave one (`terrain --author`).
    author: std::sync::OnceLock<String>,
}

/// Where the app keeps its data and who it is.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AppInfo {
    #[ts(type = "string")]
    pub data_dir: PathBuf,
    pub device_id: String,
    pub version: String,
    /// The server account, if this device signed in.
    pub server: Option<String>,
    pub user: Option<String>,
    /// The fingerprint of the server's keys learned at sign-in (compare it with the
    /// administrator's `terrain-server keys show`); None before a sign-in to a server with keys.
    pub server_fingerprint: Option<String>,
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl App {
    /// Opens (creating if need be) a plain store in `dir`: for tests and tools. The desktop
    /// app opens its encrypted store through a [`Session`].
    pub fn open(dir: &Path) -> Result<App> {
        App::new(Store::open(dir)?)
    }

    pub fn new(store: Store) -> Result<App> {
        let mut status = SyncStatus::idle(store.pending_count()?);
        if store.account()?.is_none() {
            status.phase = SyncPhase::SignedOut;
        }
        Ok(App {
            store: Arc::new(store),
            sync: Mutex::new(status),
            wake: terrain_sync::Wake::default(),
            looping: std::sync::atomic::AtomicBool::new(false),
            author: std::sync::OnceLock::new(),
        })
    }

    /// Records saves under `name` rather than the signed-in user or the computer's user; set
    /// once, when the shell opens the app.
    pub fn set_author(&self, name: Option<String>) {
        if let Some(name) = name.filter(|n| !n.trim().is_empty()) {
            let _ = self.author.set(name);
        }
    }

    /// Stops the sync loop; the store closes when the last holder lets go.
    pub(crate) fn close(&self) {
        self.wake.stop();
    }

    /// True for the first caller only: the one whose loop runs.
    pub(crate) fn start_looping(&self) -> bool {
        !self.looping.swap(true, std::sync::atomic::Ordering::SeqCst)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.wake.is_stopped()
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub fn info(&self) -> Result<AppInfo> {
        let account = self.store.account()?;
        Ok(AppInfo {
            data_dir: self.store.dir().to_path_buf(),
            device_id: self.store.device_id().to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            server: account.as_ref().map(|a| a.server.clone()),
            user: account.map(|a| a.user),
            server_fingerprint: self.server_fingerprint()?,
        })
    }

    /// Who saves: the name the user gave, else the signed-in user, else the computer's user
    /// name. The one author rule of both shells.
    pub fn author(&self) -> terrain_store::Result<String> {
        if let Some(name) = self.author.get() {
            return Ok(name.clone());
        }
        if let Some(account) = self.store.account()? {
            return Ok(account.user);
        }
        Ok(std::env::var("USER")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| format!("device {}", self.store.device_id())))
    }
}

/// The device's date, for "not in the future" checks: the one today of both shells.
pub fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

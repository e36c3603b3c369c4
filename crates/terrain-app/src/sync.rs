//! Sync as the app shows it: one status the sync panel and the list's badges read, a loop that
//! drains the outbox whenever there is something to send or every half minute, and sign-in.

use crate::{App, AppError, AppInfo, ErrorCode, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use terrain_sync::Event;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// No server account on this device.
    SignedOut,
    Idle,
    Syncing,
    /// The server cannot be reached; the next try is scheduled.
    Offline,
    /// The server refused; trying again will not help until something changes.
    Stopped,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SyncStatus {
    pub phase: SyncPhase,
    /// Revisions waiting to be sent.
    #[ts(type = "number")]
    pub queued: usize,
    pub last_success: Option<DateTime<Utc>>,
    /// The last failure, in words.
    pub last_error: Option<String>,
    #[ts(type = "number | null")]
    pub next_try_in_ms: Option<u64>,
    /// What the current pass has done so far ("sent 500 of 1,200").
    pub progress: Option<String>,
}

impl SyncStatus {
    pub(crate) fn idle(queued: usize) -> SyncStatus {
        SyncStatus {
            phase: SyncPhase::Idle,
            queued,
            last_success: None,
            last_error: None,
            next_try_in_ms: None,
            progress: None,
        }
    }
}

/// How often a signed-in device looks for news when nothing happens.
const EVERY: Duration = Duration::from_secs(30);

impl App {
    pub fn sync_status(&self) -> SyncStatus {
        self.sync.lock().expect("sync status lock").clone()
    }

    fn update(&self, f: impl FnOnce(&mut SyncStatus)) -> SyncStatus {
        let mut s = self.sync.lock().expect("sync status lock");
        f(&mut s);
        s.clone()
    }

    /// Refreshes the queue size after a save, and wakes the sync loop.
    pub(crate) fn note_queue(&self) -> Result<()> {
        let queued = self.store.pending_count()?;
        self.update(|s| s.queued = queued);
        self.nudge.notify_one();
        Ok(())
    }

    /// Asks the sync loop to try now.
    pub fn sync_now(&self) {
        self.nudge.notify_one();
    }

    pub async fn login(
        &self,
        server: &str,
        user: &str,
        password: &str,
        device_name: &str,
    ) -> Result<AppInfo> {
        let server = server.trim();
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            return Err(AppError::new(
                ErrorCode::Invalid,
                "server: give the address with http:// or https://",
            ));
        }
        terrain_sync::login(&self.store, server, user.trim(), password, device_name).await?;
        self.update(|s| {
            s.phase = SyncPhase::Idle;
            s.last_error = None;
        });
        self.nudge.notify_one();
        self.info()
    }

    /// Forgets the server account (its token); reports stay.
    pub fn logout(&self) -> Result<AppInfo> {
        self.store.set_account(None)?;
        self.update(|s| s.phase = SyncPhase::SignedOut);
        self.info()
    }

    /// One pass: send what is queued, receive what is new. Tells `on` each change of status.
    pub async fn sync_once(&self, on: &(dyn Fn(SyncStatus) + Send + Sync)) -> Result<()> {
        let client = match terrain_sync::client_for(&self.store) {
            Ok(c) => c,
            Err(terrain_sync::SyncError::NotSignedIn) => {
                on(self.update(|s| s.phase = SyncPhase::SignedOut));
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        on(self.update(|s| {
            s.phase = SyncPhase::Syncing;
            s.progress = None;
        }));
        let author = self.author()?;
        let (mut total, mut acked) = (0usize, 0usize);
        let mut handle = |e: Event| {
            let status = self.update(|s| match &e {
                Event::Queued { count } => {
                    total = *count;
                    s.queued = *count;
                }
                Event::Acked { count } => {
                    acked += count;
                    s.queued = s.queued.saturating_sub(*count);
                    s.progress = Some(format!("sent {acked} of {total}"));
                }
                Event::Pulled { received, .. } => {
                    s.progress = Some(format!("received {received}"));
                }
                Event::Refused { reason, .. } => s.last_error = Some(reason.clone()),
                Event::Sent { .. } | Event::Failed { .. } | Event::UpToDate => {}
            });
            on(status);
        };
        let result = terrain_sync::sync_once(&self.store, &client, &author, &mut handle).await;
        let queued = self.store.pending_count()?;
        match result {
            Ok(_) => {
                on(self.update(|s| {
                    s.phase = SyncPhase::Idle;
                    s.queued = queued;
                    s.last_success = Some(Utc::now());
                    s.last_error = None;
                    s.next_try_in_ms = None;
                    s.progress = None;
                }));
                Ok(())
            }
            Err(e) => {
                let retry = e.is_retryable();
                on(self.update(|s| {
                    s.phase = if retry {
                        SyncPhase::Offline
                    } else {
                        SyncPhase::Stopped
                    };
                    s.queued = queued;
                    s.last_error = Some(e.to_string());
                    s.progress = None;
                }));
                Err(e.into())
            }
        }
    }

    /// Syncs until the app locks: at once when nudged (a save, "Sync now", sign-in), every half
    /// minute otherwise, and after a failure with backoff and jitter. One loop per app: a
    /// second call returns at once.
    pub async fn keep_syncing(self: Arc<App>, on: Arc<dyn Fn(SyncStatus) + Send + Sync>) {
        if !self.start_looping() {
            return;
        }
        let mut attempt = 0;
        while !self.is_closed() {
            let wait = match self.sync_once(on.as_ref()).await {
                Ok(()) => {
                    attempt = 0;
                    EVERY
                }
                Err(e) if e.code == ErrorCode::Offline => {
                    let wait = terrain_sync::backoff(
                        attempt,
                        Duration::from_millis(500),
                        Duration::from_secs(300),
                    );
                    attempt += 1;
                    on(self.update(|s| s.next_try_in_ms = Some(wait.as_millis() as u64)));
                    wait
                }
                // Refused (revoked device...): wait for the user to act (sign in again).
                Err(_) => Duration::from_secs(24 * 3600),
            };
            let _ = tokio::time::timeout(wait, self.nudge.notified()).await;
        }
    }
}

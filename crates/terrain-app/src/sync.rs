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
    /// Its kind, which the UI words for people (offline, refused...); `last_error` is the detail.
    pub last_error_code: Option<ErrorCode>,
    #[ts(type = "number | null")]
    pub next_try_in_ms: Option<u64>,
    /// What the current pass has done so far ("sent 500 of 1,200").
    pub progress: Option<String>,
    /// Reports the current pass sent (the server holds their text; photos may follow).
    #[ts(type = "number")]
    pub sent: usize,
    /// Photos on their way in the current pass.
    pub photos: Option<PhotoProgress>,
    /// Whether anything moved in the current pass: the loop's backoff starts again if so.
    #[serde(skip)]
    #[ts(skip)]
    pub(crate) moved: bool,
}

/// "photos 4 of 10, 1.2 of 3.1 MB, about 5 minutes left; report … waits for its photo".
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PhotoProgress {
    #[ts(type = "number")]
    pub done: usize,
    #[ts(type = "number")]
    pub total: usize,
    #[ts(type = "number")]
    pub bytes: u64,
    #[ts(type = "number")]
    pub total_bytes: u64,
    /// At the link's measured rate; None until measured.
    #[ts(type = "number | null")]
    pub seconds_left: Option<u64>,
    /// The report waiting for the photo going now.
    pub report: uuid::Uuid,
}

impl SyncStatus {
    pub(crate) fn idle(queued: usize) -> SyncStatus {
        SyncStatus {
            phase: SyncPhase::Idle,
            queued,
            last_success: None,
            last_error: None,
            last_error_code: None,
            next_try_in_ms: None,
            progress: None,
            sent: 0,
            photos: None,
            moved: false,
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
        check_server(server)?;
        terrain_sync::login(&self.store, server, user.trim(), password, device_name).await?;
        self.update(|s| {
            s.phase = SyncPhase::Idle;
            s.last_error = None;
            s.last_error_code = None;
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
            s.sent = 0;
            s.photos = None;
            s.moved = false;
        }));
        let author = self.author()?;
        let (mut total, mut acked) = (0usize, 0usize);
        let mut handle = |e: Event| {
            let status = self.update(|s| {
                s.moved |= e.is_progress();
                match &e {
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
                Event::Refused { reason, .. } => {
                    s.last_error = Some(reason.clone());
                    s.last_error_code = Some(ErrorCode::Refused);
                }
                Event::Sent { count, .. } => s.sent += count,
                Event::MissingPhoto {
                    report, sha256, ..
                } => {
                    s.last_error = Some(format!(
                        "report {report} names photo {sha256}, which is not on this computer: edit the report"
                    ));
                    s.last_error_code = Some(ErrorCode::Refused);
                }
                e @ Event::Photos {
                    report,
                    done,
                    total,
                    bytes,
                    total_bytes,
                    ..
                } => {
                    s.photos = Some(PhotoProgress {
                        done: *done,
                        total: *total,
                        bytes: *bytes,
                        total_bytes: *total_bytes,
                        seconds_left: e.seconds_left(),
                        report: *report,
                    })
                }
                Event::Failed { .. } | Event::UpToDate => {}
            }});
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
                    s.last_error_code = None;
                    s.next_try_in_ms = None;
                    s.progress = None;
                    s.photos = None;
                }));
                Ok(())
            }
            Err(e) => {
                let retry = e.is_retryable();
                let error = AppError::from(e);
                on(self.update(|s| {
                    s.phase = if retry {
                        SyncPhase::Offline
                    } else {
                        SyncPhase::Stopped
                    };
                    s.queued = queued;
                    s.last_error = Some(error.message.clone());
                    s.last_error_code = Some(error.code);
                    s.progress = None;
                }));
                Err(error)
            }
        }
    }

    /// Syncs until the app locks: at once when nudged (a save, "Sync now", sign-in), every half
    /// minute otherwise, and after a failure as `terrain_sync::Backoff` says (probing within
    /// seconds of an outage's end). One loop per app: a second call returns at once.
    pub async fn keep_syncing(self: Arc<App>, on: Arc<dyn Fn(SyncStatus) + Send + Sync>) {
        if !self.start_looping() {
            return;
        }
        let mut backoff = terrain_sync::Backoff::default();
        while !self.is_closed() {
            let result = self.sync_once(on.as_ref()).await;
            if self.sync_status().moved {
                backoff.progressed();
            }
            let wait = match result {
                Ok(()) => {
                    backoff.progressed();
                    EVERY
                }
                Err(e) if e.code == ErrorCode::Offline => {
                    let wait = backoff.next(true);
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

/// The server's address must be https://: plain http:// carries the password and the reports
/// readable by anyone on the way. It is allowed only to this computer (localhost, 127.0.0.1,
/// ::1), where nothing crosses a network; the UI warns even then.
fn check_server(server: &str) -> Result<()> {
    if server.starts_with("https://") {
        return Ok(());
    }
    let Some(rest) = server.strip_prefix("http://") else {
        return Err(AppError::new(
            ErrorCode::Invalid,
            "server: give the address with https:// (for example https://terrain.example.org)",
        ));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::Invalid,
            "server: http:// is not encrypted; use https:// (http:// only for this computer)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::check_server;

    #[test]
    fn https_is_accepted_and_plain_http_only_to_this_computer() {
        for ok in [
            "https://terrain.example.org",
            "http://127.0.0.1:8080",
            "http://localhost:3000/",
            "http://[::1]:80",
        ] {
            assert!(check_server(ok).is_ok(), "{ok}");
        }
        for refused in [
            "http://terrain.example.org",
            "http://10.0.0.2:8080",
            "http://127.0.0.1.evil.org",
            "http://localhost@evil.org",
            "ftp://terrain.example.org",
            "terrain.example.org",
        ] {
            let e = check_server(refused).unwrap_err();
            assert!(
                e.message.starts_with("server: "),
                "{refused}: {}",
                e.message
            );
        }
    }
}

//! Sync as the app shows it: one status the sync panel and the list's badges read, the one
//! sync loop (`terrain_sync::keep_syncing`) run for the window and for `terrain sync --watch`,
//! and sign-in.

use crate::{App, AppError, AppInfo, ErrorCode, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use terrain_domain::{Lang, Message};
use terrain_sync::{Client, Event, Status, Summary, SyncError, Tally};
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
    /// What sync last said, in the catalogue's words (the window words it in its language, as
    /// `terrain sync` does): how far the pass is ("sent 500 of 1,200"), or why sync stopped.
    pub said: Option<Message>,
    /// Reports the current pass sent (the server holds their text; photos may follow).
    #[ts(type = "number")]
    pub sent: usize,
    /// Photos on their way in the current pass.
    pub photos: Option<PhotoProgress>,
    /// Set when the last pass held the photos back ("photos wait for a better link"): the
    /// setting is "only on a good link" and the link measured slower.
    pub photos_wait: Option<Message>,
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
            said: None,
            sent: 0,
            photos: None,
            photos_wait: None,
        }
    }
}

/// How often a signed-in device looks for news when nothing happens.
pub const SYNC_EVERY: Duration = Duration::from_secs(30);

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
        self.wake.now();
        Ok(())
    }

    /// Asks the sync loop to try now.
    pub fn sync_now(&self) {
        self.wake.now();
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
        self.wake.now();
        self.info()
    }

    /// Forgets the server account (its token); reports stay.
    pub fn logout(&self) -> Result<AppInfo> {
        self.store.set_account(None)?;
        self.update(|s| s.phase = SyncPhase::SignedOut);
        self.info()
    }

    /// The client for the store's account, and the author of the merges a pull makes: asked
    /// before each pass, so a sign-in meanwhile takes effect.
    fn connect(&self) -> Result<(Client, String), SyncError> {
        Ok((terrain_sync::client_for(&self.store)?, self.author()?))
    }

    /// One pass: send what is queued, receive what is new. Tells `on` each change of status.
    /// Signed out, it shows so and does nothing.
    pub async fn sync_once(&self, on: &(dyn Fn(SyncStatus) + Send + Sync)) -> Result<()> {
        if self.store.account()?.is_none() {
            on(self.update(|s| s.phase = SyncPhase::SignedOut));
            return Ok(());
        }
        self.sync_pass(&mut |_, shown| on(shown.clone()))
            .await
            .map(drop)
    }

    /// One pass, as `terrain sync` runs it: `on` hears what sync says and the status after it.
    pub async fn sync_pass(
        &self,
        on: &mut (dyn FnMut(Status<'_>, &SyncStatus) + Send),
    ) -> Result<Summary> {
        let mut tally = Tally::default();
        let mut tell = |status: Status<'_>| {
            let shown = self.show(status, &mut tally);
            on(status, &shown);
        };
        let result = match self.connect() {
            Ok((client, author)) => {
                tell(Status::Syncing);
                let mut event = |e: Event| tell(Status::Event(&e));
                terrain_sync::sync_once(&self.store, &client, &author, &mut event).await
            }
            Err(e) => Err(e),
        };
        match &result {
            Ok(summary) => tell(Status::Done(summary)),
            Err(error) => tell(Status::Failed {
                error,
                retry_in: None,
            }),
        }
        result.map_err(AppError::from)
    }

    /// Runs the sync loop until the app locks (or `terrain sync --watch` is stopped) or the
    /// server refuses; `on` hears each change of status, as `sync_status` shows it.
    pub async fn watch(
        &self,
        every: Duration,
        on: &mut (dyn FnMut(Status<'_>, &SyncStatus) + Send),
    ) -> Result<()> {
        let mut tally = Tally::default();
        let connect = || self.connect();
        let mut tell = |status: Status<'_>| {
            let shown = self.show(status, &mut tally);
            on(status, &shown);
        };
        terrain_sync::keep_syncing(&self.store, &connect, every, &self.wake, &mut tell)
            .await
            .map_err(AppError::from)
    }

    /// Ends [`App::watch`] once its pass, if any, is over.
    pub fn stop_watching(&self) {
        self.wake.stop();
    }

    /// Syncs until the app locks: at once when woken (a save, "Sync now", sign-in), every half
    /// minute otherwise, and after a failure as `terrain_sync::Backoff` says (probing within
    /// seconds of an outage's end). A refusal (revoked device) or signing out stops the loop
    /// until the user acts (signs in, or asks to sync). One loop per app: a second call returns
    /// at once.
    pub async fn keep_syncing(self: Arc<App>, on: Arc<dyn Fn(SyncStatus) + Send + Sync>) {
        if !self.start_looping() {
            return;
        }
        while !self.is_closed() {
            let _ = self
                .watch(SYNC_EVERY, &mut |_, shown| on(shown.clone()))
                .await;
            self.wake.sleep(Duration::from_secs(24 * 3600)).await;
        }
    }

    /// The status after `status`: phase, queue, progress and the last failure. A pass that
    /// cannot start for want of an account shows the device signed out.
    fn show(&self, status: Status<'_>, tally: &mut Tally) -> SyncStatus {
        if let Status::Failed {
            error: SyncError::NotSignedIn,
            ..
        } = status
        {
            return self.update(|s| s.phase = SyncPhase::SignedOut);
        }
        let queued = match status {
            Status::Done(_) | Status::Failed { .. } => self.store.pending_count().ok(),
            _ => None,
        };
        self.update(|s| match status {
            Status::Syncing => {
                *tally = Tally::default();
                s.phase = SyncPhase::Syncing;
                s.said = None;
                s.sent = 0;
                s.photos = None;
                s.photos_wait = None;
            }
            Status::Event(e) => {
                let said = tally.say(e);
                match e {
                    Event::Queued { count } => s.queued = *count,
                    Event::Acked { count } => {
                        s.queued = s.queued.saturating_sub(*count);
                        s.said = Some(said);
                    }
                    Event::Pulled { .. } => s.said = Some(said),
                    Event::Sent { .. } => s.sent = tally.sent,
                    Event::Refused { reason, .. } => {
                        s.last_error = Some(reason.clone());
                        s.last_error_code = Some(ErrorCode::Refused);
                    }
                    Event::MissingPhoto { .. } => {
                        s.last_error = Some(said.text(Lang::En));
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
                    Event::PhotosWait { .. } => s.photos_wait = Some(said),
                    Event::Failed { .. } | Event::UpToDate => {}
                }
            }
            Status::Done(_) => {
                s.phase = SyncPhase::Idle;
                s.queued = queued.unwrap_or(s.queued);
                s.last_success = Some(Utc::now());
                s.last_error = None;
                s.last_error_code = None;
                s.next_try_in_ms = None;
                s.said = None;
                s.photos = None;
            }
            Status::Failed { error, retry_in } => {
                let shown = AppError::from(error);
                s.phase = if error.is_retryable() {
                    SyncPhase::Offline
                } else {
                    SyncPhase::Stopped
                };
                s.queued = queued.unwrap_or(s.queued);
                s.last_error = Some(shown.message);
                s.last_error_code = Some(shown.code);
                s.next_try_in_ms = retry_in.map(|w| w.as_millis() as u64);
                s.said = retry_in
                    .is_none()
                    .then(|| terrain_sync::words::failed(error, None));
            }
        })
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

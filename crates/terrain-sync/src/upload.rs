//! The photo upload queue: photos of revisions the server already stores, sent apart from the
//! outbox, several at a time.
//!
//! On a lossy link with a long round trip one TCP connection carries far less than the line
//! (about MSS/(RTT·√loss)), so [`IN_FLIGHT`] uploads go at once, each on its own connection.
//! A photo leaves the queue only when the server confirms it whole; one cut or stalled resumes
//! from the server's last byte within the pass ([`Client::upload`]).

use crate::SyncError;
use crate::client::Client;
use crate::run::{Event, Summary, blocking};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use terrain_store::{PhotoUpload, Store};

/// Uploads in flight at once, each on its own connection.
const IN_FLIGHT: usize = 3;
/// Photo uploads failing in a row (each after trying to resume) before the pass gives up
/// on the rest: the link, not one photo, is bad.
const PHOTO_FAILURES: usize = 2;

/// Progress shared by the uploads in flight, told to the UI as one count.
struct Shared<'a> {
    on: &'a mut (dyn FnMut(Event) + Send),
    total: usize,
    total_bytes: u64,
    done: usize,
    done_bytes: u64,
    /// Bytes the server holds of each photo going now.
    going: HashMap<String, u64>,
}

impl Shared<'_> {
    fn tell(&mut self, photo: &PhotoUpload, rate: Option<u64>) {
        let going: u64 = self.going.values().sum();
        (self.on)(Event::Photos {
            report: photo.report,
            done: self.done,
            total: self.total,
            bytes: self.done_bytes + going,
            total_bytes: self.total_bytes,
            bytes_per_sec: rate,
        });
    }
}

/// Uploads every queued photo, [`IN_FLIGHT`] at a time. A photo that fails stays queued for
/// the next pass while the others go ([`PHOTO_FAILURES`] in a row stop them), and the pass
/// then fails with its error.
pub(crate) async fn send_photos(
    store: &Arc<Store>,
    client: &Client,
    on: &mut (dyn FnMut(Event) + Send),
    summary: &mut Summary,
) -> Result<(), SyncError> {
    let queue = blocking(store, |s| s.photo_uploads()).await?;
    if queue.is_empty() {
        return Ok(());
    }
    let (policy, copies) = crate::policy::plan(store, &queue).await?;
    let rate = client.rate();
    if crate::policy::photos_wait(policy, rate) {
        on(Event::PhotosWait {
            count: queue.len(),
            bytes_per_sec: rate,
        });
        return Ok(());
    }
    let (copies, originals) = crate::policy::in_order(queue, &copies);
    let shared = Mutex::new(Shared {
        on,
        total: copies.len() + originals.len(),
        total_bytes: copies.iter().chain(&originals).map(|p| p.size).sum(),
        done: 0,
        done_bytes: 0,
        going: HashMap::new(),
    });
    let (mut failed, mut in_a_row) = (None, 0);
    // Every reduced copy is on the server before any original starts.
    'parts: for part in [copies, originals] {
        let mut uploads = futures_util::stream::iter(part)
            .map(|photo| send_one(store, client, photo, &shared))
            .buffer_unordered(IN_FLIGHT);
        while let Some((photo, result)) = uploads.next().await {
            match result {
                Ok(true) => {
                    in_a_row = 0;
                    summary.photos += 1;
                }
                Ok(false) => {}
                Err(e) if e.is_retryable() => {
                    tracing::warn!(error = %e, photo = %photo.sha256, "photo upload failed; it stays queued");
                    failed = Some(e);
                    in_a_row += 1;
                    if in_a_row >= PHOTO_FAILURES {
                        break 'parts;
                    }
                }
                Err(e) => return Err(e),
            }
        }
        if failed.is_some() {
            break;
        }
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// One photo, start to end: `Ok(false)` when the device no longer holds it (left queued).
async fn send_one(
    store: &Arc<Store>,
    client: &Client,
    photo: PhotoUpload,
    shared: &Mutex<Shared<'_>>,
) -> (PhotoUpload, Result<bool, SyncError>) {
    let result = async {
        let key = photo.sha256.clone();
        let Some(bytes) = blocking(store, move |s| s.attachment(&key)).await? else {
            tracing::warn!(photo = %photo.sha256, "a queued photo is not on this device");
            return Ok(false);
        };
        if photo.fresh {
            let key = photo.sha256.clone();
            blocking(store, move |s| s.photo_tried(&key)).await?;
        }
        let mut tell = |at: u64| {
            let mut s = shared.lock().expect("progress lock");
            s.going.insert(photo.sha256.clone(), at.min(photo.size));
            s.tell(&photo, client.rate());
        };
        let sent = client
            .upload(&photo.sha256, &bytes, photo.fresh, &mut tell)
            .await;
        shared
            .lock()
            .expect("progress lock")
            .going
            .remove(&photo.sha256);
        sent?;
        let key = photo.sha256.clone();
        blocking(store, move |s| s.photo_uploaded(&key)).await?;
        let mut s = shared.lock().expect("progress lock");
        s.done += 1;
        s.done_bytes += photo.size;
        s.tell(&photo, client.rate());
        Ok(true)
    }
    .await;
    (photo, result)
}

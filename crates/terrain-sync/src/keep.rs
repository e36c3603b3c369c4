//! The sync loop both shells run (the app while unlocked, `terrain sync --watch`): a pass now,
//! then one every `every`, at once when woken (a save, "Sync now", sign-in), and after a
//! failure as [`Backoff`] says. A refusal that retrying cannot fix (a revoked token, no
//! account) stops it, after saying so through the status callback.

use crate::run::{Backoff, Event, Summary, sync_once};
use crate::{Client, SyncError};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use terrain_store::Store;

/// Wakes a loop to sync now, or ends it. Held by whoever may save or stop meanwhile.
#[derive(Default)]
pub struct Wake {
    notify: tokio::sync::Notify,
    stopped: AtomicBool,
}

impl Wake {
    /// Sync now (or right after the pass under way: the wake is kept until the loop looks).
    pub fn now(&self) {
        self.notify.notify_one();
    }

    /// Ends the loop once its pass, if any, is over.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.notify.notify_one();
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// Waits `wait`, or less when woken.
    pub async fn sleep(&self, wait: Duration) {
        let _ = tokio::time::timeout(wait, self.notify.notified()).await;
    }
}

/// What the loop tells its caller.
#[derive(Debug, Clone, Copy)]
pub enum Status<'a> {
    /// A pass begins.
    Syncing,
    /// The pass moved on.
    Event(&'a Event),
    /// The pass ended well; the next comes after the loop's `every`, or when woken.
    Done(&'a Summary),
    /// The pass failed: the next try is in `retry_in`; none when the loop stops.
    Failed {
        error: &'a SyncError,
        retry_in: Option<Duration>,
    },
}

impl Status<'_> {
    /// As an event (what `terrain sync --json` prints): what the pass did, and its failures.
    pub fn event(&self) -> Option<Event> {
        match self {
            Status::Event(e) => Some((*e).clone()),
            Status::Failed { error, retry_in } => Some(Event::Failed {
                reason: error.to_string(),
                retry_in_ms: retry_in.map(|w| w.as_millis() as u64),
            }),
            Status::Syncing | Status::Done(_) => None,
        }
    }
}

/// Who syncs, asked before each pass so that a sign-in meanwhile takes effect: the client for
/// the store's account and the author of the merges a pull makes.
pub type Connect<'a> = &'a (dyn Fn() -> Result<(Client, String), SyncError> + Send + Sync);

/// Syncs until `wake` stops it (then `Ok`) or a failure that retrying cannot fix (then that
/// error, after `on` heard it with no retry).
pub async fn keep_syncing(
    store: &Arc<Store>,
    connect: Connect<'_>,
    every: Duration,
    wake: &Wake,
    on: &mut (dyn FnMut(Status<'_>) + Send),
) -> Result<(), SyncError> {
    let mut backoff = Backoff::default();
    while !wake.is_stopped() {
        let mut moved = false;
        let result = match connect() {
            Ok((client, author)) => {
                on(Status::Syncing);
                let mut tell = |e: Event| {
                    moved |= e.is_progress();
                    on(Status::Event(&e));
                };
                sync_once(store, &client, &author, &mut tell).await
            }
            Err(e) => Err(e),
        };
        if moved {
            backoff.progressed();
        }
        let wait = match &result {
            Ok(summary) => {
                backoff.progressed();
                on(Status::Done(summary));
                every
            }
            Err(error) if error.is_retryable() => {
                let wait = backoff.next(error.is_link());
                on(Status::Failed {
                    error,
                    retry_in: Some(wait),
                });
                wait
            }
            Err(error) => {
                on(Status::Failed {
                    error,
                    retry_in: None,
                });
                return result.map(drop);
            }
        };
        wake.sleep(wait).await;
    }
    Ok(())
}

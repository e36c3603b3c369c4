//! One sync pass, and the watch loop that repeats it with backoff.

use crate::SyncError;
use crate::client::Client;
use rand::Rng;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use terrain_protocol::PushStatus;
use terrain_store::Store;
use uuid::Uuid;

/// Revisions sent per request: big enough to amortise the round trip on a slow link, small
/// enough that a cut connection loses little work.
pub const PUSH_BATCH: usize = 500;
pub const PULL_PAGE: usize = 500;

/// What the UI and the CLI are told as sync goes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// This many revisions wait to be sent.
    Queued { count: usize },
    /// A batch went out.
    Sent { count: usize },
    /// The server holds them now; they left the outbox.
    Acked { count: usize },
    /// The server refused a revision; it stays in the outbox with the reason.
    Refused { revision: Uuid, reason: String },
    /// Revisions from other devices arrived.
    Pulled {
        received: usize,
        merged: usize,
        conflicts: usize,
    },
    /// The pass failed; the next try is in `retry_in_ms` (none when retrying cannot help).
    Failed {
        reason: String,
        retry_in_ms: Option<u64>,
    },
    /// Everything is sent and received.
    UpToDate,
}

/// Totals of one pass.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub sent: usize,
    pub acked: usize,
    pub refused: usize,
    pub received: usize,
    pub merged: usize,
    pub conflicts: usize,
}

pub(crate) async fn blocking<T: Send + 'static>(
    store: &Arc<Store>,
    f: impl FnOnce(&Store) -> terrain_store::Result<T> + Send + 'static,
) -> Result<T, SyncError> {
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || f(&store))
        .await
        .expect("store task does not panic")
        .map_err(SyncError::from)
}

/// Sends everything queued (attachments first), then pulls until up to date.
pub async fn sync_once(
    store: &Arc<Store>,
    client: &Client,
    author: &str,
    on: &mut (dyn FnMut(Event) + Send),
) -> Result<Summary, SyncError> {
    let renewed = crate::renew::fresh_client(store, client).await?;
    let client = renewed.as_ref().unwrap_or(client);
    let mut summary = Summary::default();
    let queued = blocking(store, |s| s.pending_count()).await?;
    on(Event::Queued { count: queued });
    loop {
        let batch = blocking(store, |s| s.pending(PUSH_BATCH)).await?;
        if batch.is_empty() {
            break;
        }
        for p in &batch {
            for a in &p.revision.content.attachments {
                let sha = a.sha256.clone();
                if let Some(bytes) = blocking(store, move |s| s.attachment(&sha)).await? {
                    client.upload_blob(&a.sha256, &bytes).await?;
                }
            }
        }
        let revisions: Vec<_> = batch.iter().map(|p| p.revision.clone()).collect();
        let results = client.push(&revisions).await?;
        on(Event::Sent {
            count: revisions.len(),
        });
        summary.sent += revisions.len();
        let mut acks = Vec::new();
        for r in results {
            if r.status == PushStatus::Rejected {
                let reason = r.message.unwrap_or_else(|| "refused by the server".into());
                let (rev, why) = (r.rev_id, reason.clone());
                blocking(store, move |s| s.refuse(rev, &why)).await?;
                on(Event::Refused {
                    revision: r.rev_id,
                    reason,
                });
                summary.refused += 1;
            } else {
                acks.push((r.rev_id, r.seq));
            }
        }
        let count = acks.len();
        blocking(store, move |s| s.acknowledge(&acks)).await?;
        on(Event::Acked { count });
        summary.acked += count;
    }
    loop {
        let since = blocking(store, |s| s.pull_cursor()).await?;
        let page = client.pull(since, PULL_PAGE).await?;
        let (next, more) = (page.next, page.more);
        let revisions: Vec<_> = page
            .revisions
            .into_iter()
            .map(|p| (p.seq, p.revision))
            .collect();
        let author = author.to_string();
        let applied = blocking(store, move |s| s.apply_pulled(revisions, next, &author)).await?;
        if applied.received > 0 || !applied.conflicts.is_empty() {
            on(Event::Pulled {
                received: applied.received,
                merged: applied.merged.len(),
                conflicts: applied.conflicts.len(),
            });
        }
        summary.received += applied.received;
        summary.merged += applied.merged.len();
        summary.conflicts += applied.conflicts.len();
        if !more {
            break;
        }
    }
    // A merge made while pulling is queued: send it now rather than at the next pass.
    if summary.merged > 0 && blocking(store, |s| s.pending_count()).await? > 0 {
        return Box::pin(sync_once(store, client, author, on))
            .await
            .map(|more| Summary {
                sent: summary.sent + more.sent,
                acked: summary.acked + more.acked,
                refused: summary.refused + more.refused,
                received: summary.received + more.received,
                merged: summary.merged + more.merged,
                // Every conflict the progress reported, as for the other totals: the conflicts
                // of the first pass do not go away when the merge is sent.
                conflicts: summary.conflicts + more.conflicts,
            });
    }
    on(Event::UpToDate);
    Ok(summary)
}

/// Exponential backoff with full jitter: a fleet of laptops whose link came back at once does
/// not hit the server in step.
pub fn backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let ceiling = base.saturating_mul(1u32 << attempt.min(16)).min(cap);
    let ms = rand::rng().random_range(0..=ceiling.as_millis() as u64);
    Duration::from_millis(ms.max(base.as_millis() as u64 / 2))
}

/// Syncs every `every` while `keep_going` holds; after a failure, tries again with backoff.
/// Stops on a failure retrying cannot fix (a revoked token), after telling `on`.
pub async fn watch(
    store: &Arc<Store>,
    client: &Client,
    author: &str,
    every: Duration,
    on: &mut (dyn FnMut(Event) + Send),
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Result<(), SyncError> {
    let mut attempt = 0;
    loop {
        let wait = match sync_once(store, client, author, on).await {
            Ok(_) => {
                attempt = 0;
                every
            }
            Err(e) if e.is_retryable() => {
                let wait = backoff(
                    attempt,
                    Duration::from_millis(500),
                    Duration::from_secs(300),
                );
                attempt += 1;
                on(Event::Failed {
                    reason: e.to_string(),
                    retry_in_ms: Some(wait.as_millis() as u64),
                });
                wait
            }
            Err(e) => {
                on(Event::Failed {
                    reason: e.to_string(),
                    retry_in_ms: None,
                });
                return Err(e);
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return Ok(()),
        }
        if *stop.borrow() {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_its_cap_and_never_drops_below_half_the_base() {
        let base = Duration::from_millis(500);
        let cap = Duration::from_secs(300);
        for attempt in 0..40 {
            let d = backoff(attempt, base, cap);
            assert!(
                d >= Duration::from_millis(250) && d <= cap,
                "{attempt}: {d:?}"
            );
        }
        let late: Vec<_> = (0..50).map(|_| backoff(12, base, cap)).collect();
        assert!(
            late.iter().any(|d| *d > Duration::from_secs(10)),
            "grows: {late:?}"
        );
        assert!(late.windows(2).any(|w| w[0] != w[1]), "jittered");
    }
}

//! One sync pass, and the backoff the loop ([`crate::keep`]) waits by between passes.
//!
//! A pass sends the reports' text first, in batches sized in bytes by the link's measured
//! rate; a revision the server stores leaves the outbox and the photos it names join the
//! upload queue ([`crate::upload`]). Then it pulls until up to date, and only then sends the
//! queued photos, resumably: an unfinished photo never holds back text or the pull.

use crate::SyncError;
use crate::client::Client;
use rand::Rng;
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use terrain_protocol::PushStatus;
use terrain_store::{Pending, Store};
use uuid::Uuid;

/// Revisions read from the outbox at a time; a push takes as many of them as its bytes allow.
pub const PUSH_BATCH: usize = 500;
pub const PULL_PAGE: usize = 500;
/// A push carries about this much time at the measured rate: long enough to amortise the
/// round trip, short enough that a cut connection loses little.
const PUSH_TIME: Duration = Duration::from_secs(10);
/// A push's compressed bytes before any rate is measured, and the most.
const FIRST_PUSH_BYTES: usize = 64 * 1024;
const MOST_PUSH_BYTES: usize = 4 * 1024 * 1024;
/// Report JSON shrinks about fivefold under zstd: a batch is sized by its JSON over this.
const JSON_PER_WIRE_BYTE: usize = 5;

/// What the UI and the CLI are told as sync goes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// This many revisions wait to be sent.
    Queued { count: usize },
    /// A batch went out and the server stored it (photos may follow).
    Sent { count: usize, bytes: u64 },
    /// The server holds them; they left the outbox (the photos they name are queued).
    Acked { count: usize },
    /// The server refused a revision; it stays in the outbox with the reason.
    Refused { revision: Uuid, reason: String },
    /// A report names a photo this device does not hold: its revision stays in the outbox,
    /// refused with the reason, until the report is edited.
    MissingPhoto {
        report: Uuid,
        revision: Uuid,
        sha256: String,
    },
    /// Photos on their way: `report` waits for the one going now; `done` of `total` photos
    /// and `bytes` of `total_bytes` are on the server; the link's rate as measured.
    Photos {
        report: Uuid,
        done: usize,
        total: usize,
        bytes: u64,
        total_bytes: u64,
        bytes_per_sec: Option<u64>,
    },
    /// Photos wait for a better link (the setting is "only on a good link" and the measured
    /// rate is below [`crate::GOOD_LINK`]); the text went.
    PhotosWait {
        count: usize,
        bytes_per_sec: Option<u64>,
    },
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

impl Event {
    /// Seconds the photos still need at the measured rate.
    pub fn seconds_left(&self) -> Option<u64> {
        match self {
            Event::Photos {
                bytes,
                total_bytes,
                bytes_per_sec: Some(rate),
                ..
            } if *rate > 0 => Some(total_bytes.saturating_sub(*bytes).div_ceil(*rate)),
            _ => None,
        }
    }

    /// Whether something moved: a pass that did this resets the backoff.
    pub fn is_progress(&self) -> bool {
        matches!(
            self,
            Event::Sent { .. } | Event::Acked { .. } | Event::Photos { .. } | Event::Pulled { .. }
        )
    }
}

/// Totals of one pass.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub sent: usize,
    pub acked: usize,
    pub refused: usize,
    /// Photos uploaded (or found already on the server).
    pub photos: usize,
    pub received: usize,
    pub merged: usize,
    pub conflicts: usize,
    /// Link operations (issue 15) the server took, and those pulled.
    pub links_sent: usize,
    pub links_received: usize,
    /// Site revisions (issue 15) the server took, and those pulled or fetched.
    pub sites_sent: usize,
    pub sites_received: usize,
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

/// Sends the reports' text, pulls until up to date, then sends the queued photos.
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
        // Sites first: a report names its site, which the server (and the devices pulling the
        // report) should hold by then.
        send_sites(store, client, &mut summary).await?;
        send_text(store, client, on, &mut summary).await?;
        send_links(store, client, &mut summary).await?;
        let merged = summary.merged;
        pull(store, client, author, on, &mut summary).await?;
        fetch_unknown_sites(store, client, author, &mut summary).await?;
        // A site merge made while pulling or fetching is queued: send it now.
        send_sites(store, client, &mut summary).await?;
        // A merge made while pulling is queued: send it now rather than at the next pass.
        if summary.merged == merged || blocking(store, |s| s.pending_count()).await? == 0 {
            break;
        }
    }
    crate::upload::send_photos(store, client, on, &mut summary).await?;
    on(Event::UpToDate);
    Ok(summary)
}

/// Photos `p` names that this device does not hold.
fn missing_photos(store: &Store, p: &Pending) -> Vec<String> {
    let photos = &p.revision.content.attachments;
    photos
        .iter()
        .filter(|a| !store.has_attachment(&a.sha256))
        .map(|a| a.sha256.clone())
        .collect()
}

/// The first of `batch` whose JSON fits `budget` bytes (one at least, so a big revision
/// still goes).
fn fitting(batch: Vec<Pending>, budget: usize) -> Vec<Pending> {
    let mut used = 0;
    let mut take = 0;
    for p in &batch {
        let size = serde_json::to_vec(&p.revision).map_or(0, |j| j.len());
        if take > 0 && used + size > budget {
            break;
        }
        used += size;
        take += 1;
    }
    batch.into_iter().take(take).collect()
}

/// Pushes every queued revision, in batches of about [`PUSH_TIME`] at the measured rate.
/// Revisions naming photos the device lacks are refused on the device, with the reason; the
/// others leave the outbox as the server stores them, their photos queued for upload.
async fn send_text(
    store: &Arc<Store>,
    client: &Client,
    on: &mut (dyn FnMut(Event) + Send),
    summary: &mut Summary,
) -> Result<(), SyncError> {
    let mut after = 0;
    loop {
        let budget =
            client.bytes_for(PUSH_TIME, FIRST_PUSH_BYTES, 1, MOST_PUSH_BYTES) * JSON_PER_WIRE_BYTE;
        let checked = blocking(store, move |s| {
            let batch = fitting(s.pending_after(after, PUSH_BATCH)?, budget);
            Ok(batch
                .into_iter()
                .map(|p| {
                    let missing = missing_photos(s, &p);
                    (p, missing)
                })
                .collect::<Vec<_>>())
        })
        .await?;
        let Some((last, _)) = checked.last() else {
            break;
        };
        after = last.outbox_seq;
        let mut batch = Vec::new();
        for (p, missing) in checked {
            let Some(sha256) = missing.into_iter().next() else {
                batch.push(p);
                continue;
            };
            let (rev, report) = (p.revision.id, p.revision.report_id);
            let why = format!(
                "report {report} names photo {sha256}, which is not on this device: \
                 edit the report to attach it again or remove it"
            );
            blocking(store, move |s| s.refuse(rev, &why)).await?;
            on(Event::MissingPhoto {
                report,
                revision: rev,
                sha256,
            });
            summary.refused += 1;
        }
        if batch.is_empty() {
            continue;
        }
        let revisions: Vec<_> = batch.iter().map(|p| p.revision.clone()).collect();
        let results = client.push(&revisions).await?;
        let bytes = revisions
            .iter()
            .map(|r| serde_json::to_vec(r).map_or(0, |j| j.len() as u64))
            .sum();
        on(Event::Sent {
            count: revisions.len(),
            bytes,
        });
        summary.sent += revisions.len();
        let sent: Vec<(Uuid, String)> = revisions
            .iter()
            .map(|r| (r.id, r.content_hash.clone()))
            .collect();
        let answered = results.clone();
        let receipts = blocking(store, move |s| {
            crate::receipts::checked(s, &answered, &sent)
        })
        .await?;
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
        acknowledge(store, acks, receipts, on, summary).await?;
    }
    Ok(())
}

/// Acks and the receipts that came with them, kept in one transaction.
async fn acknowledge(
    store: &Arc<Store>,
    acks: Vec<(Uuid, Option<i64>)>,
    receipts: Vec<terrain_store::KeptReceipt>,
    on: &mut (dyn FnMut(Event) + Send),
    summary: &mut Summary,
) -> Result<(), SyncError> {
    let count = acks.len();
    if count > 0 {
        blocking(store, move |s| {
            s.acknowledge_with_receipts(&acks, &receipts)
        })
        .await?;
        on(Event::Acked { count });
        summary.acked += count;
    }
    Ok(())
}

/// Link operations the server takes at a time.
const LINK_BATCH: usize = terrain_protocol::limits::LINK_OPS;

/// Sends the queued link operations (issue 15), a batch at a time; each one the server
/// stored (now or before) leaves the queue.
async fn send_links(
    store: &Arc<Store>,
    client: &Client,
    summary: &mut Summary,
) -> Result<(), SyncError> {
    loop {
        let ops = blocking(store, |s| s.queued_link_ops(LINK_BATCH)).await?;
        if ops.is_empty() {
            return Ok(());
        }
        let answer = client.push_links(&ops).await?;
        let ids: Vec<uuid::Uuid> = answer.results.iter().map(|r| r.id).collect();
        summary.links_sent += ids.len();
        blocking(store, move |s| s.ack_link_ops(&ids)).await?;
        if ops.len() < LINK_BATCH {
            return Ok(());
        }
    }
}

/// Site revisions the server takes at a time.
const SITE_BATCH: usize = terrain_protocol::limits::SITE_REVISIONS;

/// Sends the queued site revisions (issue 15), parents before children, a batch at a time;
/// each one the server stored (now or before) leaves the queue. A server that refuses them
/// (one before shared sites answers 404) leaves them queued for the next pass without
/// stopping this one: reports still go.
async fn send_sites(
    store: &Arc<Store>,
    client: &Client,
    summary: &mut Summary,
) -> Result<(), SyncError> {
    // The server takes only the signed-in user's own site revisions.
    blocking(store, |s| match s.account()? {
        Some(account) => s.author_queued_site_revisions(&account.user),
        None => Ok(0),
    })
    .await?;
    loop {
        let revisions = blocking(store, |s| s.queued_site_revisions(SITE_BATCH)).await?;
        if revisions.is_empty() {
            return Ok(());
        }
        let answer = match client.push_sites(&revisions).await {
            Ok(answer) => answer,
            // A server before shared sites: they wait for the next pass.
            Err(SyncError::Refused { status: 404, .. }) => {
                tracing::debug!("the server does not share sites yet; kept for the next pass");
                return Ok(());
            }
            // The server checks a batch whole: one by one, so a revision it will not take (a
            // site of a region this user does not work in) is set aside with its reason and
            // the others go.
            Err(SyncError::Refused { status, .. }) if status != 401 && status < 500 => {
                send_sites_one_by_one(store, client, revisions, summary).await?;
                continue;
            }
            Err(e) => return Err(e),
        };
        let ids: Vec<Uuid> = answer.results.iter().map(|r| r.id).collect();
        summary.sites_sent += ids.len();
        blocking(store, move |s| s.ack_site_revisions(&ids)).await?;
        if revisions.len() < SITE_BATCH {
            return Ok(());
        }
    }
}

/// Sends `revisions` one at a time; each the server refuses is kept aside with its reason.
async fn send_sites_one_by_one(
    store: &Arc<Store>,
    client: &Client,
    revisions: Vec<terrain_domain::SiteRevision>,
    summary: &mut Summary,
) -> Result<(), SyncError> {
    for rev in revisions {
        let id = rev.id;
        match client.push_sites(std::slice::from_ref(&rev)).await {
            Ok(_) => {
                summary.sites_sent += 1;
                blocking(store, move |s| s.ack_site_revisions(&[id])).await?;
            }
            Err(SyncError::Refused {
                status,
                code,
                message,
            }) if status != 401 && status < 500 => {
                tracing::warn!(revision = %id, status, %code, %message, "site revision refused");
                let why = format!("{code}: {message}");
                blocking(store, move |s| s.refuse_site_revision(id, &why)).await?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Fetches every site the reports held name but the registry lacks (`GET /v1/sites/{id}`),
/// so a pulled report's site does not dangle. One the server does not have or will not show
/// (404, 403) is left for the next pass.
async fn fetch_unknown_sites(
    store: &Arc<Store>,
    client: &Client,
    author: &str,
    summary: &mut Summary,
) -> Result<(), SyncError> {
    let unknown = blocking(store, |s| s.unknown_sites()).await?;
    for id in unknown {
        let history = match client.site_history(id).await {
            Ok(Some(history)) => history,
            Ok(None) => {
                tracing::debug!(site = %id, "the server has no such site yet");
                continue;
            }
            Err(SyncError::Refused { status, code, .. }) if status == 403 || status == 404 => {
                tracing::debug!(site = %id, status, %code, "site not fetched; retried next pass");
                continue;
            }
            Err(e) => return Err(e),
        };
        let author = author.to_string();
        let applied = blocking(store, move |s| {
            s.apply_site_history(&history.revisions, &author)
        })
        .await?;
        summary.sites_received += applied.received;
    }
    Ok(())
}

/// Pulls pages until the server has nothing newer.
async fn pull(
    store: &Arc<Store>,
    client: &Client,
    author: &str,
    on: &mut (dyn FnMut(Event) + Send),
    summary: &mut Summary,
) -> Result<(), SyncError> {
    loop {
        let since = blocking(store, |s| s.pull_cursor()).await?;
        let reviews_since = blocking(store, |s| s.reviews_cursor()).await?;
        let links_since = blocking(store, |s| s.links_cursor()).await?;
        let sites_since = blocking(store, |s| s.sites_cursor()).await?;
        let page = client
            .pull_with_sites(since, reviews_since, links_since, sites_since, PULL_PAGE)
            .await?;
        // A full page of sites: more may wait past it.
        let more_sites = page.sites.len() >= terrain_protocol::limits::PULL_SITES;
        let (next, more) = (page.next, page.more || more_sites);
        // Site revisions (issue 15) before the reports naming them, on their own cursor (a
        // server before shared sites sends no `sites_next`: the cursor stays).
        if let Some(sites_next) = page.sites_next {
            let sites = page.sites;
            let author = author.to_string();
            let applied = blocking(store, move |s| {
                s.apply_pulled_sites(&sites, Some(sites_next), &author)
            })
            .await?;
            summary.sites_received += applied.received;
            for (id, why) in &applied.rejected {
                tracing::warn!(revision = %id, %why, "site revision refused");
            }
        }
        let (decisions, reviews_next) = (page.reviews, page.reviews_next);
        // Link operations (issue 15) on their own cursor, kept with it in one transaction.
        if let Some(links_next) = page.links_next {
            let ops = page.links;
            summary.links_received += ops.len();
            blocking(store, move |s| s.apply_pulled_link_ops(&ops, links_next)).await?;
        }
        let revisions: Vec<_> = page
            .revisions
            .into_iter()
            .map(|p| (p.seq, p.revision))
            .collect();
        let author = author.to_string();
        let applied = blocking(store, move |s| {
            s.apply_pulled_page(revisions, next, &decisions, reviews_next, &author)
        })
        .await?;
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
            return Ok(());
        }
    }
}

/// Exponential backoff with full jitter: a fleet of laptops whose link came back at once does
/// not hit the server in step.
pub fn backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let ceiling = base.saturating_mul(1u32 << attempt.min(16)).min(cap);
    let ms = rand::rng().random_range(0..=ceiling.as_millis() as u64);
    Duration::from_millis(ms.max(base.as_millis() as u64 / 2))
}

/// The first probe after the link fails, and the longest wait between probes: a failed probe
/// costs a connection attempt, so the device may look every few seconds and sync again
/// within seconds of the link's return.
const PROBE_FIRST: Duration = Duration::from_secs(1);
const PROBE_MOST: Duration = Duration::from_secs(10);

/// When to try again after a failed pass. It counts the time without progress, not failed
/// attempts: while the link is down each probe fails at once, and a count of them would
/// grow the wait to minutes; the wait grows by a tenth of the quiet time instead, from
/// [`PROBE_FIRST`] to [`PROBE_MOST`]. A server in trouble (overloaded, answering nonsense)
/// gets the exponential [`backoff`] up to five minutes. A pass that moved anything starts
/// both again.
pub struct Backoff {
    quiet_since: Instant,
    server_failures: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            quiet_since: Instant::now(),
            server_failures: 0,
        }
    }
}

impl Backoff {
    /// Something moved (or the pass ended well).
    pub fn progressed(&mut self) {
        *self = Backoff::default();
    }

    /// The wait after a failure; `link` when the server could not be reached at all.
    pub fn next(&mut self, link: bool) -> Duration {
        if link {
            let ceiling = (PROBE_FIRST + self.quiet_since.elapsed() / 10).min(PROBE_MOST);
            let ms = ceiling.as_millis() as u64;
            return Duration::from_millis(rand::rng().random_range(ms / 2..=ms));
        }
        let wait = backoff(
            self.server_failures,
            Duration::from_millis(500),
            Duration::from_secs(300),
        );
        self.server_failures += 1;
        wait
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

    #[test]
    fn an_outage_is_probed_every_few_seconds_however_many_probes_failed() {
        let mut b = Backoff::default();
        let waits: Vec<_> = (0..200).map(|_| b.next(true)).collect();
        assert!(waits.iter().all(|w| *w <= PROBE_FIRST), "{waits:?}");
        b.quiet_since -= Duration::from_secs(3600);
        assert!((0..50).all(|_| b.next(true) <= PROBE_MOST));
        // The server's own trouble backs off by attempts, and progress starts it again.
        let mut s = Backoff::default();
        let late: Vec<_> = (0..12).map(|_| s.next(false)).collect();
        assert!(
            late.iter().any(|d| *d > Duration::from_secs(10)),
            "{late:?}"
        );
        s.progressed();
        assert!(s.next(false) <= Duration::from_millis(500));
    }
}

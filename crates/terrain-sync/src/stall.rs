//! Stalls, not slowness: a request fails only when no byte moved either way for [`STALL`].
//!
//! A whole-request deadline cannot tell a 2G link carrying a 300 KB photo for a minute from a
//! dead one; a request's body is handed to the connection in small pieces, each noted in a
//! [`Progress`], the answer is read chunk by chunk the same way, and a watchdog gives up only
//! when the progress stands still.

use crate::SyncError;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A link that moved no byte, either way, for this long is taken as dead. A loaded 2G or
/// satellite link pauses for seconds (retransmissions, handovers) but not for half a minute;
/// the server gives a body 30 s without a byte (`limits::BODY_IDLE_SECS`), and the kernel's
/// buffers may still be draining a piece's last bytes when the body is all handed over.
pub const STALL: Duration = Duration::from_secs(30);

/// Bytes handed to the body stream at a time: small, so progress shows at 1 KB/s too and
/// the HTTP library's queue (16 pieces) holds little that has not left.
const PIECE: usize = 4 * 1024;

/// When bytes last moved in one request, and how many moved.
#[derive(Clone)]
pub(crate) struct Progress(Arc<Inner>);

struct Inner {
    start: Instant,
    last_ms: AtomicU64,
    bytes: AtomicU64,
}

impl Progress {
    pub(crate) fn new() -> Progress {
        Progress(Arc::new(Inner {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }))
    }

    pub(crate) fn moved(&self, bytes: usize) {
        self.0.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
        let now = self.0.start.elapsed().as_millis() as u64;
        self.0.last_ms.fetch_max(now, Ordering::Relaxed);
    }

    /// Counts as moving for `extra` more: the body is all handed over, and the buffers
    /// between here and the server may take that long to drain before any answer can come.
    fn hold(&self, extra: Duration) {
        let until = (self.0.start.elapsed() + extra).as_millis() as u64;
        self.0.last_ms.fetch_max(until, Ordering::Relaxed);
    }

    fn idle(&self) -> Duration {
        let last = Duration::from_millis(self.0.last_ms.load(Ordering::Relaxed));
        self.0.start.elapsed().saturating_sub(last)
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.0.start.elapsed()
    }
}

/// Runs `work` until it ends, or fails with [`SyncError::Stalled`] once `progress` has stood
/// still for [`STALL`].
pub(crate) async fn unless_stalled<T>(
    server: &str,
    progress: &Progress,
    work: impl Future<Output = Result<T, SyncError>>,
) -> Result<T, SyncError> {
    let mut work = std::pin::pin!(work);
    loop {
        let left = STALL.saturating_sub(progress.idle());
        if left.is_zero() {
            return Err(SyncError::Unreachable {
                server: server.to_string(),
                reason: format!("no byte moved for {} s", STALL.as_secs()),
            });
        }
        tokio::select! {
            done = &mut work => return done,
            _ = tokio::time::sleep(left) => {}
        }
    }
}

/// `bytes` as a streamed body that notes in `progress` each piece the connection takes, and
/// holds still `drain` after the last (the time the buffers may need to empty).
pub(crate) fn body(bytes: Vec<u8>, progress: Progress, drain: Duration) -> reqwest::Body {
    let bytes = Arc::new(bytes);
    let pieces = (0..bytes.len()).step_by(PIECE).map(move |at| {
        let end = (at + PIECE).min(bytes.len());
        // Asked for the next piece: the connection took the one before.
        progress.moved(end - at);
        if end == bytes.len() {
            progress.hold(drain);
        }
        Ok::<_, Infallible>(bytes[at..end].to_vec())
    });
    reqwest::Body::wrap_stream(futures_util::stream::iter(pieces))
}

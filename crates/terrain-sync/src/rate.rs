//! The link's rate, measured on real exchanges, to size what one request carries.

use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Exchanges smaller than this measure the round trip more than the link; they are not counted.
const MEASURED_FROM: usize = 8 * 1024;

/// Bytes a second over the last exchanges big enough to tell (a moving average, so one lucky
/// or unlucky request does not swing the sizes).
#[derive(Clone, Default)]
pub(crate) struct Rate(Arc<Mutex<Option<f64>>>);

impl Rate {
    /// An exchange moved `bytes` (sent and received) in `took`, round trips included.
    pub(crate) fn note(&self, bytes: usize, took: Duration) {
        if bytes < MEASURED_FROM {
            return;
        }
        let now = bytes as f64 / took.as_secs_f64().max(0.001);
        let mut rate = self.0.lock().expect("rate lock");
        *rate = Some(rate.map_or(now, |before| (before + now) / 2.0));
    }

    pub(crate) fn get(&self) -> Option<u64> {
        self.0.lock().expect("rate lock").map(|r| r as u64)
    }

    /// How long `bytes` may take to leave the kernel's and the HTTP library's buffers: at half
    /// the measured rate, or at the slowest the server accepts (1 KB/s) before any
    /// measurement; at most five minutes. (A dead link is caught sooner by the kernel:
    /// `tcp_user_timeout`.)
    pub(crate) fn drain_time(&self, bytes: usize) -> Duration {
        let floor = terrain_protocol::limits::BODY_MIN_BYTES_PER_SEC as f64;
        let rate = self.get().map_or(floor, |r| (r as f64 / 2.0).max(floor));
        Duration::from_secs_f64(bytes as f64 / rate).min(Duration::from_secs(300))
    }

    /// Bytes that take about `time` at the measured rate, within `least..=most`; `first` when
    /// nothing was measured yet.
    pub(crate) fn bytes_for(
        &self,
        time: Duration,
        first: usize,
        least: usize,
        most: usize,
    ) -> usize {
        let wanted = self
            .get()
            .map_or(first, |r| (r as f64 * time.as_secs_f64()) as usize);
        wanted.clamp(least, most.max(least))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_the_measured_rate_within_their_bounds() {
        let rate = Rate::default();
        let ten = Duration::from_secs(10);
        assert_eq!(rate.bytes_for(ten, 64_000, 16_000, 4_000_000), 64_000);
        rate.note(100, Duration::from_secs(10));
        assert_eq!(rate.get(), None, "a tiny exchange measures nothing");
        rate.note(80_000, Duration::from_secs(10));
        assert_eq!(rate.get(), Some(8_000));
        assert_eq!(rate.drain_time(100_000), Duration::from_secs(25));
        assert_eq!(rate.bytes_for(ten, 64_000, 16_000, 4_000_000), 80_000);
        rate.note(8_000_000, Duration::from_millis(100));
        assert_eq!(rate.bytes_for(ten, 64_000, 16_000, 4_000_000), 4_000_000);
        let slow = Rate::default();
        assert_eq!(slow.drain_time(10_240), Duration::from_secs(10));
        slow.note(10_000, Duration::from_secs(100));
        assert_eq!(slow.bytes_for(ten, 64_000, 16_000, 4_000_000), 16_000);
    }
}

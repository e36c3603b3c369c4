//! Per-client-address limits on failed authentication, beside the per-name lockout.
//!
//! The lockout ([`crate::auth::lockout_end`]) stops guessing one name's password; it cannot stop
//! password spraying: one address trying a common password against many names, a few tries
//! each. A [`Throttle`] counts failures per client address instead, with the GCRA of the
//! `governor` crate: [`FailureLimit::burst`] failures at once, then one more every
//! [`FailureLimit::every`]. Only failures are charged, so successful sign-ins from one office
//! behind a NAT never use up its colleagues' allowance. Once an address has used it up, its
//! sign-ins are refused *before* the password is checked (no argon2 work, no answer that would
//! tell a right password from a wrong one) until it has earned another try.
//!
//! The counts live in the server process's memory: each process of several sharing one
//! PostgreSQL counts on its own, and a restart forgets them (the lockout, counted from the
//! audit log, does not). Behind a reverse proxy every client has the proxy's address and shares
//! one allowance: serve TLS directly (`--tls-cert`) or raise the limit.

use governor::clock::{Clock, MonotonicClock, Reference};
use governor::middleware::StateInformationMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;
use terrain_protocol::limits;

/// How many failures one client address may make at once, and how soon it earns another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureLimit {
    pub burst: NonZeroU32,
    pub every: Duration,
}

impl Default for FailureLimit {
    /// [`limits::SIGN_IN_BURST`] at once, then one per [`limits::SIGN_IN_EVERY_SECS`]: ten
    /// typos at once from one office, then ten a minute; a sprayer gets 600 guesses an hour
    /// from an address instead of as many as argon2 can check.
    fn default() -> FailureLimit {
        FailureLimit {
            burst: NonZeroU32::new(limits::SIGN_IN_BURST).expect("the burst is not zero"),
            every: Duration::from_secs(limits::SIGN_IN_EVERY_SECS),
        }
    }
}

/// A refused address is reported (audited) at most once in this long, so a flood of refused
/// attempts leaves one event a minute per address, not one per attempt.
pub const REPORT_EVERY: Duration = Duration::from_secs(60);

/// Housekeeping (forgetting addresses whose allowance is whole again) every this many failures.
const PRUNE_EVERY: u32 = 256;

/// An address refused for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// How long until it may try again.
    pub wait: Duration,
    /// Whether this refusal is the one to record in the audit log (see [`REPORT_EVERY`]).
    pub report: bool,
}

impl Refused {
    /// Whole seconds to wait, rounded up, at least one: the `Retry-After` header.
    pub fn retry_after_secs(&self) -> u64 {
        self.wait.as_secs() + u64::from(self.wait.subsec_nanos() > 0)
    }
}

type Limiter<C> = RateLimiter<IpAddr, HashMapStateStore<IpAddr>, C, StateInformationMiddleware>;

struct Block<I> {
    until: I,
    reported: Option<I>,
}

struct Inner<C: Clock> {
    limit: FailureLimit,
    failures: Limiter<C>,
    blocked: HashMap<IpAddr, Block<C::Instant>>,
    charges: u32,
}

/// Failed attempts counted per client address; see the module's documentation.
pub struct Throttle<C: Clock + Clone = MonotonicClock> {
    clock: C,
    inner: Mutex<Inner<C>>,
}

/// What an address is counted under. IPv6 addresses count by their /64 (one subscriber's
/// network, where an attacker has all 2^64 addresses); an IPv4-mapped one as its IPv4.
pub fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !((1u128 << 64) - 1))),
        },
    }
}

fn limiter<C: Clock + Clone>(limit: FailureLimit, clock: &C) -> Limiter<C> {
    let quota = Quota::with_period(limit.every.max(Duration::from_millis(1)))
        .expect("the period is not zero")
        .allow_burst(limit.burst);
    RateLimiter::hashmap_with_clock(quota, clock.clone())
        .with_middleware::<StateInformationMiddleware>()
}

fn as_duration(n: Nanos) -> Duration {
    Duration::from_nanos(n.as_u64())
}

impl Throttle {
    pub fn new(limit: FailureLimit) -> Throttle {
        Throttle::with_clock(limit, MonotonicClock)
    }
}

impl<C: Clock + Clone> Throttle<C> {
    /// A throttle on another clock (tests use governor's fake one).
    pub fn with_clock(limit: FailureLimit, clock: C) -> Throttle<C> {
        Throttle {
            inner: Mutex::new(Inner {
                limit,
                failures: limiter(limit, &clock),
                blocked: HashMap::new(),
                charges: 0,
            }),
            clock,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<C>> {
        // Nothing in the critical sections can leave the counts half-changed.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn limit(&self) -> FailureLimit {
        self.lock().limit
    }

    /// Replaces the limit, forgetting every count.
    pub fn set_limit(&self, limit: FailureLimit) {
        let mut inner = self.lock();
        inner.limit = limit;
        inner.failures = limiter(limit, &self.clock);
        inner.blocked.clear();
    }

    /// Whether `ip` is refused now, before anything is checked. Costs nothing to the address.
    pub fn refused(&self, ip: IpAddr) -> Option<Refused> {
        let now = self.clock.now();
        let mut inner = self.lock();
        let block = inner.blocked.get_mut(&key(ip))?;
        if block.until <= now {
            return None;
        }
        let report = block
            .reported
            .is_none_or(|at| as_duration(now.duration_since(at)) >= REPORT_EVERY);
        if report {
            block.reported = Some(now);
        }
        Some(Refused {
            wait: as_duration(block.until.duration_since(now)),
            report,
        })
    }

    /// Counts one failure from `ip`. True when it was within the limit; false when the
    /// address was already over it (then callers skip what a flood must not multiply, such as
    /// an audit event). Once the limit is used up, [`Throttle::refused`] answers for `ip`
    /// until it has earned another try.
    pub fn fail(&self, ip: IpAddr) -> bool {
        let key = key(ip);
        let now = self.clock.now();
        let mut inner = self.lock();
        inner.charges = inner.charges.wrapping_add(1);
        if inner.charges.is_multiple_of(PRUNE_EVERY) {
            inner.failures.retain_recent();
            inner.blocked.retain(|_, b| {
                b.until > now
                    || b.reported
                        .is_some_and(|at| as_duration(now.duration_since(at)) < REPORT_EVERY)
            });
        }
        let (within, until) = match inner.failures.check_key(&key) {
            // The last try it had: from now on it waits for the next (asking again is refused
            // without being counted, and says until when).
            Ok(state) if state.remaining_burst_capacity() == 0 => (
                true,
                inner
                    .failures
                    .check_key(&key)
                    .err()
                    .map(|n| n.earliest_possible()),
            ),
            Ok(_) => (true, None),
            // Already over: two attempts passed the gate at once.
            Err(not_until) => (false, Some(not_until.earliest_possible())),
        };
        if let Some(until) = until {
            let block = inner.blocked.entry(key).or_insert(Block {
                until,
                reported: None,
            });
            block.until = until;
        }
        within
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    fn throttle(burst: u32, every_secs: u64) -> (Throttle<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        let limit = FailureLimit {
            burst: NonZeroU32::new(burst).unwrap(),
            every: Duration::from_secs(every_secs),
        };
        (Throttle::with_clock(limit, clock.clone()), clock)
    }

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn the_burst_then_one_per_period_and_only_for_that_address() {
        let (t, clock) = throttle(3, 6);
        for _ in 0..3 {
            assert_eq!(t.refused(A), None);
            assert!(t.fail(A));
        }
        let refused = t.refused(A).expect("the fourth try is refused");
        assert_eq!(refused.wait, Duration::from_secs(6));
        assert_eq!(refused.retry_after_secs(), 6);
        assert!(refused.report, "the first refusal is reported");
        assert_eq!(t.refused(B), None, "another address is not affected");
        clock.advance(Duration::from_millis(5_500));
        let later = t.refused(A).unwrap();
        assert_eq!(later.retry_after_secs(), 1, "rounded up");
        assert!(!later.report, "reported once a minute at most");
        clock.advance(Duration::from_millis(500));
        assert_eq!(t.refused(A), None, "one more try after 6 s");
        assert!(t.fail(A));
        assert_eq!(t.refused(A).unwrap().wait, Duration::from_secs(6));
    }

    #[test]
    fn failures_counted_past_the_limit_say_so_and_reports_come_back_after_a_minute() {
        let (t, clock) = throttle(2, 6);
        assert!(t.fail(A) && t.fail(A));
        assert!(!t.fail(A), "two attempts raced past the gate");
        assert!(t.refused(A).unwrap().report);
        clock.advance(Duration::from_secs(30));
        assert_eq!(t.refused(A), None, "the allowance is whole again");
        assert!(t.fail(A) && t.fail(A));
        assert!(!t.refused(A).unwrap().report, "within the minute");
        clock.advance(Duration::from_secs(31));
        assert!(t.fail(A) && t.fail(A));
        assert!(
            t.refused(A).unwrap().report,
            "a minute after the last report"
        );
    }

    #[test]
    fn a_new_limit_starts_every_count_afresh() {
        let (t, _) = throttle(1, 3600);
        assert!(t.fail(A));
        assert!(t.refused(A).is_some());
        t.set_limit(FailureLimit::default());
        assert_eq!(t.refused(A), None);
        assert_eq!(t.limit().burst.get(), 10);
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(key(a), key(b));
        assert_ne!(key(a), key(other));
        assert_eq!(key("::ffff:192.0.2.1".parse().unwrap()), A);
        let (t, _) = throttle(1, 3600);
        assert!(t.fail(a));
        assert!(t.refused(b).is_some());
        assert!(t.refused(other).is_none());
    }

    #[test]
    fn forgotten_addresses_are_pruned() {
        let (t, clock) = throttle(1, 1);
        for i in 0..PRUNE_EVERY - 1 {
            t.fail(IpAddr::V4(std::net::Ipv4Addr::from_bits(i)));
        }
        assert_eq!(t.lock().blocked.len(), (PRUNE_EVERY - 1) as usize);
        clock.advance(Duration::from_secs(120));
        t.fail(A);
        let inner = t.lock();
        assert_eq!(inner.blocked.len(), 1, "only the newest is still blocked");
        assert!(inner.failures.len() <= 1);
    }
}

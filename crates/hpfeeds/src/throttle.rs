//! Failure counting per key in fixed windows, shared by the broker's AUTH throttle and the dashboard's logins.
//!
//! After `limit` failures for one key within `window`, [`FailureWindows::is_blocked`] says so until the window
//! (which starts at the key's first failure) ends. The map is bounded: when a new key arrives and the map is full,
//! expired windows are swept first, then the oldest window is evicted, so memory stays flat under a spray of keys.
//! Source addresses are counted by [`source_key`]: IPv6 by its /64, since one host usually owns a whole /64.
//!
//! Time is tokio's clock, so tests can pause and advance it; outside a paused runtime it is the real clock.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// One key's failures within its current window.
#[derive(Debug, Clone, Copy)]
struct Window {
    /// When the window began (the first failure in it).
    start: Instant,
    /// Failures so far.
    failures: u32,
}

/// Failure counts per key in fixed windows, at most `max_keys` keys at once.
#[derive(Debug)]
pub struct FailureWindows<K> {
    limit: u32,
    window: Duration,
    max_keys: usize,
    map: Mutex<HashMap<K, Window>>,
}

impl<K: Hash + Eq + Clone> FailureWindows<K> {
    /// Allows `limit` failures per key per `window` (a `limit` of 0 disables it), tracking at most `max_keys` keys.
    pub fn new(limit: u32, window: Duration, max_keys: usize) -> Self {
        FailureWindows {
            limit,
            window,
            max_keys: max_keys.max(1),
            map: Mutex::new(HashMap::new()),
        }
    }

    /// True if `key` has used up its failures for its current window.
    pub fn is_blocked(&self, key: &K) -> bool {
        if self.limit == 0 {
            return false;
        }
        let now = Instant::now();
        let map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(key)
            .is_some_and(|w| w.failures >= self.limit && now.duration_since(w.start) < self.window)
    }

    /// Counts one failure for `key` (starting a new window if its last one ended).
    pub fn record_failure(&self, key: &K) {
        if self.limit == 0 {
            return;
        }
        let now = Instant::now();
        let window = self.window;
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= self.max_keys && !map.contains_key(key) {
            map.retain(|_, w| now.duration_since(w.start) < window);
            if map.len() >= self.max_keys {
                if let Some(oldest) = map.iter().min_by_key(|(_, w)| w.start).map(|(k, _)| k.clone()) {
                    map.remove(&oldest);
                }
            }
        }
        let w = map.entry(key.clone()).or_insert(Window {
            start: now,
            failures: 0,
        });
        if now.duration_since(w.start) >= window {
            *w = Window {
                start: now,
                failures: 0,
            };
        }
        w.failures = w.failures.saturating_add(1);
    }

    /// Forgets `key`'s failures (after a success, say).
    pub fn forget(&self, key: &K) {
        self.map.lock().unwrap_or_else(PoisonError::into_inner).remove(key);
    }

    /// Keys tracked now.
    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// True if no key is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The key a source address is counted under: IPv4 (also IPv4-mapped IPv6) as is, other IPv6 by its /64.
pub fn source_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn blocks_after_limit_until_window_ends_and_forgets() {
        let t = FailureWindows::new(3, Duration::from_secs(60), 16);
        for _ in 0..3 {
            assert!(!t.is_blocked(&"a"));
            t.record_failure(&"a");
        }
        assert!(t.is_blocked(&"a"));
        assert!(!t.is_blocked(&"b"));
        tokio::time::advance(Duration::from_secs(61)).await;
        assert!(!t.is_blocked(&"a"));
        // A failure after the window starts a new one.
        t.record_failure(&"a");
        assert!(!t.is_blocked(&"a"));
        t.record_failure(&"a");
        t.record_failure(&"a");
        assert!(t.is_blocked(&"a"));
        t.forget(&"a");
        assert!(!t.is_blocked(&"a"));
    }

    #[tokio::test(start_paused = true)]
    async fn bounded_evicting_expired_then_oldest() {
        let t = FailureWindows::new(1, Duration::from_secs(60), 4);
        for k in 0..4u32 {
            t.record_failure(&k);
            tokio::time::advance(Duration::from_secs(1)).await;
        }
        // Full: the oldest (0) goes, the rest stay blocked.
        t.record_failure(&4);
        assert_eq!(t.len(), 4);
        assert!(!t.is_blocked(&0));
        assert!((1..=4).all(|k| t.is_blocked(&k)));
        // Once they expire, a new key sweeps them all.
        tokio::time::advance(Duration::from_secs(120)).await;
        t.record_failure(&5);
        assert_eq!(t.len(), 1);
        for k in 0..10_000u32 {
            t.record_failure(&k);
        }
        assert_eq!(t.len(), 4);
    }

    #[test]
    fn zero_disables_and_ipv6_counts_per_64() {
        let off = FailureWindows::new(0, Duration::from_secs(60), 4);
        off.record_failure(&1);
        assert!(!off.is_blocked(&1) && off.is_empty());
        let a = source_key("2001:db8::1".parse().unwrap());
        assert_eq!(a, source_key("2001:db8::ffff".parse().unwrap()));
        assert_ne!(a, source_key("2001:db8:0:1::1".parse().unwrap()));
        assert_eq!(
            source_key("::ffff:192.0.2.1".parse().unwrap()),
            "192.0.2.1".parse::<IpAddr>().unwrap()
        );
    }
}

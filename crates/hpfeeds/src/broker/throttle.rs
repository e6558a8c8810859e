//! Failed-login throttling per source address, so an ident's secret cannot be brute-forced at line rate.
//!
//! After `limit` failures from one address within `window`, further logins from it are refused (answered
//! exactly like a wrong secret, without checking) until the window ends. IPv6 sources are grouped by /64,
//! since one host usually owns a whole /64. The map is bounded: when full, expired entries go first, then the
//! entry closest to expiry, so memory stays flat under a spray of addresses.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// Most source addresses tracked at once (about 40 bytes each).
pub const MAX_TRACKED_SOURCES: usize = 65_536;

/// One source's recent failures.
#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    window_start: Instant,
}

/// The failure counts, keyed by address (IPv6 by /64).
#[derive(Debug)]
pub(crate) struct AuthThrottle {
    limit: u32,
    window: Duration,
    map: Mutex<HashMap<IpAddr, Entry>>,
}

/// The key an address is counted under.
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

impl AuthThrottle {
    /// A throttle allowing `limit` failures per `window`; a `limit` of 0 disables it.
    pub(crate) fn new(limit: u32, window: Duration) -> Self {
        AuthThrottle {
            limit,
            window,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// True if `ip` has used up its failures for the current window.
    pub(crate) fn is_blocked(&self, ip: IpAddr) -> bool {
        if self.limit == 0 {
            return false;
        }
        let map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(&key(ip))
            .is_some_and(|e| e.failures >= self.limit && e.window_start.elapsed() < self.window)
    }

    /// Counts one failure from `ip`.
    pub(crate) fn record_failure(&self, ip: IpAddr) {
        if self.limit == 0 {
            return;
        }
        let now = Instant::now();
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_TRACKED_SOURCES && !map.contains_key(&key(ip)) {
            let window = self.window;
            map.retain(|_, e| now.duration_since(e.window_start) < window);
            if map.len() >= MAX_TRACKED_SOURCES {
                if let Some(oldest) = map.iter().min_by_key(|(_, e)| e.window_start).map(|(k, _)| *k) {
                    map.remove(&oldest);
                }
            }
        }
        let e = map.entry(key(ip)).or_insert(Entry {
            failures: 0,
            window_start: now,
        });
        if now.duration_since(e.window_start) >= self.window {
            *e = Entry {
                failures: 0,
                window_start: now,
            };
        }
        e.failures = e.failures.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn blocks_after_limit_until_window_ends() {
        let t = AuthThrottle::new(3, Duration::from_secs(60));
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..3 {
            assert!(!t.is_blocked(ip));
            t.record_failure(ip);
        }
        assert!(t.is_blocked(ip));
        assert!(!t.is_blocked("192.0.2.8".parse().unwrap()));
        tokio::time::advance(Duration::from_secs(61)).await;
        assert!(!t.is_blocked(ip));
    }

    #[tokio::test(start_paused = true)]
    async fn ipv6_counts_per_64_and_zero_disables() {
        let t = AuthThrottle::new(1, Duration::from_secs(60));
        t.record_failure("2001:db8::1".parse().unwrap());
        assert!(t.is_blocked("2001:db8::ffff".parse().unwrap()));
        assert!(!t.is_blocked("2001:db8:0:1::1".parse().unwrap()));
        let off = AuthThrottle::new(0, Duration::from_secs(60));
        off.record_failure("192.0.2.1".parse().unwrap());
        assert!(!off.is_blocked("192.0.2.1".parse().unwrap()));
    }
}

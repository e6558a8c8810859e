//! Failed-login throttling per source address, so an ident's secret cannot be brute-forced at line rate.
//!
//! After `limit` failures from one address within `window`, further logins from it are refused (answered
//! exactly like a wrong secret, without checking) until the window ends. The counting (IPv6 by /64, a bounded
//! map that evicts expired entries, then the oldest) is [`crate::throttle::FailureWindows`].

use std::net::IpAddr;
use std::time::Duration;

use crate::throttle::{source_key, FailureWindows};

/// Most source addresses tracked at once (about 40 bytes each).
pub const MAX_TRACKED_SOURCES: usize = 65_536;

/// The failure counts, keyed by address (IPv6 by /64).
#[derive(Debug)]
pub(crate) struct AuthThrottle(FailureWindows<IpAddr>);

impl AuthThrottle {
    /// A throttle allowing `limit` failures per `window`; a `limit` of 0 disables it.
    pub(crate) fn new(limit: u32, window: Duration) -> Self {
        AuthThrottle(FailureWindows::new(limit, window, MAX_TRACKED_SOURCES))
    }

    /// True if `ip` has used up its failures for the current window.
    pub(crate) fn is_blocked(&self, ip: IpAddr) -> bool {
        self.0.is_blocked(&source_key(ip))
    }

    /// Counts one failure from `ip`.
    pub(crate) fn record_failure(&self, ip: IpAddr) {
        self.0.record_failure(&source_key(ip));
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

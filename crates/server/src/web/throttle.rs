//! Login throttling: failed logins are counted per (source address, user name) pair with a small limit and per
//! source address with a larger one, in fixed windows; past either limit, logins from that address (for that name)
//! are refused with 429 until the window ends, before any password is checked.
//!
//! Counting per pair, not per name alone, means nobody can lock a user out by failing logins for their name from
//! elsewhere: a name sprayed from many addresses is throttled at each of those addresses, never at its owner's.
//! Addresses are grouped as [`hpfeeds::throttle::source_key`] does (IPv6 by /64), so one host cannot rotate them.
//!
//! Memory is bounded: at most [`MAX_ENTRIES`] keys per map; when full, expired windows are swept and then the
//! oldest window is evicted ([`FailureWindows`]); an attacker spraying names from one address still hits that
//! address's limit.

use std::net::IpAddr;
use std::time::Duration;

use hpfeeds::throttle::{source_key, FailureWindows};

/// Failed logins allowed from one address per window, whatever the names.
pub(crate) const PER_IP: u32 = 20;
/// Failed logins allowed for one user name from one address per window.
pub(crate) const PER_USER: u32 = 5;
/// The counting window.
pub(crate) const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Most addresses, or address and name pairs, tracked at once.
pub(crate) const MAX_ENTRIES: usize = 10_000;

/// A pair's key: the grouped address (none when the server runs without connect info) and the lowercased name.
type PairKey = (Option<IpAddr>, String);

/// Failed-login counters per address and per address and name.
#[derive(Debug)]
pub(crate) struct LoginThrottle {
    /// By source address.
    ips: FailureWindows<IpAddr>,
    /// By source address and user name as typed (lowercased).
    pairs: FailureWindows<PairKey>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle {
            ips: FailureWindows::new(PER_IP, WINDOW, MAX_ENTRIES),
            pairs: FailureWindows::new(PER_USER, WINDOW, MAX_ENTRIES),
        }
    }
}

/// The pair key for a login from `ip` for `user`.
fn pair(ip: Option<IpAddr>, user: &str) -> PairKey {
    (ip.map(source_key), user.to_lowercase())
}

impl LoginThrottle {
    /// True if a login from `ip` for `user` must be refused now.
    pub(crate) fn blocked(&self, ip: Option<IpAddr>, user: &str) -> bool {
        ip.is_some_and(|ip| self.ips.is_blocked(&source_key(ip))) || self.pairs.is_blocked(&pair(ip, user))
    }

    /// Counts a failed login.
    pub(crate) fn fail(&self, ip: Option<IpAddr>, user: &str) {
        if let Some(ip) = ip {
            self.ips.record_failure(&source_key(ip));
        }
        self.pairs.record_failure(&pair(ip, user));
    }

    /// Forgets the failures for a name from an address after a successful login from there.
    pub(crate) fn succeed(&self, ip: Option<IpAddr>, user: &str) {
        self.pairs.forget(&pair(ip, user));
    }

    /// Keys tracked (for tests of the bound).
    #[cfg(test)]
    fn len(&self) -> (usize, usize) {
        (self.ips.len(), self.pairs.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_ip_and_name_and_per_ip() {
        let t = LoginThrottle::default();
        let ip: IpAddr = "203.0.113.1".parse().unwrap();
        let other: IpAddr = "198.51.100.9".parse().unwrap();
        for _ in 0..PER_USER {
            assert!(!t.blocked(Some(ip), "Admin"));
            t.fail(Some(ip), "Admin");
        }
        assert!(t.blocked(Some(ip), "admin"), "names are counted case-insensitively");
        assert!(
            !t.blocked(Some(other), "admin"),
            "the name's owner elsewhere is not locked out"
        );
        assert!(!t.blocked(Some(ip), "other"));
        for i in 0..PER_IP {
            t.fail(Some(ip), &format!("u{i}"));
        }
        assert!(t.blocked(Some(ip), "fresh-name"));
        assert!(!t.blocked(Some(other), "fresh-name"));
        let v6a: IpAddr = "2001:db8::1".parse().unwrap();
        let v6b: IpAddr = "2001:db8::2".parse().unwrap();
        for i in 0..PER_IP {
            t.fail(Some(v6a), &format!("v{i}"));
        }
        assert!(t.blocked(Some(v6b), "x"), "IPv6 counts by /64");
        for _ in 0..PER_USER {
            t.fail(Some("2001:db9::1".parse().unwrap()), "bob");
        }
        assert!(
            t.blocked(Some("2001:db9::77".parse().unwrap()), "bob"),
            "pairs count IPv6 by /64 too"
        );
    }

    #[test]
    fn a_name_sprayed_from_many_addresses_stays_open_to_its_owner() {
        let t = LoginThrottle::default();
        for i in 0..200u32 {
            let ip = IpAddr::from((0xC633_6400 + i).to_be_bytes());
            for _ in 0..PER_USER {
                t.fail(Some(ip), "admin");
            }
        }
        assert!(!t.blocked(Some("192.0.2.1".parse().unwrap()), "admin"));
        // A success forgets that address's failures for the name only.
        let ip: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..PER_USER - 1 {
            t.fail(Some(ip), "admin");
        }
        t.succeed(Some(ip), "admin");
        t.fail(Some(ip), "admin");
        assert!(!t.blocked(Some(ip), "admin"));
    }

    #[test]
    fn memory_stays_bounded() {
        let t = LoginThrottle::default();
        for i in 0..(MAX_ENTRIES + 500) {
            let ip = IpAddr::from(u32::try_from(i).unwrap().to_be_bytes());
            t.fail(Some(ip), &format!("user{i}"));
        }
        let (i, u) = t.len();
        assert!(i <= MAX_ENTRIES && u <= MAX_ENTRIES, "{i} {u}");
    }
}

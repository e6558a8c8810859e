//! Login throttling: failed logins are counted per source IP and per user name in fixed windows; past the limit,
//! logins are refused with 429 until the window ends, before any password is checked.
//!
//! Memory is bounded: at most [`MAX_ENTRIES`] keys per map; when full, expired windows are swept and then the
//! oldest window is evicted (an attacker spraying names from one address still hits that address's limit).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed logins allowed from one address per window.
pub(crate) const PER_IP: u32 = 20;
/// Failed logins allowed for one user name per window.
pub(crate) const PER_USER: u32 = 5;
/// The counting window.
pub(crate) const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Most addresses or names tracked at once.
pub(crate) const MAX_ENTRIES: usize = 10_000;

/// Failures within one window.
#[derive(Debug, Clone, Copy)]
struct Window {
    /// When the window began (the first failure).
    start: Instant,
    /// Failures so far.
    failures: u32,
}

/// One bounded map of windows.
#[derive(Debug)]
struct Counter<K>(HashMap<K, Window>);

impl<K> Default for Counter<K> {
    fn default() -> Self {
        Counter(HashMap::new())
    }
}

impl<K: std::hash::Hash + Eq + Clone> Counter<K> {
    fn blocked(&self, k: &K, limit: u32, now: Instant) -> bool {
        self.0
            .get(k)
            .is_some_and(|w| now.duration_since(w.start) < WINDOW && w.failures >= limit)
    }

    fn fail(&mut self, k: &K, now: Instant) {
        if !self.0.contains_key(k) && self.0.len() >= MAX_ENTRIES {
            self.0.retain(|_, w| now.duration_since(w.start) < WINDOW);
            if self.0.len() >= MAX_ENTRIES {
                if let Some(oldest) = self.0.iter().min_by_key(|(_, w)| w.start).map(|(k, _)| k.clone()) {
                    self.0.remove(&oldest);
                }
            }
        }
        let w = self.0.entry(k.clone()).or_insert(Window {
            start: now,
            failures: 0,
        });
        if now.duration_since(w.start) >= WINDOW {
            *w = Window {
                start: now,
                failures: 0,
            };
        }
        w.failures = w.failures.saturating_add(1);
    }
}

/// Failed-login counters per address and per name.
#[derive(Debug, Default)]
pub(crate) struct LoginThrottle {
    /// By source address (IPv6 by its /64, so one host cannot rotate addresses).
    ips: Mutex<Counter<IpAddr>>,
    /// By user name as typed (lowercased).
    users: Mutex<Counter<String>>,
}

/// The key for an address: IPv4 as is, IPv6 by /64.
fn ip_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl LoginThrottle {
    /// True if a login from `ip` for `user` must be refused now.
    pub(crate) fn blocked(&self, ip: Option<IpAddr>, user: &str) -> bool {
        let now = Instant::now();
        let by_ip = ip.is_some_and(|ip| {
            self.ips
                .lock()
                .map(|m| m.blocked(&ip_key(ip), PER_IP, now))
                .unwrap_or(true)
        });
        let by_user = self
            .users
            .lock()
            .map(|m| m.blocked(&user.to_lowercase(), PER_USER, now))
            .unwrap_or(true);
        by_ip || by_user
    }

    /// Counts a failed login.
    pub(crate) fn fail(&self, ip: Option<IpAddr>, user: &str) {
        let now = Instant::now();
        if let (Some(ip), Ok(mut m)) = (ip, self.ips.lock()) {
            m.fail(&ip_key(ip), now);
        }
        if let Ok(mut m) = self.users.lock() {
            m.fail(&user.to_lowercase(), now);
        }
    }

    /// Forgets a name's failures after a successful login.
    pub(crate) fn succeed(&self, user: &str) {
        if let Ok(mut m) = self.users.lock() {
            m.0.remove(&user.to_lowercase());
        }
    }

    /// Keys tracked (for tests of the bound).
    #[cfg(test)]
    fn len(&self) -> (usize, usize) {
        let i = self.ips.lock().map(|m| m.0.len()).unwrap_or(0);
        let u = self.users.lock().map(|m| m.0.len()).unwrap_or(0);
        (i, u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_user_and_per_ip() {
        let t = LoginThrottle::default();
        let ip: IpAddr = "203.0.113.1".parse().unwrap();
        for _ in 0..PER_USER {
            assert!(!t.blocked(Some(ip), "Admin"));
            t.fail(Some(ip), "Admin");
        }
        assert!(t.blocked(None, "admin"), "names are counted case-insensitively");
        assert!(!t.blocked(Some(ip), "other"));
        for i in 0..PER_IP {
            t.fail(Some(ip), &format!("u{i}"));
        }
        assert!(t.blocked(Some(ip), "fresh-name"));
        let v6a: IpAddr = "2001:db8::1".parse().unwrap();
        let v6b: IpAddr = "2001:db8::2".parse().unwrap();
        for i in 0..PER_IP {
            t.fail(Some(v6a), &format!("v{i}"));
        }
        assert!(t.blocked(Some(v6b), "x"), "IPv6 counts by /64");
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

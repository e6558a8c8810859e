//! Which addresses were looked up (or are queued) and until when their answer stands: each address is looked up
//! at most once per re-check age, whatever the answer was.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::Instant;

/// At most `cap` addresses, each with the instant after which it may be looked up again; the oldest address
/// inserted is forgotten first.
#[derive(Debug)]
pub(super) struct Cache {
    /// Address → re-check instant.
    until: HashMap<IpAddr, Instant>,
    /// Addresses in insertion order, for eviction (exactly the keys of `until`).
    order: VecDeque<IpAddr>,
    /// Most addresses held.
    cap: usize,
}

impl Cache {
    /// An empty cache of at most `cap` addresses (at least one).
    pub(super) fn new(cap: usize) -> Cache {
        let cap = cap.max(1);
        Cache {
            until: HashMap::with_capacity(cap.min(4096)),
            order: VecDeque::with_capacity(cap.min(4096)),
            cap,
        }
    }

    /// Whether `ip` should be looked up at `now`: never seen, forgotten, or its answer is older than its age.
    pub(super) fn due(&self, ip: IpAddr, now: Instant) -> bool {
        self.until.get(&ip).is_none_or(|until| *until <= now)
    }

    /// Remembers that `ip` need not be looked up before `until`.
    pub(super) fn set(&mut self, ip: IpAddr, until: Instant) {
        match self.until.entry(ip) {
            Entry::Occupied(mut e) => {
                e.insert(until);
            }
            Entry::Vacant(e) => {
                e.insert(until);
                self.order.push_back(ip);
                while self.order.len() > self.cap {
                    if let Some(old) = self.order.pop_front() {
                        self.until.remove(&old);
                    }
                }
            }
        }
    }

    /// Forgets `ip`, so its next event offers it again (its result could not be stored).
    pub(super) fn forget(&mut self, ip: IpAddr) {
        if self.until.remove(&ip).is_some() {
            self.order.retain(|a| *a != ip);
        }
    }

    /// Addresses held.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.until.len()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([198, 51, 100, n])
    }

    #[test]
    fn answers_stand_until_their_age_then_are_due_again() {
        let now = Instant::now();
        let mut c = Cache::new(4);
        assert!(c.due(ip(1), now));
        c.set(ip(1), now + Duration::from_secs(10));
        assert!(!c.due(ip(1), now + Duration::from_secs(9)));
        assert!(c.due(ip(1), now + Duration::from_secs(10)));
        c.forget(ip(1));
        assert!(c.due(ip(1), now));
    }

    #[test]
    fn the_oldest_address_is_forgotten_past_the_bound() {
        let now = Instant::now();
        let later = now + Duration::from_secs(60);
        let mut c = Cache::new(3);
        for n in 1..=3 {
            c.set(ip(n), later);
        }
        c.set(ip(2), later); // an update is no new entry
        c.set(ip(4), later);
        assert_eq!(c.len(), 3);
        assert!(c.due(ip(1), now), "the first inserted went first");
        assert!(!c.due(ip(2), now) && !c.due(ip(3), now) && !c.due(ip(4), now));
    }
}

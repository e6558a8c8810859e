//! Connection admission: at most N open connections in all and M per source address (IPv6 counted per /64, so one
//! attacker cannot take every slot by rotating addresses in its prefix).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Open-connection counters shared by every listener.
#[derive(Debug)]
pub struct Admissions {
    /// Most connections in all.
    max_total: usize,
    /// Most connections per source key.
    max_per_ip: usize,
    /// Open connections per source key, and the total.
    state: Mutex<(HashMap<IpAddr, usize>, usize)>,
}

/// Held for as long as a connection is open; dropping it frees the slot.
#[derive(Debug)]
pub struct Admission {
    /// The counters to give the slot back to.
    owner: Arc<Admissions>,
    /// The source key.
    key: IpAddr,
}

impl Admissions {
    /// Counters with the given caps.
    pub fn new(max_total: usize, max_per_ip: usize) -> Arc<Admissions> {
        Arc::new(Admissions {
            max_total,
            max_per_ip,
            state: Mutex::new((HashMap::new(), 0)),
        })
    }

    /// Takes a slot for a connection from `ip`, or `None` when a cap is reached.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Admission> {
        let key = source_key(ip);
        let mut guard = self.state.lock().ok()?;
        let (per_ip, total) = &mut *guard;
        if *total >= self.max_total {
            return None;
        }
        let n = per_ip.entry(key).or_insert(0);
        if *n >= self.max_per_ip {
            return None;
        }
        *n += 1;
        *total += 1;
        crate::memory::session_opened(*total);
        Some(Admission {
            owner: self.clone(),
            key,
        })
    }

    /// Open connections now.
    pub fn open(&self) -> usize {
        self.state.lock().map(|g| g.1).unwrap_or(0)
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut open = None;
        if let Ok(mut guard) = self.owner.state.lock() {
            let (per_ip, total) = &mut *guard;
            *total = total.saturating_sub(1);
            if let Some(n) = per_ip.get_mut(&self.key) {
                *n -= 1;
                if *n == 0 {
                    per_ip.remove(&self.key);
                }
            }
            open = Some(*total);
        }
        if let Some(open) = open {
            crate::memory::session_closed(open);
        }
    }
}

/// The address a source is counted under: IPv4 as is (IPv4-mapped IPv6 too), IPv6 by its /64.
fn source_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_and_release() {
        let a = Admissions::new(3, 2);
        let ip1: IpAddr = "192.0.2.1".parse().unwrap();
        let ip2: IpAddr = "2001:db8::1".parse().unwrap();
        let ip2b: IpAddr = "2001:db8::ffff".parse().unwrap();
        let x1 = a.admit(ip1).unwrap();
        let _x2 = a.admit(ip1).unwrap();
        assert!(a.admit(ip1).is_none(), "per-ip cap");
        let _y1 = a.admit(ip2).unwrap();
        assert!(a.admit(ip2b).is_none(), "total cap");
        drop(x1);
        let _y2 = a.admit(ip2b).expect("slot freed, same /64 has room");
        assert!(a.admit(ip2).is_none(), "the /64 is full now");
        assert_eq!(a.open(), 3);
    }
}

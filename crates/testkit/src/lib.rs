//! Loopback ports for tests and benchmarks that start a listener in another process.
//!
//! Asking the kernel for port 0 and passing the number on races: between the probe closing and the child binding,
//! the kernel may give the same port to any outgoing connection on the machine (its source port) or to another
//! `bind(0)`. A child that then fails to bind exits, and a test that connected to the half-started child reads a
//! reset. The ports handed out here lie below the kernel's ephemeral range, where it never assigns one on its own,
//! are probed with a bind before they are given, and are never given twice in one process.

use std::collections::hash_map::RandomState;
use std::collections::BTreeSet;
use std::hash::BuildHasher;
use std::io;
use std::net::TcpListener;
use std::sync::{Mutex, PoisonError};

/// The lowest port handed out: above the registered services most machines run (PostgreSQL 5432, Redis 6379,
/// NATS 4222 and its monitor 8222, 8080-style web ports).
const LOW: u16 = 20_000;

/// The kernel's first ephemeral port when `/proc` does not say (Linux's default `ip_local_port_range`).
const DEFAULT_EPHEMERAL_START: u16 = 32_768;

/// How many candidate ports one call probes before it gives up.
const TRIES: usize = 2_000;

/// A free loopback TCP port that the kernel will not hand to another socket on its own, never returned before
/// in this process; fails only when thousands of candidates are all taken.
pub fn try_free_port() -> io::Result<u16> {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    let high = ephemeral_start().max(LOW + 1_000);
    let span = u64::from(high - LOW);
    // A random start keeps concurrent processes (two checkouts testing at once) apart; the bind probe settles the rest.
    let start = RandomState::new().hash_one(std::process::id()) % span;
    // Held throughout, so two threads cannot both probe and take the same port.
    let mut given = GIVEN.lock().unwrap_or_else(PoisonError::into_inner);
    for i in 0..TRIES as u64 {
        let port = LOW + ((start + i) % span) as u16;
        if !given.contains(&port) && TcpListener::bind(("127.0.0.1", port)).is_ok() {
            given.insert(port);
            return Ok(port);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        format!("no free loopback port in {LOW}..{high} after {TRIES} tries; stop whatever holds them and rerun"),
    ))
}

/// [`try_free_port`] for tests, where no free port is a reason to fail.
pub fn free_port() -> u16 {
    try_free_port().unwrap_or_else(|e| panic!("{e}"))
}

/// The first port of the kernel's ephemeral range, from `/proc/sys/net/ipv4/ip_local_port_range`.
fn ephemeral_start() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(DEFAULT_EPHEMERAL_START)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_distinct_bindable_and_below_the_ephemeral_range() {
        // From several threads at once, as parallel tests ask.
        let threads: Vec<_> = (0..4)
            .map(|_| std::thread::spawn(|| (0..50).map(|_| free_port()).collect::<Vec<u16>>()))
            .collect();
        let ports: Vec<u16> = threads.into_iter().flat_map(|t| t.join().expect("no panic")).collect();
        let distinct: BTreeSet<u16> = ports.iter().copied().collect();
        assert_eq!(distinct.len(), ports.len(), "a port was handed out twice");
        let high = ephemeral_start().max(LOW + 1_000);
        for p in ports {
            assert!((LOW..high).contains(&p), "{p} outside {LOW}..{high}");
            TcpListener::bind(("127.0.0.1", p)).expect("a handed-out port binds");
        }
    }
}

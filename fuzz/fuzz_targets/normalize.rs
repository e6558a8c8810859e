//! Fuzzes the collector's normalizers: the first byte picks a channel (every known one, plus an unknown one), the
//! rest is the payload. Nothing may panic, every message must yield something, and never more than `MAX_EVENTS` events.
#![no_main]

use chrono::DateTime;
use collector::normalize::{channels, normalize, MAX_EVENTS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, payload)) = data.split_first() else {
        return;
    };
    let known: Vec<&str> = channels().collect();
    let channel = known
        .get(usize::from(pick) % (known.len() + 1))
        .copied()
        .unwrap_or("unknown.channel");
    let received = DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default();
    let n = normalize(channel, "fuzz", payload, received);
    // Every message yields something: events, or (recordings, heartbeats) what their channels carry instead.
    let out = n.events.len() + n.recordings.len() + n.heartbeats.len();
    assert!(
        out >= 1 && n.events.len() <= MAX_EVENTS,
        "{channel}: {} events, {} recordings, {} heartbeats",
        n.events.len(),
        n.recordings.len(),
        n.heartbeats.len()
    );
});

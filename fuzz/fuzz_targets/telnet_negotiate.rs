//! Fuzzes the Telnet negotiator the way a connection drives it: arbitrary bytes, fed in arbitrary chunks, for each
//! flavor. Nothing may panic; chunking must not change the result; data never grows; replies stay bounded; escaped
//! output fed back must come out as the same data.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sensor::telnet::negotiate::{escape_output, Flavor, Negotiator, MAX_ENV_VARS};

fuzz_target!(|data: &[u8]| {
    let (first, data) = match data.split_first() {
        Some((c, rest)) => (*c, rest),
        None => return,
    };
    let flavor = match first % 3 {
        0 => Flavor::Busybox,
        1 => Flavor::BusyboxSilent,
        _ => Flavor::Full,
    };
    let chunk = usize::from(first / 3).max(1);
    let mut whole = Negotiator::new(flavor);
    let all = whole.feed(data);
    assert!(all.data.len() <= data.len());
    // Each command answers with at most one 3-byte reply plus one 6-byte request.
    assert!(all.reply.len() <= data.len() * 3 + 18);
    let mut pieces = Negotiator::new(flavor);
    let (mut d, mut r) = (Vec::new(), Vec::new());
    for c in data.chunks(chunk) {
        let f = pieces.feed(c);
        d.extend(f.data);
        r.extend(f.reply);
    }
    assert_eq!(all.data, d);
    assert_eq!(all.reply, r);
    assert_eq!(whole.window(), pieces.window());
    assert_eq!(whole.terminal_type(), pieces.terminal_type());
    assert!(whole.environ().len() <= MAX_ENV_VARS);
    if flavor == Flavor::BusyboxSilent {
        assert!(all.reply.is_empty());
    }

    // Server output escaped and read back by a fresh negotiator is plain data again (modulo CR LF/NUL).
    let escaped = escape_output(data);
    let back = Negotiator::new(flavor).feed(&escaped);
    assert!(back.reply.is_empty());
    let mut expected = Vec::with_capacity(data.len());
    let mut after_cr = false;
    for &b in data {
        let prev = std::mem::replace(&mut after_cr, b == b'\r');
        if !(prev && (b == b'\n' || b == 0)) {
            expected.push(b);
        }
    }
    assert_eq!(back.data, expected);
});

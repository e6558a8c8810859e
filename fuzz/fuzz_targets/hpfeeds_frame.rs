//! Fuzzes the hpfeeds frame decoder the way a connection drives it: arbitrary bytes, fed in arbitrary chunks.
//! Nothing may panic, hang, or allocate more than the frame limit; every decoded frame must re-encode to the same bytes.
#![no_main]

use bytes::BytesMut;
use hpfeeds::{wire, Codec};
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;

/// A small limit, so the fuzzer reaches the over-limit paths quickly.
const MAX_FRAME: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let (chunk, data) = match data.split_first() {
        Some((c, rest)) => ((*c as usize).max(1), rest),
        None => return,
    };
    let mut codec = Codec::new(MAX_FRAME);
    let mut buf = BytesMut::new();
    for piece in data.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(frame)) => {
                    let mut out = BytesMut::new();
                    if frame.encode(&mut out, MAX_FRAME).is_ok() {
                        assert_eq!(wire::decode(out.freeze()).ok(), Some(frame));
                    }
                }
                Ok(None) => break,
                Err(_) => return,
            }
            assert!(buf.capacity() <= MAX_FRAME.max(64 * 1024), "decoder reserved beyond the limit");
        }
    }
});

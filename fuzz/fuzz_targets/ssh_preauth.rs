//! Fuzzes what an SSH client controls before authentication and during an scp upload: the identification line as
//! read off the socket, the identification and KEXINIT parser behind HASSH, and the `scp -t` sink. Nothing may
//! panic; reading the line in peeks consumes what reading it a byte at a time does; the sink never accepts more than
//! its budget.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sensor::ssh::hello::{kexinit_lists, parse_hello, scan_identification};
use sensor::ssh::scp::ScpSink;

fuzz_target!(|data: &[u8]| {
    let _ = parse_hello(data);
    assert_eq!(scan_identification(data, 512), scan_identification(data, 1));
    let _ = kexinit_lists(data);
    let mut sink = ScpSink::new("/tmp".into(), true, 4096);
    let mut total = 0usize;
    for chunk in data.chunks(7) {
        let (_, files) = sink.feed(chunk);
        total += files.iter().map(|f| f.data.len()).sum::<usize>();
    }
    assert!(total <= 4096);
});

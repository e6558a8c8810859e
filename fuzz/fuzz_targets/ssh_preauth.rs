//! Fuzzes what an SSH client controls before authentication and during an scp upload: the identification line and
//! KEXINIT parser behind HASSH, and the `scp -t` sink. Nothing may panic; the sink never accepts more than its budget.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sensor::ssh::hello::{kexinit_lists, parse_hello};
use sensor::ssh::scp::ScpSink;

fuzz_target!(|data: &[u8]| {
    let _ = parse_hello(data);
    let _ = kexinit_lists(data);
    let mut sink = ScpSink::new("/tmp".into(), true, 4096);
    let mut total = 0usize;
    for chunk in data.chunks(7) {
        let (_, files) = sink.feed(chunk);
        total += files.iter().map(|f| f.data.len()).sum::<usize>();
    }
    assert!(total <= 4096);
});

//! Fuzzes the fake shell's command-line parser with arbitrary (lossily decoded UTF-8) lines.
//! Nothing may panic or overflow the stack; every line that parses must re-render to a line that parses to the same
//! tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shell::parse::parse;

fuzz_target!(|data: &[u8]| {
    let line = String::from_utf8_lossy(data);
    match parse(&line) {
        Ok(list) => {
            let rendered = list.to_string();
            assert_eq!(parse(&rendered), Ok(list), "round trip via {rendered:?}");
        }
        Err(e) => {
            let _ = e.exec_message(&line);
            let _ = e.to_string();
        }
    }
});

//! `base64` from coreutils: encoding wrapped at 76 columns (`-w N`, `-w 0`), `-d` decoding with
//! `base64: invalid input`, files or stdin.

use super::{prog, Command, Ctx};

/// The `base64` command.
pub struct Base64;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes `data` as standard base64 with padding.
fn encode(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]);
            } else {
                out.push(b'=');
            }
        }
    }
    out
}

fn value(c: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// Decodes base64, ignoring newlines; returns the bytes decoded and whether the input was valid.
fn decode(data: &[u8]) -> (Vec<u8>, bool) {
    let clean: Vec<u8> = data.iter().copied().filter(|&c| c != b'\n').collect();
    let mut out = Vec::new();
    for group in clean.chunks(4) {
        let pads = group.iter().rev().take_while(|&&c| c == b'=').count();
        let body = group.get(..group.len() - pads).unwrap_or(&[]);
        let mut n = 0u32;
        let mut count = 0;
        for &c in body {
            match value(c) {
                Some(v) => {
                    n = (n << 6) | v;
                    count += 1;
                }
                None => return (out, false),
            }
        }
        let bytes = match count {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return (out, false),
        };
        n <<= 6 * (4 - count);
        for i in 0..bytes {
            out.push(((n >> (16 - 8 * i)) & 0xff) as u8);
        }
        if group.len() < 4 || (pads > 0 && count + pads != 4) {
            return (out, false);
        }
    }
    (out, true)
}

impl Command for Base64 {
    fn names(&self) -> &'static [&'static str] {
        &["base64", "/bin/base64", "/usr/bin/base64"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let mut decode_mode = false;
        let mut wrap: usize = 76;
        let mut files = Vec::new();
        let mut it = args.iter().skip(1);
        let mut done = false;
        while let Some(a) = it.next() {
            if done || a == "-" || !a.starts_with('-') {
                files.push(a.clone());
                continue;
            }
            let w = if a == "--" {
                done = true;
                continue;
            } else if a == "-d" || a == "--decode" {
                decode_mode = true;
                continue;
            } else if a == "-i" || a == "--ignore-garbage" || a == "-di" || a == "-id" {
                decode_mode |= a.contains('d');
                continue;
            } else if a == "-w" {
                match it.next() {
                    Some(v) => v.clone(),
                    None => {
                        ctx.err(format!(
                            "{p}: option requires an argument -- 'w'\nTry '{p} --help' for more information.\n"
                        ));
                        return 1;
                    }
                }
            } else if let Some(v) = a.strip_prefix("--wrap=").or_else(|| a.strip_prefix("-w")) {
                v.to_owned()
            } else {
                return ctx.invalid_option(&p, a);
            };
            match w.parse::<usize>() {
                Ok(n) => wrap = n,
                Err(_) => {
                    ctx.err(format!("{p}: invalid wrap size: ‘{w}’\n"));
                    return 1;
                }
            }
        }
        if files.len() > 1 {
            let extra = files.get(1).cloned().unwrap_or_default();
            return ctx.extra_operand(&p, &extra);
        }
        let input = match files.first().map(String::as_str) {
            None | Some("-") => stdin.to_vec(),
            Some(f) => match ctx.session.read_file(f) {
                Ok(d) => d,
                Err(e) => {
                    ctx.err(format!("{p}: {f}: {}\n", e.message()));
                    return 1;
                }
            },
        };
        if decode_mode {
            let (out, ok) = decode(&input);
            ctx.out(out);
            if !ok {
                ctx.err(format!("{p}: invalid input\n"));
                return 1;
            }
            return 0;
        }
        let enc = encode(&input);
        let mut out = Vec::with_capacity(enc.len() + enc.len() / 76 + 1);
        if wrap == 0 {
            out.extend_from_slice(&enc);
        } else {
            for line in enc.chunks(wrap) {
                out.extend_from_slice(line);
                out.push(b'\n');
            }
        }
        ctx.out(out);
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn base64() {
        check("echo hi | base64", "aGkK\n", "", 0);
        check("printf '' | base64", "", "", 0);
        check("echo aGkK | base64 -d", "hi\n", "", 0);
        check("echo -n aGk | base64 -d", "hi", "base64: invalid input\n", 1);
        check("echo 'aGk=aGk=' | base64 -d", "hihi", "", 0);
        check("echo x | base64 -d", "", "base64: invalid input\n", 1);
        check("echo abcdef | base64 -w 4", "YWJj\nZGVm\nCg==\n", "", 0);
        check("echo abcdef | base64 -w 0", "YWJjZGVmCg==", "", 0);
        check(
            "seq 30 | base64",
            "MQoyCjMKNAo1CjYKNwo4CjkKMTAKMTEKMTIKMTMKMTQKMTUKMTYKMTcKMTgKMTkKMjAKMjEKMjIK\nMjMKMjQKMjUKMjYKMjcKMjgKMjkKMzAK\n",
            "",
            0,
        );
    }
}

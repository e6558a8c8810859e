//! `dd` from coreutils: `if=`, `of=`, `bs=`/`ibs=`, `count=`, `skip=`, `status=none|noxfer|progress`, `conv=`
//! (accepted), with the three status lines on stderr and a plausible, deterministic transfer time and speed.

use super::{prog, Command, Ctx};
use crate::fs::{Errno, WriteMode, MAX_FILE_BYTES};

/// The `dd` command.
pub struct Dd;

/// Most bytes an endless source (`/dev/zero` without `count=`) yields before the copy stops.
const MAX_STREAM: u64 = 1 << 30;

/// A block size or count with GNU's suffixes (`c w b K KB M MB G GB`, `x` products left out).
fn parse_size(s: &str) -> Option<u64> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let (num, suffix) = s.split_at(digits);
    let n: u64 = num.parse().ok()?;
    let mult: u64 = match suffix {
        "" | "c" => 1,
        "w" => 2,
        "b" => 512,
        "K" | "k" | "KiB" => 1 << 10,
        "kB" | "KB" => 1000,
        "M" | "MiB" => 1 << 20,
        "MB" => 1_000_000,
        "G" | "GiB" => 1 << 30,
        "GB" => 1_000_000_000,
        "T" | "TiB" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// Exact-amount human size (`10 MB`, `1.0 GB`, `1000 MiB`): one decimal below 10, rounded to nearest.
fn human_exact(n: u64, base: u64, units: &[&str]) -> String {
    let mut div = 1u128;
    let mut e = 0usize;
    let n128 = u128::from(n);
    while n128 / (div * u128::from(base)) > 0 && e < units.len() {
        div *= u128::from(base);
        e += 1;
    }
    let unit = units.get(e.saturating_sub(1)).copied().unwrap_or("");
    let tenths = (n128 * 10 + div / 2) / div;
    if tenths < 100 {
        format!("{}.{} {unit}", tenths / 10, tenths % 10)
    } else {
        let whole = (n128 + div / 2) / div;
        format!("{whole} {unit}")
    }
}

/// Speed like dd prints it: `%.1f`, without the decimal from 100 up (`44.8 kB/s`, `102 MB/s`).
fn human_speed(v: f64) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut v = v;
    let mut e = 0;
    while v >= 1000.0 && e + 1 < UNITS.len() {
        v /= 1000.0;
        e += 1;
    }
    let unit = UNITS.get(e).copied().unwrap_or("B");
    if v >= 99.95 {
        format!("{v:.0} {unit}/s")
    } else {
        format!("{v:.1} {unit}/s")
    }
}

/// C's `%g` with six significant digits.
fn g6(v: f64) -> String {
    if v == 0.0 {
        return "0".to_owned();
    }
    let exp = v.abs().log10().floor() as i32;
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    };
    if !(-4..6).contains(&exp) {
        let mant = v / 10f64.powi(exp);
        let m = trim(format!("{mant:.5}"));
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (5 - exp).max(0) as usize;
        trim(format!("{v:.decimals$}"))
    }
}

impl Command for Dd {
    fn names(&self) -> &'static [&'static str] {
        &["dd", "/bin/dd", "/usr/bin/dd"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let (mut input, mut output) = (None::<String>, None::<String>);
        let (mut bs, mut count, mut skip) = (512u64, None::<u64>, 0u64);
        let mut status = "default".to_owned();
        for arg in args.iter().skip(1) {
            let Some((key, value)) = arg.split_once('=') else {
                ctx.err(format!(
                    "{p}: unrecognized operand ‘{arg}’\nTry '{p} --help' for more information.\n"
                ));
                return 1;
            };
            let size = || parse_size(value);
            match key {
                "if" => input = Some(value.to_owned()),
                "of" => output = Some(value.to_owned()),
                "bs" | "ibs" | "obs" | "count" | "skip" | "seek" => {
                    let Some(n) = size() else {
                        ctx.err(format!("{p}: invalid number: ‘{value}’\n"));
                        return 1;
                    };
                    match key {
                        "bs" | "ibs" if n == 0 => {
                            ctx.err(format!("{p}: invalid number: ‘{value}’\n"));
                            return 1;
                        }
                        "bs" | "ibs" => bs = n,
                        "count" => count = Some(n),
                        "skip" => skip = n,
                        _ => {}
                    }
                }
                "status" => status = value.to_owned(),
                "conv" | "iflag" | "oflag" => {}
                _ => {
                    ctx.err(format!(
                        "{p}: unrecognized operand ‘{arg}’\nTry '{p} --help' for more information.\n"
                    ));
                    return 1;
                }
            }
        }
        let limit = count.map_or(u64::MAX, |c| c.saturating_mul(bs));
        let skip_bytes = skip.saturating_mul(bs);
        // The bytes to copy: a stream device yields what was asked for, a file what it holds.
        enum Source {
            Bytes(Vec<u8>),
            Zero(u64),
            Random(u64),
        }
        let source = match input.as_deref() {
            None => Source::Bytes(stdin.to_vec()),
            Some(path) => {
                let s = &*ctx.session;
                let canon = s.fs.canonicalize(&s.cwd, path).unwrap_or_else(|_| path.to_owned());
                match canon.as_str() {
                    "/dev/zero" => Source::Zero(limit.min(MAX_STREAM)),
                    "/dev/urandom" | "/dev/random" => Source::Random(limit.min(MAX_STREAM)),
                    _ => match s.read_file(path) {
                        Ok(b) => Source::Bytes(b),
                        Err(e) => {
                            ctx.err(format!("{p}: failed to open '{path}': {}\n", e.message()));
                            return 1;
                        }
                    },
                }
            }
        };
        let total = match &source {
            Source::Bytes(b) => (b.len() as u64).saturating_sub(skip_bytes).min(limit),
            Source::Zero(n) | Source::Random(n) => *n,
        };
        let materialize = |len: u64, src: &Source, seed: u64| -> Vec<u8> {
            match src {
                Source::Bytes(b) => {
                    let start = (skip_bytes as usize).min(b.len());
                    let end = start.saturating_add(len as usize).min(b.len());
                    b.get(start..end).unwrap_or_default().to_vec()
                }
                Source::Zero(_) => vec![0; len as usize],
                Source::Random(_) => {
                    let mut x = seed | 1;
                    (0..len)
                        .map(|_| {
                            x ^= x << 13;
                            x ^= x >> 7;
                            x ^= x << 17;
                            x as u8
                        })
                        .collect()
                }
            }
        };
        let seed = u64::from(ctx.session.random);
        let mut copied = total;
        let mut exit = 0;
        match output.as_deref() {
            None => {
                let n = total.min(crate::exec::MAX_OUTPUT as u64);
                let data = materialize(n, &source, seed);
                ctx.out(data);
            }
            Some(path) => {
                let s = &*ctx.session;
                let canon = s.fs.canonicalize(&s.cwd, path).unwrap_or_else(|_| path.to_owned());
                if !canon.starts_with("/dev/") {
                    let n = total.min(MAX_FILE_BYTES);
                    let data = materialize(n, &source, seed);
                    let s = &mut *ctx.session;
                    match s.fs.write(&s.cwd, path, &data, WriteMode::Truncate) {
                        Ok(()) if n < total => {
                            ctx.err(format!("{p}: error writing '{path}': No space left on device\n"));
                            copied = n;
                            exit = 1;
                        }
                        Ok(()) => {}
                        Err(e @ (Errno::Enospc | Errno::Efbig)) => {
                            ctx.err(format!("{p}: error writing '{path}': {}\n", e.message()));
                            copied = 0;
                            exit = 1;
                        }
                        Err(e) => {
                            ctx.err(format!("{p}: failed to open '{path}': {}\n", e.message()));
                            return 1;
                        }
                    }
                }
            }
        }
        if status == "none" {
            return exit;
        }
        let (full, part) = (copied / bs, u64::from(copied % bs != 0));
        let mut text = format!("{full}+{part} records in\n{full}+{part} records out\n");
        if status != "noxfer" {
            // Copying from memory-backed devices is fast, from files a little slower; plus a fixed start-up cost.
            let rate = if matches!(source, Source::Bytes(_)) {
                850e6
            } else {
                1.6e9
            };
            let secs = 4.5e-5 + copied as f64 / rate;
            let bytes = match copied {
                1 => "1 byte".to_owned(),
                n if n < 1000 => format!("{n} bytes"),
                n => format!(
                    "{n} bytes ({}, {})",
                    human_exact(n, 1000, &["kB", "MB", "GB", "TB", "PB"]),
                    human_exact(n, 1024, &["KiB", "MiB", "GiB", "TiB", "PiB"])
                ),
            };
            text.push_str(&format!(
                "{bytes} copied, {} s, {}\n",
                g6(secs),
                human_speed(copied as f64 / secs)
            ));
        }
        ctx.err(text);
        exit
    }
}

#[cfg(test)]
mod tests {
    use super::{g6, human_exact, human_speed};
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn formats() {
        assert_eq!(human_exact(10_485_760, 1000, &["kB", "MB", "GB"]), "10 MB");
        assert_eq!(human_exact(10_485_760, 1024, &["KiB", "MiB", "GiB"]), "10 MiB");
        assert_eq!(human_exact(1_048_576_000, 1000, &["kB", "MB", "GB"]), "1.0 GB");
        assert_eq!(human_exact(1_048_576_000, 1024, &["KiB", "MiB", "GiB"]), "1000 MiB");
        assert_eq!(human_speed(44_800.0), "44.8 kB/s");
        assert_eq!(human_speed(102e6), "102 MB/s");
        assert_eq!(g6(0.102974), "0.102974");
        assert_eq!(g6(6.689e-05), "6.689e-05");
        assert_eq!(g6(0.0729776), "0.0729776");
    }

    #[test]
    fn dd() {
        let mut s = session();
        check_in(
            &mut s,
            "dd if=/dev/zero of=/tmp/z bs=1M count=10; ls -l /tmp/z",
            "-rw-r--r-- 1 root root 10485760 Jun 15 15:06 /tmp/z\n",
            "10+0 records in\n10+0 records out\n10485760 bytes (10 MB, 10 MiB) copied, 0.0065986 s, 1.6 GB/s\n",
            0,
        );
        check_in(&mut s, "dd if=/etc/hostname status=none", "debian\n", "", 0);
        check_in(
            &mut s,
            "dd if=/etc/passwd bs=100 count=1 of=/dev/null",
            "",
            "1+0 records in\n1+0 records out\n100 bytes copied, 4.51176e-05 s, 2.2 MB/s\n",
            0,
        );
        check(
            "dd if=/nope",
            "",
            "dd: failed to open '/nope': No such file or directory\n",
            1,
        );
        check("dd bs=1x", "", "dd: invalid number: ‘1x’\n", 1);
        check(
            "dd foo=1",
            "",
            "dd: unrecognized operand ‘foo=1’\nTry 'dd --help' for more information.\n",
            1,
        );
    }
}

//! `free` from procps-ng 4.0.2: the numbers of [`Persona::mem_snapshot`](crate::persona::Persona::mem_snapshot) at
//! the session's `now`, so they match `/proc/meminfo` byte for byte; `-b -k -m -g -h -w -t` and the long forms.

use std::time::{Duration, UNIX_EPOCH};

use super::{prog, Command, Ctx};
use crate::persona::MemSnapshot;

/// The `free` command.
pub struct Free;

/// procps' usage text, printed after an option error.
const USAGE: &str = concat!(
    "\n",
    "Usage:\n",
    " free [options]\n",
    "\n",
    "Options:\n",
    " -b, --bytes         show output in bytes\n",
    "     --kilo          show output in kilobytes\n",
    "     --mega          show output in megabytes\n",
    "     --giga          show output in gigabytes\n",
    "     --tera          show output in terabytes\n",
    "     --peta          show output in petabytes\n",
    " -k, --kibi          show output in kibibytes\n",
    " -m, --mebi          show output in mebibytes\n",
    " -g, --gibi          show output in gibibytes\n",
    "     --tebi          show output in tebibytes\n",
    "     --pebi          show output in pebibytes\n",
    " -h, --human         show human-readable output\n",
    "     --si            use powers of 1000 not 1024\n",
    " -l, --lohi          show detailed low and high memory statistics\n",
    " -t, --total         show total for RAM + swap\n",
    " -v, --committed     show committed memory and commit limit\n",
    " -s N, --seconds N   repeat printing every N seconds\n",
    " -c N, --count N     repeat printing N times, then exit\n",
    " -w, --wide          wide output\n",
    "\n",
    "     --help     display this help and exit\n",
    " -V, --version  output version information and exit\n",
    "\n",
    "For more details see free(1).\n",
);

/// The memory snapshot at the session's `now`, shared with `top`.
pub(crate) fn snapshot(s: &crate::exec::Session) -> MemSnapshot {
    s.persona
        .mem_snapshot(UNIX_EPOCH + Duration::from_secs(s.now.max(0) as u64))
}

/// The unit numbers are printed in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Bytes,
    Kibi,
    Mebi,
    Gibi,
    Human,
}

/// One cell: `kib` KiB in `unit`.
fn cell(kib: u64, unit: Unit) -> String {
    match unit {
        Unit::Bytes => (kib * 1024).to_string(),
        Unit::Kibi => kib.to_string(),
        Unit::Mebi => (kib >> 10).to_string(),
        Unit::Gibi => (kib >> 20).to_string(),
        Unit::Human => human(kib),
    }
}

/// procps' `-h` rendering: `0B`, `1.0Gi`, `23Gi`, at most 5 characters with the suffix.
fn human(kib: u64) -> String {
    let bytes = kib.saturating_mul(1024);
    if bytes < 1024 {
        return format!("{bytes}B");
    }
    for (i, unit) in ["Ki", "Mi", "Gi", "Ti", "Pi"].iter().enumerate() {
        let v = bytes as f64 / 1024f64.powi(i as i32 + 1);
        let one = format!("{v:.1}{unit}");
        if one.len() <= 5 {
            return one;
        }
        let whole = format!("{}{unit}", v as u64);
        if whole.len() <= 5 {
            return whole;
        }
    }
    format!("{}Pi", bytes >> 50)
}

impl Command for Free {
    fn names(&self) -> &'static [&'static str] {
        &["free", "/bin/free", "/usr/bin/free"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let (mut unit, mut wide, mut total) = (Unit::Kibi, false, false);
        let mut it = args.iter().skip(1);
        while let Some(arg) = it.next() {
            match arg.as_str() {
                "--bytes" => unit = Unit::Bytes,
                "--kibi" | "--kilo" => unit = Unit::Kibi,
                "--mebi" | "--mega" => unit = Unit::Mebi,
                "--gibi" | "--giga" | "--tebi" | "--pebi" => unit = Unit::Gibi,
                "--human" => unit = Unit::Human,
                "--wide" => wide = true,
                "--total" => total = true,
                "--si" | "--lohi" | "--line" | "--committed" => {}
                "-V" | "--version" => {
                    ctx.out("free from procps-ng 4.0.2\n");
                    return 0;
                }
                "-s" | "-c" | "--seconds" | "--count" => {
                    it.next();
                }
                a if a.starts_with("--") => {
                    ctx.err(format!("{p}: unrecognized option '{a}'\n{USAGE}"));
                    return 1;
                }
                a if a.starts_with('-') && a.len() > 1 => {
                    for c in a.chars().skip(1) {
                        match c {
                            'b' => unit = Unit::Bytes,
                            'k' => unit = Unit::Kibi,
                            'm' => unit = Unit::Mebi,
                            'g' => unit = Unit::Gibi,
                            'h' => unit = Unit::Human,
                            'w' => wide = true,
                            't' => total = true,
                            'l' | 'v' | 'L' => {}
                            _ => {
                                ctx.err(format!("{p}: invalid option -- '{c}'\n{USAGE}"));
                                return 1;
                            }
                        }
                    }
                }
                a => {
                    ctx.err(format!(
                        "{p}: extra operand ‘{a}’\nTry '{p} --help' for more information.\n"
                    ));
                    return 1;
                }
            }
        }
        let m = snapshot(ctx.session);
        let row = |label: &str, cells: &[u64]| -> String {
            let mut line = format!("{label:<9}");
            for (i, v) in cells.iter().enumerate() {
                if i > 0 {
                    line.push(' ');
                }
                line.push_str(&format!("{:>11}", cell(*v, unit)));
            }
            line.push('\n');
            line
        };
        let mut out = String::new();
        if wide {
            out.push_str(
                "               total        used        free      shared     buffers       cache   available\n",
            );
            out.push_str(&row(
                "Mem:",
                &[
                    m.total,
                    m.used(),
                    m.free,
                    m.shmem,
                    m.buffers,
                    m.cached + m.sreclaimable,
                    m.available,
                ],
            ));
        } else {
            out.push_str("               total        used        free      shared  buff/cache   available\n");
            out.push_str(&row(
                "Mem:",
                &[m.total, m.used(), m.free, m.shmem, m.buff_cache(), m.available],
            ));
        }
        let swap_used = m.swap_total - m.swap_free;
        out.push_str(&row("Swap:", &[m.swap_total, swap_used, m.swap_free]));
        if total {
            out.push_str(&row(
                "Total:",
                &[m.total + m.swap_total, m.used() + swap_used, m.free + m.swap_free],
            ));
        }
        ctx.out(out);
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{check, session};
    use crate::persona::render;

    fn field(text: &str, name: &str) -> u64 {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{name}:")))
            .unwrap_or_default();
        line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    #[test]
    fn human_units() {
        assert_eq!(human(0), "0B");
        assert_eq!(human(24_684_096), "23Gi");
        assert_eq!(human(1_067_948), "1.0Gi");
        assert_eq!(human(4_277_108), "4.1Gi");
        assert_eq!(human(69_440), "67Mi");
        assert_eq!(human(512), "512Ki");
    }

    #[test]
    fn free_matches_meminfo() {
        let s = session();
        let info = render::meminfo(&s.persona, UNIX_EPOCH + Duration::from_secs(1_750_000_000));
        let (t, f, a) = (
            field(&info, "MemTotal"),
            field(&info, "MemFree"),
            field(&info, "MemAvailable"),
        );
        let sh = field(&info, "Shmem");
        let bc = field(&info, "Buffers") + field(&info, "Cached") + field(&info, "SReclaimable");
        let (st, sf) = (field(&info, "SwapTotal"), field(&info, "SwapFree"));
        let head = "               total        used        free      shared  buff/cache   available\n";
        let expected = format!(
            "{head}Mem:     {t:>11} {:>11} {f:>11} {sh:>11} {bc:>11} {a:>11}\nSwap:    {st:>11} {:>11} {sf:>11}\n",
            t - a,
            st - sf
        );
        check("free", &expected, "", 0);
        check("free -k", &expected, "", 0);
        let mib = format!("{head}Mem:     {:>11} ", t >> 10);
        let out = String::from_utf8(session().run_line("free -m").stdout).unwrap();
        assert!(out.starts_with(&mib), "{out}");
        let out = String::from_utf8(session().run_line("free -wt").stdout).unwrap();
        assert!(out.contains("     buffers       cache   available\n"));
        assert!(out.contains(&format!("\nTotal:   {:>11} ", t + st)), "{out}");
        check("free -x", "", &format!("free: invalid option -- 'x'\n{USAGE}"), 1);
    }
}

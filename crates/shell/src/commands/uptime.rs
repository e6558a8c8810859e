//! `uptime` from procps-ng 4.0.2: the clock, time since the persona's boot, logged-in users and the load averages
//! `/proc/loadavg` shows; `-p` (pretty) and `-s` (boot time). Also the summary line `top` and `w` start with.

use std::time::{Duration, UNIX_EPOCH};

use super::date::{strftime, tm};
use super::{prog, Command, Ctx};
use crate::exec::Session;

/// The `uptime` command.
pub struct Uptime;

/// Seconds since boot at the session's `now`.
pub(crate) fn uptime_secs(s: &Session) -> u64 {
    s.persona
        .uptime(UNIX_EPOCH + Duration::from_secs(s.now.max(0) as u64))
        .as_secs()
}

/// The load averages at the session's `now`.
pub(crate) fn load(s: &Session) -> [f64; 3] {
    let now = UNIX_EPOCH + Duration::from_secs(s.now.max(0) as u64);
    s.persona.loadavg(now)
}

/// ` 08:41:01 up 12 days,  3:17,  1 user,  load average: 0.00, 0.01, 0.05` (without the newline), as `uptime`, `w`
/// and `top` (which starts with `top -`) print it.
pub(crate) fn summary(s: &Session) -> String {
    let up = uptime_secs(s);
    let (days, hours, mins) = (up / 86_400, up / 3600 % 24, up / 60 % 60);
    let mut text = format!("{} up ", strftime("%H:%M:%S", &tm(s.now)));
    match days {
        0 => {}
        1 => text.push_str("1 day, "),
        d => text.push_str(&format!("{d} days, ")),
    }
    if hours > 0 {
        text.push_str(&format!("{hours:2}:{mins:02}, "));
    } else {
        text.push_str(&format!("{mins} min, "));
    }
    let [a, b, c] = load(s);
    format!("{text} 1 user,  load average: {a:.2}, {b:.2}, {c:.2}")
}

/// `uptime -p`: `up 2 weeks, 3 days, 4 hours, 5 minutes`.
fn pretty(up: u64) -> String {
    let parts = [
        (up / (86_400 * 365), "year"),
        (up / 604_800 % 52, "week"),
        (up / 86_400 % 7, "day"),
        (up / 3600 % 24, "hour"),
    ];
    let mut out: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    let mins = up / 60 % 60;
    if mins > 0 || out.is_empty() {
        out.push(format!("{mins} minute{}", if mins == 1 { "" } else { "s" }));
    }
    format!("up {}", out.join(", "))
}

impl Command for Uptime {
    fn names(&self) -> &'static [&'static str] {
        &["uptime", "/bin/uptime", "/usr/bin/uptime"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args);
        let mut mode = ' ';
        for arg in args.iter().skip(1) {
            match arg.as_str() {
                "-p" | "--pretty" => mode = 'p',
                "-s" | "--since" => mode = 's',
                "-V" | "--version" => mode = 'V',
                "-h" | "--help" => mode = 'h',
                a if a.starts_with("--") => {
                    ctx.err(format!(
                        "{p}: unrecognized option '{a}'\n\nUsage:\n uptime [options]\n\nOptions:\n -p, --pretty   show uptime in pretty format\n -h, --help     display this help and exit\n -s, --since    system up since\n -V, --version  output version information and exit\n\nFor more details see uptime(1).\n"
                    ));
                    return 1;
                }
                a if a.starts_with('-') => {
                    ctx.err(format!(
                        "{p}: invalid option -- '{}'\n\nUsage:\n uptime [options]\n\nOptions:\n -p, --pretty   show uptime in pretty format\n -h, --help     display this help and exit\n -s, --since    system up since\n -V, --version  output version information and exit\n\nFor more details see uptime(1).\n",
                        a.chars().nth(1).unwrap_or('-')
                    ));
                    return 1;
                }
                _ => {}
            }
        }
        let s = &*ctx.session;
        let text = match mode {
            'p' => pretty(uptime_secs(s)),
            's' => strftime("%Y-%m-%d %H:%M:%S", &tm((s.persona.boot_unix_ms / 1000) as i64)),
            'V' => "uptime from procps-ng 4.0.2".to_owned(),
            'h' => "\nUsage:\n uptime [options]\n\nOptions:\n -p, --pretty   show uptime in pretty format\n -h, --help     display this help and exit\n -s, --since    system up since\n -V, --version  output version information and exit\n\nFor more details see uptime(1).".to_owned(),
            _ => format!(" {}", summary(s)),
        };
        ctx.out(format!("{text}\n"));
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{check, session};

    #[test]
    fn pretty_forms() {
        assert_eq!(pretty(59), "up 0 minutes");
        assert_eq!(pretty(3600), "up 1 hour");
        assert_eq!(pretty(3 * 3600 + 17 * 60), "up 3 hours, 17 minutes");
        assert_eq!(pretty(9 * 86_400 + 60), "up 1 week, 2 days, 1 minute");
    }

    #[test]
    fn uptime() {
        let s = session();
        let boot = (s.persona.boot_unix_ms / 1000) as i64;
        let line = summary(&s);
        assert!(line.starts_with("15:06:40 up "), "{line}");
        assert!(line.contains(",  1 user,  load average: "), "{line}");
        check("uptime", &format!(" {line}\n"), "", 0);
        let proc = crate::persona::render::proc_uptime(&s.persona, UNIX_EPOCH + Duration::from_secs(1_750_000_000));
        let secs: f64 = proc.split(' ').next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
        assert_eq!(uptime_secs(&s), secs as u64);
        check(
            "uptime -s",
            &format!("{}\n", strftime("%Y-%m-%d %H:%M:%S", &tm(boot))),
            "",
            0,
        );
        check(
            "uptime -p",
            &format!("{}\n", pretty((1_750_000_000 - boot) as u64)),
            "",
            0,
        );
    }
}

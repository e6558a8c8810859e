//! `date` from coreutils 9.1: the session's clock (`session.now`) in the persona's time zone (UTC), with `+FORMAT`,
//! `-u`, `-R`, `-I[TIMESPEC]`, `-d @SECONDS` and `-s` (refused).
//!
//! Also the calendar helpers `ps`, `top`, `w`, `who` and `uptime` share, so every clock on the machine agrees.

use std::fmt::Write as _;

use super::{prog, Command, Ctx};

/// The `date` command.
pub struct Date;

/// A broken-down UTC time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tm {
    /// Full year.
    pub(crate) year: i64,
    /// 1–12.
    pub(crate) mon: u32,
    /// 1–31.
    pub(crate) day: u32,
    /// 0–23.
    pub(crate) hour: u32,
    /// 0–59.
    pub(crate) min: u32,
    /// 0–59.
    pub(crate) sec: u32,
    /// 0 = Sunday.
    pub(crate) wday: u32,
    /// 0-based day of the year.
    pub(crate) yday: u32,
    /// The Unix time it came from.
    pub(crate) unix: i64,
}

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Breaks a Unix time into UTC calendar fields (Howard Hinnant's civil-from-days).
pub(crate) fn tm(unix: i64) -> Tm {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400) as u32;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let mon = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(mon <= 2);
    let leap = (year.rem_euclid(4) == 0 && year.rem_euclid(100) != 0) || year.rem_euclid(400) == 0;
    let before = [0u32, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let yday = before.get(mon as usize - 1).copied().unwrap_or(0) + day - 1 + u32::from(leap && mon > 2);
    Tm {
        year,
        mon,
        day,
        hour: secs / 3600,
        min: secs / 60 % 60,
        sec: secs % 60,
        wday: (days + 4).rem_euclid(7) as u32,
        yday,
        unix,
    }
}

impl Tm {
    /// Three-letter weekday.
    pub(crate) fn wday_abbr(&self) -> &'static str {
        DAYS.get(self.wday as usize).map_or("Sun", |d| &d[..3])
    }

    /// Three-letter month.
    pub(crate) fn mon_abbr(&self) -> &'static str {
        MONTHS.get(self.mon as usize - 1).map_or("Jan", |m| &m[..3])
    }
}

/// Formats `t` with a `strftime` subset (the specifiers people actually type), as GNU `date` does in UTC.
pub(crate) fn strftime(fmt: &str, t: &Tm) -> String {
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(spec) = chars.next() else {
            out.push('%');
            break;
        };
        let h12 = if t.hour.is_multiple_of(12) { 12 } else { t.hour % 12 };
        let _ = match spec {
            'a' => write!(out, "{}", t.wday_abbr()),
            'A' => write!(out, "{}", DAYS.get(t.wday as usize).unwrap_or(&"")),
            'b' | 'h' => write!(out, "{}", t.mon_abbr()),
            'B' => write!(out, "{}", MONTHS.get(t.mon as usize - 1).unwrap_or(&"")),
            'c' => write!(out, "{}", strftime("%a %b %e %H:%M:%S %Y", t)),
            'C' => write!(out, "{:02}", t.year / 100),
            'd' => write!(out, "{:02}", t.day),
            'D' => write!(out, "{}", strftime("%m/%d/%y", t)),
            'e' => write!(out, "{:>2}", t.day),
            'F' => write!(out, "{}", strftime("%Y-%m-%d", t)),
            'g' | 'G' | 'V' | 'U' | 'W' => write!(out, "{}", iso_week(spec, t)),
            'H' => write!(out, "{:02}", t.hour),
            'I' => write!(out, "{h12:02}"),
            'j' => write!(out, "{:03}", t.yday + 1),
            'k' => write!(out, "{:>2}", t.hour),
            'l' => write!(out, "{h12:>2}"),
            'm' => write!(out, "{:02}", t.mon),
            'M' => write!(out, "{:02}", t.min),
            'n' => writeln!(out),
            'N' => write!(out, "000000000"),
            'p' => write!(out, "{}", if t.hour < 12 { "AM" } else { "PM" }),
            'P' => write!(out, "{}", if t.hour < 12 { "am" } else { "pm" }),
            'r' => write!(out, "{}", strftime("%I:%M:%S %p", t)),
            'R' => write!(out, "{}", strftime("%H:%M", t)),
            's' => write!(out, "{}", t.unix),
            'S' => write!(out, "{:02}", t.sec),
            't' => write!(out, "\t"),
            'T' | 'X' => write!(out, "{}", strftime("%H:%M:%S", t)),
            'x' => write!(out, "{}", strftime("%m/%d/%y", t)),
            'u' => write!(out, "{}", if t.wday == 0 { 7 } else { t.wday }),
            'w' => write!(out, "{}", t.wday),
            'y' => write!(out, "{:02}", t.year % 100),
            'Y' => write!(out, "{}", t.year),
            'z' => write!(out, "+0000"),
            'Z' => write!(out, "UTC"),
            ':' if chars.peek() == Some(&'z') => {
                chars.next();
                write!(out, "+00:00")
            }
            '%' => write!(out, "%"),
            other => write!(out, "%{other}"),
        };
    }
    out
}

/// `%U`, `%W`, `%V`, `%G`, `%g`.
fn iso_week(spec: char, t: &Tm) -> String {
    let yday = t.yday as i64;
    let wday = i64::from(t.wday);
    match spec {
        'U' => format!("{:02}", (yday + 7 - wday) / 7),
        'W' => format!("{:02}", (yday + 7 - (wday + 6) % 7) / 7),
        _ => {
            let iso_wday = (wday + 6) % 7;
            let mut week = (yday - iso_wday + 10) / 7;
            let mut year = t.year;
            if week < 1 {
                year -= 1;
                week = 52;
            } else if week == 53 && (yday - iso_wday) > 361 {
                year += 1;
                week = 1;
            }
            match spec {
                'V' => format!("{week:02}"),
                'G' => year.to_string(),
                _ => format!("{:02}", year % 100),
            }
        }
    }
}

impl Command for Date {
    fn names(&self) -> &'static [&'static str] {
        &["date", "/bin/date", "/usr/bin/date"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args);
        let mut now = ctx.session.now;
        let mut format: Option<String> = None;
        let mut set = false;
        let mut it = args.iter().skip(1);
        while let Some(arg) = it.next() {
            let a = arg.as_str();
            match a {
                "-u" | "--utc" | "--universal" => {}
                "-R" | "--rfc-email" => format = Some("%a, %d %b %Y %H:%M:%S %z".to_owned()),
                "-I" | "--iso-8601" | "-Idate" | "--iso-8601=date" => format = Some("%Y-%m-%d".to_owned()),
                "-Ihours" | "--iso-8601=hours" => format = Some("%Y-%m-%dT%H%:z".to_owned()),
                "-Iminutes" | "--iso-8601=minutes" => format = Some("%Y-%m-%dT%H:%M%:z".to_owned()),
                "-Iseconds" | "--iso-8601=seconds" => format = Some("%Y-%m-%dT%H:%M:%S%:z".to_owned()),
                "-Ins" | "--iso-8601=ns" => format = Some("%Y-%m-%dT%H:%M:%S,%N%:z".to_owned()),
                "-d" | "--date" | "-s" | "--set" => {
                    let Some(v) = it.next() else {
                        ctx.err(format!(
                            "{p}: option requires an argument -- '{}'\nTry '{p} --help' for more information.\n",
                            a.trim_start_matches('-').chars().next().unwrap_or('d')
                        ));
                        return 1;
                    };
                    if a.contains('s') {
                        set = true;
                    }
                    match parse_date(v, now) {
                        Some(t) => now = t,
                        None => {
                            ctx.err(format!("{p}: invalid date ‘{v}’\n"));
                            return 1;
                        }
                    }
                }
                _ if a.starts_with('+') => {
                    if let Some(f) = &format {
                        if !f.is_empty() {
                            ctx.err(format!(
                                "{p}: multiple output formats specified\nTry '{p} --help' for more information.\n"
                            ));
                            return 1;
                        }
                    }
                    format = Some(a[1..].to_owned());
                }
                _ if a.starts_with('-') && a.len() > 1 => return ctx.invalid_option(p, a),
                _ => {
                    ctx.err(format!("{p}: invalid date ‘{a}’\n"));
                    return 1;
                }
            }
        }
        let t = tm(now);
        let text = strftime(format.as_deref().unwrap_or("%a %b %e %H:%M:%S %Z %Y"), &t);
        // Root "sets" the clock (the session's time is the sensor's and does not move); anyone else is refused.
        if set && ctx.session.user.uid != 0 {
            ctx.err(format!("{p}: cannot set date: Operation not permitted\n"));
            ctx.out(format!("{text}\n"));
            return 1;
        }
        ctx.out(format!("{text}\n"));
        0
    }
}

/// The few `-d` forms scripts use: `@SECONDS`, `now`, `today`, `yesterday`, `tomorrow`, `N days ago`.
fn parse_date(s: &str, now: i64) -> Option<i64> {
    let s = s.trim();
    if let Some(n) = s.strip_prefix('@') {
        return n.parse::<i64>().ok().filter(|v| v.abs() < 67_767_976_233_316_800);
    }
    match s {
        "" | "now" | "today" => return Some(now),
        "yesterday" => return Some(now - 86_400),
        "tomorrow" => return Some(now + 86_400),
        _ => {}
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    if let [n, unit, "ago"] = words.as_slice() {
        let n: i64 = n.parse().ok().filter(|v: &i64| v.abs() < 1_000_000)?;
        let mult = match unit.trim_end_matches('s') {
            "second" | "sec" => 1,
            "minute" | "min" => 60,
            "hour" => 3600,
            "day" => 86_400,
            "week" => 604_800,
            _ => return None,
        };
        return Some(now - n * mult);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::check;

    #[test]
    fn calendar() {
        let t = tm(1_750_000_000);
        assert_eq!(strftime("%F %T %a %j %u %V", &t), "2025-06-15 15:06:40 Sun 166 7 24");
        assert_eq!(strftime("%c", &tm(0)), "Thu Jan  1 00:00:00 1970");
        assert_eq!(
            strftime("%D %r %s %%", &tm(951_782_400)),
            "02/29/00 12:00:00 AM 951782400 %"
        );
    }

    #[test]
    fn date() {
        check("date", "Sun Jun 15 15:06:40 UTC 2025\n", "", 0);
        check("date -u", "Sun Jun 15 15:06:40 UTC 2025\n", "", 0);
        check("date -R", "Sun, 15 Jun 2025 15:06:40 +0000\n", "", 0);
        check("date -I", "2025-06-15\n", "", 0);
        check("date -Iseconds", "2025-06-15T15:06:40+00:00\n", "", 0);
        check("date +%s", "1750000000\n", "", 0);
        check("date '+%Y-%m-%d %H:%M'", "2025-06-15 15:06\n", "", 0);
        check("date -d @0 +%F", "1970-01-01\n", "", 0);
        check("date -d yesterday +%F", "2025-06-14\n", "", 0);
        check("date -d junk", "", "date: invalid date ‘junk’\n", 1);
        check("date -s @0", "Thu Jan  1 00:00:00 UTC 1970\n", "", 0);
        check(
            "date -q",
            "",
            "date: invalid option -- 'q'\nTry 'date --help' for more information.\n",
            1,
        );
    }
}

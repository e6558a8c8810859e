//! `touch` from coreutils: creates empty files or sets their mtime; `-c`, `-r REF`, `-t [[CC]YY]MMDDhhmm[.ss]`,
//! `-d @SECONDS`; `-a`/`-m` accepted (the fake fs keeps only mtime).

use super::ls::missing;
use super::{prog, Command, Ctx};

/// The `touch` command.
pub struct Touch;

/// Unix seconds of a UTC civil date.
fn to_unix(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> i64 {
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400 + h * 3600 + mi * 60 + s
}

/// Parses `-t`'s `[[CC]YY]MMDDhhmm[.ss]` against the current year.
fn parse_stamp(t: &str, now: i64) -> Option<i64> {
    let (main, secs) = match t.split_once('.') {
        Some((m, s)) if s.len() == 2 => (m, s.parse::<i64>().ok()?),
        Some(_) => return None,
        None => (t, 0),
    };
    if !main.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |a: usize, b: usize| main.get(a..b).and_then(|x| x.parse::<i64>().ok());
    let (year, rest) = match main.len() {
        8 => (super::ls::civil(now).0, 0),
        10 => {
            let yy = num(0, 2)?;
            (if yy < 69 { 2000 + yy } else { 1900 + yy }, 2)
        }
        12 => (num(0, 4)?, 4),
        _ => return None,
    };
    let (mo, d, h, mi) = (
        num(rest, rest + 2)?,
        num(rest + 2, rest + 4)?,
        num(rest + 4, rest + 6)?,
        num(rest + 6, rest + 8)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || secs > 60 {
        return None;
    }
    Some(to_unix(year, mo, d, h, mi, secs))
}

impl Command for Touch {
    fn names(&self) -> &'static [&'static str] {
        &["touch", "/bin/touch", "/usr/bin/touch"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let mut no_create = false;
        let mut mtime: Option<i64> = None;
        let mut files: Vec<&str> = Vec::new();
        let mut it = args.iter().skip(1);
        let mut done = false;
        while let Some(arg) = it.next() {
            if done || !arg.starts_with('-') || arg == "-" {
                files.push(arg);
                continue;
            }
            if arg == "--" {
                done = true;
                continue;
            }
            if arg == "--no-create" {
                no_create = true;
                continue;
            }
            if arg.starts_with("--") {
                return ctx.invalid_option(&p, arg);
            }
            let chars = arg.char_indices().skip(1);
            for (i, c) in chars {
                match c {
                    'c' => no_create = true,
                    'a' | 'm' | 'f' | 'h' => {}
                    'r' | 't' | 'd' => {
                        let rest = &arg[i + 1..];
                        let value = if rest.is_empty() {
                            it.next().cloned()
                        } else {
                            Some(rest.to_owned())
                        };
                        let Some(value) = value else {
                            return missing(ctx, &p, &format!("option requires an argument -- '{c}'"));
                        };
                        let s = &*ctx.session;
                        mtime = Some(match c {
                            'r' => match s.fs.stat(&s.cwd, &value) {
                                Ok(st) => st.mtime,
                                Err(e) => {
                                    ctx.err(format!("{p}: failed to get attributes of '{value}': {}\n", e.message()));
                                    return 1;
                                }
                            },
                            't' => match parse_stamp(&value, s.now) {
                                Some(t) => t,
                                None => {
                                    ctx.err(format!("{p}: invalid date format ‘{value}’\n"));
                                    return 1;
                                }
                            },
                            _ => match value.strip_prefix('@').and_then(|v| v.parse::<i64>().ok()) {
                                Some(t) => t,
                                None if value == "now" => s.now,
                                None => {
                                    ctx.err(format!("{p}: invalid date format ‘{value}’\n"));
                                    return 1;
                                }
                            },
                        });
                        break;
                    }
                    _ => return ctx.invalid_option(&p, &format!("-{c}")),
                }
            }
        }
        if files.is_empty() {
            return missing(ctx, &p, "missing file operand");
        }
        let mut status = 0;
        for file in files {
            let s = &mut *ctx.session;
            if no_create && s.fs.stat(&s.cwd, file).is_err() {
                continue;
            }
            if let Err(e) = s.fs.touch(&s.cwd, file, mtime) {
                ctx.err(format!("{p}: cannot touch '{file}': {}\n", e.message()));
                status = 1;
            }
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn touch() {
        let mut s = session();
        check_in(
            &mut s,
            "touch /tmp/a; ls -l /tmp/a",
            "-rw-r--r-- 1 root root 0 Jun 15 15:06 /tmp/a\n",
            "",
            0,
        );
        check_in(
            &mut s,
            "touch -t 201901020304 /tmp/a; ls -l /tmp/a",
            "-rw-r--r-- 1 root root 0 Jan  2  2019 /tmp/a\n",
            "",
            0,
        );
        check_in(
            &mut s,
            "touch -r /etc/passwd /tmp/b; ls -l /tmp/b",
            "-rw-r--r-- 1 root root 0 Jun 10  2023 /tmp/b\n",
            "",
            0,
        );
        check_in(
            &mut s,
            "touch -c /tmp/c; ls /tmp/c",
            "",
            "ls: cannot access '/tmp/c': No such file or directory\n",
            2,
        );
        check(
            "touch /x/y",
            "",
            "touch: cannot touch '/x/y': No such file or directory\n",
            1,
        );
        check(
            "touch",
            "",
            "touch: missing file operand\nTry 'touch --help' for more information.\n",
            1,
        );
    }
}

//! `ps` from procps-ng 4.0.2 over the persona's process table ([`crate::persona::processes`]): plain `ps`, BSD
//! `aux`/`ax`/`x`/`u`, `-e`/`-A`, `-f`, `-p PIDS` and `-o FIELDS`.

use super::date::{strftime, tm};
use super::who::login_time;
use super::{Command, Ctx};
use crate::exec::Session;
use crate::persona::processes::{processes, LoginInfo, Process};

/// The `ps` command.
pub struct Ps;

/// procps' usage trailer after an option error.
const USAGE: &str = "\nUsage:\n ps [options]\n\n Try 'ps --help <simple|list|output|threads|misc|all>'\n  or 'ps \
                     --help <s|l|o|t|m|a>'\n for additional help text.\n\nFor more details see ps(1).\n";

/// Most `-p` pids or `-o` fields honoured.
const MAX_LIST: usize = 64;

/// The process table as the session sees it, with the asking command (`comm`, its command line `args`) last.
pub(crate) fn table(s: &Session, comm: &str, args: &[String]) -> Vec<Process> {
    let steps = s.history.len().clamp(1, 10_000) as u32;
    let login = LoginInfo {
        user: &s.user.name,
        shell_pid: s.pid,
        login_time: login_time(s),
        self_pid: s.pid + steps,
        self_comm: comm,
        self_args: &args.join(" "),
    };
    processes(&s.persona, s.now, &login)
}

/// A user name cut to 8 columns the way procps does (`systemd+`).
pub(crate) fn user8(name: &str) -> String {
    if name.chars().count() > 8 {
        format!("{}+", name.chars().take(7).collect::<String>())
    } else {
        name.to_owned()
    }
}

/// `START`/`STIME`: the clock time today, `MonDD` within a year, else the year.
fn start_col(p: &Process, now: i64) -> String {
    let age = now - p.start;
    let t = tm(p.start);
    if age < 86_400 {
        strftime("%H:%M", &t)
    } else if age < 365 * 86_400 {
        strftime("%b%d", &t)
    } else {
        t.year.to_string()
    }
}

/// `TIME` in `[DD-]HH:MM:SS`.
fn time_long(cs: u64) -> String {
    let s = cs / 100;
    if s >= 86_400 {
        format!("{}-{:02}:{:02}:{:02}", s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    }
}

/// BSD `TIME` in `M:SS`.
fn time_short(cs: u64) -> String {
    let s = cs / 100;
    format!("{}:{:02}", s / 60, s % 60)
}

/// `%CPU`: CPU time over elapsed time, in per cent.
fn pcpu(p: &Process, now: i64) -> f64 {
    let elapsed = (now - p.start).max(1) as f64;
    (p.cpu_cs as f64 / elapsed).min(999.9)
}

/// `%MEM`: resident over `MemTotal`, in per cent.
fn pmem(p: &Process, total_kib: u64) -> f64 {
    p.rss_kib as f64 * 100.0 / total_kib.max(1) as f64
}

/// `ELAPSED` in `[[DD-]HH:]MM:SS`.
fn etime(secs: i64) -> String {
    let s = secs.max(0);
    if s >= 86_400 {
        format!("{}-{:02}:{:02}:{:02}", s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60)
    } else if s >= 3600 {
        format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// Which rows to show.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Select {
    /// Own processes on the session's terminal.
    Tty,
    /// Everything.
    All,
    /// BSD `a`: everything with a terminal.
    WithTty,
    /// BSD `x`: everything of this user.
    Mine,
}

/// Which columns to show.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Default,
    Full,
    BsdShort,
    BsdUser,
}

impl Command for Ps {
    fn names(&self) -> &'static [&'static str] {
        &["ps", "/bin/ps", "/usr/bin/ps"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let mut select = Select::Tty;
        let mut format = Format::Default;
        let mut pids: Vec<u32> = Vec::new();
        let mut fields: Vec<String> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let mut owners: Vec<String> = Vec::new();
        let (mut bsd_a, mut bsd_x) = (false, false);
        let mut wide = 0u32;
        let mut it = args.iter().skip(1);
        while let Some(arg) = it.next() {
            let a = arg.as_str();
            if let Some(long) = a.strip_prefix("--") {
                match long {
                    "pid" => match it.next() {
                        Some(v) => pids.extend(v.split(',').filter_map(|x| x.trim().parse::<u32>().ok())),
                        None => return usage_error(ctx, "error: list of process IDs must follow --pid"),
                    },
                    "forest" | "no-headers" | "cols" | "width" => {}
                    _ => return usage_error(ctx, "error: unknown gnu long option"),
                }
                continue;
            }
            if let Some(flags) = a.strip_prefix('-').filter(|f| !f.is_empty()) {
                for (i, c) in flags.char_indices() {
                    match c {
                        'e' | 'A' => select = Select::All,
                        'a' | 'x' => select = Select::All,
                        'u' if flags == "aux" || flags == "ux" || flags == "au" => format = Format::BsdUser,
                        'f' | 'F' | 'l' | 'j' => format = Format::Full,
                        'w' => wide += 1,
                        'H' | 'c' | 'y' | 'L' | 'T' | 'M' => {}
                        'p' | 'q' | 'o' | 'O' | 'u' | 'U' | 'C' | 'g' | 'G' | 's' | 't' => {
                            let rest = &flags[i + c.len_utf8()..];
                            let value = if rest.is_empty() {
                                it.next().cloned()
                            } else {
                                Some(rest.to_owned())
                            };
                            let Some(value) = value else {
                                return usage_error(ctx, "error: list of process IDs must follow -p");
                            };
                            match c {
                                'p' | 'q' => pids.extend(value.split(',').filter_map(|x| x.trim().parse::<u32>().ok())),
                                'o' | 'O' => fields.extend(value.split(',').map(str::to_owned)),
                                'C' => names.extend(value.split(',').map(str::to_owned)),
                                'u' | 'U' => owners.extend(value.split(',').map(str::to_owned)),
                                _ => select = Select::All,
                            }
                            break;
                        }
                        _ => return usage_error(ctx, "error: unsupported SysV option"),
                    }
                }
                continue;
            }
            // BSD syntax: letters without a dash.
            if a.chars().all(|c| c.is_ascii_digit() || c == ',') {
                pids.extend(a.split(',').filter_map(|x| x.parse::<u32>().ok()));
                continue;
            }
            for c in a.chars() {
                match c {
                    'a' => bsd_a = true,
                    'x' => bsd_x = true,
                    'u' => format = Format::BsdUser,
                    'w' => wide += 1,
                    'e' | 'f' | 'h' | 'c' | 'r' | 'S' | 'n' => {}
                    _ => return usage_error(ctx, "error: unsupported option (BSD syntax)"),
                }
            }
            if format == Format::Default {
                format = Format::BsdShort;
            }
            select = match (bsd_a, bsd_x) {
                (true, true) => Select::All,
                (true, false) => Select::WithTty,
                (false, true) => Select::Mine,
                (false, false) => Select::Tty,
            };
        }
        pids.truncate(MAX_LIST);
        names.truncate(MAX_LIST);
        owners.truncate(MAX_LIST);
        fields.truncate(MAX_LIST);

        let s = &*ctx.session;
        let me = s.user.name.clone();
        let now = s.now;
        let total = s.persona.mem_kib();
        let rows: Vec<Process> = table(s, "ps", args)
            .into_iter()
            .filter(|p| {
                if !names.is_empty() || !owners.is_empty() {
                    return (names.is_empty() || names.contains(&p.comm))
                        && (owners.is_empty() || owners.contains(&p.user) || owners.contains(&uid_of(s, &p.user)));
                }
                if !pids.is_empty() {
                    return pids.contains(&p.pid);
                }
                match select {
                    Select::All => true,
                    Select::Tty => p.user == me && p.tty == "pts/0",
                    Select::WithTty => p.tty != "?",
                    Select::Mine => p.user == me,
                }
            })
            .collect();

        let mut out = String::new();
        if !fields.is_empty() {
            out = custom(&fields, &rows, now, total);
        } else {
            match format {
                Format::Default => {
                    out.push_str("    PID TTY          TIME CMD\n");
                    for p in &rows {
                        out.push_str(&format!(
                            "{:>7} {:<8} {:>8} {}\n",
                            p.pid,
                            p.tty,
                            time_long(p.cpu_cs),
                            p.comm
                        ));
                    }
                }
                Format::Full => {
                    out.push_str("UID          PID    PPID  C STIME TTY          TIME CMD\n");
                    for p in &rows {
                        out.push_str(&format!(
                            "{:<8} {:>7} {:>7} {:>2} {:>5} {:<8} {:>8} {}\n",
                            user8(&p.user),
                            p.pid,
                            p.ppid,
                            pcpu(p, now) as u32,
                            start_col(p, now),
                            p.tty,
                            time_long(p.cpu_cs),
                            p.args
                        ));
                    }
                }
                Format::BsdShort => {
                    out.push_str("    PID TTY      STAT   TIME COMMAND\n");
                    for p in &rows {
                        out.push_str(&format!(
                            "{:>7} {:<8} {:<4} {:>6} {}\n",
                            p.pid,
                            p.tty,
                            p.stat,
                            time_short(p.cpu_cs),
                            p.args
                        ));
                    }
                }
                Format::BsdUser => {
                    out.push_str("USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n");
                    for p in &rows {
                        out.push_str(&format!(
                            "{:<8} {:>7} {:>4.1} {:>4.1} {:>6} {:>5} {:<8} {:<4} {:>5} {:>6} {}\n",
                            user8(&p.user),
                            p.pid,
                            pcpu(p, now),
                            pmem(p, total),
                            p.vsz_kib,
                            p.rss_kib,
                            p.tty,
                            p.stat,
                            start_col(p, now),
                            time_short(p.cpu_cs),
                            p.args
                        ));
                    }
                }
            }
        }
        // On a terminal procps cuts lines at its width (`COLUMNS`, else 80); `w` widens to 132, `ww` removes the cut.
        if ctx.session.stdout_tty && wide < 2 {
            let cols = if wide == 1 {
                132
            } else {
                ctx.session
                    .var("COLUMNS")
                    .and_then(|c| c.parse::<usize>().ok())
                    .filter(|c| (10..=1000).contains(c))
                    .unwrap_or(80)
            };
            out = out
                .lines()
                .map(|l| format!("{}\n", l.chars().take(cols).collect::<String>()))
                .collect();
        }
        ctx.out(out);
        if rows.is_empty() {
            1
        } else {
            0
        }
    }
}

/// How one `-o` column renders a process: (process, now, `MemTotal`) to text.
type Cell = fn(&Process, i64, u64) -> String;

/// `-o FIELD,...`: each column as wide as its widest cell, numbers right-aligned, the last one unpadded.
fn custom(fields: &[String], rows: &[Process], now: i64, total: u64) -> String {
    let mut cols: Vec<(String, bool, usize, Vec<String>)> = Vec::new();
    for f in fields {
        let (name, header) = match f.split_once('=') {
            Some((n, h)) => (n, Some(h.to_owned())),
            None => (f.as_str(), None),
        };
        let (head, right, cell): (&str, bool, Cell) = match name {
            "pid" => ("PID", true, |p, _, _| p.pid.to_string()),
            "ppid" => ("PPID", true, |p, _, _| p.ppid.to_string()),
            "user" | "euser" | "uname" => ("USER", false, |p, _, _| user8(&p.user)),
            "comm" | "ucomm" => ("COMMAND", false, |p, _, _| p.comm.clone()),
            "args" | "cmd" | "command" => ("COMMAND", false, |p, _, _| p.args.clone()),
            "%cpu" | "pcpu" => ("%CPU", true, |p, n, _| format!("{:.1}", pcpu(p, n))),
            "%mem" | "pmem" => ("%MEM", true, |p, _, t| format!("{:.1}", pmem(p, t))),
            "stat" | "s" => ("STAT", false, |p, _, _| p.stat.to_owned()),
            "tty" | "tt" => ("TT", false, |p, _, _| p.tty.clone()),
            "time" | "cputime" => ("TIME", true, |p, _, _| time_long(p.cpu_cs)),
            "etime" => ("ELAPSED", true, |p, n, _| etime(n - p.start)),
            "etimes" => ("ELAPSED", true, |p, n, _| (n - p.start).max(0).to_string()),
            "start" | "stime" => ("STIME", true, |p, n, _| start_col(p, n)),
            "rss" | "rssize" => ("RSS", true, |p, _, _| p.rss_kib.to_string()),
            "vsz" | "vsize" => ("VSZ", true, |p, _, _| p.vsz_kib.to_string()),
            "ni" | "nice" => ("NI", true, |p, _, _| p.nice.to_string()),
            _ => ("", false, |_, _, _| String::new()),
        };
        let head = header.unwrap_or_else(|| head.to_owned());
        let min = match name {
            "pid" | "ppid" => 7,
            "user" | "euser" | "uname" | "tty" | "tt" => 8,
            "time" | "cputime" => 8,
            "rss" | "rssize" => 5,
            "vsz" | "vsize" => 6,
            "%cpu" | "pcpu" | "%mem" | "pmem" | "stat" | "s" => 4,
            "start" | "stime" => 5,
            _ => 0,
        };
        cols.push((head, right, min, rows.iter().map(|p| cell(p, now, total)).collect()));
    }
    let show_header = cols.iter().any(|(h, _, _, _)| !h.is_empty());
    let widths: Vec<usize> = cols
        .iter()
        .map(|(h, _, min, cells)| cells.iter().map(String::len).chain([h.len(), *min]).max().unwrap_or(0))
        .collect();
    let line = |cells: Vec<&str>| -> String {
        let last = cells.len().saturating_sub(1);
        let mut l = String::new();
        for (i, (c, (w, (_, right, _, _)))) in cells.iter().zip(widths.iter().zip(cols.iter())).enumerate() {
            if i > 0 {
                l.push(' ');
            }
            if *right {
                l.push_str(&format!("{c:>w$}"));
            } else if i == last {
                l.push_str(c);
            } else {
                l.push_str(&format!("{c:<w$}"));
            }
        }
        l.push('\n');
        l
    };
    let mut out = String::new();
    if show_header {
        out.push_str(&line(cols.iter().map(|(h, _, _, _)| h.as_str()).collect()));
    }
    for r in 0..rows.len() {
        out.push_str(&line(
            cols.iter()
                .map(|(_, _, _, c)| c.get(r).map_or("", String::as_str))
                .collect(),
        ));
    }
    out
}

/// The uid of account `name` as text, so `-u 0` and `-u root` select the same rows.
fn uid_of(s: &Session, name: &str) -> String {
    s.persona
        .users
        .iter()
        .find(|u| u.name == name)
        .map_or_else(String::new, |u| u.uid.to_string())
}

/// procps' option error: the message, the usage trailer, status 1.
fn usage_error(ctx: &mut Ctx, msg: &str) -> i32 {
    ctx.err(format!("{msg}\n{USAGE}"));
    1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{check, session};

    #[test]
    fn plain_ps_shows_the_login_shell() {
        let s = session();
        let pid = s.pid;
        check(
            "ps",
            &format!(
                "    PID TTY          TIME CMD\n{pid:>7} pts/0    00:00:00 bash\n{:>7} pts/0    00:00:00 ps\n",
                pid + 1
            ),
            "",
            0,
        );
        check(
            "ps -p 2",
            "    PID TTY          TIME CMD\n      2 ?        00:00:00 kthreadd\n",
            "",
            0,
        );
        check("ps -p 999999", "    PID TTY          TIME CMD\n", "", 1);
        check("ps -o pid= -p 1", "      1\n", "", 0);
        check("ps -o pid,comm -p 2", "    PID COMMAND\n      2 kthreadd\n", "", 0);
        check(
            "ps -C kthreadd",
            "    PID TTY          TIME CMD\n      2 ?        00:00:00 kthreadd\n",
            "",
            0,
        );
        check("ps --foo", "", &format!("error: unknown gnu long option\n{USAGE}"), 1);
    }

    #[test]
    fn aux_and_ef() {
        let mut s = session();
        let aux = String::from_utf8(s.run_line("ps aux").stdout).unwrap();
        let first: Vec<&str> = aux.lines().take(3).collect();
        assert_eq!(
            first[0],
            "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND"
        );
        assert!(first[1].starts_with("root           1  0.0 "), "{}", first[1]);
        assert!(first[1].ends_with(" /sbin/init"), "{}", first[1]);
        assert!(first[2].ends_with(" 0:00 [kthreadd]"), "{}", first[2]);
        assert!(aux.ends_with(" R+   15:06   0:00 ps aux\n"), "{aux}");
        let ef = String::from_utf8(s.run_line("ps -ef").stdout).unwrap();
        assert!(ef.starts_with("UID          PID    PPID  C STIME TTY          TIME CMD\nroot           1       0  0 "));
        assert!(ef.contains(" -bash\n"));
        assert!(aux.contains("sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups\n"));
        s.set_tty(true);
        let cut = String::from_utf8(s.run_line("ps aux").stdout).unwrap();
        assert!(cut.lines().all(|l| l.chars().count() <= 80) && cut.lines().count() == aux.lines().count());
        let ww = String::from_utf8(s.run_line("ps auxww").stdout).unwrap();
        assert!(ww.lines().any(|l| l.chars().count() > 80));
    }
}

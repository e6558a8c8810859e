//! `top` from procps-ng 4.0.2: one batch frame (also for interactive `top`, which must never hang the session):
//! the uptime summary, task counts, CPU split, memory from the same snapshot as `free` and `/proc/meminfo`, and the
//! process table `ps` shows, 80 columns wide.

use super::free::snapshot;
use super::ps::{table, user8};
use super::uptime::summary;
use super::{prog, Command, Ctx};
use crate::persona::processes::Process;

/// The `top` command.
pub struct Top;

/// Width of a batch frame without a terminal.
const COLUMNS: usize = 80;

/// `TIME+`: `M:SS.cc`, or `MMMM:SS` once minutes need the room.
fn time_plus(cs: u64) -> String {
    let (mins, secs, hund) = (cs / 6000, cs / 100 % 60, cs % 100);
    if mins < 1000 {
        format!("{mins}:{secs:02}.{hund:02}")
    } else {
        format!("{mins}:{secs:02}")
    }
}

/// `PR`: `rt` for the migration threads, else 20 plus nice.
fn priority(p: &Process) -> String {
    if p.comm.starts_with("migration/") {
        "rt".to_owned()
    } else {
        (20 + p.nice).to_string()
    }
}

impl Command for Top {
    fn names(&self) -> &'static [&'static str] {
        &["top", "/bin/top", "/usr/bin/top"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let mut full_cmd = false;
        let mut it = args.iter().skip(1);
        while let Some(arg) = it.next() {
            let Some(flags) = arg.strip_prefix('-') else {
                ctx.err(format!("{p}: unknown option '{arg}'\n"));
                return 1;
            };
            for (i, c) in flags.char_indices() {
                match c {
                    'b' | 'E' | 'e' | 'H' | 'i' | 'S' | 's' | '1' => {}
                    'c' => full_cmd = true,
                    'v' | 'h' => {
                        ctx.out("  procps-ng 4.0.2\nUsage:\n  top -hv | -bcEeHiOSs1 -d secs -n max -u|U user -p pid(s) -o field -w [num]\n");
                        return 0;
                    }
                    'd' | 'n' | 'u' | 'U' | 'p' | 'o' | 'w' => {
                        if flags.len() == i + 1 {
                            it.next();
                        }
                        break;
                    }
                    _ => {
                        ctx.err(format!("{p}: invalid option -- '{c}'\n"));
                        return 1;
                    }
                }
            }
        }

        let s = &*ctx.session;
        let mut procs = table(s, "top", args);
        let m = snapshot(s);
        let total = m.total.max(1);
        let seed = s.persona.noise_seed ^ (s.now as u64 / 3);
        let us = (seed % 27) as f64 / 10.0;
        let sy = (seed / 27 % 12) as f64 / 10.0;
        let id = 100.0 - us - sy;
        let running = 1;
        let mut out = format!("top - {}\n", summary(s));
        out.push_str(&format!(
            "Tasks: {:>3} total, {running:>3} running, {:>3} sleeping,   0 stopped,   0 zombie\n",
            procs.len(),
            procs.len().saturating_sub(running)
        ));
        out.push_str(&format!(
            "%Cpu(s):{us:5.1} us,{sy:5.1} sy,  0.0 ni,{id:5.1} id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st \n"
        ));
        let mib = |kib: u64| kib as f64 / 1024.0;
        out.push_str(&format!(
            "MiB Mem : {:>8.1} total, {:>8.1} free, {:>8.1} used, {:>8.1} buff/cache     \n",
            mib(m.total),
            mib(m.free),
            mib(m.used()),
            mib(m.buff_cache())
        ));
        out.push_str(&format!(
            "MiB Swap: {:>8.1} total, {:>8.1} free, {:>8.1} used. {:>8.1} avail Mem \n\n",
            mib(m.swap_total),
            mib(m.swap_free),
            mib(m.swap_total - m.swap_free),
            mib(m.available)
        ));
        out.push_str("    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND\n");
        // top itself is the one busy task; everything else idles, listed by pid.
        procs.sort_by_key(|x| (x.comm != "top", x.pid));
        for x in &procs {
            let state = x.stat.chars().next().unwrap_or('S');
            let cpu = if x.comm == "top" { 6.2 } else { 0.0 };
            let line = format!(
                "{:>7} {:<8} {:>3} {:>3} {:>7} {:>6} {:>6} {state} {cpu:>5.1} {:>5.1} {:>9} ",
                x.pid,
                user8(&x.user),
                priority(x),
                x.nice,
                x.vsz_kib,
                x.rss_kib,
                x.shr_kib,
                x.rss_kib as f64 * 100.0 / total as f64,
                time_plus(x.cpu_cs),
            );
            let name = if full_cmd { x.args.as_str() } else { x.comm.as_str() };
            let room = COLUMNS.saturating_sub(line.chars().count());
            let shown: String = if name.chars().count() > room {
                name.chars().take(room.saturating_sub(1)).chain(['+']).collect()
            } else {
                name.to_owned()
            };
            out.push_str(&format!("{line}{shown}\n"));
        }
        ctx.out(out);
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::session;

    #[test]
    fn one_frame_consistent_with_free() {
        let mut s = session();
        let out = String::from_utf8(s.run_line("top -bn1").stdout).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("top - 15:06:40 up "), "{}", lines[0]);
        assert!(lines[1].starts_with("Tasks: "));
        let m = snapshot(&s);
        assert_eq!(
            lines[3],
            format!(
                "MiB Mem : {:>8.1} total, {:>8.1} free, {:>8.1} used, {:>8.1} buff/cache     ",
                m.total as f64 / 1024.0,
                m.free as f64 / 1024.0,
                m.used() as f64 / 1024.0,
                m.buff_cache() as f64 / 1024.0
            )
        );
        assert_eq!(lines[5], "");
        assert_eq!(
            lines[6],
            "    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND"
        );
        assert!(
            lines[7].contains(" R   6.2 ") && lines[7].ends_with("   0:00.00 top"),
            "{}",
            lines[7]
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 80));
        assert_eq!(
            String::from_utf8(s.run_line("top").stdout).unwrap().lines().count(),
            lines.len()
        );
        assert_eq!(time_plus(4279), "0:42.79");
        assert_eq!(time_plus(6_000_000), "1000:00");
    }
}

//! Helpers both benchmarks share: locating the workspace, describing the machine, starting a child on a free
//! loopback port with its output in a log, and reading a process's RSS and CPU time from `/proc`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use tokio::process::{Child, Command};

/// The workspace root, from this crate's location at build time.
pub fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// The 1/5/15-minute load averages: a busy machine (another build) skews every figure, latency most.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// How long ago `binary` was built: others rebuild it while we measure, so reports show how fresh it is.
pub fn binary_age(binary: &Path) -> String {
    std::fs::metadata(binary)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .map_or_else(
            || "age unknown".into(),
            |d| format!("built {} min ago", d.as_secs() / 60),
        )
}

/// A loopback port for a peer to listen on (see [`testkit`] for why not port 0).
pub fn free_port() -> Result<u16> {
    testkit::try_free_port().context("finding a free loopback port for a peer")
}

/// The last `n` lines of a log file, for error messages.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines
        .get(lines.len().saturating_sub(n)..)
        .unwrap_or_default()
        .join("\n")
}

/// Spawns `cmd` with no stdin and stdout and stderr into `logf`, killed on drop and, should the bench itself die,
/// by `PR_SET_PDEATHSIG`; returns the child and its pid. `what` names it in errors ("the python broker").
pub fn spawn_logged(mut cmd: Command, logf: File, what: &str) -> Result<(Child, u32)> {
    cmd.stdin(Stdio::null())
        .stdout(logf.try_clone().context("duplicating the log handle")?)
        .stderr(logf)
        .kill_on_drop(true);
    // SAFETY: the closure runs in the forked child before exec and only calls async-signal-safe prctl.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0);
            Ok(())
        });
    }
    let child = cmd.spawn().with_context(|| format!("spawning {what}"))?;
    let pid = child.id().with_context(|| format!("{what} exited immediately"))?;
    Ok((child, pid))
}

/// Fails, with the end of its log, if the child `what` ("broker") has exited: it should run until stopped.
pub fn check_alive(child: &mut Child, log: &Path, what: &str) -> Result<()> {
    if let Some(status) = child.try_wait()? {
        bail!("{what} exited during the scenario ({status}); log:\n{}", tail(log, 20));
    }
    Ok(())
}

/// Kills the child `what` ("broker") and reaps it, waiting at most 5 s.
pub async fn stop(child: &mut Child, what: &str) -> Result<()> {
    let _ = child.start_kill();
    tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .with_context(|| format!("{what} did not die within 5 s of SIGKILL"))?
        .with_context(|| format!("reaping the {what}"))?;
    Ok(())
}

/// `VmRSS` of one process in KiB, from `/proc/PID/status`.
pub fn vmrss_kib(pid: u32) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no VmRSS line in {path}"))
}

/// CPU time (user + system) one process has used so far, in seconds, from `/proc/PID/stat`.
pub fn cpu_secs(pid: u32) -> Result<f64> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 overall.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).context("malformed stat")?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11).and_then(|v| v.parse().ok()).context("no utime")?;
    let sticks: u64 = f.get(12).and_then(|v| v.parse().ok()).context("no stime")?;
    Ok((ticks + sticks) as f64 / clock_ticks())
}

/// Clock ticks per second, the unit of `/proc/PID/stat` times.
fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

/// CPU time (user + system) this process has used so far, in seconds.
pub fn self_cpu_secs() -> f64 {
    // SAFETY: getrusage writes only the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return 0.0;
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// Median of the values (mean of the middle two for an even count), `None` for none.
pub fn median(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = values.into_iter().collect();
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v.get(m).copied()
    } else {
        Some((v.get(m.checked_sub(1)?)? + v.get(m)?) / 2.0)
    }
}

/// Raises the open-files soft limit to the hard limit (children inherit it); returns the new soft limit.
pub fn raise_nofile() -> Result<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return Err(std::io::Error::last_os_error()).context("getrlimit(RLIMIT_NOFILE)");
        }
        lim.rlim_cur = lim.rlim_max;
        if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
            return Err(std::io::Error::last_os_error()).context("setrlimit(RLIMIT_NOFILE)");
        }
    }
    Ok(lim.rlim_cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_last_lines() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("log");
        std::fs::write(&p, "a\nb\nc\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tail(&p, 2), "b\nc");
        assert_eq!(tail(&p, 9), "a\nb\nc");
        assert_eq!(tail(&dir.path().join("none"), 2), "");
    }

    #[test]
    fn own_process_has_rss_and_cpu() {
        assert!(vmrss_kib(std::process::id()).unwrap_or(0) > 0);
        assert!(cpu_secs(std::process::id()).is_ok());
    }
}

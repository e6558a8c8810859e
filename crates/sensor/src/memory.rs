//! Giving memory back: glibc keeps freed heap pages in its arenas, so after a flood of sessions closes the RSS would
//! stay at its peak. The sensor caps the arena count and the per-thread caches at start and, once the number of
//! open sessions has fallen well below its last high-water mark (or to zero) and closing has gone quiet, trims the
//! heap.

use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Open sessions at the last trim (or the high-water mark since).
static HIGH: AtomicUsize = AtomicUsize::new(0);
/// Trims still due after the current burst: one once closing is quiet, one more after [`AGAIN`].
static PENDING: AtomicU8 = AtomicU8::new(0);
/// When the last session closed, in milliseconds since [`now_ms`]'s epoch.
static LAST_CLOSE: AtomicU64 = AtomicU64::new(0);
/// How long closing must pause before the first trim: a session's memory is freed a little after its slot
/// (recording flushed, captures stored), and trimming mid-burst would miss most of it.
const QUIET: Duration = Duration::from_millis(500);
/// When the second trim follows the first: after the runtime's idle blocking threads (kept 1 s) have exited and
/// handed their per-thread caches of freed chunks back to the heap.
const AGAIN: Duration = Duration::from_millis(1500);
/// How often [`trim_when_quiet`] looks while a trim is due.
const TICK: Duration = Duration::from_millis(250);

/// glibc's per-thread cache ("tcache") tunable: one chunk per size class instead of seven. Each thread's cached
/// chunks count as in use, so after a burst they pin scattered heap pages that a trim cannot release (measured:
/// 2,000 closed sessions left RSS 45% above its baseline with the default, 8% with this).
const TUNABLE: &str = "glibc.malloc.tcache_count=1";
/// Set in the environment of the re-executed process, so it happens once.
const TUNED: &str = "APIARY_MALLOC_TUNED";

/// Re-executes the running binary with [`TUNABLE`] added to `GLIBC_TUNABLES`, since glibc reads its tunables only
/// from the environment at process start (there is no `mallopt` for the tcache). Call first thing in `main`, before
/// any thread exists. Returns without doing anything when already tuned, when the user set the tcache tunable
/// themselves, off glibc, or when the re-exec fails (the sensor then runs with glibc's defaults).
pub fn reexec_tuned() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        if std::env::var_os(TUNED).is_some() {
            return;
        }
        let tunables = match std::env::var("GLIBC_TUNABLES") {
            Ok(t) if t.contains("glibc.malloc.tcache_count") => return,
            Ok(t) if !t.is_empty() => format!("{t}:{TUNABLE}"),
            _ => TUNABLE.to_string(),
        };
        let err = reexec_with(&[("GLIBC_TUNABLES", tunables), (TUNED, "1".into())]);
        eprintln!("apiary: running with glibc's default malloc caches (re-exec failed: {err})");
    }
}

/// Replaces the running process with a fresh run of its own binary, with the same arguments and `env` added: for
/// settings read only at process start (glibc's tunables, the allocator's choice). Call before any thread exists.
/// Returns only if the exec failed, with why.
#[cfg(unix)]
pub fn reexec_with(env: &[(&str, String)]) -> std::io::Error {
    use std::os::unix::process::CommandExt;
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_else(|| "apiary".into());
    // The binary's own path, so the process keeps its name in `ps` and `pgrep`; /proc/self/exe, which still names
    // this binary, if that file was replaced or deleted since it started.
    let exe = std::env::current_exe()
        .ok()
        .filter(|p| p.exists())
        .unwrap_or_else(|| "/proc/self/exe".into());
    let mut cmd = std::process::Command::new(exe);
    cmd.arg0(argv0).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.exec()
}

/// Limits glibc to a few malloc arenas (one per thread by default, up to 8 per core), which fragments the heap of a
/// process whose blocking threads come and go.
pub fn init() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only changes allocator tuning; M_ARENA_MAX is a valid parameter.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Called when a session ends with the number still open: a trim becomes due once they have dropped to three
/// quarters of the last high-water mark, or the last one has closed.
pub fn session_closed(open: usize) {
    let high = HIGH.fetch_max(open + 1, Ordering::Relaxed).max(open + 1);
    LAST_CLOSE.store(now_ms(), Ordering::Relaxed);
    if trim_due(high, open) {
        HIGH.store(open, Ordering::Relaxed);
        PENDING.store(2, Ordering::Relaxed);
        due().notify_one();
    }
}

/// Whether `open` sessions, down from a high-water mark of `high`, call for a trim.
fn trim_due(high: usize, open: usize) -> bool {
    (high >= 64 && open <= high * 3 / 4) || (open == 0 && high > 1)
}

/// Notes a newly opened session, raising the high-water mark.
pub fn session_opened(open: usize) {
    HIGH.fetch_max(open, Ordering::Relaxed);
}

/// Wakes [`trim_when_quiet`] when a trim becomes due, so an idle sensor has no timer running.
fn due() -> &'static tokio::sync::Notify {
    static DUE: OnceLock<tokio::sync::Notify> = OnceLock::new();
    DUE.get_or_init(tokio::sync::Notify::new)
}

/// Runs for the sensor's life: when trims are due, trims once closing has been quiet for [`QUIET`] and again
/// [`AGAIN`] later; otherwise sleeps until [`session_closed`] makes one due.
pub async fn trim_when_quiet() {
    let mut last_trim = 0u64;
    loop {
        if PENDING.load(Ordering::Relaxed) == 0 {
            due().notified().await;
        }
        tokio::time::sleep(TICK).await;
        let now = now_ms();
        let ready = match PENDING.load(Ordering::Relaxed) {
            0 => false,
            1 => now.saturating_sub(last_trim) >= AGAIN.as_millis() as u64,
            _ => now.saturating_sub(LAST_CLOSE.load(Ordering::Relaxed)) >= QUIET.as_millis() as u64,
        };
        if ready {
            // A new burst may have raised it back to 2 meanwhile; then the countdown starts again.
            let _ = PENDING.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |p| p.checked_sub(1));
            last_trim = now;
            trim();
        }
    }
}

/// Returns free heap pages to the kernel.
fn trim() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim is thread-safe and only releases free memory.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Milliseconds since the first call.
fn now_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_millis() as u64
}

#[cfg(test)]
mod tests {
    use super::trim_due;

    #[test]
    fn trims_after_a_quarter_of_a_burst_closed_and_when_all_did() {
        assert!(!trim_due(2000, 1501));
        assert!(trim_due(2000, 1500));
        assert!(!trim_due(63, 10), "small numbers: no trim until the last one closes");
        assert!(trim_due(63, 0));
        assert!(!trim_due(1, 0), "one session opening and closing is not worth a trim");
    }
}

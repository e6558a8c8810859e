//! Giving memory back: glibc keeps freed heap pages in its arenas, so after a flood of sessions closes the RSS would
//! stay at its peak. The sensor caps the arena count at start and trims the heap whenever the number of open
//! sessions has fallen well below where it was at the last trim.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Open sessions at the last trim (or the high-water mark since).
static HIGH: AtomicUsize = AtomicUsize::new(0);

/// Limits glibc to a few malloc arenas (one per thread by default, up to 8 per core), which fragments the heap of a
/// process whose blocking threads come and go.
pub fn init() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only changes allocator tuning; M_ARENA_MAX is a valid parameter.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Called when a session ends with the number still open: trims once they have dropped to three quarters of the
/// last high-water mark.
pub fn session_closed(open: usize) {
    let high = HIGH.fetch_max(open + 1, Ordering::Relaxed).max(open + 1);
    if high >= 64 && open <= high * 3 / 4 {
        HIGH.store(open, Ordering::Relaxed);
        #[cfg(target_env = "gnu")]
        // SAFETY: malloc_trim is thread-safe and only releases free memory.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

/// Notes a newly opened session, raising the high-water mark.
pub fn session_opened(open: usize) {
    HIGH.fetch_max(open, Ordering::Relaxed);
}

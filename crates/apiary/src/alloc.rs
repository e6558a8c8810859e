//! The process's allocator: jemalloc for `apiary server`, glibc's malloc for everything else, chosen once per
//! process before its first allocation.
//!
//! Why two. Under the ingest benchmark the server's collector makes a string per value of every batch on one
//! thread and frees it on another (the store's connection thread). glibc's malloc, held to two arenas to bound the
//! server's memory, spent that time in arena locks and consolidation; jemalloc, tuned to give freed pages back
//! within 200 ms, wrote 24 % more events per second at the same peak RSS (3 of 3 pairs, `bench server`; `bench
//! store`: 3 of 3, +18 to +28 %). The sensor keeps glibc: its memory after a flood of sessions is given back by
//! `malloc_trim` (`sensor::memory`), measured against its RSS targets.
//!
//! How. [`Alloc`] reads [`SELECT`] from the environment on the first allocation (with `getenv`, which does not
//! allocate), and every block of the process comes from the allocator it names. `apiary server` re-executes itself
//! with it set ([`reexec_for_server`]); `APIARY_ALLOCATOR=glibc` keeps glibc.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU8, Ordering};

use tikv_jemallocator::Jemalloc;

/// The environment variable naming the allocator: `jemalloc`, or anything else for glibc.
const SELECT: &str = "APIARY_ALLOCATOR";
/// [`SELECT`] for `getenv`.
const SELECT_C: &std::ffi::CStr = c"APIARY_ALLOCATOR";
/// jemalloc's run-time options (read from this variable, as this build prefixes jemalloc's symbols).
const JEMALLOC_CONF: &str = "_RJEM_MALLOC_CONF";
/// The server's jemalloc options: freed pages go back to the OS within 200 ms, by a background thread; two arenas
/// and a small per-thread cache, as glibc had, bound the memory that batches made on one thread and freed on another
/// can hold (peak RSS under the 60-s ingest benchmark 241 MiB, against 267 MiB on glibc; budget 300).
const SERVER_CONF: &str = "background_thread:true,dirty_decay_ms:200,muzzy_decay_ms:0,narenas:2,tcache_max:4096";

/// Not chosen yet.
const UNKNOWN: u8 = 0;
/// glibc's malloc.
const GLIBC: u8 = 1;
/// jemalloc.
const JEMALLOC: u8 = 2;

/// Which allocator this process uses.
static WHICH: AtomicU8 = AtomicU8::new(UNKNOWN);

/// The process's allocator (see the module doc).
pub struct Alloc;

impl Alloc {
    /// Whether this process allocates with jemalloc; decided on the first call, from the environment.
    fn jemalloc() -> bool {
        match WHICH.load(Ordering::Relaxed) {
            GLIBC => false,
            JEMALLOC => true,
            _ => {
                // SAFETY: getenv only reads the environment (it does not allocate); the first allocation happens
                // before `main`, when no other thread exists to change the environment.
                let value = unsafe { libc::getenv(SELECT_C.as_ptr()) };
                // SAFETY: a non-null result is a NUL-terminated string owned by the environment.
                let on = !value.is_null() && unsafe { std::ffi::CStr::from_ptr(value) }.to_bytes() == b"jemalloc";
                WHICH.store(if on { JEMALLOC } else { GLIBC }, Ordering::Relaxed);
                on
            }
        }
    }
}

// SAFETY: every call is forwarded to one allocator that upholds `GlobalAlloc`'s contract, the same one for the
// whole life of the process (chosen before the first block was made), so each block is freed by its maker.
unsafe impl GlobalAlloc for Alloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if Alloc::jemalloc() {
            unsafe { Jemalloc.alloc(layout) }
        } else {
            unsafe { System.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if Alloc::jemalloc() {
            unsafe { Jemalloc.alloc_zeroed(layout) }
        } else {
            unsafe { System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if Alloc::jemalloc() {
            unsafe { Jemalloc.dealloc(ptr, layout) }
        } else {
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if Alloc::jemalloc() {
            unsafe { Jemalloc.realloc(ptr, layout, new_size) }
        } else {
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }
}

/// For `apiary server`: unless [`SELECT`] is already set (either way), re-executes the running binary with it set
/// to jemalloc and jemalloc's options set to [`SERVER_CONF`] (unless the user set their own). Call first thing, before
/// any thread exists. If the re-exec fails, the server runs on glibc's malloc, slower but correct.
pub fn reexec_for_server() {
    if std::env::var_os(SELECT).is_some() {
        return;
    }
    let mut env = vec![(SELECT, "jemalloc".to_owned())];
    if std::env::var_os(JEMALLOC_CONF).is_none() {
        env.push((JEMALLOC_CONF, SERVER_CONF.to_owned()));
    }
    let err = sensor::memory::reexec_with(&env);
    eprintln!("apiary: running with glibc's malloc (re-exec for jemalloc failed: {err})");
}

/// Whether this process allocates with jemalloc (for logs and tests).
pub fn is_jemalloc() -> bool {
    Alloc::jemalloc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_uses_one_allocator_for_all_its_blocks() {
        // Test processes are started without the variable: glibc, and it stays so.
        let first = is_jemalloc();
        let v: Vec<u8> = Vec::with_capacity(4096);
        drop(v);
        assert_eq!(is_jemalloc(), first);
        assert_eq!(first, std::env::var(SELECT).is_ok_and(|v| v == "jemalloc"));
    }
}

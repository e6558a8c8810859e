//! The global allocator: glibc's malloc, or mimalloc once `apiary server` switches to it ([`use_mimalloc`]).
//!
//! Why two. Under the ingest benchmark glibc's malloc took 16 % of the server's CPU (the collector's writer makes a
//! string per key and value of every batch), and mimalloc stored 18 % more events per second (3 of 3 pairs). But
//! mimalloc keeps the freed pages of threads that have gone idle: a sensor whose 2,000 sessions had closed stayed
//! 149 % above its baseline RSS, against 7 % on glibc (the sensor's target is within 10 %; see `sensor::memory`). So
//! the server, whose memory is its batches and caches, takes mimalloc; the sensor and `apiary up` keep glibc.
//!
//! Each block goes back to the allocator that made it: mimalloc knows its own regions (`mi_is_in_heap_region`), so
//! blocks allocated before the switch are freed and grown by glibc.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};

use mimalloc::MiMalloc;

/// Whether new blocks come from mimalloc.
static MIMALLOC: AtomicBool = AtomicBool::new(false);

/// The process's allocator (see the module doc).
pub struct Alloc;

/// New blocks come from mimalloc from now on (`apiary server`, before its threads start).
pub fn use_mimalloc() {
    MIMALLOC.store(true, Ordering::Relaxed);
}

/// Whether mimalloc made the block at `p`.
fn from_mimalloc(p: *mut u8) -> bool {
    // SAFETY: a pure lookup of the address in mimalloc's region map; it does not dereference `p`.
    unsafe { libmimalloc_sys::mi_is_in_heap_region(p.cast()) }
}

// SAFETY: every call is forwarded to an allocator that upholds `GlobalAlloc`'s contract, and a block is always
// freed or reallocated by the allocator that made it (mimalloc recognizes its own blocks; all others are glibc's).
unsafe impl GlobalAlloc for Alloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if MIMALLOC.load(Ordering::Relaxed) {
            unsafe { MiMalloc.alloc(layout) }
        } else {
            unsafe { System.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if MIMALLOC.load(Ordering::Relaxed) {
            unsafe { MiMalloc.alloc_zeroed(layout) }
        } else {
            unsafe { System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if from_mimalloc(ptr) {
            unsafe { MiMalloc.dealloc(ptr, layout) }
        } else {
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if from_mimalloc(ptr) {
            unsafe { MiMalloc.realloc(ptr, layout, new_size) }
        } else {
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_from_either_allocator_are_freed_by_their_own() {
        let layout = Layout::from_size_align(64, 8).unwrap();
        // SAFETY: plain allocations of a non-zero layout, each freed once, by the path under test.
        unsafe {
            let sys = System.alloc(layout);
            let mi = MiMalloc.alloc(layout);
            assert!(!from_mimalloc(sys), "a glibc block is glibc's");
            assert!(from_mimalloc(mi), "a mimalloc block is mimalloc's");
            let grown = Alloc.realloc(sys, layout, 4096);
            assert!(!from_mimalloc(grown), "a glibc block grows in glibc");
            Alloc.dealloc(grown, Layout::from_size_align(4096, 8).unwrap());
            Alloc.dealloc(mi, layout);
        }
    }
}

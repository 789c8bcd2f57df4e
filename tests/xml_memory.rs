//! Peak heap use of `Document::parse` against input size (attack catalogue A16),
//! measured with a counting global allocator on the generated 5 MB Bodies of
//! `tests/common/dho_corpus.rs`. Run with `--nocapture` to see the figures.
//! This binary holds one test only, so no other thread allocates meanwhile: the counting
//! allocator and its peak are process-wide (which is why it is not a module of `tests/xml/`).

mod common;
use crate::common::dho_corpus;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use dho_wss::xml::{Document, ExcC14n};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = CURRENT.fetch_add(new_size - layout.size(), Relaxed) + new_size - layout.size();
                PEAK.fetch_max(now, Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Peak bytes allocated by `f` above what was live when it started, and what it kept.
fn peak_of<T>(f: impl FnOnce() -> T) -> (usize, usize, T) {
    let base = CURRENT.load(Relaxed);
    PEAK.store(base, Relaxed);
    let v = f();
    (PEAK.load(Relaxed) - base, CURRENT.load(Relaxed) - base, v)
}

#[test]
fn parse_peak_memory_is_a_small_multiple_of_the_input() {
    for s in dho_corpus::samples().into_iter().filter(|s| s.xml.len() > 1 << 20) {
        let input = s.xml.as_bytes();
        let (peak, kept, doc) = peak_of(|| Document::parse(input).expect("parses"));
        let body = doc.root().child_elements().find(|e| e.local_name() == "Body").expect("Body");
        let (c14n_peak, _, out) = peak_of(|| ExcC14n::new().canonicalize(body).expect("c14n"));
        let ratio = peak as f64 / input.len() as f64;
        eprintln!(
            "{}: input {} B, {} nodes; parse peak {} B ({ratio:.2}x input), document keeps {} B ({:.2}x); \
             c14n(Body) peak {} B ({:.2}x input) for {} B of output",
            s.name,
            input.len(),
            doc.node_count(),
            peak,
            kept,
            kept as f64 / input.len() as f64,
            c14n_peak,
            c14n_peak as f64 / input.len() as f64,
            out.len()
        );
        // A regression guard (figures in benches/README.md): 3.7x for the element-dense
        // sample with 32-byte nodes; 64-byte nodes or a doubling arena would exceed it.
        assert!(ratio < 4.5, "{}: parse peak {ratio:.2}x the input", s.name);
    }
}

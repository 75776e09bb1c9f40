//! The allocator of the binary and of the benchmarks that time what it does
//! (`benches/`): mimalloc, asked for plain blocks where their alignment
//! suffices, with small pages (issue 8). One definition, so that a benchmark
//! measures the allocator `careleaf` runs with.

/// mimalloc, asked for a plain block when the alignment is one every block
/// has. `mimalloc::MiMalloc` asks for an aligned block every time
/// (`mi_malloc_aligned`), whose fast path takes a block only when the size
/// class's free list has one ready: when it is empty (freed blocks wait on a
/// second list until a plain `mi_malloc` collects them), for a block size
/// that is not a power of two, it over-allocates through the general path.
/// That was each `DomParsingNode` of the search index (~400 instructions an
/// element) and 5% of a 1,000-article build's instructions in the allocator
/// altogether. mimalloc's blocks are multiples of 8 bytes and aligned to 8,
/// so an alignment of at most 8 that is not larger than the size needs no
/// more than `mi_malloc` (the rule `std`'s `System` follows for malloc, with
/// glibc's 16) (issue 8).
#[cfg(feature = "mimalloc")]
#[derive(Debug)]
pub struct Allocator;

#[cfg(feature = "mimalloc")]
impl Allocator {
    /// The alignment every mimalloc block has.
    const PLAIN_ALIGN: usize = 8;

    /// Whether a plain block of `size` bytes has the alignment `align`.
    fn plain(size: usize, align: usize) -> bool {
        align <= Self::PLAIN_ALIGN && align <= size
    }
}

// SAFETY: every block comes from mimalloc and goes back to it (`mi_free`
// and `mi_realloc_aligned` take blocks from `mi_malloc` and
// `mi_malloc_aligned` alike); a plain block is used only where its
// alignment suffices (`Allocator::plain`).
#[cfg(feature = "mimalloc")]
unsafe impl std::alloc::GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        use libmimalloc_sys as mi;
        // SAFETY: the caller gives a layout of non-zero size (`GlobalAlloc`);
        // mimalloc returns null or a block of that size and alignment.
        unsafe {
            if Self::plain(layout.size(), layout.align()) {
                mi::mi_malloc(layout.size()).cast()
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        use libmimalloc_sys as mi;
        // SAFETY: the caller gives a layout of non-zero size (`GlobalAlloc`);
        // mimalloc returns null or a block of that size and alignment.
        unsafe {
            if Self::plain(layout.size(), layout.align()) {
                mi::mi_zalloc(layout.size()).cast()
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        // SAFETY: `ptr` came from this allocator.
        unsafe { libmimalloc_sys::mi_free(ptr.cast()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        use libmimalloc_sys as mi;
        // SAFETY: `ptr` came from this allocator with `layout`; the block
        // returned has the layout's alignment.
        unsafe {
            if Self::plain(new_size, layout.align()) {
                mi::mi_realloc(ptr.cast(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast()
            }
        }
    }
}

/// Small pages for the allocator's memory. mimalloc asks the kernel for
/// transparent huge pages, and each 2 MiB page it touches is resident whole
/// (and zeroed whole by the kernel): a 10,000-article build peaked at
/// 371-384 MiB with them and 345-348 MiB without, with less system time and
/// about 3% more user time (issue 8). Must run before the build allocates
/// much; pages already faulted in stay as they are.
pub fn no_huge_pages() {
    #[cfg(all(feature = "mimalloc", target_os = "linux"))]
    // SAFETY: prctl with integer arguments only; a failure (an old kernel)
    // leaves huge pages on, which only costs memory.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(all(test, feature = "mimalloc"))]
mod tests {
    use std::alloc::{GlobalAlloc, Layout};

    use super::Allocator;

    /// Every block has the alignment asked for, plain or not, through
    /// `alloc`, `alloc_zeroed` and `realloc` (growing, then shrinking), and
    /// `realloc` keeps the contents. Several blocks of each layout are live
    /// at once, so that they sit at different places in mimalloc's pages.
    #[test]
    fn blocks_have_the_alignment_asked_for() {
        let sizes = [
            1, 2, 3, 4, 7, 8, 12, 16, 24, 40, 56, 100, 216, 1000, 5000, 70_000,
        ];
        let aligns = [1, 2, 4, 8, 16, 32, 64, 4096];
        for &size in &sizes {
            for &align in &aligns {
                let layout = Layout::from_size_align(size, align).unwrap();
                let mut blocks = Vec::new();
                for i in 0..6 {
                    let zeroed = i % 2 == 1;
                    // SAFETY: the layout's size is not zero.
                    let p = unsafe {
                        if zeroed {
                            Allocator.alloc_zeroed(layout)
                        } else {
                            Allocator.alloc(layout)
                        }
                    };
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "size {size}, align {align}");
                    // SAFETY: `p` holds `size` bytes.
                    let bytes = unsafe { std::slice::from_raw_parts_mut(p, size) };
                    if zeroed {
                        assert!(bytes.iter().all(|&b| b == 0));
                    }
                    for (j, b) in bytes.iter_mut().enumerate() {
                        *b = (j * 7 + i) as u8;
                    }
                    blocks.push((p, i));
                }
                for (mut p, i) in blocks {
                    let mut current = layout;
                    for new_size in [size * 3 + 5, (size / 2).max(1)] {
                        // SAFETY: `p` came from `Allocator` with `current`,
                        // and the new size is not zero.
                        p = unsafe { Allocator.realloc(p, current, new_size) };
                        assert!(!p.is_null());
                        assert_eq!(
                            p as usize % align,
                            0,
                            "realloc to {new_size}, align {align}"
                        );
                        let kept = size.min(new_size);
                        // SAFETY: `p` holds at least `kept` bytes.
                        let bytes = unsafe { std::slice::from_raw_parts(p, kept) };
                        for (j, &b) in bytes.iter().enumerate() {
                            assert_eq!(b, (j * 7 + i) as u8);
                        }
                        current = Layout::from_size_align(new_size, align).unwrap();
                    }
                    // SAFETY: `p` came from `Allocator` with `current`.
                    unsafe { Allocator.dealloc(p, current) };
                }
            }
        }
    }
}

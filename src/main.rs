//! The `careleaf` binary: parse arguments, run, exit with the code.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: a build allocates and frees
/// millions of small strings across threads, where glibc's malloc was a
/// sixth of the CPU time at 10,000 articles (issue 8).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    no_huge_pages();
    careleaf::run(careleaf::cli::Cli::parse())
}

/// Small pages for the allocator's memory. mimalloc asks the kernel for
/// transparent huge pages, and each 2 MiB page it touches is resident whole
/// (and zeroed whole by the kernel): a 10,000-article build peaked at
/// 371-384 MiB with them and 345-348 MiB without, with less system time and
/// about 3% more user time (issue 8). Must run before the build allocates
/// much; pages already faulted in stay as they are.
fn no_huge_pages() {
    #[cfg(all(feature = "mimalloc", target_os = "linux"))]
    // SAFETY: prctl with integer arguments only; a failure (an old kernel)
    // leaves huge pages on, which only costs memory.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

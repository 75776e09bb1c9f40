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
    careleaf::run(careleaf::cli::Cli::parse())
}

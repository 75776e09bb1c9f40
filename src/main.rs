//! The `careleaf` binary: parse arguments, run, exit with the code.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: a build allocates and frees
/// millions of small strings across threads, where glibc's malloc was a
/// sixth of the CPU time at 10,000 articles (issue 8).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: careleaf::alloc::Allocator = careleaf::alloc::Allocator;

fn main() -> ExitCode {
    careleaf::alloc::no_huge_pages();
    let cli = careleaf::cli::Cli::parse();
    #[cfg(feature = "serve")]
    let one_off = !matches!(cli.command, careleaf::cli::Command::Serve { .. });
    #[cfg(not(feature = "serve"))]
    let one_off = true;
    let code = careleaf::run(cli);
    if one_off {
        exit_now(&code);
    }
    code
}

/// Ends a one-off command (`build`, `check`, `init`) once its work is done,
/// without the allocator's clean-up at exit: mimalloc's exit handler frees
/// and hands back every page the process holds, which the kernel takes back
/// anyway. That was 25-55 ms after a 10,000-article site was in place and
/// its report printed (issue 8). Standard output and error are flushed
/// first; every file the command wrote is already closed. `careleaf::run`
/// ends with success or 1.
fn exit_now(code: &ExitCode) {
    #[cfg(all(feature = "mimalloc", target_os = "linux"))]
    {
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        let status = if *code == ExitCode::SUCCESS { 0 } else { 1 };
        // SAFETY: `_exit` ends the process at once; nothing runs after it.
        unsafe { libc::_exit(status) }
    }
    #[cfg(not(all(feature = "mimalloc", target_os = "linux")))]
    let _ = code;
}

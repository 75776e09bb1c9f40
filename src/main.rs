//! The `careleaf` binary: parse arguments, run, exit with the code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    careleaf::run(careleaf::cli::Cli::parse())
}

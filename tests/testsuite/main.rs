//! careleaf's integration tests: one binary, a module per feature.
//! Each test copies a fixture site from `tests/fixtures/` into its own temp
//! dir (see `harness.rs`).

// A test binary has no public API: `pub` in its modules only shares helpers
// between them, which the library's `unreachable_pub` lint does not mean.
#![allow(unreachable_pub)]

mod harness;

mod benefits_faq;
mod build;
mod check;
mod cli;
mod errors;
mod publish;
#[cfg(feature = "serve")]
mod serve;
#[cfg(feature = "serve")]
mod serve_search;
mod theme;

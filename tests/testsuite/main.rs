//! careleaf's integration tests: one binary, a module per feature.
//! Each test copies a fixture site from `tests/fixtures/` into its own temp
//! dir (see `harness.rs`).

mod harness;

mod build;
mod check;
mod publish;
#[cfg(feature = "serve")]
mod serve;
mod theme;

//! The XML core (`dho_wss::xml`): the strict reader and its limits, the writer, exclusive c14n
//! against the conformance corpus and the oracles, and the replayed fuzz findings.
//! `cargo test --test xml`; see `tests/README.md`.

#[path = "../common/mod.rs"]
mod common;

mod c14n_conformance;
mod c14n_differential;
#[cfg(feature = "libxml")]
mod c14n_libxml;
mod fuzz_regressions;
mod reader;
mod roundtrip;

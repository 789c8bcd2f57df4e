//! The provider side (`dho_wss::provider`): binding files, the PEP's rejections, guaranteed
//! delivery through the answer stores, and end to end with the example binaries.
//! `cargo test --features sqlite --test provider`; see `tests/README.md`.
//! (`tests/provider_choice.rs` is a binary of its own: it installs a process-wide crypto default.)

#[path = "../common/mod.rs"]
mod common;

mod bindings;
mod delivery;
mod e2e;
mod rejections;

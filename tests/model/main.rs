//! The typed DHO model (`dho_wss::model`): builders, the reader, round trips and the XML
//! Schemas of `schemas/`. `cargo test --test model`; see `tests/README.md`.

#[path = "../common/mod.rs"]
mod common;

mod build;
mod read;
mod roundtrip;
mod schema;
#[cfg(feature = "libxml")]
mod schema_libxml;

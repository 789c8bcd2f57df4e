//! Interoperability with real peers (Apache WSS4J, xmlsec1, signxml, xml-crypto): each signs
//! what dho-wss verifies and verifies what dho-wss signs. A missing peer is SKIPPED unless
//! `DHO_WSS_REQUIRE_PEERS=1`. `cargo test --test interop`; see `tests/README.md` and
//! `tests/interop/README.md`.

#[path = "../common/mod.rs"]
mod common;

mod peers;

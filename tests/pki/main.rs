//! Keys, certificates and trust (`dho_wss::pki`, `dho_wss::crypto`): loading identities, the
//! crypto providers, certificate validation and its chain cache, on the test PKI of
//! `testdata/pki/`. `cargo test --test pki`; see `tests/README.md`.

#[path = "../common/mod.rs"]
mod common;

#[cfg(feature = "openssl")]
mod crypto_providers;
mod keys;
mod trust;
mod trust_cache;

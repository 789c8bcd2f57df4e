//! WS-Security (`dho_wss::wss`): signing and verifying in-process, the attack fixtures, and the
//! crate's layering checked on its source. `cargo test --test wss`; see `tests/README.md`.

#[path = "../common/mod.rs"]
mod common;

mod attacks;
mod layering;
mod verify;

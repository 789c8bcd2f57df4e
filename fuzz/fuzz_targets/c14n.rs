//! cargo-fuzz target `c14n`: see `fuzz/src/checks.rs` for what is checked.
#![no_main]

#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::c14n(data));

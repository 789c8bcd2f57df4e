//! cargo-fuzz target `parse`: see `fuzz/src/checks.rs` for what is checked.
#![no_main]

#[path = "../src/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::parse(data));

//! cargo-fuzz target `c14n`: see `tests/common/fuzz_checks.rs` for what is checked.
#![no_main]

#[path = "../../tests/common/fuzz_checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::c14n(data));

#![no_main]
//! Fuzz target `record`: see `tests/fuzz/harness.rs`.

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::record(data));

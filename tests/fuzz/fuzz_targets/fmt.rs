#![no_main]
//! Fuzz target `fmt`: see `tests/fuzz/harness.rs`.

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::fmt(data));

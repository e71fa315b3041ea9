//! `clerkmap test`: not implemented yet.

use clap::Args;

#[derive(Args, Debug)]
pub struct TestArgs {}

pub(crate) fn cmd(_a: TestArgs) -> u8 {
    eprintln!("error: `clerkmap test` is not implemented yet");
    super::exit::FAILURE
}

//! `clerkmap fmt`: not implemented yet.

use clap::Args;

#[derive(Args, Debug)]
pub struct FmtArgs {}

pub(crate) fn cmd(_a: FmtArgs) -> u8 {
    eprintln!("error: `clerkmap fmt` is not implemented yet");
    super::exit::FAILURE
}

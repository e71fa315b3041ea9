//! `clerkmap serve`: not implemented yet.

use clap::Args;

#[derive(Args, Debug)]
pub struct ServeArgs {}

pub(crate) fn cmd(_a: ServeArgs) -> u8 {
    eprintln!("error: `clerkmap serve` is not implemented yet");
    super::exit::FAILURE
}

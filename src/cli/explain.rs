//! `clerkmap explain`: not implemented yet.

use clap::Args;

#[derive(Args, Debug)]
pub struct ExplainArgs {}

pub(crate) fn cmd(_a: ExplainArgs) -> u8 {
    eprintln!("error: `clerkmap explain` is not implemented yet");
    super::exit::FAILURE
}

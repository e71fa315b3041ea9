//! `clerkmap init`: not implemented yet.

use clap::Args;

#[derive(Args, Debug)]
pub struct InitArgs {}

pub(crate) fn cmd(_a: InitArgs) -> u8 {
    eprintln!("error: `clerkmap init` is not implemented yet");
    super::exit::FAILURE
}

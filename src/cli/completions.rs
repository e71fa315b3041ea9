//! `clerkmap completions`: not implemented yet.

use clap::Args;

#[derive(Args, Debug)]
pub struct CompletionsArgs {}

pub(crate) fn cmd(_a: CompletionsArgs) -> u8 {
    eprintln!("error: `clerkmap completions` is not implemented yet");
    super::exit::FAILURE
}

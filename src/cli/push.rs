//! `clerkmap push`: not implemented yet.

use clap::Args;

#[derive(Args, Debug)]
pub struct PushArgs {}

pub(crate) fn cmd(_a: PushArgs) -> u8 {
    eprintln!("error: `clerkmap push` is not implemented yet");
    super::exit::FAILURE
}

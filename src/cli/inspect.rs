//! `clerkmap inspect`: not implemented yet.

use clap::Args;

#[derive(Args, Debug)]
pub struct InspectArgs {}

pub(crate) fn cmd(_a: InspectArgs) -> u8 {
    eprintln!("error: `clerkmap inspect` is not implemented yet");
    super::exit::FAILURE
}

//! Delivery to Clerk: API push with batching, retries and incremental state, and the feed
//! server. A library layer: it prints nothing, draws nothing and handles no signal; progress,
//! log lines and shutdown come from the caller (the command line).
//!
//! - [`client`]: Clerk's REST API, with retries.
//! - [`push`]: feed files -> Clerk's API, incrementally, with the shrink guard.
//! - [`observer`]: how a push reports its progress ([`observer::PushObserver`]).
//! - [`serve`]: the feed files as endpoints Clerk fetches.
//! - [`state`]: the state file of incremental sync (what Clerk acknowledged).
//! - [`secret`]: the API keys; the private key never prints.

pub mod client;
pub mod observer;
pub mod push;
pub mod secret;
pub mod serve;
pub mod state;

//! Delivery to Clerk: API push with batching, retries and incremental state, the shrink guard,
//! and the feed server.
//!
//! - [`feed`]: reading the feed files `run` writes, one record at a time.
//! - [`state`]: the state file of incremental sync (what Clerk acknowledged).
//! - [`guard`]: the refusal to shrink an entity by more than a share (mass deletion).
//! - [`secret`]: the API keys; the private key never prints.

pub mod client;
pub mod progress;
pub mod push;
pub mod secret;
pub mod serve;
pub mod state;

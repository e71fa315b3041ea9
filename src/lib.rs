//! clerkmap: a declarative mapping language from shop exports (Passweb first, any shop's CSV,
//! JSON or XML) to Clerk.io data.
//!
//! A mapping goes [`syntax`] (pest -> span-carrying AST) -> [`check`] (names, types, Clerk's
//! contract, diagnostics) -> [`plan`] (a `Send + Sync` compiled program). Records go through
//! [`engine`] (inputs, sources, lookup tables, grouping, the parallel pipeline into a sink,
//! rejects, report) and [`eval`] (one record, with the built-in [`functions`]) against [`clerk`]
//! (the contract). [`sync`] delivers to Clerk, [`workflow`] serves the integrator, [`cli`] is the
//! command line; [`value`] and [`diagnostic`] are the data every layer shares. Each module
//! imports only from the layers below it: README.md's "Architecture" table, enforced by
//! `tests/layers.rs`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Nothing a user or a file controls may panic: errors are values. Unit tests may unwrap.
#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod check;
pub mod clerk;
pub mod cli;
pub mod diagnostic;
pub mod engine;
pub mod eval;
pub mod functions;
pub mod plan;
pub mod sync;
pub mod syntax;
pub mod value;
pub mod workflow;

//! clerkmap: a declarative mapping language from Passweb exports to Clerk.io data.
//!
//! A record flows through the stages in this order, one module each:
//! [`syntax`] (pest -> span-carrying AST), [`check`] (names, types, Clerk's contract,
//! diagnostics), [`plan`] (a `Send + Sync` compiled program), [`eval`] and [`functions`]
//! (evaluating one record), [`engine`] (sources, grouping, lookup tables, rayon, ordered output,
//! rejects), [`clerk`] (the contract) and [`cli`] on top.

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

//! clerkmap: a declarative mapping language from Passweb exports to Clerk.io data.
//!
//! A record flows through the stages in this order, one module each:
//! [`syntax`] (pest -> span-carrying AST), [`check`] (names, types, Clerk's contract,
//! diagnostics), [`plan`] (a `Send + Sync` compiled program), [`eval`] and [`functions`]
//! (evaluating one record), [`engine`] (sources, grouping, lookup tables, rayon, ordered output,
//! rejects), [`clerk`] (the contract) and [`cli`] on top.

pub mod clerk;
pub mod engine;
pub mod functions;
pub mod types;
pub mod diagnostic;
pub mod syntax;
pub mod check;
pub mod eval;
pub mod plan;

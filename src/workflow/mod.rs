//! The integrator's workflow: mapping test cases, explain, inspect, project scaffolding, HTML
//! reports. The formatter is `syntax::format`; progress displays are the CLI's.
//!
//! - [`case`], [`exec`], [`snapshot`], [`diff`], [`runner`]: `clerkmap test` (cases, running
//!   them through the engine, insta-compatible snapshots, record/attribute diffs, review).
//! - [`explain`]: one record through one block, statement by statement.
//! - [`inspect`]: the fields of a source file.
//! - [`evaluate`]: one expression on one record, in a mapping's context (`eval`, `repl`).
//! - [`init`]: a new project that runs and tests green at once.
//! - [`report`]: the self-contained HTML report of a run.

pub mod case;
pub mod diff;
pub mod evaluate;
pub mod exec;
pub mod explain;
pub mod init;
pub mod inspect;
pub mod present;
pub mod report;
pub mod runner;
pub mod snapshot;

/// The Passweb mapping built into the binary (the text of `mappings/passweb.cmap`).
pub const BUILTIN_MAPPING: &str = include_str!("../../mappings/passweb.cmap");
/// The name diagnostics give the built-in mapping.
pub const BUILTIN_MAPPING_NAME: &str = "passweb.cmap (built in)";

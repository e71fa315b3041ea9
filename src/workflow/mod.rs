//! The integrator's workflow: mapping test cases, explain, inspect, project scaffolding, HTML
//! reports, progress. (The formatter is `syntax::format`: it works on the pest parse.)
//!
//! - [`case`], [`exec`], [`snapshot`], [`diff`], [`runner`]: `clerkmap test` (cases, running
//!   them through the engine, insta-compatible snapshots, record/attribute diffs, review).
//! - [`explain`]: one record through one block, statement by statement.
//! - [`inspect`]: the fields of a source file.
//! - [`init`]: a new project that runs and tests green at once.
//! - [`report`]: the self-contained HTML report of a run.
//! - [`progress`]: the progress display of long runs on a terminal.

pub mod case;
pub mod diff;
pub mod exec;
pub mod explain;
pub mod init;
pub mod inspect;
pub mod progress;
pub mod report;
pub mod runner;
pub mod snapshot;

//! The engine: inputs and their formats, sources, lookup tables, grouping, the parallel
//! pipeline into a [`Sink`], structured rejects, the run report, the shrink guard, and the feed
//! files (written and read back).
//!
//! Every caller runs records through the same code: `run` writes feed files ([`run`]), `test`
//! keeps them in memory ([`run_into`] with [`Memory`]), `explain` walks one block's units
//! ([`units`]) with the same tables and grouping.

pub mod array;
pub mod delimited;
pub mod direct;
pub mod feed;
pub mod generation;
mod group;
pub mod guard;
pub mod ids;
pub mod input;
pub mod json;
pub mod limits;
pub mod output;
mod pipeline;
pub mod reject;
pub mod report;
mod resolve;
mod run;
pub mod sink;
pub mod source;
mod spill;
mod stream;
mod tables;
pub mod units;
pub mod warning;
pub mod why;
pub mod xml;

pub use group::Unit;
pub use input::{Format, Input, Origin};
pub use output::{FeedFiles, OutputFormat};
pub use reject::{Loc, Reject};
pub use report::RunReport;
pub use resolve::{Resolved, given_tables, not_read, resolve, table_input};
pub use run::{
    Abort, FeedOutput, InputProblem, Mapped, Reported, RunError, RunOptions, refuse_run, run,
    run_into, run_reported, table_name_hint, table_read_from, through, unknown_hint,
};
pub use sink::{Memory, Sink, Written};
pub use tables::{Loaded, load as load_tables};
pub use warning::Warning;

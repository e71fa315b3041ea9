//! The engine: sources, grouping, lookup tables, parallel evaluation, ordered output, rejects.
//!
//! A run reads each entity's source on a reader thread in chunks; a rayon pool decodes and maps
//! the chunks of a batch in parallel; the calling thread writes the results in input order.
//! Memory is bounded by the chunks in flight, the lookup tables, and (for grouped blocks) the
//! open group, not by the input size.

pub mod feed;
pub mod guard;
pub mod output;
pub mod report;
mod run;
pub mod source;

pub use output::OutputFormat;
pub use report::RunReport;
pub use run::{Input, RunError, RunOptions, run};
pub mod xml;

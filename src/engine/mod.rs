//! The engine: sources, grouping, lookup tables, parallel evaluation, ordered output, rejects.

pub mod lookup;
pub mod source;

//! number functions
use super::Function;
pub const FUNCTIONS: &[Function] = &[];

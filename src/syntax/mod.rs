//! Syntax: the pest grammar (`grammar/clerkmap.pest`) turned into our own span-carrying AST.
//! Nothing outside this module touches pest.

pub mod ast;
pub mod format;
mod limits;
mod parser;
pub mod visit;

pub use limits::MAX_DEPTH;
pub use parser::{parse, parse_expr};

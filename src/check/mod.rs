//! The checker: everything that can be known about a mapping before any record is read.
//! Syntax, names, arity, constant arguments, types that are certainly wrong, and Clerk's
//! contract (attribute names, required attributes). Every problem is a coded [`Diagnostic`]
//! with its place in the file and a fix; all of them are reported, not just the first.
//!
//! It lowers the syntax tree to a [`Program`]. One module per concern, each owning its rules
//! and its diagnostics:
//!
//! | module | owns |
//! |---|---|
//! | `compiler` | the state, [`compile`], [`compile_expr`], [`CompileOptions`] |
//! | `file` | items: tables, file-level `let`s, one block per type, unused tables (E009, E015, W002) |
//! | `block` | a block's header and statements (E009, E011, E008 for spreads and `where`) |
//! | `contract` | Clerk's contract for attributes (E006, E007, E008) |
//! | `scope` | bindings, slots, names and `rows` (E004, E010, E012, E016) |
//! | `expr` | the expression dispatch, operators, `if`, `match`, `.` (E008, E015) |
//! | `path` | fields, indexes, `[*]`, `[? ...]` (E008) |
//! | `after_filter` | an index, or `[*]` then a field, right after a `[? ]` filter (W007) |
//! | `call` | function calls (E002, E003, E005, E008, E013) |
//! | `func` | user functions, `fn name(a) = expr`: declarations, calls, bodies (E005, E009, E017, E018, E019, E020, W004) |
//! | `map` | `map(list, body)`, per-element bodies and named elements `x => ...` (E008) |
//! | `shadow` | `.` of a filter inside `map` compared with a field of its own element (W005) |
//! | `compile_time` | `var()`, `env()` (E013, E014, W001) |
//! | `fold` | constant folding through `eval` (E013) |
//! | `snippet` | a lone expression in a mapping's context (`eval`, `repl`) |
//! | `input_paths` | the record paths the mapping reads, against the paths of its inputs (W003) |

mod after_filter;
mod block;
mod call;
mod compile_time;
mod compiler;
mod contract;
mod expr;
mod file;
mod fold;
mod func;
pub mod input_paths;
mod map;
mod path;
mod scope;
mod shadow;
mod snippet;
#[cfg(test)]
mod testing;

pub use compiler::{CompileOptions, compile, compile_expr, compile_expr_in};
pub use input_paths::{InputFields, input_warnings};
pub use snippet::{Snippet, compile_snippet};

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::plan::Program;
use crate::syntax;

/// A mapping that passed the checker, with its warnings.
#[derive(Debug)]
pub struct Checked {
    /// The compiled program.
    pub program: Program,
    /// Warnings (W...), in file order.
    pub warnings: Vec<Diagnostic>,
}

/// Parses, checks and compiles a mapping. On failure, returns every diagnostic (errors first,
/// in file order).
pub fn check(src: &SourceFile, opts: &CompileOptions) -> Result<Checked, Vec<Diagnostic>> {
    let file = syntax::parse(&src.text).map_err(|d| vec![d])?;
    let (program, mut diags) = compile(&file, opts);
    diags.sort_by_key(|d| (d.severity, d.span().start));
    match program {
        Some(program) => Ok(Checked {
            program,
            warnings: diags,
        }),
        None => Err(diags),
    }
}

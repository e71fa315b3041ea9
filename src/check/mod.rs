//! The checker: everything that can be known about a mapping before any record is read.
//! Syntax, names, arity, constant arguments, types that are certainly wrong, and Clerk's
//! contract (attribute names, required attributes). Every problem is a coded [`Diagnostic`]
//! with its place in the file and a fix; all of them are reported, not just the first.

mod compile;

pub use compile::{CompileOptions, compile, compile_expr};

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::plan::Program;
use crate::syntax;

/// A mapping that passed the checker, with its warnings.
#[derive(Debug)]
pub struct Checked {
    pub program: Program,
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

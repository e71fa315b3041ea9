//! A lone expression checked and compiled as if it stood in a block of a checked mapping: its
//! lookup tables, file-level `let`s and user functions (`fn`) are in scope, and `rows` too when
//! the record is a group's. For the tools that evaluate an expression on its own (`clerkmap
//! eval`, `clerkmap repl`); without a mapping, only the built-in functions are.

use super::compiler::Compiler;
use super::scope::Scope;
use super::{CompileOptions, Diagnostic};
use crate::plan::{CExpr, Program, Secrets};
use crate::syntax::ast::{Expr, File};
use crate::value::Ty;

/// A compiled lone expression.
#[derive(Debug)]
pub struct Snippet {
    /// The compiled expression.
    pub expr: CExpr,
    /// The checker's type for it (the names its diagnostics use: `string or null`).
    pub ty: Ty,
    /// Warnings about it (errors refuse it).
    pub warnings: Vec<Diagnostic>,
    /// The secrets it reads (`env()`) or computes, with the mapping's: never shown.
    pub secrets: Secrets,
}

/// Checks and compiles `expr` in the context of `mapping` (its syntax tree, for the `fn`s, and
/// its checked program, for the tables and `let`s), or of the built-ins alone. `grouped`: the
/// record is a group's first row, `rows` its rows and `key` its key (read from slot 0 of the
/// environment it is evaluated in). Every diagnostic points into `expr`'s
/// own text. On failure, every diagnostic (errors first).
pub fn compile_snippet(
    expr: &Expr,
    mapping: Option<(&File, &Program)>,
    opts: &CompileOptions,
    grouped: bool,
) -> Result<Snippet, Vec<Diagnostic>> {
    let mut c = Compiler::new(opts);
    if let Some((file, program)) = mapping {
        c.know_program(program);
        c.file_lets
            .extend(program.globals.iter().map(|(name, _)| name.clone()));
        c.declare_fns(file);
        // The mapping checked: its declarations raise nothing; a diagnostic now is the snippet's.
        c.diags.clear();
    }
    let mut scope = Scope::record();
    scope.grouped = grouped;
    if grouped {
        // the group's `key`, in the one slot a snippet's environment has
        scope.key_slot = Some(0);
        scope.slots = 1;
    }
    let (e, ty) = c.expr(expr, &mut scope);
    let mut diags = std::mem::take(&mut c.diags);
    diags.sort_by_key(|d| (d.severity, d.span().start));
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    Ok(Snippet {
        expr: e,
        ty,
        warnings: diags,
        secrets: c.secrets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{parse, parse_expr};

    fn program(text: &str) -> (File, Program) {
        let file = parse(text).unwrap_or_else(|d| panic!("{d:?}"));
        let (p, diags) = super::super::compile(&file, &CompileOptions::default());
        let p = p.unwrap_or_else(|| panic!("{diags:?}"));
        (file, p)
    }

    #[test]
    fn sees_the_mappings_lets_fns_and_tables() {
        let (file, p) =
            program("let site = \"https://x.test\"\nfn twice(n) = n * 2\nlookup cats by .id\n");
        let e = parse_expr("twice(1) ~ site ~ lookup(cats, .c).name")
            .unwrap_or_else(|d| panic!("{d:?}"));
        let s = compile_snippet(&e, Some((&file, &p)), &CompileOptions::default(), false)
            .unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(s.ty.to_string(), "string or null");
        let e = parse_expr("twice(1)").unwrap_or_else(|d| panic!("{d:?}"));
        let d = compile_snippet(&e, None, &CompileOptions::default(), false).unwrap_err();
        assert_eq!(d[0].code, crate::diagnostic::Code::UnknownFunction);
    }
}

//! Helpers for the checker's unit tests: check a snippet and look at its diagnostics, its
//! program, or a lone expression's lowered form.

use std::collections::HashMap;

use super::{CompileOptions, check, compile_expr};
use crate::diagnostic::{Diagnostic, SourceFile, Span};
use crate::plan::{CExpr, Op, Program};
use crate::syntax::parse_expr;

/// Options with an empty environment (so `env()` does not read the process's).
pub(super) fn opts() -> CompileOptions {
    CompileOptions {
        env: Some(HashMap::new()),
        ..Default::default()
    }
}

/// Every diagnostic of a mapping (errors, or the warnings of one that checks), in file order.
pub(super) fn diags_with(src: &str, opts: &CompileOptions) -> Vec<Diagnostic> {
    match check(&SourceFile::new("t.cmap", src), opts) {
        Ok(c) => c.warnings,
        Err(d) => d,
    }
}

/// [`diags_with`] the default [`opts`].
pub(super) fn diags(src: &str) -> Vec<Diagnostic> {
    diags_with(src, &opts())
}

/// The codes of [`diags`], as written (`E009`).
pub(super) fn codes(src: &str) -> Vec<String> {
    diags(src).iter().map(|d| d.code.to_string()).collect()
}

/// The one diagnostic of a mapping; fails unless there is exactly one.
pub(super) fn only(src: &str) -> Diagnostic {
    let mut d = diags(src);
    assert_eq!(d.len(), 1, "{src}\n{d:#?}");
    d.remove(0)
}

/// The span of the `n`th (from 0) occurrence of `needle` in `src`.
pub(super) fn span_of(src: &str, needle: &str, n: usize) -> Span {
    let start = src
        .match_indices(needle)
        .nth(n)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("`{needle}` #{n} is not in {src}"));
    Span::new(start, start + needle.len())
}

/// The program of a mapping that checks.
pub(super) fn program(src: &str) -> Program {
    match check(&SourceFile::new("t.cmap", src), &opts()) {
        Ok(c) => c.program,
        Err(d) => panic!("{src}\n{d:#?}"),
    }
}

/// The expression of the attribute `name` in the first block of a mapping that checks.
pub(super) fn attribute(src: &str, name: &str) -> CExpr {
    let p = program(src);
    let ops = p
        .blocks
        .into_iter()
        .next()
        .map(|b| b.ops)
        .unwrap_or_default();
    ops.into_iter()
        .find_map(|op| match op {
            Op::Assign { name: n, expr, .. } if n == name => Some(expr),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no attribute `{name}` in {src}"))
}

/// A lone expression, lowered with the lookup table `categorie` in scope.
pub(super) fn lower(src: &str) -> Result<CExpr, Vec<Diagnostic>> {
    lower_with(src, &opts())
}

/// [`lower`] with options.
pub(super) fn lower_with(src: &str, opts: &CompileOptions) -> Result<CExpr, Vec<Diagnostic>> {
    let e = parse_expr(src).unwrap_or_else(|d| panic!("{src}: {}", d.message));
    compile_expr(&e, &["categorie"], opts)
}

/// The value a constant expression folds to; fails when it does not fold.
pub(super) fn constant(src: &str) -> crate::value::Value {
    match lower(src) {
        Ok(CExpr::Const(v)) => v,
        other => panic!("{src} is not a constant: {other:?}"),
    }
}

/// The one error of a lone expression.
pub(super) fn lower_error(src: &str) -> Diagnostic {
    match lower(src) {
        Ok(e) => panic!("{src} compiles: {e:?}"),
        Err(mut d) => {
            assert_eq!(d.len(), 1, "{src}\n{d:#?}");
            d.remove(0)
        }
    }
}

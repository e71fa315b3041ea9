//! Paths: a base followed by steps, `.a.b`, `x[0]`, `x["key"]`, `x[*]` and `x[? cond]`. The
//! chain is unwound to its base; a `[? ...]` condition is checked per element (`.` is the
//! element; it must be able to be a bool, E008). Reading into something that can only be a
//! scalar is E008. A path that projects (`[*]`, `[? ]`) gives a list.

use super::compiler::{Compiler, null};
use super::scope::Scope;
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{CExpr, Step};
use crate::syntax::ast::{Expr, ExprKind};
use crate::value::Ty;

impl Compiler<'_> {
    /// Lowers a path (a field, index, `[*]` or `[? ]` chain).
    pub(super) fn path(&mut self, e: &Expr, scope: &mut Scope) -> (CExpr, Ty) {
        // Unwind the postfix chain to its base.
        let mut steps_rev = Vec::new();
        let mut cur = e;
        loop {
            match &cur.kind {
                ExprKind::Field(inner, name) => {
                    steps_rev.push(Step::Field(name.clone()));
                    cur = inner;
                }
                ExprKind::Index(inner, idx) => {
                    let (i, _) = self.expr(idx, scope);
                    steps_rev.push(Step::Index(i));
                    cur = inner;
                }
                ExprKind::Wildcard(inner) => {
                    steps_rev.push(Step::Each);
                    cur = inner;
                }
                ExprKind::Filter(inner, cond) => {
                    let mut per_element = scope.per_element();
                    let (c, tc) = self.expr(cond, &mut per_element);
                    scope.end_nested(per_element);
                    self.expect_bool(tc, cond.span, "a `[? ...]` filter");
                    steps_rev.push(Step::Filter(c, cond.span));
                    cur = inner;
                }
                _ => break,
            }
        }
        let (base, base_ty) = self.expr(cur, scope);
        steps_rev.reverse();
        let projects = steps_rev.iter().any(Step::projects);
        let ty = if projects { Ty::LIST } else { Ty::ANY };
        let scalar = base_ty.without(Ty::NULL);
        if scalar.and(Ty::OBJECT.or(Ty::LIST)).is_never() && !scalar.is_never() {
            self.diags.push(
                Diagnostic::error(
                    Code::TypeMismatch,
                    e.span,
                    format!("cannot read a field or element of {base_ty}"),
                )
                .hint("paths read into objects and lists"),
            );
            return null();
        }
        let path = CExpr::Path {
            base: Box::new(base),
            steps: steps_rev,
            projects,
        };
        self.fold(path, ty, e.span)
    }
}

//! Paths: a base followed by steps, `.a.b`, `x[0]`, `x["key"]`, `x[*]` and `x[? cond]`. The
//! chain is unwound to its base; a `[? ...]` condition is checked per element (`.` is the
//! element; it must be able to be a bool, E008). Reading into something that can only be a
//! scalar is E008. A path that projects (`[*]`, `[? ]`) gives a list.

use super::compiler::{Compiler, null};
use super::input_paths::field_step;
use super::scope::Scope;
use crate::diagnostic::{Code, Diagnostic, Span};
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
            self.after_filter(cur);
            match &cur.kind {
                ExprKind::Field(inner, name) => {
                    steps_rev.push(Step::Field(name.clone(), Default::default()));
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
                    let (c, tc) = self.per_element(cond, scope);
                    self.expect_bool(tc, cond.span, "a `[? ...]` filter");
                    steps_rev.push(Step::Filter(c, cond.span));
                    cur = inner;
                }
                _ => break,
            }
        }
        let (base, base_ty) = self.expr(cur, scope);
        steps_rev.reverse();
        // W009: a field read from what can only be a list is null in every record
        if let Some(Step::Field(name, _)) = steps_rev.first()
            && base_ty.without(Ty::NULL) == Ty::LIST
        {
            self.field_of_list(cur, e, name);
        }
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
            span: e.span,
        };
        self.fold(path, ty, e.span)
    }
}

impl Compiler<'_> {
    /// W009 for `.name` read right from `list`, a list (`rows._address_city`).
    fn field_of_list(&mut self, list: &Expr, e: &Expr, name: &str) {
        let shown = match &list.kind {
            ExprKind::Rows(n) | ExprKind::Name(n) => n.name.clone(),
            _ => "LIST".to_string(),
        };
        let step = field_step(name);
        let (each, first) = if matches!(list.kind, ExprKind::Rows(_)) {
            (
                "row",
                format!(", `first(rows){step}` (or `{step}`) the first row's"),
            )
        } else {
            (
                "element",
                format!(", `first({shown}){step}` the first element's"),
            )
        };
        self.diags.push(
            Diagnostic::warning(
                Code::FieldOfList,
                Span::new(list.span.end, e.span.end),
                format!("`{step}` is read from a list, which has no fields: this is always null"),
            )
            .label(format!("`{shown}` is a list"))
            .hint(format!(
                "`{shown}[*]{step}` gives each {each}'s `{step}`{first}"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::json;

    use super::super::testing::*;
    use crate::diagnostic::{Code, Span};
    use crate::plan::{CExpr, Step};

    #[test]
    fn a_path_unwinds_to_its_base_and_steps_in_order() {
        let Ok(CExpr::Path {
            base,
            steps,
            projects,
            ..
        }) = lower(".righe[*].codice[0]")
        else {
            panic!("not a path");
        };
        assert!(matches!(*base, CExpr::Current));
        assert!(projects);
        assert!(matches!(
            steps.as_slice(),
            [Step::Field(a, _), Step::Each, Step::Field(b, _), Step::Index(CExpr::Const(_))]
                if a == "righe" && b == "codice"
        ));
    }

    #[test]
    fn a_filter_condition_sees_the_element_and_must_be_a_bool() {
        let Ok(CExpr::Path { steps, .. }) = lower(".v[? .ok == true]") else {
            panic!("not a path");
        };
        assert!(matches!(&steps[1], Step::Filter(_, span) if *span == Span::new(5, 16)));
        let d = lower_error(".v[? \"x\"]");
        assert_eq!(d.code, Code::TypeMismatch);
        assert_eq!(
            d.message,
            "a `[? ...]` filter must be a bool, but this is string"
        );
        assert_eq!(d.span(), Span::new(5, 8));
    }

    #[test]
    fn a_filter_condition_in_a_block_sees_the_blocks_names() {
        let src = "customers from c { let k = \"a\", id = .id, x = .v[? .t == k] }";
        assert_eq!(diags(src), []);
    }

    #[test]
    fn paths_into_constants_fold_and_into_scalars_fail() {
        assert_eq!(constant("{a: [1, 2]}.a[1]"), json!(2));
        assert_eq!(constant("([1, 2, 3])[*]"), json!([1, 2, 3]));
        let d = lower_error("(\"abc\").x");
        assert_eq!(d.code, Code::TypeMismatch);
        assert_eq!(d.message, "cannot read a field or element of string");
        assert_eq!(d.span(), Span::new(0, 9));
    }
}

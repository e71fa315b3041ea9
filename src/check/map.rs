//! `map(list, body)`: the list must be able to be a list (E008); the body is checked per
//! element (`.` is the element, the block's names are visible). Never folded: it gives a list
//! (or null).

use super::compiler::Compiler;
use super::scope::Scope;
use crate::plan::CExpr;
use crate::syntax::ast::{Expr, ExprKind};
use crate::value::Ty;

impl Compiler<'_> {
    /// An expression evaluated per element: `map`'s body or a `[? ]` condition, with `.` the
    /// element, or a named element's body `x => ...` (then [`CExpr::Lambda`]), with `.` as it
    /// is around it and `x` the element.
    pub(super) fn per_element(&mut self, body: &Expr, scope: &mut Scope) -> (CExpr, Ty) {
        match &body.kind {
            ExprKind::Lambda { param, body } => {
                let mut named = scope.named_element(param);
                let (b, ty) = self.expr(body, &mut named);
                scope.end_nested(named);
                (CExpr::Lambda(Box::new(b)), ty)
            }
            _ => {
                let mut per_element = scope.per_element();
                let lowered = self.expr(body, &mut per_element);
                scope.end_nested(per_element);
                lowered
            }
        }
    }

    /// `map(list, body)`; `e` is the whole form.
    pub(super) fn map(
        &mut self,
        e: &Expr,
        list: &Expr,
        body: &Expr,
        scope: &mut Scope,
    ) -> (CExpr, Ty) {
        let (items, ty) = self.expr(list, scope);
        if !ty.intersects(Ty::LIST.or(Ty::NULL)) {
            self.type_error(
                list.span,
                format!("`map` needs a list, but this is {ty}"),
                None,
            );
        }
        if !body.is_lambda() {
            self.shadowed_elements(body);
        }
        let (body, _) = self.per_element(body, scope);
        (
            CExpr::Map(Box::new(items), Box::new(body), e.span),
            Ty::LIST.nullable(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::diagnostic::{Code, Span};
    use crate::plan::CExpr;

    #[test]
    fn the_body_is_lowered_per_element() {
        let Ok(CExpr::Map(list, body, span)) = lower(".righe | map({id: .codice})") else {
            panic!("not a map");
        };
        assert!(matches!(*list, CExpr::Path { .. }));
        assert!(matches!(*body, CExpr::Object(_)));
        assert_eq!(span, Span::new(0, 27));
        // Not folded, even over constants.
        assert!(matches!(lower("map([1, 2], . * 2)"), Ok(CExpr::Map(..))));
    }

    #[test]
    fn named_elements_are_bound_innermost_first_and_keep_dot() {
        let Ok(CExpr::Map(_, body, _)) = lower("map(.a, x => map(.b, y => [x, y, .]))") else {
            panic!("not a map");
        };
        let CExpr::Lambda(inner) = *body else {
            panic!("not a named body");
        };
        let CExpr::Map(_, body, _) = *inner else {
            panic!("not a map");
        };
        let CExpr::Lambda(list) = *body else {
            panic!("not a named body");
        };
        assert!(matches!(
            *list,
            CExpr::List(ref items)
                if matches!(items.as_slice(), [CExpr::Bound(1), CExpr::Bound(0), CExpr::Current])
        ));
        // An unnamed filter inside a named body: `.` is its element, `x` still the named one.
        assert!(lower("map(.a, x => .b[? .n == x.n])").is_ok());
        // In a function's body a named element reads no record: `.` is still E020.
        let d = diags("fn f(xs) = map(xs, x => x.n ~ .k)\ncustomers from c { id = f(.v) }");
        assert!(d.iter().any(|d| d.code == Code::RecordInFunction), "{d:?}");
        assert_eq!(
            diags("fn f(xs, n) = xs[? x => x.n == n]\ncustomers from c { id = .id, e = f(.v, 1) }"),
            []
        );
        // The element's name hides a `let` of the same name, inside the body only.
        let src =
            "customers from c { let x = \"a@b.c\", id = .id, v = map(.v, x => x.n), email = x }";
        assert_eq!(diags(src), []);
    }

    #[test]
    fn the_list_must_be_a_list() {
        let d = lower_error("map(\"ABC\", .x)");
        assert_eq!(d.code, Code::TypeMismatch);
        assert_eq!(d.message, "`map` needs a list, but this is string");
        assert_eq!(d.span(), Span::new(4, 9));
    }

    #[test]
    fn the_body_sees_the_blocks_names_and_its_tables_count() {
        let src = "lookup t by .k\ncustomers from c {\n  let n = 2\n  id = .x\n  tags = map(.v, lookup(t, .k).mail ~ n)\n}";
        assert_eq!(diags(src), []);
        assert_eq!(program(src).blocks[0].tables, [0]);
        // Never folded, so a file-level `let` cannot hold one; `.` in the body is the element,
        // not a record read at file level.
        let src = "let a = map([{x: 1}], .x)";
        let d = only(src);
        assert_eq!(d.code, Code::RecordOutsideBlock);
        assert_eq!(d.span(), span_of(src, "map([{x: 1}], .x)", 0));
    }
}

//! `map(list, body)`: the list must be able to be a list (E008); the body is checked per
//! element (`.` is the element, the block's names are visible). Never folded: it gives a list
//! (or null).

use super::compiler::Compiler;
use super::scope::Scope;
use crate::plan::CExpr;
use crate::syntax::ast::Expr;
use crate::value::Ty;

impl Compiler<'_> {
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
        let mut per_element = scope.per_element();
        let (body, _) = self.expr(body, &mut per_element);
        scope.end_nested(per_element);
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

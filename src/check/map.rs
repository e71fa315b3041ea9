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

//! Constant folding: an expression whose inputs are all constants is evaluated now, with the
//! engine's own evaluator ([`eval::eval`]), and replaced by its value. One that fails is E013
//! (unless a type error inside it is already reported): `1 / 0` never reaches a record.

use serde_json::Value;

use super::compiler::{Compiler, null};
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::eval;
use crate::plan::{CExpr, Step};
use crate::value::Ty;

impl Compiler<'_> {
    /// `e` (of type `ty`, written at `span`) folded when its inputs are all constants.
    pub(super) fn fold(&mut self, e: CExpr, ty: Ty, span: Span) -> (CExpr, Ty) {
        if !is_constant(&e) {
            return (e, ty);
        }
        let env = eval::Env::empty();
        match eval::eval(&e, &Value::Null, &env) {
            Ok(v) => {
                let t = Ty::of(&v);
                (CExpr::Const(v), t)
            }
            // Already reported: a type error inside this expression.
            Err(_) if self.reported_inside(span) => null(),
            Err(err) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::BadConstant,
                        span,
                        format!("this constant expression fails: {}", err.message),
                    )
                    .hint("fix the literal values"),
                );
                null()
            }
        }
    }

    /// Whether the last diagnostic is an error within `span`.
    fn reported_inside(&self, span: Span) -> bool {
        self.diags.last().is_some_and(|d| {
            let at = d.span();
            d.is_error() && at.start >= span.start && at.end <= span.end
        })
    }
}

/// Whether an expression reads nothing but constants.
fn is_constant(e: &CExpr) -> bool {
    match e {
        CExpr::Const(_) => true,
        CExpr::Current | CExpr::Rows | CExpr::Slot(_) => false,
        CExpr::Path { base, steps, .. } => {
            is_constant(base)
                && steps.iter().all(|s| match s {
                    Step::Field(_) | Step::Each => true,
                    Step::Index(i) => is_constant(i),
                    Step::Filter(..) => false,
                })
        }
        CExpr::List(items) => items.iter().all(is_constant),
        CExpr::Object(entries) => entries.iter().all(|(_, v)| is_constant(v)),
        // Not foldable: `error` (it fails only when a record reaches it), the table functions.
        CExpr::Call { f, table, args, .. } => {
            table.is_none() && f.foldable && args.iter().all(is_constant)
        }
        CExpr::Unary(_, x, _) => is_constant(x),
        CExpr::Binary(_, a, b, _) => is_constant(a) && is_constant(b),
        CExpr::If(c, t, f, _) => {
            is_constant(c) && is_constant(t) && f.as_deref().is_none_or(is_constant)
        }
        CExpr::Match(v, arms) => is_constant(v) && arms.iter().all(|(_, x)| is_constant(x)),
        CExpr::Map(..) => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::testing::*;
    use crate::diagnostic::{Code, Span};
    use crate::plan::CExpr;

    #[test]
    fn constant_inputs_fold_through_the_evaluator() {
        assert_eq!(constant("(\" Ab \" | trim | lower) ~ \"!\""), json!("ab!"));
        assert_eq!(constant("[1, 2][1] + 1"), json!(3));
        // Anything that reads the record stays.
        assert!(matches!(lower(".x | trim"), Ok(CExpr::Call { .. })));
        assert!(matches!(lower("[1, 2][? . > 1]"), Ok(CExpr::Path { .. })));
    }

    #[test]
    fn error_is_never_folded() {
        assert!(matches!(lower("error(\"no\")"), Ok(CExpr::Call { .. })));
    }

    #[test]
    fn a_failing_constant_expression_is_refused() {
        let d = lower_error("1 / 0");
        assert_eq!(d.code, Code::BadConstant);
        assert_eq!(d.span(), Span::new(0, 5));
        assert!(
            d.message.starts_with("this constant expression fails: "),
            "{}",
            d.message
        );
        assert_eq!(d.hint.as_deref(), Some("fix the literal values"));
    }

    #[test]
    fn a_type_error_inside_is_not_reported_twice() {
        let d = lower_error("\"a\" * 2");
        assert_eq!(d.code, Code::TypeMismatch);
    }
}

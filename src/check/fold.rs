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
        // `error` only fails when a record reaches it.
        CExpr::Call { f, table, args, .. } => {
            table.is_none() && f.name != "error" && args.iter().all(is_constant)
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

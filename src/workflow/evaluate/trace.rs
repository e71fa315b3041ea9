//! The steps of an evaluation: every sub-expression the evaluator computes, in the order it
//! computes them (operands before their operator, arguments before their call), each with its
//! value. Only the parts that run: the right side of `??` when the left is null, the branch of
//! an `if` or `match` taken, the right side of `and`/`or` when it decides. Literals are not
//! steps, and neither are the parts evaluated per element (`[? ...]` conditions, `map`
//! bodies): the step of their whole expression shows what they gave.
//!
//! Each step is the sub-expression compiled and evaluated on its own, on the same record with
//! the same tables, by the caller's `eval`: the evaluator itself is not instrumented, so a run
//! pays nothing for the trace.

use crate::value::{Value, values_equal};

use crate::plan::Secrets;
use crate::syntax::ast::{BinOp, Expr, ExprKind, ObjectKey, Pattern, Span};

/// A sub-expression as evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Its text in the expression, whitespace runs made one space.
    pub text: String,
    /// Where it is in the expression.
    pub span: Span,
    /// How deep it nests in the expression (the whole expression is 0).
    pub depth: usize,
    /// Its value, or why it failed.
    pub value: Result<Value, String>,
}

impl Step {
    /// The step with its secrets hidden.
    pub fn hidden(mut self, secrets: &Secrets) -> Step {
        if secrets.is_empty() {
            return self;
        }
        self.text = secrets.redact(&self.text);
        self.value = match self.value {
            Ok(v) => Ok(secrets.hide(&v)),
            Err(e) => Err(secrets.redact(&e)),
        };
        self
    }
}

/// The steps of `e` (whose text is `text`); `eval` gives a sub-expression's value (`None` when
/// it cannot be evaluated on its own, like a table's name: no step).
pub fn steps(
    e: &Expr,
    text: &str,
    eval: impl Fn(&Expr) -> Option<Result<Value, String>>,
) -> Vec<Step> {
    let mut t = Tracer {
        text,
        eval: &eval,
        steps: Vec::new(),
        failed: false,
    };
    t.walk(e, 0);
    t.steps
}

struct Tracer<'a> {
    text: &'a str,
    eval: &'a dyn Fn(&Expr) -> Option<Result<Value, String>>,
    steps: Vec<Step>,
    /// A step failed: the evaluation stops there, and so does the trace.
    failed: bool,
}

impl Tracer<'_> {
    /// Traces the parts of `e` that run, then `e` itself; its value (`None`: unknown or failed).
    fn walk(&mut self, e: &Expr, depth: usize) -> Option<Value> {
        if self.failed {
            return None;
        }
        let d = depth + 1;
        match &e.kind {
            ExprKind::Literal(v) => return Some(v.clone()),
            ExprKind::Paren(x) => return self.walk(x, depth),
            ExprKind::Current | ExprKind::BadForm { .. } | ExprKind::Lambda { .. } => return None,
            ExprKind::Field(..)
            | ExprKind::Index(..)
            | ExprKind::Wildcard(..)
            | ExprKind::Filter(..) => self.path(e, d),
            ExprKind::List(items) => {
                for i in items {
                    self.walk(i, d);
                }
            }
            ExprKind::Object(entries) => {
                for (k, v) in entries {
                    if let ObjectKey::Computed(k) = k {
                        self.walk(k, d);
                    }
                    self.walk(v, d);
                }
            }
            ExprKind::Call { args, .. } => {
                for a in args {
                    self.walk(a, d);
                }
            }
            ExprKind::Unary(_, x) => {
                self.walk(x, d);
            }
            ExprKind::Binary(op, a, b) => {
                let l = self.walk(a, d);
                let skip = match op {
                    BinOp::Coalesce => l.as_ref().is_some_and(|v| !v.is_null()),
                    BinOp::And => l.as_ref().is_some_and(|v| *v != Value::Bool(true)),
                    BinOp::Or => l == Some(Value::Bool(true)),
                    _ => false,
                };
                if !skip {
                    self.walk(b, d);
                }
            }
            ExprKind::If { cond, then, els } => {
                if self.walk(cond, d) == Some(Value::Bool(true)) {
                    self.walk(then, d);
                } else if let Some(els) = els {
                    self.walk(els, d);
                }
            }
            ExprKind::Match { value, arms } => {
                let v = self.walk(value, d);
                let arm = arms.iter().find(|a| match &a.pattern {
                    Pattern::Any => true,
                    Pattern::Literals(lits) => v
                        .as_ref()
                        .is_some_and(|v| lits.iter().any(|l| values_equal(l, v))),
                });
                if let Some(arm) = arm {
                    self.walk(&arm.value, d);
                }
            }
            ExprKind::Map { list, .. } => {
                self.walk(list, d);
            }
            ExprKind::Name(_) | ExprKind::Rows(_) | ExprKind::CompileTime { .. } => {}
        }
        self.step(e, depth)
    }

    /// A path: what it starts from when that is not the record (a call, a name), and the
    /// index expressions, evaluated on the record; not the `[? ...]` conditions (per element).
    fn path(&mut self, e: &Expr, depth: usize) {
        let mut indexes = Vec::new();
        let mut base = e;
        loop {
            match &base.kind {
                ExprKind::Field(b, _) | ExprKind::Wildcard(b) | ExprKind::Filter(b, _) => base = b,
                ExprKind::Index(b, i) => {
                    indexes.push(&**i);
                    base = b;
                }
                _ => break,
            }
        }
        if !matches!(base.kind, ExprKind::Current | ExprKind::Rows(_)) {
            self.walk(base, depth);
        }
        for i in indexes.into_iter().rev() {
            self.walk(i, depth);
        }
    }

    /// `e` evaluated as a step.
    fn step(&mut self, e: &Expr, depth: usize) -> Option<Value> {
        if self.failed {
            return None;
        }
        let value = (self.eval)(e)?;
        let text = self.text.get(e.span.start..e.span.end).unwrap_or("");
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        self.failed = value.is_err();
        self.steps.push(Step {
            text,
            span: e.span,
            depth,
            value: value.clone(),
        });
        value.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{CompileOptions, compile_expr};
    use crate::eval::{Env, eval};
    use crate::json;
    use crate::syntax::parse_expr;

    fn trace(src: &str, record: Value) -> Vec<String> {
        let e = parse_expr(src).unwrap_or_else(|d| panic!("{d:?}"));
        let opts = CompileOptions::default();
        let f = |x: &Expr| {
            let c = compile_expr(x, &[], &opts).ok()?;
            Some(eval(&c, &record, &Env::empty()).map_err(|e| e.message))
        };
        steps(&e, src, f)
            .into_iter()
            .map(|s| {
                let v = match s.value {
                    Ok(v) => v.to_string(),
                    Err(e) => format!("error: {e}"),
                };
                format!("{}{} = {v}", "  ".repeat(s.depth), s.text)
            })
            .collect()
    }

    #[test]
    fn operands_before_operators_and_only_what_runs() {
        let t = trace(".a ?? (.b | upper)", json!({"a": null, "b": "x"}));
        assert_eq!(
            t,
            vec![
                "  .a = null",
                "    .b = \"x\"",
                "  (.b | upper) = \"X\"",
                ".a ?? (.b | upper) = \"X\""
            ]
        );
        let t = trace(".a ?? .b", json!({"a": 1}));
        assert_eq!(t, vec!["  .a = 1", ".a ?? .b = 1"]);
        let t = trace("if .n > 1 { \"big\" } else { .x }", json!({"n": 2}));
        assert_eq!(
            t,
            vec![
                "    .n = 2",
                "  .n > 1 = true",
                "if .n > 1 { \"big\" } else { .x } = \"big\""
            ]
        );
    }

    #[test]
    fn a_failing_step_ends_the_trace() {
        let t = trace("(.a | decimal) + 1", json!({"a": "x"}));
        assert_eq!(t.len(), 2, "{t:?}");
        assert!(t[1].contains("error:"), "{t:?}");
    }
}

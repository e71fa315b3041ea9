//! W005: inside `map`'s body (`.` = the list's element), a `[? ]` filter whose condition
//! compares a field of the filtered element with `.` itself (`.axes[? .n == .]`): there `.` is
//! the filtered element, never `map`'s, so the comparison is almost surely meant for the outer
//! element. Named elements (`map(xs, x => ...)`, `[? y => ...]`) are the fix.

use super::compiler::Compiler;
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::syntax::ast::{BinOp, Expr, ExprKind, UnOp};
use crate::syntax::visit::{Visitor, walk_expr};

/// The filters of a `map` body that compare a field of their element with `.`.
#[derive(Default)]
struct Shadowed {
    /// (the bare `.`, the field compared with it, the whole condition).
    found: Vec<(Span, String, Span)>,
}

impl<'a> Visitor<'a> for Shadowed {
    fn visit_expr(&mut self, e: &'a Expr) {
        match &e.kind {
            // A nested `map` with `.` as its element is checked on its own.
            ExprKind::Map { list, body } if !body.is_lambda() => self.visit_expr(list),
            ExprKind::Filter(base, cond) if !cond.is_lambda() => {
                self.visit_expr(base);
                if let Some((dot, field)) = field_against_dot(cond) {
                    self.found.push((dot, field, cond.span));
                }
            }
            _ => walk_expr(self, e),
        }
    }
}

/// In a condition (through `and`, `or`, `not`, brackets): a comparison of a path of `.` with
/// `.` itself; the `.` and the path's field.
fn field_against_dot(cond: &Expr) -> Option<(Span, String)> {
    match &cond.kind {
        ExprKind::Binary(BinOp::And | BinOp::Or, a, b) => {
            field_against_dot(a).or_else(|| field_against_dot(b))
        }
        ExprKind::Unary(UnOp::Not, x) | ExprKind::Paren(x) => field_against_dot(x),
        ExprKind::Binary(
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge,
            a,
            b,
        ) => match (&a.kind, &b.kind) {
            (ExprKind::Current, _) => field_of_dot(b).map(|f| (a.span, f)),
            (_, ExprKind::Current) => field_of_dot(a).map(|f| (b.span, f)),
            _ => None,
        },
        _ => None,
    }
}

/// The first field of a path on `.` (`.n` -> `n`, `.a.b` -> `a`), if `e` is one.
fn field_of_dot(e: &Expr) -> Option<String> {
    let mut cur = e;
    let mut first = None;
    loop {
        match &cur.kind {
            ExprKind::Field(base, name) => {
                first = Some(name.clone());
                cur = base;
            }
            ExprKind::Index(base, _) => cur = base,
            ExprKind::Current => return first,
            _ => return None,
        }
    }
}

impl Compiler<'_> {
    /// W005 for each filter of `body` (an unnamed `map` body) that compares a field of its
    /// element with `.`.
    pub(super) fn shadowed_elements(&mut self, body: &Expr) {
        let mut v = Shadowed::default();
        v.visit_expr(body);
        for (dot, field, cond) in v.found {
            let name = if field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                format!(".{field}")
            } else {
                format!(".\"{field}\"")
            };
            self.diags.push(
                Diagnostic::warning(
                    Code::ShadowedElement,
                    dot,
                    "inside this `[? ]` filter, `.` is the filtered element, not the element of `map`",
                )
                .label("the filtered element itself")
                .secondary(cond, format!("compares the element's `{name}` with the element"))
                .hint(format!(
                    "name the elements to reach `map`'s: `map(LIST, v => ... [? e => e{name} == v] ...)`; with a named element, `.` keeps its outer meaning"
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::diagnostic::{Code, Span};

    #[test]
    fn a_filter_comparing_a_field_with_dot_inside_map_is_flagged() {
        let src = r#"customers from p { id = .id, x = map(.axes[*].n | unique, . ~ ": " ~ join(.axes[? .n == .].v, ",")) }"#;
        let d = only(src);
        assert_eq!(d.code, Code::ShadowedElement);
        let at = span_of(src, ".]", 0).start;
        assert_eq!(d.span(), Span::new(at, at + 1));
        assert!(
            d.hint
                .as_deref()
                .is_some_and(|h| h.contains("[? e => e.n == v]")),
            "{:?}",
            d.hint
        );
    }

    #[test]
    fn named_elements_and_other_filters_are_not() {
        for src in [
            r#"customers from p { id = .id, x = map(.axes[*].n, n => join(.axes[? a => a.n == n].v, ",")) }"#,
            r#"customers from p { id = .id, x = map(.a, .b[? .n == "x"]) }"#,
            r#"customers from p { id = .id, x = .b[? .n == .] }"#,
            r#"customers from p { id = .id, x = map(.a, x => .b[? .n == .]) }"#,
        ] {
            assert_eq!(diags(src), [], "{src}");
        }
    }
}

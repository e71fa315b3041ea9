//! W007: a step right after a `[? ]` filter that, by the projection rule, applies to each
//! element kept where the list of them was almost surely meant. The rest of a path after
//! `[? ]` applies to every element, so
//!
//! - `.varianti[? .stock > 0][0]` indexes each variant kept (an object: nothing), never the
//!   list: the result is always `[]`, where the first variant kept was meant;
//! - `.varianti[? .stock > 0][*].taglia` takes the *values* of each variant kept and reads
//!   `taglia` from those values (strings: nothing), where `.varianti[? ...].taglia` was meant.
//!
//! Both give an empty list without any error, so only a warning can tell. The second is
//! flagged only when the condition reads fields of its element (so the elements are objects,
//! whose values rarely have fields of their own).

use super::compiler::Compiler;
use super::input_paths::field_step;
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::syntax::ast::{Expr, ExprKind, UnOp};
use crate::syntax::visit::{Visitor, walk_expr};
use crate::value::Value;

impl Compiler<'_> {
    /// W007 for `step`, a step of a path, if it is an index or a `[*]` read further right
    /// after a `[? ]` filter. `e` is the step's whole path so far (what the warning points at).
    pub(super) fn after_filter(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Index(inner, idx) if is_number(idx) => {
                if let ExprKind::Filter(list, _) = &inner.kind {
                    let shown = show_path(list);
                    let index = format!("[{}]", show_number(idx));
                    self.diags.push(
                        Diagnostic::warning(
                            Code::StepAfterFilter,
                            Span::new(inner.span.end, e.span.end),
                            "an index right after a `[? ]` filter indexes each element it keeps, not the list of them",
                        )
                        .label("indexes each element kept: always empty, unless the elements are lists")
                        .secondary(Span::new(list.span.end, inner.span.end), "the filter")
                        .hint(format!(
                            "for the first element kept, write `first({shown}[? ...])` (or bracket the filter: `({shown}[? ...]){index}`); if the elements are lists, `map({shown}[? ...], .{index})` indexes each one"
                        )),
                    );
                }
            }
            ExprKind::Field(inner, field) => {
                if let ExprKind::Wildcard(each) = &inner.kind
                    && let ExprKind::Filter(list, cond) = &each.kind
                    && reads_element_fields(cond)
                {
                    let shown = show_path(list);
                    let star = Span::new(each.span.end, inner.span.end);
                    self.diags.push(
                        Diagnostic::warning(
                            Code::StepAfterFilter,
                            star,
                            format!("`[*]` after a `[? ]` filter takes the values of each element kept, and reads `{field}` from those values, not from the elements"),
                        )
                        .label("the values of each element kept")
                        .secondary(
                            Span::new(list.span.end, each.span.end),
                            "keeps elements that have fields (its condition reads them)",
                        )
                        .hint(format!(
                            "drop the `[*]`: `{shown}[? ...]{}` reads it from each element kept (the rest of a path after `[? ]` already applies to every element)",
                            field_step(field),
                        )),
                    );
                }
            }
            _ => {}
        }
    }
}

/// A path as it could be written (`.varianti`, `rows`, `x.a[0]`); `LIST` for anything else.
fn show_path(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Current => ".".to_string(),
        ExprKind::Name(n) | ExprKind::Rows(n) => n.name.clone(),
        ExprKind::Field(base, f) => match &base.kind {
            ExprKind::Current => field_step(f),
            _ => format!("{}{}", show_path(base), field_step(f)),
        },
        ExprKind::Index(base, i) if is_number(i) => {
            format!("{}[{}]", show_path(base), show_number(i))
        }
        ExprKind::Wildcard(base) => format!("{}[*]", show_path(base)),
        ExprKind::Filter(base, _) => format!("{}[? ...]", show_path(base)),
        _ => "LIST".to_string(),
    }
}

/// A number literal as written (`0`, `-1`).
fn show_number(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Literal(v) => v.to_string(),
        ExprKind::Unary(UnOp::Neg, x) => format!("-{}", show_number(x)),
        _ => String::new(),
    }
}

/// A number literal, possibly negative: `0`, `-1`.
fn is_number(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Literal(Value::Number(_)) => true,
        ExprKind::Unary(UnOp::Neg, x) => is_number(x),
        _ => false,
    }
}

/// Whether a filter's condition reads a field of its element: `.n` (not inside a nested
/// filter or `map`, where `.` is another element), or `e.n` for a named element `e => ...`.
fn reads_element_fields(cond: &Expr) -> bool {
    let mut v = ElementFields {
        param: None,
        found: false,
    };
    match &cond.kind {
        ExprKind::Lambda { param, body } => {
            v.param = Some(param.name.as_str());
            v.visit_expr(body);
        }
        _ => v.visit_expr(cond),
    }
    v.found
}

struct ElementFields<'a> {
    /// The element's name, for a named element; `.` otherwise.
    param: Option<&'a str>,
    found: bool,
}

impl<'a> Visitor<'a> for ElementFields<'a> {
    fn visit_expr(&mut self, e: &'a Expr) {
        match (&e.kind, self.param) {
            (ExprKind::Field(base, _), None) if matches!(base.kind, ExprKind::Current) => {
                self.found = true;
            }
            (ExprKind::Field(base, _), Some(p)) if matches!(&base.kind, ExprKind::Name(n) if n.name == p) =>
            {
                self.found = true;
            }
            // `.` is another element in there (for unnamed bodies and conditions).
            (ExprKind::Filter(list, cond), None) if !cond.is_lambda() => self.visit_expr(list),
            (ExprKind::Map { list, body }, None) if !body.is_lambda() => self.visit_expr(list),
            _ => walk_expr(self, e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::diagnostic::Code;

    fn block(expr: &str) -> String {
        format!("customers from p {{ id = .id, x = {expr} }}")
    }

    #[test]
    fn an_index_right_after_a_filter_is_flagged() {
        for (expr, index) in [
            (".v[? .n > 0][0]", "[0]"),
            (".v[? .n > 0][-1].t", "[-1]"),
            (".tags[? . != \"\"][0]", "[0]"),
            (".v[? e => e.n > 0][1]", "[1]"),
        ] {
            let src = block(expr);
            let d = only(&src);
            assert_eq!(d.code, Code::StepAfterFilter, "{expr}");
            assert_eq!(d.span(), span_of(&src, index, 0), "{expr}");
            let hint = d.hint.unwrap_or_default();
            assert!(
                hint.contains("first(.") && hint.contains("[? ...])"),
                "{hint}"
            );
        }
    }

    #[test]
    fn a_field_read_through_star_after_a_filter_of_objects_is_flagged() {
        for expr in [
            ".v[? .n > 0][*].t",
            ".v[? e => e.n > 0][*].t",
            ".v[? not (.n > 0)][*].t | unique",
        ] {
            let src = block(expr);
            let d = only(&src);
            assert_eq!(d.code, Code::StepAfterFilter, "{expr}");
            assert_eq!(d.span(), span_of(&src, "[*]", 0), "{expr}");
            assert!(d.message.contains("`t`"), "{}", d.message);
            let hint = d.hint.unwrap_or_default();
            assert!(hint.contains("`.v[? ...].t`"), "{hint}");
        }
    }

    #[test]
    fn what_the_list_was_meant_for_is_not_flagged() {
        for expr in [
            "first(.v[? .n > 0])",
            "(.v[? .n > 0])[0]",
            ".v[? .n > 0].t[0]",
            ".v[*].immagini[0].url",
            ".v[*][0]",
            ".v[? .n > 0][\"Codice EAN\"]",
            ".v[? .n > 0].t",
            ".v[? .n > 0][*]",
            // the condition reads no field: the elements may be lists of objects
            ".v[? len(.) > 0][*].t",
            // `.` of the inner `map` is another element
            ".v[? len(map(., .k)) > 0][*].t",
            "map(.v[? .n > 0], .[0])",
        ] {
            assert_eq!(diags(&block(expr)), [], "{expr}");
        }
    }
}

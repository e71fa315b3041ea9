//! What an expression reads: the record paths (rooted at `.` or `rows`) outside the parts
//! evaluated per element (`[? ...]` conditions, `map`'s body), and the names it uses anywhere
//! (a `let` compared in a filter is the block's), found with the syntax tree's visitor.

use crate::syntax::ast::{Expr, ExprKind};
use crate::syntax::visit::{Visitor, forget_element, walk_expr};

/// The record paths and names of an expression, in the order they appear.
#[derive(Default)]
pub(super) struct Reads<'e> {
    /// Paths on the record or the group's rows: `.a.b`, `rows[*].c`.
    pub paths: Vec<&'e Expr>,
    /// Names used (`let`s, attributes, file-level `let`s, `key`); not a named element's own.
    pub names: Vec<&'e str>,
    /// How many per-element parts the visit is inside: their paths are not the record's.
    per_element: usize,
}

impl<'e> Reads<'e> {
    /// What `e` reads.
    pub fn of(e: &'e Expr) -> Reads<'e> {
        let mut r = Reads::default();
        r.visit_expr(e);
        r
    }

    /// The names in the index expressions of a path (`.attributi[optout_attribute]`).
    fn indexes(&mut self, e: &'e Expr) {
        match &e.kind {
            ExprKind::Index(b, i) => {
                self.visit_expr(i);
                self.indexes(b);
            }
            ExprKind::Filter(b, cond) => {
                self.per_element(cond);
                self.indexes(b)
            }
            ExprKind::Field(b, _) | ExprKind::Wildcard(b) => self.indexes(b),
            _ => {}
        }
    }
}

impl<'e> Reads<'e> {
    /// A `[? ...]` condition or `map`'s body: its names, not its paths.
    fn per_element(&mut self, e: &'e Expr) {
        self.per_element += 1;
        self.visit_expr(e);
        self.per_element -= 1;
    }
}

/// The base of a path chain (`.a.b[0]` -> `.`).
fn path_base(e: &Expr) -> &Expr {
    match &e.kind {
        ExprKind::Field(b, _)
        | ExprKind::Index(b, _)
        | ExprKind::Wildcard(b)
        | ExprKind::Filter(b, _) => path_base(b),
        _ => e,
    }
}

fn is_path(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::Field(..) | ExprKind::Index(..) | ExprKind::Wildcard(..) | ExprKind::Filter(..)
    )
}

impl<'e> Visitor<'e> for Reads<'e> {
    fn visit_expr(&mut self, e: &'e Expr) {
        if self.per_element == 0
            && is_path(e)
            && matches!(path_base(e).kind, ExprKind::Current | ExprKind::Rows(_))
        {
            self.paths.push(e);
            self.indexes(e);
            return;
        }
        match &e.kind {
            ExprKind::Name(id) => self.names.push(&id.name),
            // Per element: the condition and the body do not read the record.
            ExprKind::Filter(base, cond) => {
                self.visit_expr(base);
                self.per_element(cond);
            }
            ExprKind::Map { list, body } => {
                self.visit_expr(list);
                self.per_element(body);
            }
            // `x => ...`: `x` is the element, not a name of the block.
            ExprKind::Lambda { param, body } => {
                let before = self.names.len();
                self.visit_expr(body);
                forget_element(&mut self.names, before, &param.name);
            }
            // Only in a mapping that does not check.
            ExprKind::BadForm { .. } => {}
            _ => walk_expr(self, e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_expr;

    fn reads(src: &str) -> (Vec<String>, Vec<String>) {
        let e = parse_expr(src).unwrap_or_else(|d| panic!("{d:?}"));
        let r = Reads::of(&e);
        let text = |x: &Expr| src[x.span.start..x.span.end].to_string();
        (
            r.paths.iter().map(|p| text(p)).collect(),
            r.names.iter().map(|n| n.to_string()).collect(),
        )
    }

    #[test]
    fn paths_on_the_record_and_names_outside_per_element_parts() {
        let (paths, names) = reads(
            "min(.varianti[? .ok == flag].prezzo) ?? .attributi[key] ?? map(rows[*].x, .y ~ z)",
        );
        assert_eq!(
            paths,
            vec![
                ".varianti[? .ok == flag].prezzo",
                ".attributi[key]",
                "rows[*].x"
            ]
        );
        // the names inside per-element parts are the block's (the Wix trial's `p` in a filter)
        assert_eq!(names, vec!["flag", "key", "z"]);
        let (paths, names) = reads("first([1, 2][? n => n == size]) ~ map(.a, v => v.x ~ w)");
        assert_eq!(paths, vec![".a"]);
        assert_eq!(
            names,
            vec!["size", "w"],
            "a named element is not a name of the block"
        );
    }
}

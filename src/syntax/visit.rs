//! Walking the syntax tree.
//!
//! A [`Visitor`] overrides the `visit_*` methods of the nodes it cares about; every default
//! method calls the matching `walk_*` function, which visits the node's children in source
//! order. An override calls `walk_*` itself to go on below its node, or does not, to skip the
//! subtree (the style of `syn::visit` and jaq).
//!
//! ```
//! use clerkmap::syntax::ast::{Expr, ExprKind};
//! use clerkmap::syntax::visit::{Visitor, walk_expr};
//!
//! /// The names an expression reads.
//! struct Names(Vec<String>);
//!
//! impl<'a> Visitor<'a> for Names {
//!     fn visit_expr(&mut self, e: &'a Expr) {
//!         if let ExprKind::Name(id) = &e.kind {
//!             self.0.push(id.name.clone());
//!         }
//!         walk_expr(self, e);
//!     }
//! }
//!
//! let e = clerkmap::syntax::parse_expr("site ~ \"/p/\" ~ (code | lower)").unwrap();
//! let mut names = Names(Vec::new());
//! names.visit_expr(&e);
//! assert_eq!(names.0, ["site", "code"]);
//! ```

use super::ast::{Block, Expr, ExprKind, File, Item, LookupDecl, ObjectKey, Stmt};

/// A walk over the syntax tree. Each method's default goes on into the node's children.
pub trait Visitor<'a> {
    /// A whole file: its items in order.
    fn visit_file(&mut self, file: &'a File) {
        walk_file(self, file);
    }
    /// A file-level item.
    fn visit_item(&mut self, item: &'a Item) {
        walk_item(self, item);
    }
    /// A statement of an entity block.
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        walk_stmt(self, stmt);
    }
    /// An expression.
    fn visit_expr(&mut self, expr: &'a Expr) {
        walk_expr(self, expr);
    }
}

/// Visits every item of `file`.
pub fn walk_file<'a, V: Visitor<'a> + ?Sized>(v: &mut V, file: &'a File) {
    for item in &file.items {
        v.visit_item(item);
    }
}

/// Visits the expressions and statements of `item`: a `let`'s value, a lookup's key and parent,
/// a block's `group by`, header `where` and statements.
pub fn walk_item<'a, V: Visitor<'a> + ?Sized>(v: &mut V, item: &'a Item) {
    match item {
        Item::Let(l) => v.visit_expr(&l.value),
        Item::Fn(f) => v.visit_expr(&f.body),
        Item::Input(_) => {}
        Item::Lookup(LookupDecl { key, parent, .. }) => {
            v.visit_expr(key);
            if let Some(p) = parent {
                v.visit_expr(p);
            }
        }
        Item::Block(Block {
            group_by,
            filter,
            stmts,
            ..
        }) => {
            for e in group_by.iter().chain(filter) {
                v.visit_expr(e);
            }
            for s in stmts {
                v.visit_stmt(s);
            }
        }
    }
}

/// Visits the expression of `stmt`.
pub fn walk_stmt<'a, V: Visitor<'a> + ?Sized>(v: &mut V, stmt: &'a Stmt) {
    match stmt {
        Stmt::Assign { value, .. } | Stmt::Spread { value, .. } => v.visit_expr(value),
        Stmt::Let(l) => v.visit_expr(&l.value),
        Stmt::Where { cond, .. } => v.visit_expr(cond),
    }
}

/// Visits the direct sub-expressions of `expr`, in source order (a piped value before the
/// call's other arguments, a path's base before its index or filter).
pub fn walk_expr<'a, V: Visitor<'a> + ?Sized>(v: &mut V, expr: &'a Expr) {
    match &expr.kind {
        ExprKind::Literal(_) | ExprKind::Current | ExprKind::Name(_) | ExprKind::Rows(_) => {}
        ExprKind::List(items) => items.iter().for_each(|i| v.visit_expr(i)),
        ExprKind::Object(entries) => {
            for (k, x) in entries {
                if let ObjectKey::Computed(k) = k {
                    v.visit_expr(k);
                }
                v.visit_expr(x);
            }
        }
        ExprKind::Field(base, _) | ExprKind::Wildcard(base) => v.visit_expr(base),
        ExprKind::Index(a, b) | ExprKind::Filter(a, b) | ExprKind::Binary(_, a, b) => {
            v.visit_expr(a);
            v.visit_expr(b);
        }
        ExprKind::Call { args, .. } | ExprKind::BadForm { args, .. } => {
            args.iter().for_each(|a| v.visit_expr(a));
        }
        ExprKind::Paren(x) | ExprKind::Unary(_, x) | ExprKind::Lambda { body: x, .. } => {
            v.visit_expr(x)
        }
        ExprKind::If { cond, then, els } => {
            v.visit_expr(cond);
            v.visit_expr(then);
            if let Some(x) = els {
                v.visit_expr(x);
            }
        }
        ExprKind::Match { value, arms } => {
            v.visit_expr(value);
            arms.iter().for_each(|a| v.visit_expr(&a.value));
        }
        ExprKind::Map { list, body } => {
            v.visit_expr(list);
            v.visit_expr(body);
        }
        ExprKind::CompileTime { name, default, .. } => {
            v.visit_expr(name);
            if let Some(d) = default {
                v.visit_expr(d);
            }
        }
    }
}

/// Leaves out of the names collected from `from` on the uses of `name`: a named element's
/// (`x => ...`) own, met inside its body, which are not names of the block.
pub fn forget_element<N: AsRef<str>>(names: &mut Vec<N>, from: usize, name: &str) {
    let mut i = from;
    while i < names.len() {
        if names[i].as_ref() == name {
            names.remove(i);
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    /// Counts nodes by kind, and skips `map` bodies (an override that stops the walk).
    #[derive(Default)]
    struct Census {
        names: Vec<String>,
        rows: usize,
        nodes: usize,
        stmts: usize,
    }

    impl<'a> Visitor<'a> for Census {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            self.stmts += 1;
            walk_stmt(self, stmt);
        }
        fn visit_expr(&mut self, e: &'a Expr) {
            self.nodes += 1;
            match &e.kind {
                ExprKind::Name(id) => self.names.push(id.name.clone()),
                ExprKind::Rows(_) => self.rows += 1,
                ExprKind::Map { list, .. } => return self.visit_expr(list),
                _ => {}
            }
            walk_expr(self, e);
        }
    }

    #[test]
    fn walks_every_item_statement_and_expression_in_order() {
        let src = r#"
            let site = var("site_url", "https://x.test")
            lookup categorie by .codice parent .codicePadre
            products from articoli group by .codice where flag {
              id = .codice
              let first = rows[0]
              url = site ~ "/p/" ~ first.slug
              lines = map(rows, .qty * factor)
              where if ok { 1 } else { match .k { "a" => other, _ => null } }
            }
        "#;
        let file = parse(src).unwrap_or_else(|d| panic!("{}", d.message));
        let mut c = Census::default();
        c.visit_file(&file);
        assert_eq!(c.names, ["flag", "site", "first", "ok", "other"]);
        // `map`'s body (`.qty * factor`) is skipped by the override.
        assert_eq!(c.rows, 2);
        assert_eq!(c.stmts, 5);
        assert!(c.nodes > 20, "{}", c.nodes);
    }
}

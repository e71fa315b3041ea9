//! User functions: `fn name(a, b) = expr` at file level, called like the built-in ones
//! (`name(x, y)`, `x | name(y)`) from blocks, `let`s, lookup keys and other functions.
//!
//! Every `fn` is declared before anything is checked, so a call may come above the
//! declaration; its name may not be a built-in's (E018) nor another `fn`'s (E009). A body is
//! checked once, at its first call or at its declaration, whichever comes first in the file: it
//! sees its parameters, the file-level `let`s checked by then, the lookup tables and the
//! functions, and neither the record nor `rows` (E020). A call back into a body being checked is
//! recursion (E019). Each call counts the depth of the body it calls, so that the evaluator's
//! recursion stays within [`MAX_DEPTH`] through calls too (E017). Bodies are compiled once and
//! shared by their calls ([`FnPlan`]); a call evaluates its arguments once, into the body's
//! slots.

use std::sync::Arc;

use super::compiler::{Compiler, null};
use super::fold::foldable_body;
use super::scope::Scope;
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::functions;
use crate::plan::{CExpr, FnPlan, TableId};
use crate::syntax::MAX_DEPTH;
use crate::syntax::ast::{Expr, File, FnDecl, Form, Ident, Item};
use crate::value::Ty;

/// A declared user function and how far its checking went.
pub(super) struct UserFn {
    decl: FnDecl,
    state: State,
    /// Whether some expression calls it (W004).
    used: bool,
}

enum State {
    /// Not checked yet.
    Waiting,
    /// Its body is being checked: a call now is recursion.
    Checking,
    /// Checked.
    Done(Compiled),
}

/// What a call needs of a checked function.
#[derive(Clone)]
struct Compiled {
    plan: Arc<FnPlan>,
    /// The type of its body.
    ty: Ty,
    /// The lookup tables its body reads (directly or through other functions).
    tables: Vec<TableId>,
    /// How deep its body nests, with the bodies it calls.
    depth: usize,
}

impl Compiler<'_> {
    /// Declares every `fn` of the file: E018 for a built-in's name, E009 for a second `fn` of a
    /// name or a parameter listed twice.
    pub(super) fn declare_fns(&mut self, file: &File) {
        for item in &file.items {
            let Item::Fn(f) = item else { continue };
            let name = &f.name.name;
            if functions::get(name).is_some() || Form::ALL.iter().any(|x| x.name() == name) {
                self.diags.push(
                    Diagnostic::error(
                        Code::FunctionNameTaken,
                        f.name.span,
                        format!("`{name}` is the name of a built-in function"),
                    )
                    .label("taken by the built-in")
                    .hint(format!("give the function another name, like `my_{name}`")),
                );
                continue;
            }
            if let Some(&first) = self.fns.get(name) {
                let first = self.user_fns[first].decl.name.span;
                self.diags.push(
                    Diagnostic::error(
                        Code::Duplicate,
                        f.name.span,
                        format!("function `{name}` is defined twice"),
                    )
                    .label("second definition")
                    .secondary(first, "first defined here")
                    .hint("give the second `fn` another name"),
                );
                continue;
            }
            self.duplicate_params(&f.params);
            self.fns.insert(name.clone(), self.user_fns.len());
            self.user_fns.push(UserFn {
                decl: f.clone(),
                state: State::Waiting,
                used: false,
            });
        }
    }

    /// E009 for a parameter listed twice.
    fn duplicate_params(&mut self, params: &[Ident]) {
        for (i, p) in params.iter().enumerate() {
            if let Some(first) = params[..i].iter().find(|q| q.name == p.name) {
                self.diags.push(
                    Diagnostic::error(
                        Code::Duplicate,
                        p.span,
                        format!("parameter `{}` is listed twice", p.name),
                    )
                    .secondary(first.span, "first listed here")
                    .hint("give each parameter its own name"),
                );
            }
        }
    }

    /// A `fn` at its place in the file: its body is checked, unless a call above did it.
    pub(super) fn define_fn(&mut self, f: &FnDecl) {
        if let Some(&id) = self.fns.get(&f.name.name)
            && self.user_fns[id].decl.span == f.span
        {
            self.checked_fn(id, f.name.span);
        }
    }

    /// `name(args)` (or `args[0] | name(...)`) of the user function `id`.
    pub(super) fn user_call(
        &mut self,
        id: usize,
        e: &Expr,
        name: &Ident,
        args: &[Expr],
        piped: bool,
        scope: &mut Scope,
    ) -> (CExpr, Ty) {
        self.user_fns[id].used = true;
        let params = &self.user_fns[id].decl.params;
        if args.len() != params.len() {
            let list: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
            let signature = format!("{}({})", name.name, list.join(", "));
            let expected = params.len().to_string();
            self.arity_error(name, &expected, args.len(), &signature, piped);
            return null();
        }
        let lowered: Vec<CExpr> = args.iter().map(|a| self.expr(a, scope).0).collect();
        let Some(c) = self.checked_fn(id, name.span) else {
            return null();
        };
        scope.tables_used.extend(&c.tables);
        let total = self.depth + c.depth;
        if total > MAX_DEPTH {
            self.diags.push(
                Diagnostic::error(
                    Code::TooDeep,
                    name.span,
                    format!(
                        "with the body of `{}` ({} levels), this call nests more than {MAX_DEPTH} levels deep",
                        name.name, c.depth
                    ),
                )
                .label(format!("level {total}"))
                .hint("split the function into smaller ones, or call it from a shallower place"),
            );
            return null();
        }
        self.max_depth = self.max_depth.max(total);
        let call = CExpr::UserCall {
            f: c.plan,
            args: lowered,
            span: e.span,
        };
        self.fold(call, c.ty, e.span)
    }

    /// The function `id`, its body checked now if it was not yet; `None` when the call at `at`
    /// is recursion (E019, reported).
    fn checked_fn(&mut self, id: usize, at: Span) -> Option<Compiled> {
        match &self.user_fns[id].state {
            State::Done(c) => return Some(c.clone()),
            State::Checking => {
                self.recursion(id, at);
                return None;
            }
            State::Waiting => {}
        }
        self.user_fns[id].state = State::Checking;
        let decl = self.user_fns[id].decl.clone();
        self.fn_stack.push(id);
        let outer = (self.depth, self.max_depth);
        (self.depth, self.max_depth) = (0, 0);
        let mut scope = Scope::function(&decl.name.name, &decl.params);
        let (body, ty) = self.expr(&decl.body, &mut scope);
        let depth = self.max_depth;
        (self.depth, self.max_depth) = outer;
        self.fn_stack.pop();
        let mut tables = scope.tables_used;
        tables.sort_unstable();
        tables.dedup();
        let compiled = Compiled {
            plan: Arc::new(FnPlan {
                name: decl.name.name.clone(),
                foldable: foldable_body(&body),
                body,
                span: decl.span,
            }),
            ty,
            tables,
            depth,
        };
        self.user_fns[id].state = State::Done(compiled.clone());
        Some(compiled)
    }

    /// E019: the call at `at`, in the body of the innermost function being checked, calls `id`,
    /// whose body is being checked.
    fn recursion(&mut self, id: usize, at: Span) {
        let from = self.fn_stack.iter().position(|&f| f == id).unwrap_or(0);
        let name = |f: usize| self.user_fns[f].decl.name.name.clone();
        let mut cycle: Vec<String> = self.fn_stack[from..].iter().map(|&f| name(f)).collect();
        cycle.push(name(id));
        let callee = name(id);
        let message = if cycle.len() == 2 {
            format!("function `{callee}` calls itself")
        } else {
            format!(
                "function `{callee}` calls itself through others: {}",
                cycle.join(" -> ")
            )
        };
        self.diags.push(
            Diagnostic::error(Code::Recursion, at, message)
                .label(format!("calls `{callee}` again"))
                .secondary(self.user_fns[id].decl.name.span, "defined here")
                .hint(
                    "a function cannot call itself, directly or through others: for a category tree, use a lookup table with `parent` and `ancestors`",
                ),
        );
    }

    /// E020: `what` (the record, `rows`) read in the body of `f`.
    pub(super) fn record_in_function(&mut self, span: Span, f: &str, what: &str) {
        let hint = if what == "`rows`" {
            format!("pass the rows in as an argument: `{f}(rows, ...)`")
        } else {
            format!(
                "pass what it needs as an argument: `{f}(.field, ...)`, or the whole record, `{f}(., ...)`"
            )
        };
        self.diags.push(
            Diagnostic::error(
                Code::RecordInFunction,
                span,
                format!("function `{f}` cannot read {what}: it sees only its parameters"),
            )
            .label("not in a function")
            .hint(hint),
        );
    }

    /// W004 for each function nothing calls.
    pub(super) fn unused_fns(&mut self) {
        let unused: Vec<Ident> = self
            .user_fns
            .iter()
            .filter(|f| !f.used)
            .map(|f| f.decl.name.clone())
            .collect();
        for name in unused {
            self.diags.push(
                Diagnostic::warning(
                    Code::UnusedFunction,
                    name.span,
                    format!("function `{}` is never used", name.name),
                )
                .hint("remove it, or call it where it is needed"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::json;

    use super::super::testing::*;
    use crate::diagnostic::{Code, Span};
    use crate::plan::CExpr;
    use crate::syntax::MAX_DEPTH;

    #[test]
    fn calls_with_constants_fold_and_a_let_may_call_a_function_declared_below() {
        let src = "let a = twice(2)\ncustomers from c { id = .x, n = twice(a), m = 3 | twice }\nfn twice(x) = x * 2";
        assert!(matches!(attribute(src, "n"), CExpr::Const(v) if v == json!(8)));
        assert!(matches!(attribute(src, "m"), CExpr::Const(v) if v == json!(6)));
        assert!(matches!(attribute(src, "id"), CExpr::Path { .. }));
        let src = "fn twice(x) = x * 2\ncustomers from c { id = twice(.x) }";
        assert!(matches!(attribute(src, "id"), CExpr::UserCall { .. }));
    }

    #[test]
    fn the_tables_a_body_reads_are_the_blocks_tables() {
        let src = "lookup t by .k\nlookup u by .k\nfn name_of(k) = lookup(u, k).name\ncustomers from c { id = name_of(.x) }";
        let p = program(src);
        assert_eq!(p.blocks[0].tables, [1]);
        // Never folded: the table is only there when records are read.
        assert!(matches!(
            attribute(&src.replace("(.x)", "(\"a\")"), "id"),
            CExpr::UserCall { .. }
        ));
    }

    #[test]
    fn a_body_sees_its_parameters_lets_and_elements_only() {
        assert!(diags("let s = 1\nfn f(x) = x[? . > s] | map(. + s)\ncustomers from c { id = .x, n = f(.l) }").is_empty());
        let src = "fn f(x) = .a ~ x\ncustomers from c { id = f(.l) }";
        let d = only(src);
        assert_eq!(d.code, Code::RecordInFunction);
        assert_eq!(d.span(), span_of(src, ".", 0));
        // A block's names are not the body's.
        let src = "fn f(x) = y\ncustomers from c { let y = 1, id = f(.l) }";
        assert_eq!(only(src).code, Code::UnknownName);
    }

    #[test]
    fn a_table_is_named_in_the_body_not_passed_in() {
        let src = "lookup cats by .code\nfn name_in(t, k) = lookup(t, k).name\ncustomers from c { id = .id, n = lookup(cats, .k) }";
        let all = diags(src);
        let d = &all[0];
        assert_eq!(d.code, Code::UnknownTable);
        assert!(
            d.hint
                .as_deref()
                .unwrap_or("")
                .starts_with("`t` is a parameter"),
            "{:?}",
            d.hint
        );
    }

    #[test]
    fn recursion_is_refused_at_the_call_that_closes_the_cycle() {
        let src = "fn a(x) = b(x)\nfn b(x) = c(x)\nfn c(x) = a(x)\ncustomers from c { id = a(1) }";
        let d = only(src);
        assert_eq!(d.code, Code::Recursion);
        assert_eq!(
            d.message,
            "function `a` calls itself through others: a -> b -> c -> a"
        );
        let at = span_of(src, "a(x)", 1);
        assert_eq!(d.span(), Span::new(at.start, at.start + 1));
        assert_eq!(d.labels[1].span, span_of(src, "a", 0));
    }

    #[test]
    fn arity_names_and_unused_functions() {
        assert_eq!(
            codes("fn f(a, b) = a\ncustomers from c { id = .x | f }"),
            ["E005"]
        );
        assert_eq!(
            codes("fn lower(a) = a\nfn map(a) = a\ncustomers from c { id = .x }"),
            ["E018", "E018"]
        );
        let d = only("fn f(a) = a\ncustomers from c { id = .x }");
        assert_eq!(d.code, Code::UnusedFunction);
        assert_eq!(d.message, "function `f` is never used");
    }

    #[test]
    fn the_nesting_limit_counts_the_bodies_called() {
        let deep = format!("{}x{}", "[".repeat(200), "]".repeat(200));
        let ok = format!("fn f(x) = {deep}\ncustomers from c {{ id = .x, n = f(.x) }}");
        assert!(diags(&ok).is_empty());
        let src = format!(
            "fn f(x) = {deep}\nfn g(x) = [[f(x)]]\ncustomers from c {{ id = .x, n = [{}g(.x){}] }}",
            "[".repeat(60),
            "]".repeat(60)
        );
        let d = only(&src);
        assert_eq!(d.code, Code::TooDeep);
        assert!(
            d.message.contains(&format!("more than {MAX_DEPTH} levels")),
            "{}",
            d.message
        );
        assert_eq!(d.span(), span_of(&src, "g", 1));
    }
}

//! Expressions: the dispatch over [`ExprKind`], literals, lists and objects, `.` (not at file
//! level: E015), the operators (numbers where numbers are needed: E008), `if` (a bool
//! condition) and `match`. Each result gets a static type ([`Ty`]) and is folded when its inputs
//! are constants ([`super::fold`]).

use super::compiler::{Compiler, null};
use super::scope::Scope;
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::plan::{CExpr, Key};
use crate::syntax::ast::{Arm, BinOp, Expr, ExprKind, Form, ObjectKey, Pattern, UnOp};
use crate::value::Ty;

impl Compiler<'_> {
    /// Lowers an expression; returns its static type. On error, reports and returns a null
    /// constant so compilation goes on.
    pub(super) fn expr(&mut self, e: &Expr, scope: &mut Scope) -> (CExpr, Ty) {
        self.depth += 1;
        self.max_depth = self.max_depth.max(self.depth);
        let lowered = self.expr_kind(e, scope);
        self.depth -= 1;
        lowered
    }

    /// [`Compiler::expr`] below the count of its nesting.
    fn expr_kind(&mut self, e: &Expr, scope: &mut Scope) -> (CExpr, Ty) {
        match &e.kind {
            ExprKind::Literal(v) => (CExpr::Const(v.clone()), Ty::of(v)),
            ExprKind::List(items) => {
                let items: Vec<CExpr> = items.iter().map(|i| self.expr(i, scope).0).collect();
                self.fold(CExpr::List(items), Ty::LIST, e.span)
            }
            ExprKind::Object(entries) => self.object(e, entries, scope),
            ExprKind::Current => self.current(e.span, scope),
            ExprKind::Name(id) => self.name(id, scope),
            ExprKind::Rows(id) => self.rows(id, scope),
            ExprKind::Paren(inner) => self.expr(inner, scope),
            ExprKind::Field(..)
            | ExprKind::Index(..)
            | ExprKind::Wildcard(..)
            | ExprKind::Filter(..) => self.path(e, scope),
            ExprKind::Call { name, args, piped } => self.call(e, name, args, *piped, scope),
            ExprKind::Map { list, body } => self.map(e, list, body, scope),
            // The parser allows it only where `map` and paths take it (E001 elsewhere).
            ExprKind::Lambda { param, .. } => {
                self.diags.push(Diagnostic::error(
                    Code::Syntax,
                    e.span,
                    format!(
                        "a named element `{} => ...` only goes in `map`'s second argument or in a `[? ]` filter",
                        param.name
                    ),
                ));
                null()
            }
            ExprKind::CompileTime {
                from,
                callee,
                name,
                default,
            } => self.compile_time(*from, callee, name, default.as_deref(), scope),
            ExprKind::BadForm {
                form, args, error, ..
            } => self.bad_form(*form, args, error, scope),
            ExprKind::Unary(op, inner) => self.unary(e, *op, inner, scope),
            ExprKind::Binary(op, l, r) => self.binary(e, *op, l, r, scope),
            ExprKind::If { cond, then, els } => self.if_else(e, cond, then, els.as_deref(), scope),
            ExprKind::Match { value, arms } => self.match_arms(e, value, arms, scope),
        }
    }

    /// `{key: value}`; with a computed key, `{(key): value}`, whose key must be able to be a
    /// string (or an integer, or null: then the entry is left out).
    fn object(
        &mut self,
        e: &Expr,
        entries: &[(ObjectKey, Expr)],
        scope: &mut Scope,
    ) -> (CExpr, Ty) {
        if !entries.iter().any(|(k, _)| k.is_computed()) {
            let entries = entries
                .iter()
                .map(|(k, v)| {
                    let name = match k {
                        ObjectKey::Fixed(id) => id.name.clone(),
                        ObjectKey::Computed(_) => String::new(),
                    };
                    (name, self.expr(v, scope).0)
                })
                .collect();
            return self.fold(CExpr::Object(entries), Ty::OBJECT, e.span);
        }
        let mut out = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            let key = match k {
                ObjectKey::Fixed(id) => Key::Fixed(id.name.clone()),
                ObjectKey::Computed(k) => {
                    let (key, ty) = self.expr(k, scope);
                    if !ty.intersects(Ty::STRING.or(Ty::INT).or(Ty::NULL)) {
                        self.type_error(
                            k.span,
                            format!("an object key must be a string, but this is {ty}"),
                            Some("make it text with `| string`"),
                        );
                    }
                    Key::Computed(key, k.span)
                }
            };
            out.push((key, self.expr(v, scope).0));
        }
        self.fold(CExpr::DynObject(out), Ty::OBJECT, e.span)
    }

    /// `.`: the record (or element); there is none at file level, nor in a function's body.
    fn current(&mut self, span: Span, scope: &Scope) -> (CExpr, Ty) {
        if let (false, Some(f)) = (scope.has_record, &scope.function) {
            self.record_in_function(span, f, "the record");
            return null();
        }
        if !scope.has_record {
            self.diags.push(
                Diagnostic::error(
                    Code::RecordOutsideBlock,
                    span,
                    "a file-level `let` cannot read record fields",
                )
                .label("there is no record here")
                .hint("move this `let` inside the entity block"),
            );
            return null();
        }
        (CExpr::Current, Ty::ANY)
    }

    /// A special form with the wrong number of arguments: the parser's E005.
    fn bad_form(
        &mut self,
        form: Form,
        args: &[Expr],
        error: &Diagnostic,
        scope: &mut Scope,
    ) -> (CExpr, Ty) {
        // With the wrong number of arguments, `map`'s per-element body is unknown: its
        // arguments are left unchecked. Those of `var`/`env` are ordinary constants.
        if form != Form::Map {
            for a in args {
                self.expr(a, scope);
            }
        }
        self.diags.push(error.clone());
        null()
    }

    /// `-x` (a number) and `!x`.
    fn unary(&mut self, e: &Expr, op: UnOp, inner: &Expr, scope: &mut Scope) -> (CExpr, Ty) {
        let (x, t) = self.expr(inner, scope);
        let ty = match op {
            UnOp::Neg => {
                if !t.intersects(Ty::NUMBER.or(Ty::NULL)) {
                    self.type_error(
                        inner.span,
                        format!("`-` needs a number, but this is {t}"),
                        Some("convert with `| decimal`"),
                    );
                }
                Ty::NUMBER.nullable()
            }
            UnOp::Not => Ty::BOOL.nullable(),
        };
        self.fold(CExpr::Unary(op, Box::new(x), e.span), ty, e.span)
    }

    /// `a OP b`: arithmetic other than `+` needs numbers.
    fn binary(
        &mut self,
        e: &Expr,
        op: BinOp,
        l: &Expr,
        r: &Expr,
        scope: &mut Scope,
    ) -> (CExpr, Ty) {
        let (a, ta) = self.expr(l, scope);
        let (b, tb) = self.expr(r, scope);
        let ty = match op {
            BinOp::Coalesce => ta.without(Ty::NULL).or(tb),
            BinOp::Or | BinOp::And => Ty::BOOL.nullable(),
            BinOp::Eq | BinOp::Ne => Ty::BOOL,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => Ty::BOOL.nullable(),
            BinOp::Concat => Ty::STRING.nullable(),
            BinOp::Add => {
                let mut t = Ty::NUMBER.nullable();
                if ta.intersects(Ty::STRING) && tb.intersects(Ty::STRING) {
                    t = t.or(Ty::STRING);
                }
                if ta.intersects(Ty::LIST) && tb.intersects(Ty::LIST) {
                    t = t.or(Ty::LIST);
                }
                t
            }
            BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => {
                for (t, sp) in [(ta, l.span), (tb, r.span)] {
                    if !t.intersects(Ty::NUMBER.or(Ty::NULL)) {
                        self.type_error(
                            sp,
                            format!("`{}` needs numbers, but this is {t}", op.symbol()),
                            t.contains(Ty::STRING).then_some("convert with `| decimal`"),
                        );
                    }
                }
                Ty::NUMBER.nullable()
            }
        };
        let bin = CExpr::Binary(op, Box::new(a), Box::new(b), e.span);
        self.fold(bin, ty, e.span)
    }

    /// `if cond { then } else { els }`: the condition must be able to be a bool.
    fn if_else(
        &mut self,
        e: &Expr,
        cond: &Expr,
        then: &Expr,
        els: Option<&Expr>,
        scope: &mut Scope,
    ) -> (CExpr, Ty) {
        let (c, tc) = self.expr(cond, scope);
        self.expect_bool(tc, cond.span, "an `if` condition");
        let (t, tt) = self.expr(then, scope);
        let (f, tf) = match els {
            Some(x) => {
                let (f, tf) = self.expr(x, scope);
                (Some(Box::new(f)), tf)
            }
            None => (None, Ty::NULL),
        };
        let ite = CExpr::If(Box::new(c), Box::new(t), f, e.span);
        self.fold(ite, tt.or(tf), e.span)
    }

    /// `match value { arms }`: null when no arm matches and there is no `_`.
    fn match_arms(
        &mut self,
        e: &Expr,
        value: &Expr,
        arms: &[Arm],
        scope: &mut Scope,
    ) -> (CExpr, Ty) {
        let (v, _) = self.expr(value, scope);
        let mut ty = Ty::NEVER;
        let mut has_default = false;
        let mut out = Vec::new();
        for arm in arms {
            let (x, tx) = self.expr(&arm.value, scope);
            ty = ty.or(tx);
            match &arm.pattern {
                Pattern::Any => {
                    has_default = true;
                    out.push((None, x));
                }
                Pattern::Literals(l) => out.push((Some(l.clone()), x)),
            }
        }
        if !has_default {
            ty = ty.nullable();
        }
        self.fold(CExpr::Match(Box::new(v), out), ty, e.span)
    }

    /// Reports E008 at `span`.
    pub(super) fn type_error(&mut self, span: Span, msg: String, hint: Option<&str>) {
        self.diags.push(
            Diagnostic::error(Code::TypeMismatch, span, msg).hint_opt(hint.map(String::from)),
        );
    }

    /// E008 unless a value of type `ty` can be a bool; `what` names the place.
    pub(super) fn expect_bool(&mut self, ty: Ty, span: Span, what: &str) {
        if !ty.intersects(Ty::BOOL.or(Ty::NULL)) {
            self.diags.push(
                Diagnostic::error(
                    Code::TypeMismatch,
                    span,
                    format!("{what} must be a bool, but this is {ty}"),
                )
                .hint("compare it, e.g. `.pubblicato == \"SI\"`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::json;

    use super::super::testing::*;
    use crate::diagnostic::{Code, Span};
    use crate::plan::{CExpr, Key};
    use crate::syntax::ast::BinOp;

    #[test]
    fn literals_lists_and_objects_of_constants_fold() {
        assert_eq!(constant("[1, \"a\", null]"), json!([1, "a", null]));
        assert_eq!(constant("{a: 1, b: [true]}"), json!({"a": 1, "b": [true]}));
        assert!(matches!(lower("[1, .x]"), Ok(CExpr::List(items)) if items.len() == 2));
    }

    #[test]
    fn computed_keys_lower_check_and_fold() {
        assert_eq!(
            constant("{(\"a\" ~ \"b\"): 1, c: 2, (null): 3, (7): 4}"),
            json!({"ab": 1, "c": 2, "7": 4})
        );
        let Ok(CExpr::DynObject(entries)) = lower("{(.n): .v, fixed: 1}") else {
            panic!("not an object with computed keys");
        };
        assert!(matches!(&entries[0].0, Key::Computed(_, span) if *span == Span::new(2, 4)));
        assert!(matches!(&entries[1].0, Key::Fixed(k) if k == "fixed"));
        let d = lower_error("{([1]): .v}");
        assert_eq!(d.code, Code::TypeMismatch);
        assert_eq!(
            d.message,
            "an object key must be a string, but this is list"
        );
        assert_eq!(d.span(), Span::new(2, 5));
        // A constant key is known now.
        assert_eq!(lower_error("{(1.5): 1}").code, Code::TypeMismatch);
    }

    #[test]
    fn the_record_is_not_there_at_file_level() {
        let src = "let a = .codice";
        let d = only(src);
        assert_eq!(d.code, Code::RecordOutsideBlock);
        assert_eq!(d.message, "a file-level `let` cannot read record fields");
        assert_eq!(d.span(), Span::new(8, 9));
        assert_eq!(d.labels[0].text, "there is no record here");
    }

    #[test]
    fn operators_lower_and_fold() {
        assert_eq!(constant("1 + 2 * 3"), json!(7));
        assert_eq!(constant("\"a\" ~ 1"), json!("a1"));
        assert_eq!(constant("null ?? 2"), json!(2));
        assert_eq!(constant("!true"), json!(false));
        let Ok(CExpr::Binary(op, a, b, span)) = lower(".x - 1") else {
            panic!("not a binary");
        };
        assert_eq!(op, BinOp::Sub);
        assert!(matches!(*a, CExpr::Path { .. }) && matches!(*b, CExpr::Const(_)));
        assert_eq!(span, Span::new(0, 6));
    }

    #[test]
    fn arithmetic_needs_numbers() {
        let d = lower_error(".x * \"2\"");
        assert_eq!(d.code, Code::TypeMismatch);
        assert_eq!(d.message, "`*` needs numbers, but this is string");
        assert_eq!(d.span(), Span::new(5, 8));
        assert_eq!(d.hint.as_deref(), Some("convert with `| decimal`"));
        let d = lower_error("-[1]");
        assert_eq!(d.message, "`-` needs a number, but this is list");
        assert_eq!(d.span(), Span::new(1, 4));
        // `+` also joins text and lists.
        assert_eq!(constant("\"a\" + \"b\""), json!("ab"));
    }

    #[test]
    fn if_needs_a_bool_and_folds() {
        assert_eq!(constant("if 1 < 2 { \"y\" } else { \"n\" }"), json!("y"));
        assert_eq!(constant("if false { 1 }"), json!(null));
        let d = lower_error("if \"x\" { 1 } else { .y }");
        assert_eq!(d.code, Code::TypeMismatch);
        assert_eq!(
            d.message,
            "an `if` condition must be a bool, but this is string"
        );
        assert_eq!(d.span(), Span::new(3, 6));
    }

    #[test]
    fn match_folds_and_lowers_its_arms() {
        assert_eq!(
            constant("match \"b\" { \"a\" | \"b\" => 1, _ => 2 }"),
            json!(1)
        );
        let Ok(CExpr::Match(_, arms)) = lower("match .k { \"a\" => 1, _ => 2 }") else {
            panic!("not a match");
        };
        assert_eq!(arms.len(), 2);
        assert!(arms[0].0.is_some() && arms[1].0.is_none());
    }

    #[test]
    fn a_bad_special_form_reports_the_parser_error_and_checks_var_arguments() {
        let d = lower_error("map(.a)");
        assert_eq!(d.code, Code::Arity);
        assert_eq!(d.message, "`map` takes 2 arguments, but 1 given");
        assert_eq!(d.span(), Span::new(0, 3));
        // `map`'s arguments are not checked: which one is the body is unknown.
        assert_eq!(lower("map(nope)").err().map(|d| d.len()), Some(1));
        // Those of `var` are.
        let codes: Vec<String> = lower("var(nope, 1, 2)")
            .err()
            .unwrap_or_default()
            .iter()
            .map(|d| d.code.to_string())
            .collect();
        assert_eq!(codes, ["E004", "E005"]);
    }
}

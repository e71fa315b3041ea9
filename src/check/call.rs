//! Function calls: the function exists (E003, with the closest name), the number of arguments
//! (E005), the lookup table named by a table argument (E002), the type of each argument (E008;
//! the first value parameter also takes a list, the call then maps over it), and the constant
//! arguments the function validates itself (a date format, a time zone...: E013). A call whose
//! arguments are all constants is folded; a call that reads a table never is.

use crate::value::{Ty, Value};

use super::compiler::{Compiler, null};
use super::scope::Scope;
use crate::diagnostic::{Code, Diagnostic, Span, suggest};
use crate::functions::lookup::LOOKUP_ALL;
use crate::functions::{self, Function, Param, ParamKind};
use crate::plan::{CExpr, TableId};
use crate::syntax::ast::{Expr, ExprKind, Form, Ident};

impl Compiler<'_> {
    /// `f(a, b)` or `a | f(b)`.
    pub(super) fn call(
        &mut self,
        e: &Expr,
        name: &Ident,
        args: &[Expr],
        piped: bool,
        scope: &mut Scope,
    ) -> (CExpr, Ty) {
        let Some(f) = functions::get(&name.name) else {
            if let Some(&id) = self.fns.get(&name.name) {
                return self.user_call(id, e, name, args, piped, scope);
            }
            self.unknown_function(name, args, scope);
            return null();
        };
        let args = table_first(f, args, piped);
        if !self.arity(f, name, args.len(), piped) {
            return null();
        }
        if f.name == functions::date::NOW {
            return (CExpr::Const(Value::from(self.now())), Ty::INT);
        }
        let mut table = None;
        let mut lowered = Vec::with_capacity(args.len());
        let mut tys = Vec::with_capacity(args.len());
        let first_value = f.params.iter().position(|p| p.kind == ParamKind::Value);
        for (i, a) in args.iter().enumerate() {
            let param = f.params.get(i).or(f.params.last());
            if param.is_some_and(|p| p.kind == ParamKind::Table) {
                match self.table_argument(f, a, scope) {
                    Some(t) => table = Some(t),
                    None => return null(),
                }
                continue;
            }
            let (x, t) = self.expr(a, scope);
            if let Some(p) = param {
                self.argument_type(f, p, Some(i) == first_value, (t, x.as_const()), a.span);
            }
            lowered.push(x);
            tys.push(t);
        }
        let map_first = f
            .params
            .iter()
            .find(|p| p.kind == ParamKind::Value)
            .is_some_and(|p| !p.ty.intersects(Ty::LIST))
            && tys.first().is_some_and(|t| t.intersects(Ty::LIST));
        if !self.constant_arguments(f, &lowered, e.span) {
            return null();
        }
        let mut ty = f.returns;
        if map_first {
            ty = ty.or(Ty::LIST);
        }
        let call = CExpr::Call {
            f,
            table,
            args: lowered,
            map_first,
            span: e.span,
        };
        if table.is_some() {
            return (call, ty);
        }
        self.fold(call, ty, e.span)
    }

    /// E003, with the closest name; the arguments are still checked.
    fn unknown_function(&mut self, name: &Ident, args: &[Expr], scope: &mut Scope) {
        let names: Vec<&str> = functions::all()
            .map(|f| f.name)
            .chain(Form::ALL.iter().map(|f| f.name()))
            .chain(self.fns.keys().map(String::as_str))
            .collect();
        let best = suggest::closest(&name.name, names);
        let hint = best
            .map(suggest::did_you_mean_text)
            .unwrap_or_else(|| "see docs/language.md for the list of functions".into());
        self.diags.push(
            Diagnostic::error(
                Code::UnknownFunction,
                name.span,
                format!("unknown function `{}`", name.name),
            )
            .label("no such function")
            .hint(hint)
            .replace_with(name.span, best),
        );
        for a in args {
            self.expr(a, scope);
        }
    }

    /// Whether `n` arguments fit `f`; E005 when they do not.
    fn arity(&mut self, f: &Function, name: &Ident, n: usize, piped: bool) -> bool {
        let max = f.max_args();
        if n >= f.min_args() && max.is_none_or(|m| n <= m) {
            return true;
        }
        let expected = match max {
            Some(m) if m == f.min_args() => format!("{m}"),
            Some(m) => format!("{} to {m}", f.min_args()),
            None => format!("at least {}", f.min_args()),
        };
        self.arity_error(name, &expected, n, &f.signature(), piped);
        false
    }

    /// E005: `name` takes `expected` arguments, `n` are given.
    pub(super) fn arity_error(
        &mut self,
        name: &Ident,
        expected: &str,
        n: usize,
        signature: &str,
        piped: bool,
    ) {
        let mut hint = format!("the signature is `{signature}`");
        if piped {
            hint.push_str("; the value before `|` is the first argument");
        }
        self.diags.push(
            Diagnostic::error(
                Code::Arity,
                name.span,
                format!(
                    "`{}` takes {expected} argument{}, but {n} {} given",
                    name.name,
                    if expected == "1" { "" } else { "s" },
                    if n == 1 { "is" } else { "are" }
                ),
            )
            .label(format!("{n} given"))
            .hint(hint),
        );
    }

    /// The table a table argument names (E002 when it names none). A table `lookup_all` reads
    /// keeps every row of a repeated key.
    fn table_argument(&mut self, f: &Function, a: &Expr, scope: &mut Scope) -> Option<TableId> {
        let (ExprKind::Name(id) | ExprKind::Rows(id)) = &a.kind else {
            self.diags.push(
                Diagnostic::error(
                    Code::UnknownTable,
                    a.span,
                    format!(
                        "the first argument of `{}` must name a lookup table",
                        f.name
                    ),
                )
                .hint(format!(
                    "e.g. `{}(categorie, .categoriaMerceologica)`",
                    f.name
                )),
            );
            return None;
        };
        if let Some((tid, _)) = self.tables.get(&id.name) {
            let tid = *tid;
            self.tables_read.insert(tid);
            if f.name == LOOKUP_ALL {
                self.tables_read_all.insert(tid);
            }
            scope.tables_used.push(tid);
            return Some(tid);
        }
        let names: Vec<&str> = self.tables.keys().map(String::as_str).collect();
        let mut best = None;
        let hint = if scope.function.is_some() && scope.locals.contains_key(&id.name) {
            format!(
                "`{}` is a parameter: a table is not a value, so it cannot be passed to a function; name the table itself in the body",
                id.name
            )
        } else if self.sources.contains(&id.name) {
            format!(
                "declare it at file level: `lookup {} by .codice parent .codicePadre`",
                id.name
            )
        } else {
            best = suggest::closest(&id.name, names);
            best.map(suggest::did_you_mean_text).unwrap_or_else(|| {
                format!(
                    "declare it with `lookup {0} by .key` and give its rows as the input `{0}`",
                    id.name
                )
            })
        };
        self.diags.push(
            Diagnostic::error(
                Code::UnknownTable,
                id.span,
                format!("unknown lookup table `{}`", id.name),
            )
            .label("no `lookup` declares this")
            .hint(hint)
            .replace_with(id.span, best),
        );
        None
    }

    /// E008 when an argument can never have its parameter's type. The first value parameter
    /// also takes a list (the call then maps over it).
    /// `arg`: the argument's type, and its value when it is a constant.
    fn argument_type(
        &mut self,
        f: &Function,
        p: &Param,
        first: bool,
        (t, constant): (Ty, Option<&Value>),
        span: Span,
    ) {
        let accepts =
            p.ty.or(Ty::NULL)
                .or(if first { Ty::LIST } else { Ty::NEVER });
        if t.intersects(accepts) {
            return;
        }
        let number = p.ty.intersects(Ty::NUMBER) && !p.ty.contains(Ty::STRING);
        let hint = match constant {
            // `truncate("200")`: the number in quotes
            Some(Value::String(text))
                if number && text.trim().parse::<f64>().is_ok_and(f64::is_finite) =>
            {
                format!("write the number without quotes: `{}`", text.trim())
            }
            _ if t.contains(Ty::STRING) && number => {
                let convert = if p.ty.contains(Ty::FLOAT) {
                    "| decimal"
                } else {
                    "| int"
                };
                format!(
                    "convert it with `{convert}`; the signature is `{}`",
                    f.signature()
                )
            }
            _ => format!("the signature is `{}`", f.signature()),
        };
        self.type_error(
            span,
            format!(
                "argument `{}` of `{}` must be {}, but this is {t}",
                p.name, f.name, p.ty
            ),
            Some(&hint),
        );
    }

    /// Whether the function accepts its constant arguments (E013 when it does not).
    fn constant_arguments(&mut self, f: &Function, args: &[CExpr], span: Span) -> bool {
        let Some(check) = f.check_const else {
            return true;
        };
        let consts: Vec<Option<&Value>> = args.iter().map(CExpr::as_const).collect();
        let Err(msg) = check(&consts) else {
            return true;
        };
        let prefix = format!("{}:", f.name);
        let msg = if msg.starts_with(&prefix) {
            msg
        } else {
            format!("{prefix} {msg}")
        };
        self.diags.push(
            Diagnostic::error(Code::BadConstant, span, msg)
                .hint(format!("the signature is `{}`", f.signature())),
        );
        false
    }
}

/// The arguments in parameter order: `key | ancestors(categorie)` passes the piped value after
/// the table.
fn table_first<'e>(f: &Function, args: &'e [Expr], piped: bool) -> Vec<&'e Expr> {
    let mut args: Vec<&Expr> = args.iter().collect();
    if piped && args.len() >= 2 && f.params.first().is_some_and(|p| p.kind == ParamKind::Table) {
        args.swap(0, 1);
    }
    args
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::json;

    use super::super::testing::*;
    use crate::diagnostic::{Code, Span};
    use crate::functions;
    use crate::plan::CExpr;
    use crate::syntax::ast::Form;

    #[test]
    fn the_special_forms_are_the_ones_functions_documents() {
        let forms: BTreeSet<&str> = Form::ALL.iter().map(|f| f.name()).collect();
        let documented: BTreeSet<&str> = functions::SPECIAL.iter().copied().collect();
        assert_eq!(forms, documented);
        assert!(Form::ALL.iter().all(|f| functions::get(f.name()).is_none()));
    }

    #[test]
    fn an_unknown_function_suggests_the_closest_and_its_arguments_are_checked() {
        let d = lower("trimm(.x, nope)").err().unwrap_or_default();
        assert_eq!(d.len(), 2, "{d:#?}");
        assert_eq!(d[0].code, Code::UnknownFunction);
        assert_eq!(d[0].span(), Span::new(0, 5));
        assert_eq!(d[0].hint.as_deref(), Some("did you mean `trim`?"));
        // The hint as an edit, for an editor's quick fix.
        let r = d[0].replacement.as_ref().map(|r| (r.span, r.text.as_str()));
        assert_eq!(r, Some((Span::new(0, 5), "trim")));
        assert_eq!(d[1].code, Code::UnknownName);
        // Special forms are candidates too.
        let d = lower_error(".a | mpa(.b)");
        assert_eq!(d.hint.as_deref(), Some("did you mean `map`?"));
    }

    #[test]
    fn arity_counts_the_piped_value() {
        let d = lower_error(".x | trim(1)");
        assert_eq!(d.code, Code::Arity);
        assert_eq!(d.message, "`trim` takes 1 argument, but 2 are given");
        assert_eq!(d.span(), Span::new(5, 9));
        assert_eq!(d.labels[0].text, "2 given");
        assert_eq!(
            d.hint.as_deref(),
            Some("the signature is `trim(s)`; the value before `|` is the first argument")
        );
        let d = lower_error("round()");
        assert_eq!(d.message, "`round` takes 1 to 2 arguments, but 0 are given");
    }

    #[test]
    fn a_piped_key_goes_after_the_table() {
        let Ok(CExpr::Call { f, table, args, .. }) = lower(".k | ancestors(categorie)") else {
            panic!("not a call");
        };
        assert_eq!((f.name, table, args.len()), ("ancestors", Some(0), 1));
        assert!(matches!(args[0], CExpr::Path { .. }));
        // A call that reads a table is never folded.
        assert!(matches!(
            lower("lookup(categorie, \"ABB\")"),
            Ok(CExpr::Call { table: Some(0), .. })
        ));
    }

    #[test]
    fn a_table_argument_must_name_a_declared_table() {
        let d = lower_error("lookup(categori, .k)");
        assert_eq!(d.code, Code::UnknownTable);
        assert_eq!(d.message, "unknown lookup table `categori`");
        assert_eq!(d.span(), Span::new(7, 15));
        assert_eq!(d.hint.as_deref(), Some("did you mean `categorie`?"));
        let d = lower_error("lookup(zzz, .k)");
        assert_eq!(
            d.hint.as_deref(),
            Some("declare it with `lookup zzz by .key` and give its rows as the input `zzz`")
        );
        let d = lower_error("lookup(\"categorie\", .k)");
        assert_eq!(
            d.message,
            "the first argument of `lookup` must name a lookup table"
        );
        assert_eq!(d.span(), Span::new(7, 18));
        // A block's source named as a table: declare it.
        let src = "customers from clienti { id = lookup(clienti, .k) }";
        let d = only(src);
        assert_eq!(
            d.hint.as_deref(),
            Some("declare it at file level: `lookup clienti by .codice parent .codicePadre`")
        );
    }

    #[test]
    fn arguments_of_the_wrong_type() {
        let d = lower_error("round(.x, \"2\")");
        assert_eq!(d.code, Code::TypeMismatch);
        assert_eq!(d.span(), Span::new(10, 13));
        assert!(
            d.message
                .starts_with("argument `digits` of `round` must be"),
            "{}",
            d.message
        );
        // The first value parameter also takes a list: the call maps over it.
        assert_eq!(constant("[\" a \", \"b \"] | trim"), json!(["a", "b"]));
        assert_eq!(constant("[1.26, 2.5] | round(1)"), json!([1.3, 2.5]));
    }

    #[test]
    fn constant_arguments_are_validated_now() {
        let d = lower_error("date(.x, \"%d/%m/%Y\", \"Mars/Olympus\")");
        assert_eq!(d.code, Code::BadConstant);
        assert_eq!(d.span(), Span::new(0, 36));
        assert!(d.message.starts_with("date:"), "{}", d.message);
        assert_eq!(
            d.hint.as_deref(),
            Some("the signature is `date(s, format?, tz?)`")
        );
    }
}

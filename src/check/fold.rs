//! Constant folding: an expression whose inputs are all constants is evaluated now, with the
//! engine's own evaluator ([`eval::eval`]), and replaced by its value. One that fails is E013
//! (unless a type error inside it is already reported): `1 / 0` never reaches a record.
//!
//! A value folded from a secret (an input that is one of the program's
//! [`crate::plan::Secrets`]: `key ~ "-salt"`, `key | upper`) is a secret too, from the same
//! environment variable; the message of a failing one never quotes it.

use crate::value::{Ty, Value};

use super::compiler::{Compiler, null};
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::eval;
use crate::plan::{CExpr, Key, Step};

impl Compiler<'_> {
    /// `e` (of type `ty`, written at `span`) folded when its inputs are all constants.
    pub(super) fn fold(&mut self, e: CExpr, ty: Ty, span: Span) -> (CExpr, Ty) {
        if !is_constant(&e) {
            return (e, ty);
        }
        let env = eval::Env::empty();
        let secret = self.secret_in(&e);
        match eval::eval(&e, &Value::Null, &env) {
            Ok(v) => {
                if let Some(name) = secret {
                    self.secrets.add(&name, &v);
                }
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
                        format!(
                            "this constant expression fails: {}",
                            self.secrets.redact(&err.message)
                        ),
                    )
                    .hint("fix the literal values"),
                );
                null()
            }
        }
    }

    /// The environment variable of the first secret among the constants `e` reads.
    fn secret_in(&self, e: &CExpr) -> Option<String> {
        if self.secrets.is_empty() {
            return None;
        }
        let mut found = None;
        constants(e, &mut |v| {
            if found.is_none() {
                found = self.secrets.of(v).map(|s| s.env.clone());
            }
        });
        found
    }

    /// Whether the last diagnostic is an error within `span`.
    fn reported_inside(&self, span: Span) -> bool {
        self.diags.last().is_some_and(|d| {
            let at = d.span();
            d.is_error() && at.start >= span.start && at.end <= span.end
        })
    }
}

/// Calls `f` with every constant in `e` (a constant expression: see [`is_constant`]).
fn constants(e: &CExpr, f: &mut impl FnMut(&Value)) {
    match e {
        CExpr::Const(v) => f(v),
        CExpr::Current | CExpr::Rows | CExpr::Slot(_) | CExpr::Bound(_) => {}
        CExpr::Lambda(x) => constants(x, f),
        CExpr::Path { base, steps, .. } => {
            constants(base, f);
            for s in steps {
                if let Step::Index(i) | Step::Filter(i, _) = s {
                    constants(i, f);
                }
            }
        }
        CExpr::List(items) => items.iter().for_each(|i| constants(i, f)),
        CExpr::Object(entries) => entries.iter().for_each(|(_, v)| constants(v, f)),
        CExpr::DynObject(entries) => {
            for (k, v) in entries {
                if let Key::Computed(k, _) = k {
                    constants(k, f);
                }
                constants(v, f);
            }
        }
        CExpr::Call { args, .. } => args.iter().for_each(|a| constants(a, f)),
        CExpr::UserCall { f: func, args, .. } => {
            args.iter().for_each(|a| constants(a, f));
            constants(&func.body, f);
        }
        CExpr::Unary(_, x, _) => constants(x, f),
        CExpr::Binary(_, a, b, _) => {
            constants(a, f);
            constants(b, f);
        }
        CExpr::If(c, t, e, _) => {
            constants(c, f);
            constants(t, f);
            if let Some(e) = e {
                constants(e, f);
            }
        }
        CExpr::Match(v, arms) => {
            constants(v, f);
            arms.iter().for_each(|(_, x)| constants(x, f));
        }
        CExpr::Map(list, body, _) => {
            constants(list, f);
            constants(body, f);
        }
    }
}

/// Whether an expression reads nothing but constants.
fn is_constant(e: &CExpr) -> bool {
    match e {
        CExpr::Const(_) => true,
        CExpr::Current | CExpr::Rows | CExpr::Slot(_) | CExpr::Bound(_) => false,
        CExpr::Lambda(_) => false,
        CExpr::Path { base, steps, .. } => {
            is_constant(base)
                && steps.iter().all(|s| match s {
                    Step::Field(..) | Step::Each => true,
                    Step::Index(i) => is_constant(i),
                    Step::Filter(..) => false,
                })
        }
        CExpr::List(items) => items.iter().all(is_constant),
        CExpr::Object(entries) => entries.iter().all(|(_, v)| is_constant(v)),
        CExpr::DynObject(entries) => entries.iter().all(|(k, v)| {
            is_constant(v)
                && match k {
                    Key::Fixed(_) => true,
                    Key::Computed(k, _) => is_constant(k),
                }
        }),
        // Not foldable: `error` (it fails only when a record reaches it), the table functions.
        CExpr::Call { f, table, args, .. } => {
            table.is_none() && f.foldable && args.iter().all(is_constant)
        }
        CExpr::UserCall { f, args, .. } => f.foldable && args.iter().all(is_constant),
        CExpr::Unary(_, x, _) => is_constant(x),
        CExpr::Binary(_, a, b, _) => is_constant(a) && is_constant(b),
        CExpr::If(c, t, f, _) => {
            is_constant(c) && is_constant(t) && f.as_deref().is_none_or(is_constant)
        }
        CExpr::Match(v, arms) => is_constant(v) && arms.iter().all(|(_, x)| is_constant(x)),
        CExpr::Map(..) => false,
    }
}

/// Whether a function body may be computed when the mapping is checked, its parameters known:
/// it reads no lookup table and calls no `error` (nor a function that does).
pub(super) fn foldable_body(e: &CExpr) -> bool {
    let here = match e {
        CExpr::Call { f, table, .. } => table.is_none() && f.foldable,
        CExpr::UserCall { f, .. } => f.foldable,
        CExpr::Rows => false,
        _ => true,
    };
    let mut ok = here;
    e.each_child(&mut |c| ok = ok && foldable_body(c));
    ok
}

#[cfg(test)]
mod tests {
    use crate::json;

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

    /// Issue 10: `check` printed the `env()` key in the message of a failing constant.
    #[test]
    fn a_secret_and_what_is_folded_from_it_are_never_quoted() {
        let mut o = opts();
        o.env = Some([("KEY".to_string(), "s3cr3t-K3Y".to_string())].into());
        let src = "let key = env(\"KEY\")\nlet salt = key ~ \"-salt\"\nlet big = salt | upper\n\
                   let n = big | int\nlet d = key | date(\"%Y\")\ncustomers from c { id = .id }";
        let d = diags_with(src, &o);
        let messages: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        // `big` is `S3CR3T-K3Y-SALT`: folded from the key, so hidden too.
        assert!(messages[0].starts_with(
            "this constant expression fails: int: cannot read \"<secret from env KEY>\""
        ));
        assert!(messages[1].starts_with(
            "this constant expression fails: date: cannot read \"<secret from env KEY>\""
        ));
        let all = format!("{d:?}").to_lowercase();
        assert!(!all.contains("s3cr3t"), "{all}");
        // The key, and what is folded from it, are the program's secrets.
        let src = "let key = env(\"KEY\")\nlet salt = key ~ \"-salt\"\nlet big = salt | upper\n\
                   let other = \"x\" ~ \"y\"\ncustomers from c { id = .id }";
        let p = match crate::check::check(&crate::diagnostic::SourceFile::new("t.cmap", src), &o) {
            Ok(c) => c.program,
            Err(d) => panic!("{d:#?}"),
        };
        let secret: Vec<(&str, bool)> = p
            .globals
            .iter()
            .map(|(n, v)| (n.as_str(), p.secrets.of(v).is_some()))
            .collect();
        assert_eq!(
            secret,
            [
                ("key", true),
                ("salt", true),
                ("big", true),
                ("other", false)
            ]
        );
        assert_eq!(p.blocks[0].secrets, p.secrets);
        assert!(p.secrets.iter().all(|s| s.env == "KEY"));
        // A default from the file is no secret; nor is a `var`.
        let mut o = opts();
        o.vars.insert("v".into(), "s3cr3t-K3Y".into());
        let src =
            "let a = env(\"KEY\", \"dflt\")\nlet b = var(\"v\")\ncustomers from c { id = .id }";
        let p = match crate::check::check(&crate::diagnostic::SourceFile::new("t.cmap", src), &o) {
            Ok(c) => c.program,
            Err(d) => panic!("{d:#?}"),
        };
        assert!(p.secrets.is_empty());
    }

    #[test]
    fn an_env_value_of_the_wrong_type_is_not_quoted() {
        let mut o = opts();
        o.env = Some([("N".to_string(), "s3cr3t-K3Y".to_string())].into());
        let d = diags_with("let n = env(\"N\", 5)\ncustomers from c { id = .id }", &o);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].message, "env `N` is not an integer like its default");
    }

    #[test]
    fn a_type_error_inside_is_not_reported_twice() {
        let d = lower_error("\"a\" * 2");
        assert_eq!(d.code, Code::TypeMismatch);
    }
}

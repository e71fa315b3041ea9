//! `var(name, default?)` and `env(name, default?)`: resolved while checking, to a constant.
//! The name and the default must be constants (E013); a value without default is needed
//! (E014); a `--var` value is converted to the type of the default (E013 when it does not
//! convert). A `--var` the mapping never reads is W001.
//!
//! A value `env()` reads from the environment is a secret (a pseudonymization key): it is
//! added to the program's [`crate::plan::Secrets`], and no message ever quotes it.

use crate::value::{Ty, Value};

use super::compiler::{Compiler, null};
use super::scope::Scope;
use crate::diagnostic::{Code, Diagnostic, Span, suggest};
use crate::plan::CExpr;
use crate::syntax::ast::{Expr, Ident, Setting};

impl Compiler<'_> {
    /// `var(...)`/`env(...)`; `callee` is the `var`/`env` word.
    pub(super) fn compile_time(
        &mut self,
        from: Setting,
        callee: &Ident,
        name: &Expr,
        default: Option<&Expr>,
        scope: &mut Scope,
    ) -> (CExpr, Ty) {
        let key = self.expr(name, scope).0;
        let default = default.map(|d| (d.span, self.expr(d, scope).0));
        let Some(Value::String(key)) = key.as_const() else {
            self.diags.push(
                Diagnostic::error(
                    Code::BadConstant,
                    name.span,
                    format!(
                        "the name given to `{}` must be a constant string",
                        from.name()
                    ),
                )
                .hint(format!("`{}(\"site_url\")`", from.name())),
            );
            return null();
        };
        let default = match default {
            None => None,
            Some((_, CExpr::Const(v))) => Some(v),
            Some((span, _)) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::BadConstant,
                        span,
                        format!("the default of `{}` must be a constant", from.name()),
                    )
                    .hint("use a literal, or a file-level `let`"),
                );
                return null();
            }
        };
        let given = self.setting(from, key);
        let secret = from == Setting::Env && given.is_some();
        let value = self.resolve(from, callee, key, given, default);
        if from == Setting::Var && !self.vars.iter().any(|(k, _)| k == key) {
            self.vars.push((key.to_string(), value.clone()));
        }
        match value {
            Some(value) => {
                if secret {
                    self.secrets.add(key, &value);
                }
                let ty = Ty::of(&value);
                (CExpr::Const(value), ty)
            }
            None => null(),
        }
    }

    /// The value given for `key`: `--var` (remembered for W001) or the environment.
    fn setting(&mut self, from: Setting, key: &str) -> Option<String> {
        match from {
            Setting::Var => {
                self.vars_read.insert(key.to_string());
                self.opts.vars.get(key).cloned()
            }
            Setting::Env => match &self.opts.env {
                Some(env) => env.get(key).cloned(),
                None => std::env::var(key).ok(),
            },
        }
    }

    /// The value: the given one (converted like the default), else the default; `None` after
    /// an error.
    fn resolve(
        &mut self,
        from: Setting,
        callee: &Ident,
        key: &str,
        given: Option<String>,
        default: Option<Value>,
    ) -> Option<Value> {
        let what = from.name();
        match (given, default) {
            (Some(s), Some(d)) => match coerce_like(&s, &d) {
                Ok(v) => Some(v),
                Err(kind) => {
                    // The value of an environment variable may be a secret: it is not quoted.
                    let given = match from {
                        Setting::Var => format!(" = {s:?}"),
                        Setting::Env => String::new(),
                    };
                    self.diags.push(
                        Diagnostic::error(
                            Code::BadConstant,
                            callee.span,
                            format!("{what} `{key}`{given} is not {kind} like its default"),
                        )
                        .hint(format!("pass a value like {d}")),
                    );
                    None
                }
            },
            (Some(s), None) => Some(Value::String(s.into())),
            (None, Some(d)) => Some(d),
            (None, None) => {
                let (noun, how) = match from {
                    Setting::Var => (
                        "variable",
                        format!(
                            "set it (`--var {key}=VALUE`, `vars:` in clerkmap.yaml or in the test case), or give a default: `var(\"{key}\", \"...\")`"
                        ),
                    ),
                    Setting::Env => (
                        "environment variable",
                        format!(
                            "set the environment variable {key}, or give a default: `env(\"{key}\", \"...\")`"
                        ),
                    ),
                };
                self.diags.push(
                    Diagnostic::error(
                        Code::UnsetVariable,
                        callee.span,
                        format!("{noun} `{key}` is not set"),
                    )
                    .label("no value")
                    .hint(how),
                );
                None
            }
        }
    }

    /// W001 for each `--var` the mapping never read (the tool's own vars excepted), with the
    /// closest name it reads (a typo, or a name cut short: `site` for `site_url`), else the
    /// list of those it reads.
    pub(super) fn unused_vars(&mut self) {
        let opts = self.opts;
        let mut known: Vec<&str> = self
            .vars_read
            .iter()
            .map(String::as_str)
            .filter(|k| !opts.implicit_vars.iter().any(|i| i == k))
            .collect();
        known.sort_unstable();
        for name in opts.vars.keys() {
            if self.vars_read.contains(name) || opts.implicit_vars.contains(name) {
                continue;
            }
            let hint = suggest::did_you_mean(name, known.iter().copied()).or_else(|| {
                let lower = name.to_lowercase();
                let mut longer = known
                    .iter()
                    .filter(|k| lower.len() >= 3 && k.to_lowercase().contains(&lower));
                match (longer.next(), longer.next()) {
                    (Some(k), None) => Some(format!("did you mean `{k}`?")),
                    _ => None,
                }
            });
            let note = match (&hint, known.as_slice()) {
                (Some(_), _) => None,
                (None, []) => Some("the mapping reads no variable".to_string()),
                (None, k) => Some(format!("the mapping reads: {}", k.join(", "))),
            };
            let mut d = Diagnostic::warning(
                Code::UnusedVar,
                Span::default(),
                format!("variable `{name}` is set but the mapping never reads it"),
            )
            .hint_opt(hint);
            if let Some(n) = note {
                d = d.note(n);
            }
            self.diags.push(d);
        }
    }
}

/// Converts a `--var` string to the type of its default.
fn coerce_like(s: &str, default: &Value) -> Result<Value, &'static str> {
    match default {
        Value::Bool(_) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" | "on" => Ok(Value::Bool(true)),
            "false" | "no" | "0" | "off" => Ok(Value::Bool(false)),
            _ => Err("a bool (true/false)"),
        },
        Value::Number(n) if n.is_i64() => s
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| "an integer"),
        Value::Number(_) => s
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(crate::value::Number::from_f64)
            .map(Value::Number)
            .ok_or("a number"),
        _ => Ok(Value::String(s.to_string().into())),
    }
}

#[cfg(test)]
mod tests {
    use crate::json;

    use super::super::testing::*;
    use super::coerce_like;
    use crate::diagnostic::{Code, Span};
    use crate::plan::CExpr;

    fn with_var(
        src: &str,
        key: &str,
        value: &str,
    ) -> Result<CExpr, Vec<crate::diagnostic::Diagnostic>> {
        let mut o = opts();
        o.vars.insert(key.into(), value.into());
        lower_with(src, &o)
    }

    #[test]
    fn a_var_is_its_value_or_its_default() {
        assert!(
            matches!(with_var("var(\"site\")", "site", "https://x"), Ok(CExpr::Const(v)) if v == json!("https://x"))
        );
        assert_eq!(constant("var(\"site\", \"d\")"), json!("d"));
        assert!(
            matches!(with_var("var(\"n\", 1)", "n", " 42 "), Ok(CExpr::Const(v)) if v == json!(42))
        );
        assert!(
            matches!(with_var("\"b\" | var(false)", "b", "yes"), Ok(CExpr::Const(v)) if v == json!(true))
        );
    }

    #[test]
    fn env_reads_the_given_environment() {
        let mut o = opts();
        o.env = Some([("HOME".to_string(), "/h".to_string())].into());
        assert!(matches!(lower_with("env(\"HOME\")", &o), Ok(CExpr::Const(v)) if v == json!("/h")));
        let d = lower_error("env(\"NOPE\")");
        assert_eq!(d.code, Code::UnsetVariable);
        assert_eq!(d.message, "environment variable `NOPE` is not set");
        assert_eq!(d.span(), Span::new(0, 3));
    }

    #[test]
    fn an_unset_var_without_default() {
        let src = "let site = var(\"site_url\")";
        let d = only(src);
        assert_eq!(d.code, Code::UnsetVariable);
        assert_eq!(d.message, "variable `site_url` is not set");
        assert_eq!(d.span(), span_of(src, "var", 0));
        assert_eq!(d.labels[0].text, "no value");
        assert!(
            d.hint
                .is_some_and(|h| h.starts_with("set it (`--var site_url=VALUE`"))
        );
    }

    #[test]
    fn name_and_default_must_be_constants() {
        let d = lower_error("var(.x)");
        assert_eq!(d.code, Code::BadConstant);
        assert_eq!(
            d.message,
            "the name given to `var` must be a constant string"
        );
        assert_eq!(d.span(), Span::new(4, 6));
        let d = lower_error("env(\"A\", .x)");
        assert_eq!(d.message, "the default of `env` must be a constant");
        assert_eq!(d.span(), Span::new(9, 11));
    }

    #[test]
    fn a_value_that_does_not_convert_like_its_default() {
        let Err(d) = with_var("var(\"max_age\", 99)", "max_age", "old") else {
            panic!("compiles");
        };
        assert_eq!(d[0].code, Code::BadConstant);
        assert_eq!(
            d[0].message,
            "var `max_age` = \"old\" is not an integer like its default"
        );
        assert_eq!(d[0].hint.as_deref(), Some("pass a value like 99"));
        assert_eq!(coerce_like("1.5", &json!(0.5)), Ok(json!(1.5)));
        assert_eq!(coerce_like("x", &json!(0.5)), Err("a number"));
        assert_eq!(
            coerce_like("maybe", &json!(true)),
            Err("a bool (true/false)")
        );
    }

    #[test]
    fn a_var_never_read_is_a_warning_with_a_suggestion() {
        let mut o = opts();
        o.vars.insert("site_ur".into(), "x".into());
        o.vars.insert("store".into(), "x".into());
        o.implicit_vars.push("store".into());
        let d = diags_with(
            "let s = var(\"site_url\", \"\")\ncustomers from c { id = .x }",
            &o,
        );
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(d[0].code, Code::UnusedVar);
        assert!(!d[0].has_location());
        assert_eq!(
            d[0].message,
            "variable `site_ur` is set but the mapping never reads it"
        );
        assert_eq!(d[0].hint.as_deref(), Some("did you mean `site_url`?"));
    }

    #[test]
    fn a_var_cut_short_is_found_and_otherwise_the_read_ones_are_listed() {
        let mut o = opts();
        o.vars.insert("site".into(), "x".into());
        o.vars.insert("zzz".into(), "x".into());
        let d = diags_with(
            "let s = var(\"site_url\", \"\")\nlet c = var(\"collect_emails\", true)\ncustomers from c { id = .x }",
            &o,
        );
        assert_eq!(d.len(), 2, "{d:#?}");
        assert_eq!(d[0].hint.as_deref(), Some("did you mean `site_url`?"));
        assert!(d[0].notes.is_empty(), "{d:#?}");
        assert_eq!(d[1].hint, None);
        assert_eq!(d[1].notes, ["the mapping reads: collect_emails, site_url"]);
    }
}

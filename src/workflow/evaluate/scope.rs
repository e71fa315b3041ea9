//! What is in scope in a session, for `:vars` and for completion: the mapping's `let`s (with
//! their values' types), `fn`s, lookup tables and `--var`s, the built-in functions, and the
//! field paths of the current record.

use crate::value::{Ty, Value};

use super::{Compiled, Session, TableState};
use crate::check::input_paths::field_step;
use crate::functions;
use crate::syntax::ast::{Expr, ExprKind, Item};
use crate::syntax::visit::{Visitor, walk_expr};

/// What a name in scope is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A file-level `let` of the mapping.
    Let,
    /// A user function (`fn`) of the mapping.
    Fn,
    /// A lookup table of the mapping.
    Table,
    /// A `--var` (read with `var("KEY", default)`).
    Var,
    /// A built-in function.
    Builtin,
}

/// A name in scope.
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    /// What it is.
    pub kind: Kind,
    /// The name (for a var, its key).
    pub name: String,
    /// Its type and value (`string = "https://..."`), signature (`twice(n)`), row count...
    pub detail: String,
}

/// The most paths [`field_paths`] lists (a record with thousands of fields completes the first).
const MAX_PATHS: usize = 2000;

impl Session {
    /// The mapping's names (lets, fns, tables) and the vars, in that order, each in file order.
    pub fn names(&self) -> Vec<Name> {
        let mut out = Vec::new();
        if let Some(m) = &self.mapping {
            let secrets = &m.program.secrets;
            for (name, value) in &m.program.globals {
                let shown = crate::value::show(&secrets.hide(value));
                out.push(Name {
                    kind: Kind::Let,
                    name: name.clone(),
                    detail: format!("{} = {shown}", Ty::of(value)),
                });
            }
            for item in &m.file.items {
                if let Item::Fn(f) = item {
                    let params: Vec<&str> = f.params.iter().map(|p| p.name.as_str()).collect();
                    out.push(Name {
                        kind: Kind::Fn,
                        name: f.name.name.clone(),
                        detail: format!("{}({})", f.name.name, params.join(", ")),
                    });
                }
            }
            for t in self.tables() {
                let detail = match t.rows {
                    Some(n) => crate::value::plural(n as u64, "row"),
                    None => format!("empty: no input `{}` is given", t.input),
                };
                out.push(Name {
                    kind: Kind::Table,
                    name: t.name,
                    detail,
                });
            }
        }
        for (key, value) in &self.opts.vars {
            out.push(Name {
                kind: Kind::Var,
                name: key.clone(),
                detail: format!("string = {}", Value::String(value.clone().into())),
            });
        }
        out
    }

    /// The lookup tables `c` names whose input is not given: they are empty, and every
    /// lookup in them gives null.
    pub fn empty_tables(&self, c: &Compiled) -> Vec<TableState> {
        struct Names<'e>(Vec<&'e str>);
        impl<'e> Visitor<'e> for Names<'e> {
            fn visit_expr(&mut self, e: &'e Expr) {
                if let ExprKind::Name(id) = &e.kind {
                    self.0.push(&id.name);
                }
                walk_expr(self, e);
            }
        }
        let mut names = Names(Vec::new());
        names.visit_expr(&c.ast);
        self.tables()
            .into_iter()
            .filter(|t| t.rows.is_none() && names.0.contains(&t.name.as_str()))
            .collect()
    }

    /// Every name an expression may use: [`Session::names`] and the built-in functions.
    pub fn completions(&self) -> Vec<Name> {
        let mut out: Vec<Name> = self
            .names()
            .into_iter()
            .filter(|n| n.kind != Kind::Var)
            .collect();
        for f in functions::all() {
            out.push(Name {
                kind: Kind::Builtin,
                name: f.name.to_string(),
                detail: f.signature(),
            });
        }
        for special in functions::SPECIAL {
            out.push(Name {
                kind: Kind::Builtin,
                name: special.to_string(),
                detail: String::new(),
            });
        }
        out
    }
}

/// The field paths of a record, as a mapping writes them: `.a`, `.a.b`, `.list[*].c`,
/// `."Codice EAN"`; each once, in the record's order.
pub fn field_paths(record: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(record, String::new(), &mut out);
    out
}

fn walk(v: &Value, prefix: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if out.len() >= MAX_PATHS {
                    return;
                }
                let path = format!("{prefix}{}", field_step(k));
                if !out.contains(&path) {
                    out.push(path.clone());
                }
                walk(child, path, out);
            }
        }
        Value::Array(items) if !prefix.is_empty() => {
            for item in items.iter().filter(|i| i.is_object()) {
                walk(item, format!("{prefix}[*]"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn paths_of_nested_records_and_lists() {
        let r = json!({"a": {"b": 1}, "Codice EAN": "x", "v": [{"t": "S"}, {"t": "M", "p": 2}]});
        assert_eq!(
            field_paths(&r),
            vec![".a", ".a.b", ".\"Codice EAN\"", ".v", ".v[*].t", ".v[*].p"]
        );
    }
}

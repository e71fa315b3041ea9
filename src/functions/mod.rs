//! Built-in functions, one module per family.
//!
//! Every function is a static [`Function`]: its signature (used by the checker for arity and
//! type errors), a summary, runnable [`Example`]s (each one is a test, see
//! `tests/function_examples.rs`), its implementation and whether the checker may fold it.
//!
//! Each family's `FUNCTIONS` table is its public face. A small family is one file (`date.rs`);
//! a larger one is a directory whose `mod.rs` holds the table and the implementations, with
//! submodules for a self-contained concern (`number/decimal.rs`, `string/html.rs`,
//! `list/sort.rs`) and for the family's unit tests (`tests.rs`).
//!
//! Null handling convention: unless a function says otherwise, a null first argument gives null
//! (so a missing input field flows through a pipe chain and the attribute is left out).

use std::borrow::Cow;

use crate::value::{Table, Ty, Value, kind, show};

pub mod cell;
pub mod date;
pub mod list;
pub mod logic;
pub mod lookup;
pub mod number;
pub mod path;
pub mod privacy;
pub mod string;
pub mod url;

/// How an argument is passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// An ordinary value.
    Value,
    /// The bare name of a lookup table (`lookup categorie by ...`), resolved at compile time.
    Table,
}

/// A parameter of a built-in function.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Its name, in signatures, docs and error messages.
    pub name: &'static str,
    /// The types of value it accepts (checked at compile time).
    pub ty: Ty,
    /// Whether a call must give it.
    pub required: bool,
    /// How it is passed.
    pub kind: ParamKind,
}

impl Param {
    /// A required value parameter.
    pub const fn req(name: &'static str, ty: Ty) -> Param {
        Param {
            name,
            ty,
            required: true,
            kind: ParamKind::Value,
        }
    }
    /// An optional value parameter.
    pub const fn opt(name: &'static str, ty: Ty) -> Param {
        Param {
            name,
            ty,
            required: false,
            kind: ParamKind::Value,
        }
    }
    /// A required lookup-table parameter (any table; see [`ParamKind::Table`]).
    pub const fn table(name: &'static str) -> Param {
        Param {
            name,
            ty: Ty::ANY,
            required: true,
            kind: ParamKind::Table,
        }
    }
}

/// The implementation. Arguments arrive evaluated: lent ([`Imp::Reads`], [`Imp::Lists`], for a
/// function that only reads them, so paths of the record and `let`s are not copied), as the
/// argument a function picks a part of ([`Imp::Picks`]) or gives back edited ([`Imp::Edits`]),
/// or in a mutable slice
/// ([`Imp::Pure`], [`Imp::Table`]) so a function may take ownership of them
/// (`std::mem::take`). Its length is between the number of required
/// parameters and the number of parameters (or more for variadic functions).
/// The error is a message for the user: what went wrong with which value, and how to fix it.
#[derive(Clone, Copy)]
pub enum Imp {
    /// A function of its arguments only.
    Pure(fn(&mut [Value]) -> Result<Value, String>),
    /// A function of its arguments only that just reads them: the evaluator lends them
    /// instead of copying (paths of the record, `let`s).
    Reads(fn(&[&Value]) -> Result<Value, String>),
    /// Table functions receive the table named by their first (`ParamKind::Table`) argument;
    /// the slice holds the remaining arguments.
    Table(fn(&Table, &mut [Value]) -> Result<Value, String>),
    /// A function of one argument that gives that argument, one of its elements, or null
    /// (`first`, `last`, `nonempty`): it says which ([`Pick`]) and the evaluator hands that
    /// part on, lent where the argument was (`let p = first(rows[? ...])` copies no row).
    Picks(fn(Arg<'_>) -> Pick),
    /// A function that only reads its arguments, the first of which may be a list the
    /// evaluator holds as references (`len(offers[? available(.)])` copies no offer); the
    /// slice holds the others, lent.
    Lists(fn(Arg<'_>, &[&Value]) -> Result<Value, String>),
    /// A function that gives its first argument back, changed or as it is (`replace`): it
    /// gets that argument owned when the evaluator made it (a temporary, moved in) and lent
    /// when it is the record's, so what it leaves unchanged is not copied twice; the slice
    /// holds the others, lent.
    Edits(fn(Cow<'_, Value>, &[&Value]) -> Result<Value, String>),
}

/// The argument of a picking function ([`Imp::Picks`]): a value, or a list the evaluator
/// holds as references (what a projecting path picked, a `let` of one).
#[derive(Clone, Copy)]
pub enum Arg<'a> {
    /// A value.
    Value(&'a Value),
    /// A list, as references to its elements.
    List(&'a [&'a Value]),
}

impl Arg<'_> {
    /// The number of elements of a list; `None` for any other value.
    pub fn list_len(&self) -> Option<usize> {
        match self {
            Arg::List(items) => Some(items.len()),
            Arg::Value(Value::Array(items)) => Some(items.len()),
            Arg::Value(_) => None,
        }
    }
}

/// What a picking function gives of its argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Null.
    Null,
    /// The argument itself.
    Whole,
    /// The element at this index of the argument (a list).
    Element(usize),
}

impl Pick {
    /// The part of an owned `v` that `self` picks.
    pub fn take(self, v: Value) -> Value {
        match (self, v) {
            (Pick::Whole, v) => v,
            (Pick::Element(i), Value::Array(mut items)) if i < items.len() => items.swap_remove(i),
            _ => Value::Null,
        }
    }

    /// The part of a lent `v` that `self` picks.
    pub fn lend(self, v: &Value) -> &Value {
        match (self, v) {
            (Pick::Whole, v) => v,
            (Pick::Element(i), Value::Array(items)) => items.get(i).unwrap_or(&NULL),
            _ => &NULL,
        }
    }
}

/// The null a picking function's [`Pick::lend`] gives.
static NULL: Value = Value::Null;

/// A runnable example: `source` is a clerkmap expression, `result` the JSON text of the value
/// it gives, or `Err(substring of the error message)`.
/// Examples of table functions run against the fixture table `categorie` (key `codice`, parent
/// `codicePadre`) with rows `ABB` (root), `ABB.FEL` (parent `ABB`), `ABB.FEL.U` (parent
/// `ABB.FEL`), `ABB.MAG` (parent `ABB`) and `CAL` (root), each row `{codice, codicePadre, nome}`
/// with `nome` = the code in lower case; a second row under `CAL` has `nome` `cal 2`.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// What the example shows, in a few words (its row in docs/functions.md).
    pub title: &'static str,
    /// The clerkmap expression.
    pub source: &'static str,
    /// The JSON text of its value, or `Err` with a substring of its error message.
    pub result: Result<&'static str, &'static str>,
}

/// Validates the constant arguments of a call (None for a non-constant one).
pub type ConstCheck = fn(&[Option<&Value>]) -> Result<(), String>;

/// A built-in function: what the checker, the evaluator and docs/functions.md know about it.
pub struct Function {
    /// The name it is called by.
    pub name: &'static str,
    /// One paragraph for docs/functions.md: what it gives, and its null and error behaviour.
    pub summary: &'static str,
    /// Its parameters, in order.
    pub params: &'static [Param],
    /// The last parameter may repeat.
    pub variadic: bool,
    /// The types of value it gives.
    pub returns: Ty,
    /// Runnable examples: tests, and the table in docs/functions.md.
    pub examples: &'static [Example],
    /// The implementation.
    pub imp: Imp,
    /// Called by the checker with the arguments that are constants (None for the others),
    /// to reject bad formats, time zones, etc. before any record is read.
    pub check_const: Option<ConstCheck>,
    /// Whether a call with constant arguments may be computed at check time; false for
    /// functions that must only run when a record reaches them, like `error`.
    pub foldable: bool,
}

impl Function {
    /// The number of required parameters.
    pub fn min_args(&self) -> usize {
        self.params.iter().filter(|p| p.required).count()
    }
    /// None when variadic.
    pub fn max_args(&self) -> Option<usize> {
        (!self.variadic).then_some(self.params.len())
    }
    /// `name(a, b?, c...)`, for diagnostics and docs.
    pub fn signature(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut s = p.name.to_string();
                if !p.required {
                    s.push('?');
                }
                if self.variadic && i + 1 == self.params.len() {
                    s.push_str("...");
                }
                s
            })
            .collect();
        format!("{}({})", self.name, params.join(", "))
    }
}

/// The families, in documentation order.
pub fn families() -> [(&'static str, &'static [Function]); 10] {
    [
        ("string", string::FUNCTIONS),
        ("number", number::FUNCTIONS),
        ("list", list::FUNCTIONS),
        ("path", path::FUNCTIONS),
        ("cell", cell::FUNCTIONS),
        ("date", date::FUNCTIONS),
        ("url", url::FUNCTIONS),
        ("logic", logic::FUNCTIONS),
        ("lookup", lookup::FUNCTIONS),
        ("privacy", privacy::FUNCTIONS),
    ]
}

/// Every built-in function.
pub fn all() -> impl Iterator<Item = &'static Function> {
    families().into_iter().flat_map(|(_, f)| f.iter())
}

/// The built-in function called `name`.
pub fn get(name: &str) -> Option<&'static Function> {
    all().find(|f| f.name == name)
}

/// The fixture table the examples of lookup functions run against (see [`Example`]).
pub fn example_table() -> Table {
    let rows = [
        ("ABB", ""),
        ("ABB.FEL", "ABB"),
        ("ABB.FEL.U", "ABB.FEL"),
        ("ABB.MAG", "ABB"),
        ("CAL", ""),
        ("CAL", ""),
    ];
    let mut seen = Vec::new();
    let entries = rows
        .iter()
        .map(|(k, p)| {
            // A repeated key's later rows are named `... 2` (`lookup_all` gives them).
            let nome = match seen.contains(k) {
                true => format!("{} 2", k.to_lowercase()),
                false => k.to_lowercase(),
            };
            seen.push(*k);
            let row = crate::json!({"codice": k, "codicePadre": p, "nome": nome});
            (Some(k.to_string()), Some(p.to_string()), row)
        })
        .collect();
    Table::build_all("categorie", entries, true, true).0
}

/// Calls a pure implementation with owned arguments (unit tests of the families).
#[cfg(test)]
pub(crate) fn call(
    f: fn(&mut [Value]) -> Result<Value, String>,
    mut args: Vec<Value>,
) -> Result<Value, String> {
    f(&mut args)
}

/// Calls a reading implementation ([`Imp::Reads`]) with these arguments, lent.
#[cfg(test)]
pub(crate) fn call_reads(
    f: fn(&[&Value]) -> Result<Value, String>,
    args: Vec<Value>,
) -> Result<Value, String> {
    f(&args.iter().collect::<Vec<_>>())
}

/// Calls an editing implementation ([`Imp::Edits`]) with these arguments, the first owned.
#[cfg(test)]
pub(crate) fn call_edits(
    f: fn(Cow<'_, Value>, &[&Value]) -> Result<Value, String>,
    mut args: Vec<Value>,
) -> Result<Value, String> {
    let first = if args.is_empty() {
        Value::Null
    } else {
        args.remove(0)
    };
    f(Cow::Owned(first), &args.iter().collect::<Vec<_>>())
}

/// Calls a picking implementation ([`Imp::Picks`]) with an owned argument.
#[cfg(test)]
pub(crate) fn call_picks(f: fn(Arg<'_>) -> Pick, v: Value) -> Value {
    f(Arg::Value(&v)).take(v)
}

/// Calls a list-reading implementation ([`Imp::Lists`]) with these arguments, lent.
#[cfg(test)]
pub(crate) fn call_lists(
    f: fn(Arg<'_>, &[&Value]) -> Result<Value, String>,
    args: Vec<Value>,
) -> Result<Value, String> {
    let rest: Vec<&Value> = args.iter().skip(1).collect();
    f(Arg::Value(args.first().unwrap_or(&Value::Null)), &rest)
}

/// Names of the compile-time functions handled by the compiler itself (not in the registry).
pub const SPECIAL: &[&str] = &["var", "env", "map"];

// ---- helpers shared by the families ----

/// A float as a JSON value: integral-valued floats stay floats; NaN/inf are errors.
pub fn float(f: f64) -> Result<Value, String> {
    crate::value::Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| format!("the result {f} is not a finite number"))
}

/// What to add to the message of a function given an object where it wants a text or a
/// number, when the object is an XML element with attributes (`{"@waehrung": "EUR", "#text":
/// "19,90"}`): where its text is.
fn element_text(v: &Value) -> &'static str {
    match v {
        Value::Object(m) if m.contains_key("#text") => {
            "; it is an XML element with attributes, whose text is `.\"#text\"`: read it with `(.Preis.\"#text\" ?? .Preis)` (for a field `Preis`)"
        }
        _ => "",
    }
}

/// A kind with its indefinite article, for error messages: `an object`, `a list`.
fn article(kind: &str) -> String {
    if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {kind}")
    } else {
        format!("a {kind}")
    }
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.signature())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_functions_are_not_foldable() {
        // Lookup tables are loaded only when the mapping runs, so no call to them is folded.
        for f in all() {
            if matches!(f.imp, Imp::Table(_)) {
                assert!(!f.foldable, "{} reads a table but is foldable", f.name);
            }
        }
        assert!(get("error").is_some_and(|f| !f.foldable));
    }
}

//! Evaluation of compiled expressions against one record.
//!
//! Semantics (docs/language.md has the full list): a missing field or index is null; `[*]` and
//! `[? ]` project, so the rest of the path applies to every element and missing results are
//! dropped; most operators give null when an operand is null; `and`/`or`/`!`/`if` treat null as
//! false; `==` compares numbers by value (`1 == 1.0`).
//!
//! The evaluator recurses over the compiled expression, not over the data: once per level of
//! the expression (with [`Step`]s of a projected path, once per step), and the parser refuses
//! any expression deeper than [`crate::syntax::MAX_DEPTH`] levels (E017), so the recursion is
//! bounded when the mapping is checked and a run pays nothing per record for it. The functions
//! on that path keep their stack frames small (the work that does not recurse is in helpers), so
//! an expression at the limit fits the 2 MiB stack of the engine's worker threads with room to
//! spare, in debug builds too.

mod lend;
mod path;
mod record;

pub use record::{NoTrace, Outcome, Reason, Trace, map_group, map_record, map_record_traced};

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::cmp::Ordering;
use std::num::NonZeroU32;

use crate::value::{self, Map, Str, Table, Value, values_equal};

use path::{eval_path, get_base, lendable_base, lendable_list, note_read};

use crate::functions::{Arg, Function, Imp, Pick};
use crate::plan::{CExpr, FnPlan, Key, TableId};
use crate::syntax::ast::{BinOp, Span, UnOp};

/// The record paths (rooted at `.` or `rows`, outside `[? ]` conditions and `map` bodies) an
/// evaluation read, by their place in the mapping: `explain` shows only the reads of the
/// branches that ran.
#[derive(Debug, Default)]
pub struct ReadLog(RefCell<Vec<Span>>);

impl ReadLog {
    fn record(&self, span: Span) {
        self.0.borrow_mut().push(span);
    }

    /// Whether the path at `span` was read.
    pub fn contains(&self, span: Span) -> bool {
        self.0.borrow().contains(&span)
    }
}

/// The value of a block's `let` or attribute. A `let` of a path of the record (or of `rows`), or
/// of `first`/`nonempty`/`??`/`if` over one, holds references into the record instead of
/// copies (`let variations = rows[? .Type == "variation"]` copies no row); what needs the
/// value whole gets a copy made once, when first asked.
pub enum Slot<'r> {
    /// A value of the block's own.
    Value(Value),
    /// One value of the record, lent.
    One(&'r Value),
    /// A list of values of the record, lent; the list itself made once when asked for whole.
    Refs(Vec<&'r Value>, OnceCell<Value>),
}

impl<'r> Slot<'r> {
    /// A slot of a list of references.
    pub fn refs(items: Vec<&'r Value>) -> Slot<'r> {
        Slot::Refs(items, OnceCell::new())
    }

    /// The slot's value (a list of references copied into a list, once).
    #[inline]
    pub fn value(&self) -> &Value {
        match self {
            Slot::Value(v) => v,
            Slot::One(v) => v,
            Slot::Refs(items, whole) => {
                whole.get_or_init(|| Value::Array(items.iter().map(|&x| x.clone()).collect()))
            }
        }
    }

    /// Whether the slot's value is null (a list of references never is).
    fn value_is_null(&self) -> bool {
        match self {
            Slot::Value(v) => v.is_null(),
            Slot::One(v) => v.is_null(),
            Slot::Refs(..) => false,
        }
    }

    /// What the slot holds lent from the record, as the base of a path; None for a value of
    /// its own.
    #[inline]
    fn lent(&self) -> Option<path::Base<'_, 'r>> {
        match self {
            Slot::Value(_) => None,
            Slot::One(v) => Some(path::Base::One(v)),
            Slot::Refs(items, _) => Some(path::Base::Refs(items)),
        }
    }

    /// The slot's value, owned.
    pub fn into_value(self) -> Value {
        match self {
            Slot::Value(v) => v,
            Slot::One(v) => v.clone(),
            Slot::Refs(items, mut whole) => whole
                .take()
                .unwrap_or_else(|| Value::Array(items.into_iter().cloned().collect())),
        }
    }
}

impl Default for Slot<'_> {
    fn default() -> Self {
        Slot::Value(Value::Null)
    }
}

/// The values of the slots: a block's `let`s and attributes (its own values, or lent from the
/// record), or a user function's arguments (lent by the caller: a row passed as `f(.)` is not
/// copied).
#[derive(Clone, Copy)]
pub enum Slots<'a> {
    /// The block's slots.
    Owned(&'a [Slot<'a>]),
    /// Values lent to a function's body.
    Lent(&'a [&'a Value]),
}

impl<'a> Slots<'a> {
    /// No slots.
    pub const NONE: Slots<'static> = Slots::Lent(&[]);

    /// The value of slot `i`, if there is one.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&'a Value> {
        match *self {
            Slots::Owned(v) => v.get(i).map(Slot::value),
            Slots::Lent(v) => v.get(i).copied(),
        }
    }

    /// Slot `i` as the base of a path: the list of references it holds, or its value.
    #[inline]
    fn base(&self, i: usize) -> path::Base<'a, 'a> {
        use path::Base;
        match *self {
            Slots::Owned(v) => match v.get(i) {
                Some(slot) => slot.lent().unwrap_or_else(|| Base::One(slot.value())),
                None => Base::One(&NULL),
            },
            Slots::Lent(v) => Base::One(v.get(i).copied().unwrap_or(&NULL)),
        }
    }

    /// The references slot `i` holds, when it holds a list of them.
    #[inline]
    fn refs(&self, i: usize) -> Option<&'a [&'a Value]> {
        match self.base(i) {
            path::Base::Refs(items) => Some(items),
            _ => None,
        }
    }
}

/// What an expression can see besides `.`.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    /// The values of the block's `let`s and attributes computed so far (or of a function's
    /// parameters), by slot.
    pub slots: Slots<'a>,
    /// The group's rows (`rows`), in a grouped block.
    pub rows: &'a [Value],
    /// The loaded lookup tables, by table id.
    pub tables: &'a [Table],
    /// Where to note the record paths read (`explain`); `None` in a run.
    pub reads: Option<&'a ReadLog>,
    /// The named elements (`x => ...`) around the expression, innermost first.
    pub bound: Option<&'a Bound<'a>>,
}

/// A named element of `map(xs, x => ...)` or `xs[? x => ...]`, and the ones around it.
#[derive(Clone, Copy)]
pub struct Bound<'a> {
    /// The element.
    pub value: &'a Value,
    /// The named element around this one.
    pub up: Option<&'a Bound<'a>>,
}

impl<'a> Env<'a> {
    /// The named element `up` levels out ([`CExpr::Bound`]).
    fn bound(&self, up: usize) -> Option<&'a Value> {
        let mut b = self.bound?;
        for _ in 0..up {
            b = b.up?;
        }
        Some(b.value)
    }
}

impl Env<'static> {
    /// No slots, no rows, no tables: for constant expressions.
    pub fn empty() -> Env<'static> {
        Env {
            slots: Slots::NONE,
            rows: &[],
            tables: &[],
            reads: None,
            bound: None,
        }
    }
}

/// An evaluation failure: the message, and the span of the expression that failed.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    /// What went wrong with which value, and how to fix it.
    pub message: String,
    /// The expression that failed; for a failure inside a user function, the call of it in the
    /// expression evaluated (the message names the function).
    pub span: Option<Span>,
    /// Whether the message names the user function it failed in.
    in_fn: bool,
    /// The group's row (its index in `rows`, plus one) that `map` or a `[? ...]` filter was
    /// evaluating when it failed: the engine names its line, where the reject's own place is the
    /// group's first row. Four bytes, so that the error is no larger (it is in every result).
    pub(crate) row: Option<NonZeroU32>,
}

impl EvalError {
    fn new(message: impl Into<String>, span: Span) -> EvalError {
        EvalError {
            message: message.into(),
            span: Some(span),
            in_fn: false,
            row: None,
        }
    }

    /// The index in the group's rows of the row the failure is in, when it is known.
    pub fn row(&self) -> Option<usize> {
        self.row.map(|r| r.get() as usize - 1)
    }

    /// Notes that this failure came from evaluating for `item`, when `item` is one of the
    /// group's `rows` (or a copy of one: a `let` that copies; the first of equal rows) and no row
    /// inside it was noted first.
    #[cold]
    fn in_row(mut self, item: &Value, rows: &[Value]) -> EvalError {
        if self.row.is_none() {
            self.row = rows
                .iter()
                .position(|r| std::ptr::eq(r, item) || r == item)
                .and_then(|i| u32::try_from(i + 1).ok())
                .and_then(NonZeroU32::new);
        }
        self
    }

    /// The failure of a call of user function `f` at `call`: the message names the function
    /// (the innermost, where the failing expression is), the place is the call (the outermost,
    /// in the statement that failed), as a function called from several places would not say
    /// which call failed.
    #[cold]
    fn in_call(mut self, f: &FnPlan, call: Span) -> EvalError {
        if !self.in_fn {
            self.message = format!("{} (in `{}`)", self.message, f.name);
            self.in_fn = true;
        }
        self.span = Some(call);
        self
    }
}

type R = Result<Value, EvalError>;

/// Evaluates `e` with `cur` as `.`.
///
/// It recurses once per level of the expression, which the checker keeps within
/// [`crate::syntax::MAX_DEPTH`] levels; each function on that path keeps its own work (and its
/// stack frame) small and leaves the rest to helpers that do not recurse.
pub fn eval(e: &CExpr, cur: &Value, env: &Env) -> R {
    match e {
        CExpr::Const(v) => Ok(v.clone()),
        CExpr::Current => Ok(cur.clone()),
        CExpr::Rows => Ok(Value::Array(env.rows.to_vec())),
        CExpr::Slot(i) => Ok(env.slots.get(*i).cloned().unwrap_or(Value::Null)),
        CExpr::Bound(up) => Ok(env.bound(*up).cloned().unwrap_or(Value::Null)),
        CExpr::Lambda(body) => Err(EvalError {
            message: format!(
                "internal: a named element's body outside `map` or a filter: {body:?}"
            ),
            span: None,
            in_fn: false,
            row: None,
        }),
        CExpr::Path {
            base,
            steps,
            projects,
            span,
        } => {
            note_read(env, base, *span);
            eval_path(base, steps, *projects, cur, env)
        }
        CExpr::List(items) => eval_list(items, cur, env),
        CExpr::Object(entries) => eval_object(entries, cur, env),
        CExpr::DynObject(entries) => eval_dyn_object(entries, cur, env),
        CExpr::UserCall { f, args, span } => eval_user_call(f, args, cur, env, *span),
        CExpr::Call {
            f,
            table,
            args,
            map_first,
            span,
        } => eval_call(f, *table, args, *map_first, *span, cur, env),
        CExpr::Unary(op, x, span) => unary(*op, x, *span, cur, env),
        CExpr::Binary(op, a, b, span) => binary(*op, a, b, *span, cur, env),
        CExpr::If(c, t, f, span) => eval_if(c, t, f.as_deref(), *span, cur, env),
        CExpr::Map(list, body, span) => eval_map(list, body, *span, cur, env),
        CExpr::Match(v, arms) => eval_match(v, arms, cur, env),
    }
}

/// The value of null, to borrow.
static NULL: Value = Value::Null;

/// Evaluates `e` like [`eval`], borrowing the value instead of copying it when it is a constant,
/// `.`, a slot, or a path that picks one value of `.`, of a slot or of a named element:
/// comparisons, conditions and `map` read the record in place.
pub fn eval_ref<'v>(
    e: &'v CExpr,
    cur: &'v Value,
    env: &Env<'v>,
) -> Result<Cow<'v, Value>, EvalError> {
    match e {
        CExpr::Const(v) => Ok(Cow::Borrowed(v)),
        CExpr::Current => Ok(Cow::Borrowed(cur)),
        CExpr::Slot(i) => Ok(Cow::Borrowed(env.slots.get(*i).unwrap_or(&NULL))),
        CExpr::Path {
            base,
            steps,
            projects: false,
            span,
        } => {
            let Some(base_ref) = lendable_base(base, cur, env) else {
                return eval(e, cur, env).map(Cow::Owned);
            };
            note_read(env, base, *span);
            Ok(Cow::Borrowed(
                get_base(base_ref, steps, cur, env)?.unwrap_or(&NULL),
            ))
        }
        _ => eval(e, cur, env).map(Cow::Owned),
    }
}

/// `[a, b]`.
fn eval_list(items: &[CExpr], cur: &Value, env: &Env) -> R {
    let mut out = Vec::with_capacity(items.len());
    for i in items {
        out.push(eval(i, cur, env)?);
    }
    Ok(Value::Array(out))
}

/// `{key: value}`.
fn eval_object(entries: &[(String, CExpr)], cur: &Value, env: &Env) -> R {
    let mut m = Map::with_capacity(entries.len());
    for (k, v) in entries {
        m.insert(k.as_str(), eval(v, cur, env)?);
    }
    Ok(Value::Object(m))
}

/// `{(key): value}`: each computed key evaluated; a null key leaves its entry out.
fn eval_dyn_object(entries: &[(Key, CExpr)], cur: &Value, env: &Env) -> R {
    let mut m = Map::with_capacity(entries.len());
    for (k, v) in entries {
        let key = match k {
            Key::Fixed(name) => name.as_str().into(),
            Key::Computed(k, span) => match object_key(eval(k, cur, env)?, *span)? {
                Some(key) => key,
                None => continue,
            },
        };
        m.insert(key, eval(v, cur, env)?);
    }
    Ok(Value::Object(m))
}

/// `f(a, b)` of a user function: its body evaluated with the arguments' values as its slots,
/// no record, no `rows`.
fn eval_user_call(f: &FnPlan, args: &[CExpr], cur: &Value, env: &Env, call: Span) -> R {
    // The arguments are lent where they can be (`f(.)`, `f(row)`, `f(.a.b)`): a function
    // only reads its parameters. Up to three without a vector (most functions take one).
    // An argument's failure is the caller's own; the body's is told at the call.
    let lend = |a| eval_ref(a, cur, env);
    let body = |args: &[&Value]| eval_body(f, args, env).map_err(|e| e.in_call(f, call));
    match args {
        [] => body(&[]),
        [a] => body(&[&*lend(a)?]),
        [a, b] => body(&[&*lend(a)?, &*lend(b)?]),
        [a, b, c] => body(&[&*lend(a)?, &*lend(b)?, &*lend(c)?]),
        _ => {
            let values = args.iter().map(lend).collect::<Result<Vec<_>, _>>()?;
            let lent: Vec<&Value> = values.iter().map(|v| &**v).collect();
            body(&lent)
        }
    }
}

/// A user function's body with its parameters bound to `args`.
fn eval_body(f: &FnPlan, args: &[&Value], env: &Env) -> R {
    let inner = Env {
        slots: Slots::Lent(args),
        rows: &[],
        tables: env.tables,
        reads: None,
        bound: None,
    };
    eval(&f.body, &Value::Null, &inner)
}

/// A computed object key: a string as it is, an integer in decimal, null for none.
fn object_key(k: Value, span: Span) -> Result<Option<Str>, EvalError> {
    match k {
        Value::String(s) => Ok(Some(s)),
        Value::Null => Ok(None),
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(Some(n.to_string().into())),
        other => Err(EvalError::new(
            format!(
                "an object key must be a string, got {} {}",
                value::kind(&other),
                value::show(&other)
            ),
            span,
        )),
    }
}

/// `if c { t } else { f }` (no `else`: null).
fn eval_if(c: &CExpr, t: &CExpr, f: Option<&CExpr>, span: Span, cur: &Value, env: &Env) -> R {
    if truthy(&*eval_ref(c, cur, env)?, span, "an `if` condition")? {
        eval(t, cur, env)
    } else {
        match f {
            Some(f) => eval(f, cur, env),
            None => Ok(Value::Null),
        }
    }
}

/// `match v { lits => body, _ => body }`: the first arm whose literals hold `v`, else null.
fn eval_match(v: &CExpr, arms: &[(Option<Vec<Value>>, CExpr)], cur: &Value, env: &Env) -> R {
    let v = eval_ref(v, cur, env)?;
    for (pats, body) in arms {
        let hit = match pats {
            None => true,
            Some(lits) => lits.iter().any(|l| values_equal(l, &v)),
        };
        if hit {
            return eval(body, cur, env);
        }
    }
    Ok(Value::Null)
}

/// A function call: the arguments evaluated, then the function applied ([`apply`]).
fn eval_call(
    f: &Function,
    table: Option<TableId>,
    args: &[CExpr],
    map_first: bool,
    span: Span,
    cur: &Value,
    env: &Env,
) -> R {
    match (f.imp, args) {
        (Imp::Reads(imp), _) => return call_lending(imp, args, map_first, span, cur, env),
        (Imp::Picks(pick), [arg]) => return call_picking(pick, arg, cur, env),
        (Imp::Lists(imp), [first, rest @ ..]) if !map_first => {
            return call_listing(imp, first, rest, span, cur, env);
        }
        // A function that gives its first argument back edited: that argument is moved in
        // when evaluating it made it (`cells(x) | replace(...)`: each cell), lent when it is
        // the record's.
        (Imp::Edits(imp), [first, rest @ ..]) => {
            return with_lent(rest, cur, env, |rest| {
                with_first(first, map_first, cur, env, |v: Cow<'_, Value>| {
                    edit_with(imp, v, rest, span)
                })
            });
        }
        _ => {}
    }
    // The arguments, up to three without a vector (most calls have one or two).
    let val = |a| eval(a, cur, env);
    let apply = |vals: &mut [Value]| apply(f, table, vals, map_first, span, env);
    match args {
        [] => apply(&mut []),
        [a] => apply(&mut [val(a)?]),
        [a, b] => apply(&mut [val(a)?, val(b)?]),
        [a, b, c] => apply(&mut [val(a)?, val(b)?, val(c)?]),
        _ => apply(&mut args.iter().map(val).collect::<Result<Vec<_>, _>>()?),
    }
}

/// A call of a function that only reads its arguments ([`Imp::Reads`]): each argument is lent
/// where [`eval_ref`] can lend it, and a first argument that is a projecting path of `.`, of a
/// slot or of a named element is walked into references, so `.varianti[*].prezzo | decimal`
/// copies no price and `.descrizioneHtml | strip_html` no description.
fn call_lending(
    imp: fn(&[&Value]) -> Result<Value, String>,
    args: &[CExpr],
    map_first: bool,
    span: Span,
    cur: &Value,
    env: &Env,
) -> R {
    let Some((first, rest)) = args.split_first() else {
        return imp(&[]).map_err(|m| EvalError::new(m, span));
    };
    // The other arguments first.
    with_lent(rest, cur, env, |rest| {
        with_first(first, map_first, cur, env, |v: Cow<'_, Value>| {
            call_with(imp, &v, rest, span)
        })
    })
}

/// `then` of `args` evaluated, lent where they can be (up to two without a vector:
/// `replace(x, a, b)`).
#[inline]
fn with_lent(
    args: &[CExpr],
    cur: &Value,
    env: &Env,
    then: impl FnOnce(&[Cow<'_, Value>]) -> R,
) -> R {
    let lend = |a| eval_ref(a, cur, env);
    match args {
        [] => then(&[]),
        [a] => then(&[lend(a)?]),
        [a, b] => then(&[lend(a)?, lend(b)?]),
        _ => then(&args.iter().map(lend).collect::<Result<Vec<_>, _>>()?),
    }
}

/// Calls an editing function ([`Imp::Edits`]) with `first` and the other arguments, lent.
#[inline]
fn edit_with(
    imp: fn(Cow<'_, Value>, &[&Value]) -> Result<Value, String>,
    first: Cow<'_, Value>,
    rest: &[Cow<'_, Value>],
    span: Span,
) -> R {
    as_refs(rest, |rest| imp(first, rest)).map_err(|m| EvalError::new(m, span))
}

/// `then` of `vals` as references (up to two without a vector).
#[inline]
fn as_refs<T>(vals: &[Cow<'_, Value>], then: impl FnOnce(&[&Value]) -> T) -> T {
    match vals {
        [] => then(&[]),
        [a] => then(&[a]),
        [a, b] => then(&[a, b]),
        _ => then(&vals.iter().map(|v| &**v).collect::<Vec<_>>()),
    }
}

/// `call` of a function's first argument, or (`map_first`, a list) of each of its elements,
/// null results left out: a projecting path of `.`, of a slot or of a named element walked in
/// place (each element lent; a function that takes the list whole gets it made of copies, as a
/// path gives it), a value evaluating the argument made moved in, any other lent.
fn with_first(
    first: &CExpr,
    map_first: bool,
    cur: &Value,
    env: &Env,
    call: impl for<'v> Fn(Cow<'v, Value>) -> R,
) -> R {
    fn each<'v>(
        items: impl ExactSizeIterator<Item = Cow<'v, Value>>,
        call: impl for<'a> Fn(Cow<'a, Value>) -> R,
    ) -> R {
        let mut out = Vec::with_capacity(items.len());
        for x in items {
            let v = call(x)?;
            if !v.is_null() {
                out.push(v);
            }
        }
        Ok(Value::Array(out))
    }
    if let Some(items) = lendable_list(first, cur, env)? {
        if map_first {
            return each(items.iter().map(|&x| Cow::Borrowed(x)), call);
        }
        return call(Cow::Owned(Value::Array(
            items.iter().map(|&x| x.clone()).collect(),
        )));
    }
    match eval_ref(first, cur, env)? {
        Cow::Owned(Value::Array(items)) if map_first => {
            each(items.into_iter().map(Cow::Owned), call)
        }
        Cow::Borrowed(Value::Array(items)) if map_first => {
            each(items.iter().map(Cow::Borrowed), call)
        }
        v => call(v),
    }
}

/// The element `pick` gives of a list of references (null when it gives none); None when
/// it gives the whole list.
fn picked<'v>(pick: fn(Arg<'_>) -> Pick, items: &[&'v Value]) -> Option<&'v Value> {
    match pick(Arg::List(items)) {
        Pick::Null => Some(&NULL),
        Pick::Whole => None,
        Pick::Element(i) => Some(items.get(i).copied().unwrap_or(&NULL)),
    }
}

/// A call of a picking function ([`Imp::Picks`]): only the part it picks is copied, and
/// nothing when its argument was made for it (`first(cells(.x))`).
fn call_picking(pick: fn(Arg<'_>) -> Pick, arg: &CExpr, cur: &Value, env: &Env) -> R {
    if let Some(items) = lendable_list(arg, cur, env)? {
        return Ok(match picked(pick, &items) {
            Some(x) => x.clone(),
            None => Value::Array(items.iter().map(|&x| x.clone()).collect()),
        });
    }
    Ok(match eval_ref(arg, cur, env)? {
        Cow::Borrowed(v) => pick(Arg::Value(v)).lend(v).clone(),
        Cow::Owned(v) => pick(Arg::Value(&v)).take(v),
    })
}

/// A call of a function that reads a list ([`Imp::Lists`]): a list picked from the record is
/// passed as its references, the other arguments lent.
fn call_listing(
    imp: fn(Arg<'_>, &[&Value]) -> Result<Value, String>,
    first: &CExpr,
    rest: &[CExpr],
    span: Span,
    cur: &Value,
    env: &Env,
) -> R {
    with_lent(rest, cur, env, |rest| {
        as_refs(rest, |rest| {
            match lendable_list(first, cur, env)? {
                Some(items) => imp(Arg::List(&items), rest),
                None => imp(Arg::Value(&*eval_ref(first, cur, env)?), rest),
            }
            .map_err(|m| EvalError::new(m, span))
        })
    })
}

/// Calls a reading function with `first` and the other arguments, lent.
#[inline]
fn call_with(
    imp: fn(&[&Value]) -> Result<Value, String>,
    first: &Value,
    rest: &[Cow<'_, Value>],
    span: Span,
) -> R {
    match rest {
        [] => imp(&[first]),
        [a] => imp(&[first, a]),
        [a, b] => imp(&[first, a, b]),
        _ => {
            let mut all = Vec::with_capacity(rest.len() + 1);
            all.push(first);
            all.extend(rest.iter().map(|v| &**v));
            imp(&all)
        }
    }
    .map_err(|m| EvalError::new(m, span))
}

/// Applies `f` to evaluated arguments; when the function maps over its first argument and that
/// is a list, to each element instead (null results dropped).
fn apply(
    f: &Function,
    table: Option<TableId>,
    vals: &mut [Value],
    map_first: bool,
    span: Span,
    env: &Env,
) -> R {
    if map_first && vals.first().is_some_and(Value::is_array) {
        let Some(Value::Array(items)) = vals.first_mut().map(std::mem::take) else {
            return Ok(Value::Null);
        };
        let mut out = Vec::with_capacity(items.len());
        // The other arguments are copied for each element (a function may take them apart);
        // the element itself is moved in, never copied.
        let mut call_args = Vec::with_capacity(vals.len());
        for item in items {
            call_args.clear();
            call_args.push(item);
            call_args.extend(vals[1..].iter().cloned());
            let v = call(f, table, span, env, &mut call_args)?;
            if !v.is_null() {
                out.push(v);
            }
        }
        Ok(Value::Array(out))
    } else {
        call(f, table, span, env, vals)
    }
}

/// Applies `f` to evaluated arguments, with its lookup table for a table function.
#[inline]
fn call(f: &Function, table: Option<TableId>, span: Span, env: &Env, vals: &mut [Value]) -> R {
    match (f.imp, table) {
        (Imp::Pure(imp), _) => imp(vals),
        (Imp::Reads(imp), _) => imp(&vals.iter().collect::<Vec<_>>()),
        (Imp::Edits(imp), _) => match vals.split_first_mut() {
            Some((first, rest)) => imp(
                Cow::Owned(std::mem::take(first)),
                &rest.iter().collect::<Vec<_>>(),
            ),
            None => Ok(Value::Null),
        },
        (Imp::Lists(imp), _) => match vals.split_first() {
            Some((first, rest)) => imp(Arg::Value(first), &rest.iter().collect::<Vec<_>>()),
            None => Ok(Value::Null),
        },
        (Imp::Picks(pick), _) => Ok(match vals.first_mut() {
            Some(v) => pick(Arg::Value(v)).take(std::mem::take(v)),
            None => Value::Null,
        }),
        (Imp::Table(imp), Some(t)) => match env.tables.get(t) {
            Some(table) => imp(table, vals),
            None => Err(format!("{}: the lookup table is not loaded", f.name)),
        },
        (Imp::Table(_), None) => Err(format!("{}: no lookup table given", f.name)),
    }
    .map_err(|m| EvalError::new(m, span))
}

/// `!x` and `-x`.
fn unary(op: UnOp, x: &CExpr, span: Span, cur: &Value, env: &Env) -> R {
    let v = eval_ref(x, cur, env)?;
    match op {
        UnOp::Not => Ok(Value::Bool(!truthy(&v, span, "`!`")?)),
        UnOp::Neg => negate(v.into_owned(), span),
    }
}

/// `-x`.
fn negate(v: Value, span: Span) -> R {
    match &v {
        Value::Null => Ok(Value::Null),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Ok(i
                .checked_neg()
                .map(Value::from)
                .unwrap_or_else(|| float_or_null(-(i as f64)))),
            None => Ok(float_or_null(-n.as_f64().unwrap_or(0.0))),
        },
        other => Err(EvalError::new(
            format!(
                "`-` needs a number, got {} {}",
                value::kind(other),
                value::show(other)
            ),
            span,
        )),
    }
}

/// `map(list, body)`: `body` with `.` = each element of the list, null results dropped; null
/// for a null list. A list the mapping picked from the record (`map(.varianti[? ...], ...)`,
/// a `let` of one) is walked in place.
fn eval_map(list: &CExpr, body: &CExpr, span: Span, cur: &Value, env: &Env) -> R {
    if let Some(items) = lendable_list(list, cur, env)? {
        return map_items(items.iter().copied(), body, cur, env);
    }
    match &*eval_ref(list, cur, env)? {
        Value::Null => Ok(Value::Null),
        Value::Array(items) => map_items(items.iter(), body, cur, env),
        other => Err(EvalError::new(
            format!(
                "`map` needs a list, got {} {}",
                value::kind(other),
                value::show(other)
            ),
            span,
        )),
    }
}

/// `body` of each of `items`, null results dropped.
fn map_items<'v>(
    items: impl ExactSizeIterator<Item = &'v Value>,
    body: &CExpr,
    cur: &Value,
    env: &Env,
) -> R {
    let mut out = Vec::with_capacity(items.len());
    let env = &per_element(env);
    for item in items {
        let v = match body {
            // `x => ...`: `.` stays, the element is named.
            CExpr::Lambda(named) => eval_named(named, item, cur, env),
            _ => eval(body, item, env),
        }
        .map_err(|e| e.in_row(item, env.rows))?;
        if !v.is_null() {
            out.push(v);
        }
    }
    Ok(Value::Array(out))
}

/// The body of `x => body` with `x` = `item` (`.` stays the enclosing one).
fn eval_named(named: &CExpr, item: &Value, cur: &Value, env: &Env) -> R {
    let b = Bound {
        value: item,
        up: env.bound,
    };
    eval(
        named,
        cur,
        &Env {
            bound: Some(&b),
            ..*env
        },
    )
}

/// The environment of an expression evaluated per element (`.` = the element): its paths are
/// not the record's.
#[inline]
fn per_element<'a>(env: &Env<'a>) -> Env<'a> {
    Env {
        reads: None,
        ..*env
    }
}

fn float_or_null(f: f64) -> Value {
    crate::value::Number::from_f64(f)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// `true` is true, `false` and null are false, anything else is an error.
fn truthy(v: &Value, span: Span, what: &str) -> Result<bool, EvalError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        other => Err(EvalError::new(
            format!(
                "{what} must be a bool, got {} {}",
                value::kind(other),
                value::show(other)
            ),
            span,
        )),
    }
}

/// `a op b`: `??`, `and` and `or` evaluate `b` only when they need it; the other operators
/// evaluate both, then [`combine`] them.
fn binary(op: BinOp, a: &CExpr, b: &CExpr, span: Span, cur: &Value, env: &Env) -> R {
    let l = eval_ref(a, cur, env)?;
    match op {
        BinOp::Coalesce if l.is_null() => eval(b, cur, env),
        BinOp::Coalesce => Ok(l.into_owned()),
        BinOp::And if !truthy(&l, span, "`and`")? => Ok(Value::Bool(false)),
        BinOp::Or if truthy(&l, span, "`or`")? => Ok(Value::Bool(true)),
        BinOp::And | BinOp::Or => {
            let what = if op == BinOp::And { "`and`" } else { "`or`" };
            Ok(Value::Bool(truthy(&*eval_ref(b, cur, env)?, span, what)?))
        }
        // Comparisons read both operands in place.
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let r = eval_ref(b, cur, env)?;
            compare(op, &l, &r, span)
        }
        _ => {
            let r = eval(b, cur, env)?;
            combine(op, l.into_owned(), r, span)
        }
    }
}

/// `l op r` for the comparison operators.
fn compare(op: BinOp, l: &Value, r: &Value, span: Span) -> R {
    match op {
        BinOp::Eq => return Ok(Value::Bool(values_equal(l, r))),
        BinOp::Ne => return Ok(Value::Bool(!values_equal(l, r))),
        _ => {}
    }
    if l.is_null() || r.is_null() {
        return Ok(Value::Null);
    }
    let ord = match (l, r) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => Some(i.cmp(&j)),
            _ => x
                .as_f64()
                .zip(y.as_f64())
                .and_then(|(p, q)| p.partial_cmp(&q)),
        },
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    };
    let ord = ord.ok_or_else(|| mismatch(op, l, r, span))?;
    Ok(Value::Bool(match op {
        BinOp::Lt => ord == Ordering::Less,
        BinOp::Le => ord != Ordering::Greater,
        BinOp::Gt => ord == Ordering::Greater,
        _ => ord != Ordering::Less,
    }))
}

/// The error of an operator that cannot combine its operands.
#[cold]
fn mismatch(op: BinOp, l: &Value, r: &Value, span: Span) -> EvalError {
    let mut msg = format!(
        "`{}` cannot combine {} {} and {} {}",
        op.symbol(),
        value::kind(l),
        value::show(l),
        value::kind(r),
        value::show(r)
    );
    if l.is_string() || r.is_string() {
        msg.push_str("; convert text to numbers with `| decimal`, or join text with `~`");
    }
    EvalError::new(msg, span)
}

/// The value of `l op r` for the operators that need both operands.
fn combine(op: BinOp, l: Value, r: Value, span: Span) -> R {
    let mismatch = |l: &Value, r: &Value| mismatch(op, l, r, span);
    match op {
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            return compare(op, &l, &r, span);
        }
        _ => {}
    }
    if l.is_null() || r.is_null() {
        return Ok(Value::Null);
    }
    match op {
        BinOp::Concat => {
            let s = |v: &Value| match v {
                Value::String(s) => Ok(s.to_string()),
                Value::Number(_) | Value::Bool(_) => Ok(v.to_string()),
                other => Err(EvalError::new(
                    format!(
                        "`~` joins text, got {} {}",
                        value::kind(other),
                        value::show(other)
                    ),
                    span,
                )),
            };
            Ok(Value::String((s(&l)? + &s(&r)?).into()))
        }
        BinOp::Add => match (l, r) {
            (Value::String(x), Value::String(y)) => Ok(Value::String(x + &y)),
            (Value::Array(mut x), Value::Array(y)) => {
                x.extend(y);
                Ok(Value::Array(x))
            }
            (l, r) => arith(op, &l, &r, span).ok_or_else(|| mismatch(&l, &r))?,
        },
        _ => arith(op, &l, &r, span).ok_or_else(|| mismatch(&l, &r))?,
    }
}

/// Arithmetic on two numbers; None when they are not both numbers.
fn arith(op: BinOp, l: &Value, r: &Value, span: Span) -> Option<R> {
    let (Value::Number(x), Value::Number(y)) = (l, r) else {
        return None;
    };
    if let (Some(i), Some(j), false) = (x.as_i64(), y.as_i64(), op == BinOp::Div) {
        let res = match op {
            BinOp::Add => i.checked_add(j),
            BinOp::Sub => i.checked_sub(j),
            BinOp::Mul => i.checked_mul(j),
            BinOp::Rem if j == 0 => return Some(Err(EvalError::new("`%` by zero", span))),
            BinOp::Rem => i.checked_rem(j),
            _ => None,
        };
        if let Some(v) = res {
            return Some(Ok(Value::from(v)));
        }
    }
    let (p, q) = (x.as_f64()?, y.as_f64()?);
    // Decimal-exact on money-sized numbers: `0.1 + 0.2` is 0.3, not 0.30000000000000004.
    let v = match op {
        BinOp::Div | BinOp::Rem if q == 0.0 => {
            return Some(Err(EvalError::new(
                format!("`{}` by zero", op.symbol()),
                span,
            )));
        }
        _ => crate::functions::number::arith(op, p, q)?,
    };
    Some(
        crate::value::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| EvalError::new("the result is not a finite number", span)),
    )
}

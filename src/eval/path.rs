//! Paths: a base (`.`, a slot, a named element, `rows`, or any expression) and its steps.
//! Bases that can be lent are walked in place, `rows` included (the group's rows are a slice,
//! never gathered into a list value to be walked: `rows[? .Type == "variation"]` copies only
//! the rows it keeps). The checker makes a path only of a field, index, `[*]` or `[? ]`, so
//! every path has a step.

use super::Cow;
use super::{Env, EvalError, NULL, R, eval, eval_named, eval_ref, per_element, truthy};
use crate::plan::{CExpr, Step};
use crate::value::Value;

/// What a path starts from, lent: values that live for `'v`, a list of them held for `'s`.
#[derive(Clone, Copy)]
pub(super) enum Base<'s, 'v> {
    /// One value: `.`, a slot, a named element.
    One(&'v Value),
    /// The group's rows (`rows`): walked as a list.
    Rows(&'v [Value]),
    /// A list of references a `let` holds: walked as a list.
    Refs(&'s [&'v Value]),
}

/// The value a path's base stands for when it can be borrowed: `.`, a slot, a named element,
/// `rows`. (Inlined: it runs for every path, and the caller's match on its result folds.)
#[inline(always)]
pub(super) fn lendable_base<'v>(
    base: &CExpr,
    cur: &'v Value,
    env: &Env<'v>,
) -> Option<Base<'v, 'v>> {
    match *base {
        CExpr::Current => Some(Base::One(cur)),
        CExpr::Slot(i) => Some(env.slots.base(i)),
        CExpr::Bound(up) => Some(Base::One(env.bound(up).unwrap_or(&NULL))),
        CExpr::Rows => Some(Base::Rows(env.rows)),
        _ => None,
    }
}

/// Notes a read of the record's path at `span` (`explain`), if `base` is the record's.
#[inline]
pub(super) fn note_read(env: &Env, base: &CExpr, span: crate::syntax::ast::Span) {
    if let Some(log) = env.reads
        && matches!(base, CExpr::Current | CExpr::Rows)
    {
        log.record(span);
    }
}

/// The list `e` stands for, as references, when it is a projecting path whose base can be lent
/// (`.varianti[? ...]`, `rows[*].x`) or a slot holding references: walked in place, not copied.
#[inline]
pub(super) fn lendable_list<'v>(
    e: &'v CExpr,
    cur: &'v Value,
    env: &Env<'v>,
) -> Result<Option<Cow<'v, [&'v Value]>>, EvalError> {
    match e {
        CExpr::Path {
            base,
            steps,
            projects: true,
            span,
        } => {
            let Some(base_ref) = lendable_base(base, cur, env) else {
                return Ok(None);
            };
            note_read(env, base, *span);
            let mut out = Vec::new();
            walk_base(base_ref, steps, cur, env, &mut out)?;
            Ok(Some(Cow::Owned(out)))
        }
        CExpr::Slot(i) => Ok(env.slots.refs(*i).map(Cow::Borrowed)),
        _ => Ok(None),
    }
}

/// A path's value: `projects` gives the list of what it picks (copies), else the one value.
pub(super) fn eval_path(base: &CExpr, steps: &[Step], projects: bool, cur: &Value, env: &Env) -> R {
    // Borrow the base when possible: paths on `.` are the hot case.
    let owned;
    let base_ref = match lendable_base(base, cur, env) {
        Some(b) => b,
        None => {
            owned = eval(base, cur, env)?;
            Base::One(&owned)
        }
    };
    if projects {
        let mut out = Vec::new();
        walk_base(base_ref, steps, cur, env, &mut out)?;
        Ok(Value::Array(out.into_iter().cloned().collect()))
    } else {
        Ok(get_base(base_ref, steps, cur, env)?
            .cloned()
            .unwrap_or(Value::Null))
    }
}

/// [`get_ref`] from a lent base.
#[inline]
pub(super) fn get_base<'v>(
    base: Base<'_, 'v>,
    steps: &[Step],
    cur: &Value,
    env: &Env,
) -> Result<Option<&'v Value>, EvalError> {
    match base {
        Base::One(v) => get_ref(v, steps, cur, env),
        Base::Rows(rows) => get_items(rows, |i| rows.get(i), steps, cur, env),
        Base::Refs(items) => get_items(items, |i| items.get(i).copied(), steps, cur, env),
    }
}

/// [`get_ref`] from a list held as a slice (of `len` elements, `at` the one at an index).
#[inline]
fn get_items<'v, T>(
    items: &[T],
    at: impl Fn(usize) -> Option<&'v Value>,
    steps: &[Step],
    cur: &Value,
    env: &Env,
) -> Result<Option<&'v Value>, EvalError> {
    match steps.split_first() {
        Some((Step::Index(e), rest)) => {
            match index_of(items.len(), &eval(e, cur, env)?).and_then(at) {
                Some(x) => get_ref(x, rest, cur, env),
                None => Ok(None),
            }
        }
        // a list has no fields
        _ => Ok(None),
    }
}

/// [`walk`] from a lent base.
#[inline]
pub(super) fn walk_base<'v>(
    base: Base<'_, 'v>,
    steps: &[Step],
    cur: &Value,
    env: &Env,
    out: &mut Vec<&'v Value>,
) -> Result<(), EvalError> {
    match base {
        Base::One(v) => walk(v, steps, cur, env, out),
        Base::Rows(rows) => walk_items(rows.iter(), |i| rows.get(i), steps, cur, env, out),
        Base::Refs(items) => walk_items(
            items.iter().copied(),
            |i| items.get(i).copied(),
            steps,
            cur,
            env,
            out,
        ),
    }
}

/// [`walk`] from a list (its elements, `at` the one at an index).
#[inline]
fn walk_items<'v>(
    items: impl ExactSizeIterator<Item = &'v Value>,
    at: impl Fn(usize) -> Option<&'v Value>,
    steps: &[Step],
    cur: &Value,
    env: &Env,
    out: &mut Vec<&'v Value>,
) -> Result<(), EvalError> {
    match steps.split_first() {
        Some((Step::Each, rest)) => each(items, rest, cur, env, out),
        Some((Step::Filter(cond, span), rest)) => filter(items, cond, *span, rest, cur, env, out),
        Some((Step::Index(e), rest)) => {
            match index_of(items.len(), &eval(e, cur, env)?).and_then(at) {
                Some(x) => walk(x, rest, cur, env, out),
                None => Ok(()),
            }
        }
        // a list has no fields (and every path has a step)
        Some((Step::Field(..), _)) | None => Ok(()),
    }
}

/// The place of index `idx` (negative from the end) in a list of `len` elements.
fn index_of(len: usize, idx: &Value) -> Option<usize> {
    let Value::Number(n) = idx else {
        return None;
    };
    let i = n
        .as_i64()
        .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))?;
    let i = if i < 0 { len as i64 + i } else { i };
    usize::try_from(i).ok()
}

fn index<'v>(v: &'v Value, idx: &Value) -> Option<&'v Value> {
    match (v, idx) {
        (Value::Array(items), _) => index_of(items.len(), idx).and_then(|i| items.get(i)),
        (Value::Object(m), Value::String(k)) => m.get(k),
        _ => None,
    }
}

pub(super) fn get_ref<'v>(
    v: &'v Value,
    steps: &[Step],
    cur: &Value,
    env: &Env,
) -> Result<Option<&'v Value>, EvalError> {
    let mut v = v;
    for s in steps {
        let next = match s {
            Step::Field(name, hint) => crate::value::field_hinted(v, name, hint),
            Step::Index(e) => index(v, &eval(e, cur, env)?),
            Step::Each | Step::Filter(..) => None,
        };
        match next {
            Some(n) => v = n,
            None => return Ok(None),
        }
    }
    Ok(Some(v))
}

/// Collects what a projecting path picks from `v`: references into `v`, nulls left out.
pub(super) fn walk<'v>(
    v: &'v Value,
    steps: &[Step],
    cur: &Value,
    env: &Env,
    out: &mut Vec<&'v Value>,
) -> Result<(), EvalError> {
    let Some((step, rest)) = steps.split_first() else {
        if !v.is_null() {
            out.push(v);
        }
        return Ok(());
    };
    match step {
        Step::Field(name, hint) => {
            if let Some(x) = crate::value::field_hinted(v, name, hint) {
                walk(x, rest, cur, env, out)?;
            }
        }
        Step::Index(e) => {
            if let Some(x) = index(v, &eval(e, cur, env)?) {
                walk(x, rest, cur, env, out)?;
            }
        }
        Step::Each => match v {
            Value::Array(items) => each(items.iter(), rest, cur, env, out)?,
            Value::Object(m) => {
                for x in m.values() {
                    walk(x, rest, cur, env, out)?;
                }
            }
            _ => {}
        },
        Step::Filter(cond, span) => {
            let single = std::slice::from_ref(v);
            let items: &[Value] = match v {
                Value::Array(items) => items,
                Value::Null => &[],
                _ => single,
            };
            filter(items.iter(), cond, *span, rest, cur, env, out)?;
        }
    }
    Ok(())
}

/// `[*]` over a list: the rest of the path from each element.
#[inline]
fn each<'v>(
    items: impl ExactSizeIterator<Item = &'v Value>,
    rest: &[Step],
    cur: &Value,
    env: &Env,
    out: &mut Vec<&'v Value>,
) -> Result<(), EvalError> {
    out.reserve(items.len());
    for x in items {
        walk(x, rest, cur, env, out)?;
    }
    Ok(())
}

/// `[? cond]` over a list: the rest of the path from each element kept.
#[inline]
fn filter<'v>(
    items: impl Iterator<Item = &'v Value>,
    cond: &CExpr,
    span: crate::syntax::ast::Span,
    rest: &[Step],
    cur: &Value,
    env: &Env,
    out: &mut Vec<&'v Value>,
) -> Result<(), EvalError> {
    let element_env = per_element(env);
    for x in items {
        let keep = match cond {
            // `[? x => ...]`: `.` stays, the element is named.
            CExpr::Lambda(named) => eval_named(named, x, cur, &element_env).map(Cow::Owned),
            _ => eval_ref(cond, x, &element_env),
        }
        .and_then(|keep| truthy(&keep, span, "a `[? ...]` filter"))
        .map_err(|e| e.in_row(x, env.rows))?;
        if keep {
            walk(x, rest, cur, env, out)?;
        }
    }
    Ok(())
}

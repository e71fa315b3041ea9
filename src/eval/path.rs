//! Paths: a base (`.`, a slot, a named element, `rows`, or any expression) and its steps.
//! Bases that can be lent are walked in place, `rows` included (the group's rows are a slice,
//! never gathered into a list value to be walked: `rows[? .Type == "variation"]` copies only
//! the rows it keeps). The checker makes a path only of a field, index, `[*]` or `[? ]`, so
//! every path has a step.

use super::{Bound, Cow};
use super::{Env, EvalError, NULL, R, eval, eval_ref, per_element, truthy};
use crate::plan::{CExpr, Step};
use crate::value::Value;

/// What a path starts from, lent.
#[derive(Clone, Copy)]
pub(super) enum Base<'v> {
    /// One value: `.`, a slot, a named element.
    One(&'v Value),
    /// The group's rows (`rows`): walked as a list.
    Rows(&'v [Value]),
}

/// The value a path's base stands for when it can be borrowed: `.`, a slot, a named element,
/// `rows`.
#[inline]
pub(super) fn lendable_base<'v>(base: &CExpr, cur: &'v Value, env: &Env<'v>) -> Option<Base<'v>> {
    match *base {
        CExpr::Current => Some(Base::One(cur)),
        CExpr::Slot(i) => Some(Base::One(env.slots.get(i).unwrap_or(&NULL))),
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

/// The base and the steps of `e` when it is a projecting path whose base can be lent.
pub(super) fn lendable_projection<'v>(
    e: &'v CExpr,
    cur: &'v Value,
    env: &Env<'v>,
) -> Option<(Base<'v>, &'v [Step])> {
    let CExpr::Path {
        base,
        steps,
        projects: true,
        span,
    } = e
    else {
        return None;
    };
    let base_ref = lendable_base(base, cur, env)?;
    note_read(env, base, *span);
    Some((base_ref, steps))
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
    base: Base<'v>,
    steps: &[Step],
    cur: &Value,
    env: &Env,
) -> Result<Option<&'v Value>, EvalError> {
    match base {
        Base::One(v) => get_ref(v, steps, cur, env),
        Base::Rows(rows) => match steps.split_first() {
            Some((Step::Index(e), rest)) => match index_items(rows, &eval(e, cur, env)?) {
                Some(x) => get_ref(x, rest, cur, env),
                None => Ok(None),
            },
            // a list has no fields
            _ => Ok(None),
        },
    }
}

/// [`walk`] from a lent base.
#[inline]
pub(super) fn walk_base<'v>(
    base: Base<'v>,
    steps: &[Step],
    cur: &Value,
    env: &Env,
    out: &mut Vec<&'v Value>,
) -> Result<(), EvalError> {
    match base {
        Base::One(v) => walk(v, steps, cur, env, out),
        Base::Rows(rows) => match steps.split_first() {
            Some((Step::Each, rest)) => each(rows, rest, cur, env, out),
            Some((Step::Filter(cond, span), rest)) => {
                filter(rows, cond, *span, rest, cur, env, out)
            }
            Some((Step::Index(e), rest)) => match index_items(rows, &eval(e, cur, env)?) {
                Some(x) => walk(x, rest, cur, env, out),
                None => Ok(()),
            },
            // a list has no fields (and every path has a step)
            Some((Step::Field(..), _)) | None => Ok(()),
        },
    }
}

/// The element of `items` at `idx` (negative from the end).
fn index_items<'v>(items: &'v [Value], idx: &Value) -> Option<&'v Value> {
    let Value::Number(n) = idx else {
        return None;
    };
    let i = n
        .as_i64()
        .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))?;
    let i = if i < 0 { items.len() as i64 + i } else { i };
    usize::try_from(i).ok().and_then(|i| items.get(i))
}

fn index<'v>(v: &'v Value, idx: &Value) -> Option<&'v Value> {
    match (v, idx) {
        (Value::Array(items), _) => index_items(items, idx),
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
            Value::Array(items) => each(items, rest, cur, env, out)?,
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
            filter(items, cond, *span, rest, cur, env, out)?;
        }
    }
    Ok(())
}

/// `[*]` over a list: the rest of the path from each element.
#[inline]
fn each<'v>(
    items: &'v [Value],
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
    items: &'v [Value],
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
            CExpr::Lambda(named) => {
                let b = Bound {
                    value: x,
                    up: env.bound,
                };
                let named_env = Env {
                    bound: Some(&b),
                    ..element_env
                };
                Cow::Owned(eval(named, cur, &named_env)?)
            }
            _ => eval_ref(cond, x, &element_env)?,
        };
        if truthy(&keep, span, "a `[? ...]` filter")? {
            walk(x, rest, cur, env, out)?;
        }
    }
    Ok(())
}

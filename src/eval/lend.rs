//! `let`s that hold what they pick from the record lent ([`Slot::One`], [`Slot::Refs`]):
//! `let variations = rows[? .Type == "variation"]`, `let p = first(rows[? ...])`,
//! `let offers = if ... { variations } else { ... }` copy no row. What is not a pick of the
//! record (a computed value, a list literal, a `let` of its own value) is evaluated as usual.

use super::path::{Base, get_base, note_read, walk_base};
use super::{Env, EvalError, NULL, Slot, eval, eval_ref, picked, truthy};
use crate::functions::{Arg, Imp};
use crate::plan::CExpr;
use crate::syntax::ast::BinOp;
use crate::value::Value;

/// The value of a `let`'s expression `e`, lent from `record`, `rows` and the lent `slots`
/// where it is a pick of them, else evaluated. Gives what [`eval`] gives, as a slot.
pub(super) fn lend<'r>(
    e: &CExpr,
    record: &'r Value,
    rows: &'r [Value],
    slots: &[Slot<'r>],
    env: &Env,
) -> Result<Slot<'r>, EvalError> {
    let lend = |e| lend(e, record, rows, slots, env);
    match e {
        CExpr::Current => Ok(Slot::One(record)),
        CExpr::Slot(i) => match slots.get(*i).and_then(Slot::lent) {
            Some(Base::Refs(items)) => Ok(Slot::refs(items.to_vec())),
            Some(Base::One(v)) => Ok(Slot::One(v)),
            _ => own(e, record, env),
        },
        CExpr::Path {
            base,
            steps,
            projects,
            span,
        } => {
            let base_ref = match **base {
                CExpr::Current => Base::One(record),
                CExpr::Rows => Base::Rows(rows),
                CExpr::Slot(i) => match slots.get(i).and_then(Slot::lent) {
                    Some(lent) => lent,
                    None => return own(e, record, env),
                },
                _ => return own(e, record, env),
            };
            note_read(env, base, *span);
            if *projects {
                let mut out = Vec::new();
                walk_base(base_ref, steps, record, env, &mut out)?;
                Ok(Slot::refs(out))
            } else {
                Ok(Slot::One(
                    get_base(base_ref, steps, record, env)?.unwrap_or(&NULL),
                ))
            }
        }
        CExpr::Call {
            f,
            args,
            map_first: false,
            ..
        } if let (Imp::Picks(pick), [arg]) = (f.imp, args.as_slice()) => Ok(match lend(arg)? {
            Slot::Value(v) => Slot::Value(pick(Arg::Value(&v)).take(v)),
            Slot::One(v) => Slot::One(pick(Arg::Value(v)).lend(v)),
            Slot::Refs(items, _) => match picked(pick, &items) {
                Some(x) => Slot::One(x),
                None => Slot::refs(items),
            },
        }),
        CExpr::Binary(BinOp::Coalesce, a, b, _) => {
            let l = lend(a)?;
            if l.value_is_null() { lend(b) } else { Ok(l) }
        }
        CExpr::If(c, t, f, span) => {
            if truthy(&*eval_ref(c, record, env)?, *span, "an `if` condition")? {
                lend(t)
            } else {
                match f {
                    Some(f) => lend(f),
                    None => Ok(Slot::Value(Value::Null)),
                }
            }
        }
        _ => own(e, record, env),
    }
}

/// `e` evaluated as usual, its value the slot's own.
fn own<'r>(e: &CExpr, record: &Value, env: &Env) -> Result<Slot<'r>, EvalError> {
    eval(e, record, env).map(Slot::Value)
}

//! Mapping one input record (or one group of rows) to one Clerk record.

use std::ops::ControlFlow;

use crate::value::{self, Map, Record, Str, Table, Value};

use super::{Env, EvalError, ReadLog, Slot, Slots, eval, lend::lend};
use crate::clerk;
use crate::clerk::contract::is_valid_attribute_name;
use crate::functions::string::normalize_attribute_name;
use crate::plan::{BlockPlan, CExpr, Op};
use crate::syntax::ast::Span;

/// Why a record was rejected: which attribute (if any), what happened, where in the mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    /// The attribute whose expression failed.
    pub attribute: Option<String>,
    /// What went wrong, and how to fix it.
    pub message: String,
    /// The expression in the mapping.
    pub span: Option<Span>,
    /// The group's row it is about (its index in `rows`), when `map` or a `[? ...]` filter
    /// failed on one: the engine names the row's line ([`Reason::in_row_at`]).
    pub row: Option<usize>,
}

impl Reason {
    /// Names the row the reason is about (`place`: its line, or record number, as the engine
    /// words it), now that the engine knows where the group's rows are.
    pub fn in_row_at(&mut self, place: impl std::fmt::Display) {
        if self.row.take().is_some() {
            self.message = format!("{place}: {}", self.message);
        }
    }
}

/// A reason that is no expression's: a row that cannot be read, the engine's own.
impl From<String> for Reason {
    fn from(message: String) -> Reason {
        Reason {
            attribute: None,
            message,
            span: None,
            row: None,
        }
    }
}

impl From<&str> for Reason {
    fn from(message: &str) -> Reason {
        Reason::from(message.to_string())
    }
}

/// What became of a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It maps to this Clerk record.
    Written(Record),
    /// A `where` did not hold (the span of its condition).
    Filtered(Span),
    /// It cannot be sent.
    Rejected {
        /// Its id, when it was computed.
        id: Option<Value>,
        /// Every reason.
        reasons: Vec<Reason>,
    },
}

/// What a caller may watch while a record is mapped (`explain` does; a run uses [`NoTrace`]).
/// Every method has a default that does nothing, and a run's tracer is a zero-sized type, so a
/// run pays nothing for it.
pub trait Trace {
    /// Whether the statements after a `where` that filtered the record out are still evaluated
    /// (for the trace only: the outcome is `Filtered` all the same).
    fn past_filters(&self) -> bool {
        false
    }
    /// The value of the header's `where` condition.
    fn filter(&mut self, _value: &Result<Value, EvalError>) {}
    /// The value of `block.ops[index]`.
    fn op(&mut self, _index: usize, _value: &Result<Value, EvalError>) {}
    /// Whether a `let` may hold what it picks of the record lent instead of copied; [`op`]
    /// is then not told its value. A tracer that watches values says no (the default).
    ///
    /// [`op`]: Trace::op
    fn lends(&self) -> bool {
        false
    }
}

/// The tracer of a run: watches nothing.
pub struct NoTrace;

impl Trace for NoTrace {
    fn lends(&self) -> bool {
        true
    }
}

/// Maps one record. `rows` is the group's rows in a grouped block (`record` is then the first
/// row), empty otherwise. Never panics on data: every failure becomes a [`Reason`].
pub fn map_record(block: &BlockPlan, record: &Value, rows: &[Value], tables: &[Table]) -> Outcome {
    map_record_traced(block, record, rows, None, tables, &mut NoTrace, None)
}

/// [`map_record`] for a group: `key` is its key, which the name `key` reads.
pub fn map_group(
    block: &BlockPlan,
    record: &Value,
    rows: &[Value],
    key: Option<&str>,
    tables: &[Table],
) -> Outcome {
    map_record_traced(block, record, rows, key, tables, &mut NoTrace, None)
}

/// The header's `where`: `Ok(true)` goes on, `Ok(false)` filters, `Err` rejects.
fn header_filter<T: Trace>(
    block: &BlockPlan,
    record: &Value,
    env: &Env,
    trace: &mut T,
) -> Result<bool, Reason> {
    let Some(filter) = &block.filter else {
        return Ok(true);
    };
    let value = eval(filter, record, env);
    trace.filter(&value);
    match value {
        Ok(Value::Bool(b)) => Ok(b),
        Ok(Value::Null) => Ok(false),
        Ok(other) => Err(Reason {
            attribute: None,
            row: None,
            message: format!(
                "the `where` condition gave {} instead of a bool",
                value::show(&other)
            ),
            span: None,
        }),
        Err(e) => Err(Reason {
            attribute: None,
            row: e.row(),
            message: e.message,
            span: e.span,
        }),
    }
}

/// [`map_record`], telling `trace` the value of every statement as it goes, and noting in
/// `reads` the record paths the evaluation read.
pub fn map_record_traced<'r, T: Trace>(
    block: &BlockPlan,
    record: &'r Value,
    rows: &'r [Value],
    key: Option<&str>,
    tables: &[Table],
    trace: &mut T,
    reads: Option<&ReadLog>,
) -> Outcome {
    let mut st = State {
        // not `vec![Value::Null; n]`: that clones the null n times through `Value::clone`
        slots: std::iter::repeat_with(Slot::default)
            .take(block.slots)
            .collect(),
        spreads: Vec::new(),
        reasons: Vec::new(),
        filtered: None,
        failed_let: false,
        caused: None,
    };
    if let (Some(slot), Some(key)) = (block.key_slot, key)
        && let Some(v) = st.slots.get_mut(slot)
    {
        *v = Slot::Value(Value::String(key.into()));
    }
    let env = Env {
        slots: Slots::Owned(&st.slots),
        rows,
        tables,
        reads,
        bound: None,
    };
    match header_filter(block, record, &env, trace) {
        Ok(true) => {}
        Ok(false) if trace.past_filters() => st.filtered = Some(block.filter_span),
        Ok(false) => return Outcome::Filtered(block.filter_span),
        Err(reason) => {
            st.reasons.push(reason);
            return rejected(block, None, st.reasons);
        }
    }
    for (index, op) in block.ops.iter().enumerate() {
        let env = Env {
            slots: Slots::NONE,
            rows,
            tables,
            reads,
            bound: None,
        };
        if let ControlFlow::Break(span) = st.statement(index, op, (record, rows), env, trace) {
            return Outcome::Filtered(span);
        }
    }
    if let Some(span) = st.filtered {
        return Outcome::Filtered(span);
    }
    st.finish(block)
}

/// A record being mapped: the statements' values so far, and what went wrong.
struct State<'r> {
    /// The values of the `let`s and attributes; a `let` may hold values of the record lent.
    slots: Vec<Slot<'r>>,
    /// The objects of the `...` spreads, in order; with the spread's span when its names are
    /// taken as they are (a literal with computed keys).
    spreads: Vec<(Map, Option<Span>)>,
    reasons: Vec<Reason>,
    /// The span of the `where` that filtered the record out, when the trace goes past it.
    filtered: Option<Span>,
    /// Whether a `let` failed: the attributes computed from it are then missing for that
    /// reason alone, and the contract's complaints about them would only bury it.
    failed_let: bool,
    /// Per slot, whether its statement failed or read a slot that did (made at the first
    /// failure): a later statement's error that reads such a slot is a consequence of the
    /// first error (`p ?? error("no p")` after `let p` failed), not a reason of its own.
    caused: Option<Vec<bool>>,
}

impl<'r> State<'r> {
    /// Evaluates statement `index` of the block and keeps its value; breaks with the span of a
    /// `where` that filters the record out (unless the trace goes past filters).
    #[inline]
    fn statement<T: Trace>(
        &mut self,
        index: usize,
        op: &Op,
        (record, rows): (&'r Value, &'r [Value]),
        env: Env,
        trace: &mut T,
    ) -> ControlFlow<Span> {
        let (expr, attribute) = match op {
            Op::Let { expr, .. } | Op::Spread { expr, .. } | Op::Where { expr, .. } => (expr, None),
            Op::Assign { expr, name, .. } => (expr, Some(name)),
        };
        // only once something failed: a walk of the expression, on the error path alone
        let follows = self.caused.as_deref().is_some_and(|c| reads_any(expr, c));
        if follows {
            self.cause(op);
        }
        let env = Env {
            slots: Slots::Owned(&self.slots),
            ..env
        };
        let value = match op {
            Op::Let { slot, .. } if trace.lends() => {
                match lend(expr, record, rows, &self.slots, &env) {
                    Ok(lent) => {
                        self.slots[*slot] = lent;
                        return ControlFlow::Continue(());
                    }
                    Err(e) => Err(e),
                }
            }
            _ => eval(expr, record, &env),
        };
        trace.op(index, &value);
        match value {
            Ok(v) => self.keep(op, v, trace),
            Err(e) => {
                self.failed_let |= matches!(op, Op::Let { .. });
                self.cause(op);
                if !follows {
                    self.reasons.push(Reason {
                        attribute: attribute.cloned(),
                        row: e.row(),
                        message: e.message,
                        span: e.span,
                    });
                }
                ControlFlow::Continue(())
            }
        }
    }

    /// Marks the slot of `op` (a `let`, an attribute) as failed or computed from a failure.
    #[cold]
    fn cause(&mut self, op: &Op) {
        let n = self.slots.len();
        let caused = self.caused.get_or_insert_with(|| vec![false; n]);
        if let Op::Let { slot, .. } | Op::Assign { slot, .. } = op
            && let Some(c) = caused.get_mut(*slot)
        {
            *c = true;
        }
    }

    /// What a statement does with its value: sets its slot, adds a spread, or checks a `where`.
    #[inline]
    fn keep<T: Trace>(&mut self, op: &Op, value: Value, trace: &T) -> ControlFlow<Span> {
        let reason = |message: String, span: &Span| Reason {
            attribute: None,
            row: None,
            message,
            span: Some(*span),
        };
        let show = crate::value::show;
        match op {
            Op::Let { slot, .. } | Op::Assign { slot, .. } => {
                self.slots[*slot] = Slot::Value(value)
            }
            Op::Spread { span, verbatim, .. } => match value {
                Value::Object(m) => self.spreads.push((m, verbatim.then_some(*span))),
                Value::Null => {}
                // `... map(.pairs, {(.name): .value})`: each object in turn, nulls skipped.
                Value::Array(items) => {
                    for item in items {
                        match item {
                            Value::Object(m) => self.spreads.push((m, verbatim.then_some(*span))),
                            Value::Null => {}
                            other => {
                                self.reasons.push(reason(
                                    format!(
                                        "`...` of a list needs objects in it, got {} {}",
                                        crate::value::kind(&other),
                                        show(&other)
                                    ),
                                    span,
                                ));
                                break;
                            }
                        }
                    }
                }
                other => self.reasons.push(reason(
                    format!(
                        "`...` needs an object or a list of objects, got {} {}",
                        crate::value::kind(&other),
                        show(&other)
                    ),
                    span,
                )),
            },
            Op::Where { span, .. } => match value {
                Value::Bool(true) => {}
                // A record whose attributes already failed is rejected, not filtered: its
                // errors must not vanish behind a condition on a value that was never made.
                Value::Bool(false) | Value::Null
                    if self.reasons.is_empty() && self.filtered.is_none() =>
                {
                    if !trace.past_filters() {
                        return ControlFlow::Break(*span);
                    }
                    self.filtered = Some(*span);
                }
                Value::Bool(false) | Value::Null => {}
                other => self.reasons.push(reason(
                    format!("`where` gave {} instead of a bool", show(&other)),
                    span,
                )),
            },
        }
        ControlFlow::Continue(())
    }

    /// The record once every statement ran: the attributes and spreads assembled and checked
    /// against the entity's contract; written, or rejected with every reason.
    fn finish(mut self, block: &BlockPlan) -> Outcome {
        let id = block
            .id_slot
            .and_then(|s| self.slots.get(s))
            .map(Slot::value)
            .filter(|v| !v.is_null())
            .cloned();
        let mut out = self.assemble(block);
        if self.failed_let {
            // Rejected anyway: the `let`'s own error is the reason (normalised all the same).
            validate(block, &mut out, &mut Vec::new(), &[]);
        } else {
            // An attribute whose expression failed, or that was computed from one that did, is
            // missing for that reason alone.
            let spared: Vec<&str> = match &self.caused {
                None => Vec::new(),
                Some(caused) => block
                    .ops
                    .iter()
                    .filter_map(|op| match op {
                        Op::Assign { slot, name, .. } if caused.get(*slot) == Some(&true) => {
                            Some(name.as_str())
                        }
                        _ => None,
                    })
                    .collect(),
            };
            validate(block, &mut out, &mut self.reasons, &spared);
        }
        if self.reasons.is_empty() {
            Outcome::Written(out)
        } else {
            rejected(block, id, self.reasons)
        }
    }

    /// The attributes in statement order (null ones left out), then the spreads' attributes
    /// that are neither empty nor already there, their names normalized.
    #[inline]
    fn assemble(&mut self, block: &BlockPlan) -> Record {
        let mut out = Record::with_capacity(block.ops.len() + 8);
        for op in &block.ops {
            if let Op::Assign { slot, name, .. } = op {
                let v = std::mem::take(&mut self.slots[*slot]).into_value();
                if !v.is_null() {
                    out.push_unique(name.as_str().into(), v);
                }
            }
        }
        for (m, verbatim) in std::mem::take(&mut self.spreads) {
            for (k, v) in m {
                if v.is_null() || v.as_str() == Some("") {
                    continue;
                }
                let name: Str = match verbatim {
                    None => normalize_attribute_name(&k).into(),
                    Some(span) if !is_valid_attribute_name(&k) => {
                        self.reasons.push(bad_computed_name(&k, span));
                        continue;
                    }
                    Some(_) => k,
                };
                if !name.is_empty() {
                    out.insert_new(name, v);
                }
            }
        }
        out
    }
}

/// The reason for a computed attribute name Clerk would ignore (`... {(.n): .v}` with `.n`
/// = `"Pa Color"`): never normalised behind the integrator's back, nor sent.
#[cold]
fn bad_computed_name(name: &str, span: Span) -> Reason {
    let fixed = normalize_attribute_name(name);
    let hint = if fixed.is_empty() {
        "compute another name, or leave the entry out with a null key".to_string()
    } else {
        format!("make it one with `attribute_name`: `{fixed}`")
    };
    Reason {
        attribute: None,
        row: None,
        message: format!(
            "computed attribute name {} is not a valid Clerk attribute name (letters, digits and `_` only): {hint}",
            value::show(&Value::String(name.to_string().into()))
        ),
        span: Some(span),
    }
}

/// A rejected record, the program's secrets hidden from its reasons (a message may quote a
/// value computed from one: `.email ~ key`). Only a rejected record pays for it.
fn rejected(block: &BlockPlan, id: Option<Value>, mut reasons: Vec<Reason>) -> Outcome {
    if !block.secrets.is_empty() {
        for r in &mut reasons {
            r.message = block.secrets.redact(&r.message);
        }
    }
    Outcome::Rejected { id, reasons }
}

/// Whether `e` reads one of the slots marked in `slots` (a user function's body has slots of its
/// own: only its arguments are looked at).
fn reads_any(e: &CExpr, slots: &[bool]) -> bool {
    if let CExpr::Slot(i) = e {
        return slots.get(*i).copied().unwrap_or(false);
    }
    let mut found = false;
    e.each_child(&mut |c| found = found || reads_any(c, slots));
    found
}

/// Checks the assembled record against its entity's contract (fixing what the contract
/// fixes), adding a reason per violation, except for the `spared` attributes (whose expression
/// failed, or read a value that did).
#[inline]
fn validate(block: &BlockPlan, out: &mut Record, reasons: &mut Vec<Reason>, spared: &[&str]) {
    let violations = clerk::validate_record(block.entity, out)
        .into_iter()
        .filter(|(attr, _)| !spared.contains(&attr.as_str()))
        .map(|(_, message)| Reason {
            attribute: None,
            row: None,
            message,
            span: None,
        })
        .collect::<Vec<_>>();
    reasons.extend(violations);
}

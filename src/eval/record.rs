//! Mapping one input record (or one group of rows) to one Clerk record.

use serde_json::{Map, Value};

use super::{Env, EvalError, eval};
use crate::clerk;
use crate::functions::string::normalize_attribute_name;
use crate::plan::{BlockPlan, Op};
use crate::syntax::ast::Span;
use crate::value::{self, Table};

/// Why a record was rejected: which attribute (if any), what happened, where in the mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub attribute: Option<String>,
    pub message: String,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Written(Map<String, Value>),
    /// A `where` did not hold (the span of its condition).
    Filtered(Span),
    Rejected {
        id: Option<Value>,
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
}

/// The tracer of a run: watches nothing.
pub struct NoTrace;

impl Trace for NoTrace {}

/// Maps one record. `rows` is the group's rows in a grouped block (`record` is then the first
/// row), empty otherwise. Never panics on data: every failure becomes a [`Reason`].
pub fn map_record(block: &BlockPlan, record: &Value, rows: &[Value], tables: &[Table]) -> Outcome {
    map_record_traced(block, record, rows, tables, &mut NoTrace)
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
            message: format!(
                "the `where` condition gave {} instead of a bool",
                value::show(&other)
            ),
            span: None,
        }),
        Err(e) => Err(Reason {
            attribute: None,
            message: e.message,
            span: e.span,
        }),
    }
}

/// [`map_record`], telling `trace` the value of every statement as it goes.
pub fn map_record_traced<T: Trace>(
    block: &BlockPlan,
    record: &Value,
    rows: &[Value],
    tables: &[Table],
    trace: &mut T,
) -> Outcome {
    let mut slots = vec![Value::Null; block.slots];
    let mut reasons = Vec::new();
    let mut filtered = None;
    let env = Env {
        slots: &slots,
        rows,
        tables,
    };
    match header_filter(block, record, &env, trace) {
        Ok(true) => {}
        Ok(false) if trace.past_filters() => filtered = Some(block.filter_span),
        Ok(false) => return Outcome::Filtered(block.filter_span),
        Err(reason) => {
            reasons.push(reason);
            return Outcome::Rejected { id: None, reasons };
        }
    }
    let mut spreads: Vec<Map<String, Value>> = Vec::new();
    for (index, op) in block.ops.iter().enumerate() {
        let (expr, attribute) = match op {
            Op::Let { expr, .. } | Op::Spread { expr, .. } | Op::Where { expr, .. } => (expr, None),
            Op::Assign { expr, name, .. } => (expr, Some(name)),
        };
        let env = Env {
            slots: &slots,
            rows,
            tables,
        };
        let value = eval(expr, record, &env);
        trace.op(index, &value);
        let value = match value {
            Ok(v) => v,
            Err(e) => {
                reasons.push(Reason {
                    attribute: attribute.cloned(),
                    message: e.message,
                    span: e.span,
                });
                continue;
            }
        };
        let reason = |message: String, span: &Span| Reason {
            attribute: None,
            message,
            span: Some(*span),
        };
        let show = crate::value::show;
        match op {
            Op::Let { slot, .. } | Op::Assign { slot, .. } => slots[*slot] = value,
            Op::Spread { span, .. } => match value {
                Value::Object(m) => spreads.push(m),
                Value::Null => {}
                other => reasons.push(reason(
                    format!("`...` needs an object, got {}", show(&other)),
                    span,
                )),
            },
            Op::Where { span, .. } => match value {
                Value::Bool(true) => {}
                // A record whose attributes already failed is rejected, not filtered: its
                // errors must not vanish behind a condition on a value that was never made.
                Value::Bool(false) | Value::Null if reasons.is_empty() && filtered.is_none() => {
                    if !trace.past_filters() {
                        return Outcome::Filtered(*span);
                    }
                    filtered = Some(*span);
                }
                Value::Bool(false) | Value::Null => {}
                other => reasons.push(reason(
                    format!("`where` gave {} instead of a bool", show(&other)),
                    span,
                )),
            },
        }
    }
    if let Some(span) = filtered {
        return Outcome::Filtered(span);
    }
    let id = block
        .id_slot
        .and_then(|s| slots.get(s))
        .filter(|v| !v.is_null())
        .cloned();
    let mut out = Map::with_capacity(block.ops.len() + 8);
    for op in &block.ops {
        if let Op::Assign { slot, name, .. } = op {
            let v = std::mem::take(&mut slots[*slot]);
            if !v.is_null() {
                out.insert(name.clone(), v);
            }
        }
    }
    for m in spreads {
        for (k, v) in m {
            if v.is_null() || v.as_str() == Some("") {
                continue;
            }
            let name = normalize_attribute_name(&k);
            if name.is_empty() || out.contains_key(&name) {
                continue;
            }
            out.insert(name, v);
        }
    }
    let failed: Vec<&str> = reasons
        .iter()
        .filter_map(|r| r.attribute.as_deref())
        .collect();
    let violations = clerk::validate_record(block.entity, &mut out)
        .into_iter()
        // An attribute whose expression failed is missing for that reason alone.
        .filter(|(attr, _)| !failed.contains(&attr.as_str()))
        .map(|(_, message)| Reason {
            attribute: None,
            message,
            span: None,
        })
        .collect::<Vec<_>>();
    reasons.extend(violations);
    if reasons.is_empty() {
        Outcome::Written(out)
    } else {
        Outcome::Rejected { id, reasons }
    }
}

//! Mapping one input record (or one group of rows) to one Clerk record.

use serde_json::{Map, Value};

use super::{Env, eval};
use crate::clerk;
use crate::functions::string::normalize_attribute_name;
use crate::plan::{BlockPlan, Op};
use crate::syntax::ast::Span;
use crate::value::Table;

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

/// Maps one record. `rows` is the group's rows in a grouped block (`record` is then the first
/// row), empty otherwise. Never panics on data: every failure becomes a [`Reason`].
pub fn map_record(block: &BlockPlan, record: &Value, rows: &[Value], tables: &[Table]) -> Outcome {
    let mut slots = vec![Value::Null; block.slots];
    let mut reasons = Vec::new();
    if let Some(filter) = &block.filter {
        let env = Env {
            slots: &slots,
            rows,
            tables,
        };
        match eval(filter, record, &env) {
            Ok(Value::Bool(true)) => {}
            Ok(Value::Bool(false) | Value::Null) => return Outcome::Filtered(block.filter_span),
            Ok(other) => {
                reasons.push(Reason {
                    attribute: None,
                    message: format!(
                        "the `where` condition gave {} instead of a bool",
                        crate::value::show(&other)
                    ),
                    span: None,
                });
                return Outcome::Rejected { id: None, reasons };
            }
            Err(e) => {
                reasons.push(Reason {
                    attribute: None,
                    message: e.message,
                    span: e.span,
                });
                return Outcome::Rejected { id: None, reasons };
            }
        }
    }
    let mut spreads: Vec<Map<String, Value>> = Vec::new();
    for op in &block.ops {
        let (expr, attribute) = match op {
            Op::Let { expr, .. } | Op::Spread { expr, .. } | Op::Where { expr, .. } => (expr, None),
            Op::Assign { expr, name, .. } => (expr, Some(name)),
        };
        let env = Env {
            slots: &slots,
            rows,
            tables,
        };
        let value = match eval(expr, record, &env) {
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
                Value::Bool(false) | Value::Null if reasons.is_empty() => {
                    return Outcome::Filtered(*span);
                }
                Value::Bool(false) | Value::Null => {}
                other => reasons.push(reason(
                    format!("`where` gave {} instead of a bool", show(&other)),
                    span,
                )),
            },
        }
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

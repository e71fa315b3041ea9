//! The fields of its input rows a grouped block reads, so that the engine keeps only those in
//! the rows it gathers into groups: a category built from the `Categories` column of 40,000
//! product rows then holds 40,000 short strings, not 40,000 whole rows with their descriptions.
//!
//! The analysis is conservative: it gives the fields only when every read of a row is a field
//! named in the mapping, directly on the row: `.name`, `."odd name"`, `.["name"]`,
//! `rows[*].name`, `rows[0].name`, `rows[? cond].name`, `map(rows, expr)` and `len(rows[? cond])`
//! (with the same rules in `cond` and `expr`, where `.` is a row). A row used as a whole
//! anywhere (a bare `.` or `rows` passed to a function, kept in a `let`, spread, compared, a
//! computed field name) makes it give `None`: the rows are kept whole. What is below a field
//! is never touched, so `.varianti[*]` keeps the whole `varianti`.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{BlockPlan, CExpr, Op, Step};

/// The row fields a grouped block reads (sorted), or `None` when a row is used as a whole.
pub fn row_fields(block: &BlockPlan) -> Option<Vec<String>> {
    let mut a = Reads::default();
    if let Some(k) = &block.group_by {
        a.expr(k, true);
    }
    if let Some(f) = &block.filter {
        a.expr(f, true);
    }
    for op in &block.ops {
        match op {
            Op::Let { expr, .. } | Op::Assign { expr, .. } | Op::Where { expr, .. } => {
                a.expr(expr, true)
            }
            Op::Spread { expr, .. } => a.expr(expr, true),
        }
    }
    (!a.whole).then(|| a.fields.into_iter().collect())
}

#[derive(Default)]
struct Reads {
    fields: BTreeSet<String>,
    /// A row is used as a whole somewhere.
    whole: bool,
}

/// The field a step names literally (`.name`, `["name"]`).
fn field_name(step: &Step) -> Option<&str> {
    match step {
        Step::Field(name) => Some(name),
        Step::Index(CExpr::Const(Value::String(s))) => Some(s),
        _ => None,
    }
}

impl Reads {
    /// `row`: whether `.` is an input row here (in the block, and in the conditions and
    /// `map` bodies over `rows`), rather than an element of some other list.
    fn expr(&mut self, e: &CExpr, row: bool) {
        match e {
            CExpr::Const(_) | CExpr::Slot(_) => {}
            CExpr::Current => self.whole |= row,
            CExpr::Rows => self.whole = true,
            CExpr::Path { base, steps, .. } => self.path(base, steps, row),
            CExpr::List(items) => items.iter().for_each(|x| self.expr(x, row)),
            CExpr::Object(entries) => entries.iter().for_each(|(_, x)| self.expr(x, row)),
            CExpr::DynObject(entries) => {
                for (k, x) in entries {
                    if let super::Key::Computed(k, _) = k {
                        self.expr(k, row);
                    }
                    self.expr(x, row);
                }
            }
            CExpr::Call { f, args, .. } => {
                // `len(rows)`, `len(rows[? cond])`: a count, no field read.
                if f.name == "len" && args.len() == 1 && self.row_list(&args[0]) {
                    return;
                }
                args.iter().for_each(|x| self.expr(x, row));
            }
            // A function's body reads no record: only what its arguments read.
            CExpr::UserCall { args, .. } => args.iter().for_each(|x| self.expr(x, row)),
            CExpr::Unary(_, x, _) => self.expr(x, row),
            CExpr::Binary(_, a, b, _) => {
                self.expr(a, row);
                self.expr(b, row);
            }
            CExpr::If(c, a, b, _) => {
                self.expr(c, row);
                self.expr(a, row);
                if let Some(b) = b {
                    self.expr(b, row);
                }
            }
            CExpr::Match(x, arms) => {
                self.expr(x, row);
                arms.iter().for_each(|(_, v)| self.expr(v, row));
            }
            CExpr::Map(list, body, _) => {
                if self.row_list(list) {
                    self.expr(body, true);
                } else {
                    self.expr(list, row);
                    self.expr(body, false);
                }
            }
        }
    }

    /// `rows`, or `rows` through `[? cond]` filters only: a list of rows (the conditions are
    /// analysed here).
    fn row_list(&mut self, e: &CExpr) -> bool {
        match e {
            CExpr::Rows => true,
            CExpr::Path { base, steps, .. } if matches!(**base, CExpr::Rows) => {
                if !steps.iter().all(|s| matches!(s, Step::Filter(..))) {
                    return false;
                }
                for s in steps {
                    if let Step::Filter(c, _) = s {
                        self.expr(c, true);
                    }
                }
                true
            }
            _ => false,
        }
    }

    fn path(&mut self, base: &CExpr, steps: &[Step], row: bool) {
        let rest = match base {
            // `.name...` on a row.
            CExpr::Current if row => match steps.first().and_then(field_name) {
                Some(name) => {
                    self.fields.insert(name.to_string());
                    &steps[1..]
                }
                None => {
                    self.whole = true;
                    return;
                }
            },
            // `rows[*].name`, `rows[0].name`, `rows[? c].name`: rows selected, then a field.
            CExpr::Rows => {
                let mut i = 0;
                while let Some(s) = steps.get(i) {
                    match s {
                        Step::Each | Step::Index(CExpr::Const(Value::Number(_))) => {}
                        Step::Filter(c, _) => self.expr(c, true),
                        _ => break,
                    }
                    i += 1;
                }
                match steps.get(i).and_then(field_name) {
                    Some(name) if i > 0 => {
                        self.fields.insert(name.to_string());
                        &steps[i + 1..]
                    }
                    _ => {
                        self.whole = true;
                        return;
                    }
                }
            }
            other => {
                self.expr(other, row);
                steps
            }
        };
        // Below a field, `.` in a filter is an element of the field's value; an index
        // expression is evaluated where the path is.
        for s in rest {
            match s {
                Step::Index(x) => self.expr(x, row),
                Step::Filter(c, _) => self.expr(c, false),
                Step::Field(_) | Step::Each => {}
            }
        }
    }
}

/// The row with only `fields` (a row that is not an object is kept as it is).
pub fn project(row: Value, fields: &[String]) -> Value {
    match row {
        Value::Object(mut map) => {
            let mut kept = serde_json::Map::new();
            for f in fields {
                if let Some(v) = map.remove(f) {
                    kept.insert(f.clone(), v);
                }
            }
            Value::Object(kept)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn project_keeps_the_fields_asked_in_the_order_asked() {
        let row = serde_json::json!({"a": 1, "b": "x", "c": [1]});
        let kept = super::project(row, &["c".to_string(), "a".to_string(), "z".to_string()]);
        assert_eq!(kept, serde_json::json!({"c": [1], "a": 1}));
    }
}

//! `group by`: rows with the same key become one unit (`.` = the first row, `rows` = all of
//! them). A group is a run of consecutive rows; a key that comes back after its group was closed
//! is rejected, since the export must keep a group's rows together. The parallel pipeline and
//! `explain` group with this same code.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::source::Decoded;
use crate::eval::{self, Env};
use crate::plan::BlockPlan;
use crate::value::{self, Table, key_string};

/// A row with its group key, or why it cannot be grouped.
pub type Keyed = (u64, Result<(String, Value), String>);

/// Computes each decoded row's group key (`block` must have `group by`).
pub fn key_rows(block: &BlockPlan, tables: &[Table], rows: Vec<Decoded>) -> Vec<Keyed> {
    let Some(key_expr) = &block.group_by else {
        return Vec::new();
    };
    let env = Env {
        slots: &[],
        rows: &[],
        tables,
        reads: None,
    };
    rows.into_iter()
        .map(|(loc, rec)| {
            let r = rec.and_then(|v| {
                let k = eval::eval(key_expr, &v, &env)
                    .map_err(|e| format!("group key: {}", e.message))?;
                match key_string(&k) {
                    Some(s) if !s.is_empty() => Ok((s.into_owned(), v)),
                    _ => Err(format!(
                        "group key is {}: every row needs one to be grouped",
                        value::show(&k)
                    )),
                }
            });
            (loc, r)
        })
        .collect()
}

/// What a block maps: one record, or the rows of one group (or why neither could be made).
#[derive(Debug)]
pub struct Unit {
    /// The line (or record number) where it starts.
    pub loc: u64,
    /// The group key (grouped blocks).
    pub key: Option<String>,
    /// The rows: one for an ungrouped block; or why the unit cannot be mapped.
    pub rows: Result<Vec<Value>, String>,
}

/// Groups consecutive rows by key across chunk boundaries.
#[derive(Default)]
pub struct Grouper {
    open: Option<(String, u64, Vec<Value>)>,
    closed: HashSet<String>,
    first_line: HashMap<String, u64>,
}

impl Grouper {
    fn close(&mut self, units: &mut Vec<Unit>) {
        if let Some((key, loc, rows)) = self.open.take() {
            if self.closed.contains(&key) {
                let first = self.first_line.get(&key).copied().unwrap_or(0);
                units.push(Unit {
                    loc,
                    rows: Err(format!(
                        "rows of group `{key}` are not consecutive (its first group starts at line {first}): sort the export by the group key"
                    )),
                    key: Some(key),
                });
            } else {
                self.first_line.insert(key.clone(), loc);
                self.closed.insert(key.clone());
                units.push(Unit {
                    loc,
                    key: Some(key),
                    rows: Ok(rows),
                });
            }
        }
    }

    /// Adds keyed rows; the groups they close are pushed to `units`.
    pub fn push(&mut self, rows: Vec<Keyed>, units: &mut Vec<Unit>) {
        for (loc, r) in rows {
            match r {
                Err(reason) => units.push(Unit {
                    loc,
                    key: None,
                    rows: Err(reason),
                }),
                Ok((key, v)) => match &mut self.open {
                    Some((k, _, rows)) if *k == key => rows.push(v),
                    _ => {
                        self.close(units);
                        self.open = Some((key, loc, vec![v]));
                    }
                },
            }
        }
    }

    /// Closes the last group (at the end of the input).
    pub fn finish(&mut self, units: &mut Vec<Unit>) {
        self.close(units);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keyed(rows: &[(u64, &str)]) -> Vec<Keyed> {
        rows.iter()
            .map(|(l, k)| (*l, Ok((k.to_string(), json!({ "k": k, "l": l })))))
            .collect()
    }

    #[test]
    fn consecutive_rows_group_across_pushes_and_a_returning_key_is_rejected() {
        let mut g = Grouper::default();
        let mut units = Vec::new();
        g.push(keyed(&[(2, "A"), (3, "A"), (4, "B")]), &mut units);
        assert_eq!(units.len(), 1, "B is still open");
        g.push(keyed(&[(5, "B"), (6, "A")]), &mut units);
        g.push(vec![(7, Err("bad row".into()))], &mut units);
        g.finish(&mut units);
        let shape: Vec<(u64, Result<usize, String>)> = units
            .iter()
            .map(|u| (u.loc, u.rows.as_ref().map(Vec::len).map_err(Clone::clone)))
            .collect();
        assert_eq!(shape[0], (2, Ok(2)));
        assert_eq!(shape[1], (4, Ok(2)));
        // The bad row comes out as soon as it is read; the open group `A` at line 6 when it closes.
        assert_eq!(shape[2], (7, Err("bad row".into())));
        assert_eq!(shape[3].0, 6);
        assert!(shape[3].1.as_ref().is_err_and(|e| {
            e.contains("group `A` are not consecutive (its first group starts at line 2)")
        }));
    }
}

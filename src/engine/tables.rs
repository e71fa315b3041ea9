//! Loading the lookup tables of a program: each given input read whole, each row's key (and
//! parent key) computed, the rows indexed. A row whose key cannot be computed is left out with a
//! warning; a table no running block needs, or an `optional` one without its input, is empty.
//! Every caller (a run, `explain`) loads tables here.

use super::input::{Format, Input};
use super::report::TableReport;
use super::source::{SourceError, read_input};
use super::warning::Warnings;
use crate::eval::{self, Env};
use crate::plan::{Program, TablePlan};
use crate::value::{Table, key_string};

/// The tables of a program, in table-id order, with what loading them found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// One table per `lookup` declaration.
    pub tables: Vec<Table>,
    /// The tables read from an input, with their row counts.
    pub reports: Vec<TableReport>,
    /// Rows left out, duplicate keys, unknown parents: one warning per kind.
    pub warnings: Warnings,
}

/// Loads every table; `inputs[i]` is the input of table `i` (None: empty table).
pub fn load(program: &Program, inputs: &[Option<(&Input, Format)>]) -> Result<Loaded, SourceError> {
    let mut loaded = Loaded::default();
    for (i, plan) in program.tables.iter().enumerate() {
        let table = match inputs.get(i).and_then(Option::as_ref) {
            Some((input, format)) => load_one(plan, input, format, &mut loaded)?,
            // Not needed by any running block, or `optional` and not given: empty.
            None => Table::build(plan.name.clone(), Vec::new(), plan.parent.is_some()).0,
        };
        loaded.tables.push(table);
    }
    Ok(loaded)
}

fn load_one(
    plan: &TablePlan,
    input: &Input,
    format: &Format,
    loaded: &mut Loaded,
) -> Result<Table, SourceError> {
    let rows = read_input(input, format.clone())?;
    let file = input.display();
    let loc = |n: u64| {
        if format.has_lines() {
            format!("{file}:{n}")
        } else {
            format!("{file} record {n}")
        }
    };
    let env = Env::empty();
    let mut entries = Vec::with_capacity(rows.len());
    // Where each entry is in the input, to locate the table's warnings.
    let mut lines = Vec::with_capacity(rows.len());
    let mut int_keys = true;
    for (n, row) in rows {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                loaded.warnings.add(
                    loc(n),
                    format!("{e} (row left out of lookup table `{}`)", plan.name),
                );
                continue;
            }
        };
        let key = match eval::eval(&plan.key, &row, &env) {
            Ok(k) => {
                int_keys &= k.is_i64() || k.is_u64();
                key_string(&k).map(|k| k.into_owned())
            }
            Err(e) => {
                loaded.warnings.add(
                    loc(n),
                    format!("key of lookup table `{}`: {}", plan.name, e.message),
                );
                continue;
            }
        };
        let parent = match &plan.parent {
            Some(p) => match eval::eval(p, &row, &env) {
                Ok(v) => key_string(&v).map(|k| k.into_owned()),
                Err(e) => {
                    loaded.warnings.add(
                        loc(n),
                        format!("parent of lookup table `{}`: {}", plan.name, e.message),
                    );
                    None
                }
            },
            None => None,
        };
        entries.push((key, parent, row));
        lines.push(n);
    }
    let (mut table, warnings) = Table::build(plan.name.clone(), entries, plan.parent.is_some());
    table.set_int_keys(int_keys && !table.is_empty());
    for w in warnings {
        let at = w
            .row
            .checked_sub(1)
            .and_then(|i| lines.get(i))
            .map_or_else(|| file.clone(), |&n| loc(n));
        let at = match w.detail {
            Some(d) => format!("{at} ({d})"),
            None => at,
        };
        loaded.warnings.add(at, w.message);
    }
    loaded.reports.push(TableReport {
        name: plan.name.clone(),
        file,
        rows: table.len(),
    });
    Ok(table)
}

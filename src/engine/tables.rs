//! Loading the lookup tables of a program: each given input read whole, each row's key (and
//! parent key) computed, the rows indexed. A row whose key cannot be computed is left out with a
//! warning; a table no running block needs, or an `optional` one without its input, is empty.
//! A table whose key or parent looks up other tables is loaded after them.
//! Every caller (a run, `explain`) loads tables here.

use super::input::{Format, Input};
use super::report::TableReport;
use super::source::{SourceError, SourceReader};
use super::warning::Warnings;
use crate::eval::{self, Env, Slots};
use crate::plan::{Program, TablePlan, table_order};
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

/// Loads every table; `inputs[i]` is the input of table `i` (None: empty table). A table
/// whose key or parent looks up other tables is loaded after them.
///
/// With `project`, a table keeps only the fields of its rows the mapping reads
/// ([`TablePlan::row_fields`]); `explain`, which shows rows, keeps them whole.
pub fn load(
    program: &Program,
    inputs: &[Option<(&Input, Format)>],
    project: bool,
) -> Result<Loaded, SourceError> {
    let mut loaded = Loaded {
        // Every table empty until it is loaded: a key reads the tables loaded before it.
        tables: program
            .tables
            .iter()
            .map(|plan| Table::build(plan.name.clone(), Vec::new(), plan.parent.is_some()).0)
            .collect(),
        ..Loaded::default()
    };
    for i in table_order(&program.tables) {
        let plan = &program.tables[i];
        // Not needed by any running block, or `optional` and not given: empty.
        if let Some((input, format)) = inputs.get(i).and_then(Option::as_ref) {
            let table = load_one(plan, input, format, project, &mut loaded)?;
            loaded.tables[i] = table;
        }
    }
    // Reported in declaration order, whatever the loading order.
    let position = |name: &str| program.tables.iter().position(|t| t.name == name);
    loaded.reports.sort_by_key(|r| position(&r.name));
    Ok(loaded)
}

fn load_one(
    plan: &TablePlan,
    input: &Input,
    format: &Format,
    project: bool,
    loaded: &mut Loaded,
) -> Result<Table, SourceError> {
    let file = input.display();
    let loc = |n: u64| {
        if format.has_lines() {
            format!("{file}:{n}")
        } else {
            format!("{file} record {n}")
        }
    };
    let env = Env {
        slots: Slots::NONE,
        rows: &[],
        tables: &loaded.tables,
        reads: None,
        bound: None,
    };
    let mut entries = Vec::new();
    // Where each entry is in the input, to locate the table's warnings.
    let mut lines = Vec::new();
    let mut int_keys = true;
    let mut without_key = 0u64;
    // Read chunk by chunk: only the rows the table keeps stay in memory.
    let mut reader = SourceReader::for_input(input, format.clone(), 4096)?;
    let mut rows = Vec::new();
    loop {
        let Some((n, row)) = rows.pop() else {
            match reader.next_chunk() {
                Some(chunk) => {
                    let fields = plan.row_fields.as_deref().filter(|_| project);
                    rows = chunk?.decode_only(fields).collect();
                    rows.reverse();
                    continue;
                }
                None => break,
            }
        };
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
            // A key that is null leaves the row out, on purpose or not: counted, not warned
            // (`by if .tipo == "A" { .codice }` keeps some rows of an input).
            Ok(k) if k.is_null() => {
                without_key += 1;
                continue;
            }
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
    let (mut table, warnings) = Table::build_all(
        plan.name.clone(),
        entries,
        plan.parent.is_some(),
        plan.keep_all,
    );
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
        rows: table.rows_stored(),
        without_key,
    });
    Ok(table)
}

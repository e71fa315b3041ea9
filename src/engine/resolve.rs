//! The inputs of a program checked before any record is read: each running block's input and
//! format, the blocks left out for want of their input, the input of each lookup table needed.

use std::collections::HashMap;

use super::input::{Format, Input};
use super::report::Skipped;
use super::run::{InputProblem, RunError};
use crate::clerk::Entity;
use crate::plan::{BlockPlan, Program, TablePlan};

/// The inputs of a program, checked: each running block with its input and format, the
/// skipped blocks, the input of each table that is needed.
pub struct Resolved<'p> {
    /// The blocks whose source is given.
    pub blocks: Vec<(&'p BlockPlan, &'p Input, Format)>,
    /// The blocks whose source is not given.
    pub skipped: Vec<Skipped>,
    /// Per table: its input, when a running block needs it.
    pub tables: Vec<Option<(&'p Input, Format)>>,
}

fn format_of(input: &Input) -> Result<Format, RunError> {
    input.resolved_format().ok_or_else(|| {
        RunError::Inputs(InputProblem::NoFormat {
            name: input.name.clone(),
            file: input.display(),
        })
    })
}

/// The input a table's rows come from, when it is given: the one its `from INPUT` names, else
/// the one of its name ([`TablePlan::input`] is whichever applies). A run, `explain`, `eval` and
/// `repl` all find a table's input here.
pub fn table_input<'i>(table: &TablePlan, inputs: &'i [Input]) -> Option<&'i Input> {
    inputs.iter().find(|i| i.name == table.input)
}

/// Per table: its input and format when the input is given, else `None`; for tools that load
/// every table they can whether a block needs it or not (`eval`, `repl`). An input whose
/// format cannot be told is an error, as in a run.
pub fn given_tables<'i>(
    program: &Program,
    inputs: &'i [Input],
) -> Result<Vec<Option<(&'i Input, Format)>>, RunError> {
    program
        .tables
        .iter()
        .map(|t| {
            table_input(t, inputs)
                .map(|i| Ok((i, format_of(i)?)))
                .transpose()
        })
        .collect()
}

/// Why an input of this name does not fit the program, when no block or table reads it: it is
/// the name of a table that reads another input ([`InputProblem::TableName`]), or no name the
/// mapping reads ([`InputProblem::Unknown`], with the names it reads).
pub fn not_read(program: &Program, name: &str) -> Option<InputProblem> {
    let known = program.input_names();
    if known.contains(&name) {
        return None;
    }
    Some(match program.tables.iter().find(|t| t.name == name) {
        Some(t) => InputProblem::TableName {
            name: name.to_string(),
            input: t.input.clone(),
        },
        None => InputProblem::Unknown {
            name: name.to_string(),
            known: known.into_iter().map(String::from).collect(),
        },
    })
}

/// Checks the inputs against the program before any record is read. `only`: run just this
/// block (explain), whose tables are then the ones needed.
pub fn resolve<'p>(
    program: &'p Program,
    inputs: &'p [Input],
    only: Option<&BlockPlan>,
) -> Result<Resolved<'p>, RunError> {
    let mut by_name: HashMap<&str, &Input> = HashMap::new();
    for i in inputs {
        if by_name.insert(i.name.as_str(), i).is_some() {
            return Err(RunError::Inputs(InputProblem::Twice(i.name.clone())));
        }
    }
    if let Some(problem) = inputs.iter().find_map(|i| not_read(program, &i.name)) {
        return Err(RunError::Inputs(problem));
    }
    let mut blocks = Vec::new();
    let mut skipped = Vec::new();
    // Per table: the first running block that needs it, and the table whose key needs it.
    let mut needed = vec![None::<(Entity, Option<usize>)>; program.tables.len()];
    for b in &program.blocks {
        let wanted = only.is_none_or(|o| std::ptr::eq(o, b));
        match by_name.get(b.source.as_str()) {
            Some(input) if wanted => {
                blocks.push((b, *input, format_of(input)?));
                // The tables it looks up, and those their keys look up.
                let mut todo: Vec<(usize, Option<usize>)> =
                    b.tables.iter().map(|&t| (t, None)).collect();
                while let Some((t, via)) = todo.pop() {
                    if let Some(need) = needed.get_mut(t)
                        && need.is_none()
                    {
                        *need = Some((b.entity, via));
                        todo.extend(program.tables[t].uses.iter().map(|&u| (u, Some(t))));
                    }
                }
            }
            Some(_) => {}
            None => skipped.push(Skipped {
                entity: b.entity,
                source: b.source.clone(),
                reason: format!("no --input {}=PATH given", b.source),
            }),
        }
    }
    let mut tables = Vec::with_capacity(program.tables.len());
    for (t, need) in program.tables.iter().zip(&needed) {
        match (table_input(t, inputs), need) {
            (Some(input), Some(_)) => tables.push(Some((input, format_of(input)?))),
            (None, Some((entity, via))) if !t.optional => {
                return Err(RunError::Inputs(InputProblem::MissingTable {
                    entity: *entity,
                    table: t.name.clone(),
                    input: t.input.clone(),
                    via: via
                        .and_then(|v| program.tables.get(v))
                        .map(|v| v.name.clone()),
                }));
            }
            _ => tables.push(None),
        }
    }
    if blocks.is_empty() {
        return Err(RunError::Inputs(InputProblem::NothingToDo {
            sources: program.sources().into_iter().map(String::from).collect(),
        }));
    }
    Ok(Resolved {
        blocks,
        skipped,
        tables,
    })
}

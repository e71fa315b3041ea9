//! Running one test case through the real engine and turning what it wrote into the value a
//! snapshot holds.
//!
//! The value is an object: one array per entity that ran (the Clerk records, in output order),
//! then, when there are any, `rejected` (entity, id, line, reasons), `filtered` (per entity,
//! each `where` condition and how many records it filtered), `warnings` and `aborted` (the
//! message of a run that refused to write a feed). Mapping locations are left out of reasons so
//! that reformatting a mapping does not change its snapshots. The case runs through the real
//! engine into a [`Memory`] sink: nothing is written to disk or read back.

use crate::json;
use crate::value::{Map, Value};

use super::case::{Case, InputData};
use crate::check;
use crate::check::CompileOptions;
use crate::diagnostic::{SourceFile, render_all};
use crate::engine::reject::Located;
use crate::engine::{self, Format, Input, Loc, Memory, Reject, RunOptions, RunReport};

/// Loads a case's mapping (or the built-in one).
pub fn mapping_source(case: &Case) -> Result<SourceFile, String> {
    match &case.mapping {
        None => Ok(SourceFile::new(
            super::BUILTIN_MAPPING_NAME,
            super::BUILTIN_MAPPING,
        )),
        Some(p) => std::fs::read_to_string(p)
            .map(|t| SourceFile::new(p.display().to_string(), t))
            .map_err(|e| {
                format!(
                    "{}: mapping {}: cannot read: {e}",
                    case.file.display(),
                    p.display()
                )
            }),
    }
}

/// The engine inputs of a case: files as they are, inline records and text in memory (named
/// `NAME.ndjson`, `NAME.csv`... in messages).
fn inputs(case: &Case) -> Result<Vec<Input>, String> {
    let mut inputs = Vec::new();
    for (name, data) in &case.inputs {
        let input = match data {
            InputData::File {
                path,
                shown,
                format,
            } => {
                if !path.is_file() {
                    return Err(format!(
                        "{}: input `{name}`: {} does not exist (paths are relative to the case file)",
                        case.file.display(),
                        path.display()
                    ));
                }
                Input::file(name.clone(), path.clone())
                    .shown_as(shown.clone())
                    .with_format(format.clone())
            }
            InputData::Records(records) => {
                let mut text = String::new();
                for r in records {
                    text.push_str(&r.to_string());
                    text.push('\n');
                }
                Input::memory(name.clone(), format!("{name}.ndjson"), text.into_bytes())
                    .with_format(Some(Format::Ndjson))
            }
            InputData::Text { text, format } => Input::memory(
                name.clone(),
                format!("{name}.{}", format.extension()),
                text.clone().into_bytes(),
            )
            .with_format(Some(format.clone())),
        };
        inputs.push(input);
    }
    Ok(inputs)
}

/// Runs a case. `Err` is a problem of the case itself (mapping does not check, an input is
/// missing...), not a difference from the snapshot.
pub fn execute(case: &Case) -> Result<Value, String> {
    let src = mapping_source(case)?;
    let opts = CompileOptions {
        vars: case.vars.clone(),
        env: Some(case.env.clone()),
        implicit_vars: Vec::new(),
        now: Some(case.now.unwrap_or(super::case::TEST_NOW)),
    };
    let checked = check::check(&src, &opts).map_err(|d| {
        format!(
            "the mapping does not check:\n{}",
            render_all(&d, &src, false)
        )
    })?;
    let run_opts = RunOptions {
        inputs: inputs(case)?,
        jobs: 1,
        ..RunOptions::default()
    };
    // A case pins the output down, empty feeds included: there is no previous feed to guard.
    let mut memory = Memory::default();
    let mapped = engine::run_into(&checked.program, &src, &run_opts, &mut memory)
        .map_err(|e| format!("{}: the run stopped: {e}", case.file.display()))?;
    let report = &mapped.report;
    let mut out = Map::new();
    for e in &report.entities {
        // An aborted run writes no feed.
        let records = match (&mapped.aborted, memory.records(e.entity)) {
            (None, Some(records)) => records.to_vec(),
            _ => Vec::new(),
        };
        out.insert(e.entity.name().to_string(), Value::Array(records));
    }
    let rejected: Vec<Value> = memory.rejects.iter().map(reject_value).collect();
    if !rejected.is_empty() {
        out.insert("rejected", Value::Array(rejected));
    }
    let filtered = filtered(report);
    if !filtered.is_empty() {
        out.insert("filtered", Value::Object(filtered));
    }
    let mut warnings: Vec<Value> = checked
        .warnings
        .iter()
        .map(|d| Value::String(format!("[{}] {}", d.code, d.message).into()))
        .collect();
    warnings.extend(
        report
            .warnings
            .iter()
            .map(|w| Value::String(w.to_string().into())),
    );
    if !warnings.is_empty() {
        out.insert("warnings", Value::Array(warnings));
    }
    if let Some(abort) = mapped.aborted {
        out.insert("aborted", Value::String(abort.to_string().into()));
    }
    if !case.entities.is_empty() {
        keep_entities(&mut out, &case.entities);
    }
    Ok(Value::Object(out))
}

/// A rejected record as a snapshot shows it: where, which, why (without mapping locations, so
/// that reformatting a mapping does not change its snapshots).
fn reject_value(r: &Reject) -> Value {
    let mut m = Map::new();
    m.insert("entity", Value::from(r.entity.name()));
    if let Some(id) = &r.id {
        m.insert("id", id.clone());
    }
    match r.loc {
        Loc::Line(n) => m.insert("line", Value::from(n)),
        Loc::Record(n) => m.insert("record", Value::from(n)),
    };
    let reasons = r
        .reason_texts(Located::Without)
        .into_iter()
        .map(|s| Value::String(s.into()))
        .collect();
    m.insert("reasons", Value::Array(reasons));
    Value::Object(m)
}

/// Leaves only the given entities in an output (their records, rejects and filter counts).
fn keep_entities(out: &mut Map, keep: &[String]) {
    let kept = |name: &str| keep.iter().any(|k| k == name);
    out.retain(|k, _| crate::clerk::Entity::parse(k).is_none() || kept(k));
    if let Some(Value::Array(rejects)) = out.get_mut("rejected") {
        rejects.retain(|r| kept(r.get("entity").and_then(Value::as_str).unwrap_or("")));
        if rejects.is_empty() {
            out.shift_remove("rejected");
        }
    }
    if let Some(Value::Object(f)) = out.get_mut("filtered") {
        f.retain(|k, _| kept(k));
        if f.is_empty() {
            out.shift_remove("filtered");
        }
    }
}

fn filtered(report: &RunReport) -> Map {
    let mut m = Map::new();
    for e in report.entities.iter().filter(|e| e.filtered > 0) {
        let by: Vec<Value> = e
            .filtered_by
            .iter()
            .map(|f| json!({"where": f.condition, "count": f.count}))
            .collect();
        m.insert(e.entity.name().to_string(), Value::Array(by));
    }
    m
}

//! Running one test case through the real engine and turning what it wrote into the value a
//! snapshot holds.
//!
//! The value is an object: one array per entity that ran (the Clerk records, in output order),
//! then, when there are any, `rejected` (entity, id, line, reasons), `filtered` (per entity,
//! each `where` condition and how many records it filtered), `warnings` and `aborted` (the
//! message of a run that refused to write a feed). Mapping locations (`at file:line:col`) are
//! left out of reasons so that reformatting a mapping does not change its snapshots.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::case::{Case, InputData};
use crate::check;
use crate::check::CompileOptions;
use crate::diagnostic::{SourceFile, render_all};
use crate::engine::source::Format;
use crate::engine::{self, Input, OutputFormat, RunError, RunOptions, RunReport};

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

fn ext_of(f: &Format) -> &'static str {
    match f {
        Format::Json => "json",
        Format::Ndjson => "ndjson",
        Format::Csv {
            delimiter: Some(b'\t'),
        } => "tsv",
        Format::Csv { .. } => "csv",
        Format::Xml { .. } => "xml",
    }
}

/// Runs a case. `Err` is a problem of the case itself (mapping does not check, an input is
/// missing...), not a difference from the snapshot.
pub fn execute(case: &Case) -> Result<Value, String> {
    let src = mapping_source(case)?;
    let opts = CompileOptions {
        vars: case.vars.clone(),
        env: Some(case.env.clone()),
        implicit_vars: Vec::new(),
    };
    let checked = check::check(&src, &opts).map_err(|d| {
        format!(
            "the mapping does not check:\n{}",
            render_all(&d, &src, false)
        )
    })?;
    let tmp = tempfile::tempdir().map_err(|e| format!("cannot create a temporary folder: {e}"))?;
    let in_dir = tmp.path().join("in");
    let out_dir = tmp.path().join("out");
    std::fs::create_dir_all(&in_dir)
        .map_err(|e| format!("cannot create {}: {e}", in_dir.display()))?;
    let mut inputs = Vec::new();
    for (name, data) in &case.inputs {
        let input = match data {
            InputData::File { path, format } => {
                if !path.is_file() {
                    return Err(format!(
                        "{}: input `{name}`: {} does not exist (paths are relative to the case file)",
                        case.file.display(),
                        path.display()
                    ));
                }
                Input {
                    name: name.clone(),
                    path: path.clone(),
                    format: format.clone(),
                }
            }
            InputData::Records(records) => {
                let mut text = String::new();
                for r in records {
                    text.push_str(&r.to_string());
                    text.push('\n');
                }
                let path = in_dir.join(format!("{name}.ndjson"));
                std::fs::write(&path, text)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                Input {
                    name: name.clone(),
                    path,
                    format: Some(Format::Ndjson),
                }
            }
            InputData::Text { text, format } => {
                let path = in_dir.join(format!("{name}.{}", ext_of(format)));
                std::fs::write(&path, text)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                Input {
                    name: name.clone(),
                    path,
                    format: Some(format.clone()),
                }
            }
        };
        inputs.push(input);
    }
    let run_opts = RunOptions {
        inputs,
        out_dir: out_dir.clone(),
        format: OutputFormat::Json,
        jobs: 1,
        // A case pins the output down, empty feeds included: no previous feed to guard.
        allow_shrink: true,
        ..RunOptions::default()
    };
    let in_prefix = format!("{}/", in_dir.display());
    let clean = |s: &str| strip_locations(&s.replace(&in_prefix, ""), &src.name);
    let (report, aborted) = match engine::run(&checked.program, &src, &run_opts) {
        Ok(r) => (r, None),
        Err(e) => {
            let msg = e.to_string();
            match e {
                // All of a feed's records rejected: the snapshot shows it, with the rejects.
                RunError::AllRejected { report, .. } | RunError::TooManyRejects { report, .. } => {
                    (*report, Some(msg))
                }
                _ => {
                    return Err(format!(
                        "{}: the run stopped: {}",
                        case.file.display(),
                        clean(&msg)
                    ));
                }
            }
        }
    };
    let mut out = Map::new();
    for e in &report.entities {
        let path = out_dir.join(&e.output);
        let records = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str::<Value>(&text)
                .map_err(|err| format!("cannot read back {}: {err}", path.display()))?,
            // An aborted run writes no feed.
            Err(_) => Value::Array(Vec::new()),
        };
        out.insert(e.entity.name().to_string(), records);
    }
    let rejected = read_rejects(&out_dir.join("rejects.ndjson"), &clean)?;
    if !rejected.is_empty() {
        out.insert("rejected".into(), Value::Array(rejected));
    }
    let filtered = filtered(&report);
    if !filtered.is_empty() {
        out.insert("filtered".into(), Value::Object(filtered));
    }
    let mut warnings: Vec<Value> = checked
        .warnings
        .iter()
        .map(|d| Value::String(format!("[{}] {}", d.code, d.message)))
        .collect();
    warnings.extend(report.warnings.iter().map(|w| Value::String(clean(w))));
    if !warnings.is_empty() {
        out.insert("warnings".into(), Value::Array(warnings));
    }
    if let Some(msg) = aborted {
        out.insert("aborted".into(), Value::String(clean(&msg)));
    }
    if !case.entities.is_empty() {
        keep_entities(&mut out, &case.entities);
    }
    Ok(Value::Object(out))
}

/// Leaves only the given entities in an output (their records, rejects and filter counts).
fn keep_entities(out: &mut Map<String, Value>, keep: &[String]) {
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

fn read_rejects(path: &Path, clean: &dyn Fn(&str) -> String) -> Result<Vec<Value>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(_) => return Ok(Vec::new()),
    };
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line)
            .map_err(|e| format!("cannot read back {}: {e}", path.display()))?;
        let mut m = Map::new();
        for key in ["entity", "id", "line", "record"] {
            if let Some(x) = v.get(key) {
                m.insert(key.into(), x.clone());
            }
        }
        let reasons: Vec<Value> = v
            .get("reasons")
            .and_then(Value::as_array)
            .map(|rs| {
                rs.iter()
                    .map(|r| Value::String(clean(r.as_str().unwrap_or_default())))
                    .collect()
            })
            .unwrap_or_default();
        m.insert("reasons".into(), Value::Array(reasons));
        out.push(Value::Object(m));
    }
    Ok(out)
}

fn filtered(report: &RunReport) -> Map<String, Value> {
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

/// Removes ` (at MAPPING:LINE:COL)` from a reason.
pub fn strip_locations(s: &str, mapping: &str) -> String {
    let needle = format!(" (at {mapping}:");
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(&needle) {
        out.push_str(&rest[..i]);
        let after = &rest[i + needle.len()..];
        match after.find(')') {
            Some(j) if after[..j].chars().all(|c| c.is_ascii_digit() || c == ':') => {
                rest = &after[j + 1..];
            }
            _ => {
                out.push_str(&needle);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_stripped() {
        assert_eq!(
            strip_locations("`price`: bad (at m.cmap:3:9)", "m.cmap"),
            "`price`: bad"
        );
        assert_eq!(
            strip_locations("x (at other.cmap:3:9)", "m.cmap"),
            "x (at other.cmap:3:9)"
        );
        assert_eq!(
            strip_locations("x (at m.cmap:oops)", "m.cmap"),
            "x (at m.cmap:oops)"
        );
    }
}

//! Mapping test cases: what a case file says and where cases are found.
//!
//! A case is either a YAML file (`NAME.yaml`, expected output in `NAME.snap` or `NAME.json`
//! beside it) or a folder holding `case.yaml` (expected output in `expected.snap` or
//! `expected.json`; without `inputs:` the data files of the folder are the inputs, named by
//! their stem, and without `mapping:` the folder's `mapping.cmap`, if any, is the mapping).
//!
//! ```yaml
//! description: what the case pins down
//! mapping: ../passweb.cmap            # relative to the case; default: the built-in Passweb mapping
//! vars: { site_url: https://www.negozio.it }
//! env: { CLERKMAP_PSEUDONYM_KEY: test-key }   # env() sees only these
//! inputs:
//!   categorie: ../sample/categorie.csv        # a file (format from the extension)
//!   clienti: { path: clienti.txt, format: csv }
//!   articoli:                                 # records written inline
//!     - { codice: A1, titolo: Maglia, pubblicato: SI }
//!   righe: { text: "codice;qta\nA1;2\n", format: csv }   # a small file written inline
//! entities: [products]                # compare only these (default: every entity that ran)
//! now: 2025-06-01T12:00:00Z           # the run's time for now(): RFC 3339 or unix seconds
//!                                     # (default: `--now`, else 2025-01-01T00:00:00Z)
//! expect: products.snap               # default: NAME.snap (or NAME.json when it exists)
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::value::Value;
use serde::Deserialize;

use crate::engine::Format;

/// The file of a folder case.
pub const FOLDER_CASE_FILE: &str = "case.yaml";

/// A case found on disk, not read yet.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRef {
    /// Its name: the path below the searched folder, without `.yaml`.
    pub name: String,
    /// The case file (`NAME.yaml` or `FOLDER/case.yaml`).
    pub file: PathBuf,
    /// Whether it is a folder case.
    pub folder: bool,
}

impl CaseRef {
    /// The folder relative paths of the case are resolved against.
    pub fn base(&self) -> &Path {
        self.file.parent().unwrap_or(Path::new(""))
    }
}

/// An input of a case.
#[derive(Debug, Clone, PartialEq)]
pub enum InputData {
    /// A file on disk.
    File {
        /// The file (a relative path in the case is resolved against the case's folder).
        path: PathBuf,
        /// The path as the case writes it, which names the file in messages and snapshots
        /// whatever folder `clerkmap test` runs from.
        shown: String,
        /// The format stated in the case, else the extension's; `None`: neither tells (the
        /// run then stops on it).
        format: Option<Format>,
    },
    /// Records given in the case, written as NDJSON for the run.
    Records(Vec<Value>),
    /// A small file given as text in the case.
    Text {
        /// The file's content, as written in the case.
        text: String,
        /// How to read it (an inline text must state its format).
        format: Format,
    },
}

/// A case, read and resolved (paths relative to the working directory or absolute).
#[derive(Debug, Clone)]
pub struct Case {
    /// The case's name, as [`CaseRef::name`]: results are reported under it.
    pub name: String,
    /// The case file; messages about the case start with it.
    pub file: PathBuf,
    /// What the case pins down, as its `description:` says; `None` when it says nothing.
    pub description: Option<String>,
    /// `None`: the built-in Passweb mapping.
    pub mapping: Option<PathBuf>,
    /// The mapping variables, as `--var KEY=VALUE` would set them (numbers and bools in the
    /// YAML become their text).
    pub vars: BTreeMap<String, String>,
    /// The only environment variables the mapping's `env()` sees: a case never reads the
    /// process environment.
    pub env: HashMap<String, String>,
    /// Each input with the source or table name it is given as (`articoli`); never empty.
    pub inputs: Vec<(String, InputData)>,
    /// Only these entities are compared (empty: all).
    pub entities: Vec<String>,
    /// The expected output (`.snap` or `.json`); it may not exist yet.
    pub expect: PathBuf,
    /// The run's time (`now()`), unix seconds, when the case sets it.
    pub now: Option<i64>,
}

impl Case {
    /// The case with `now` as its run's time unless it sets one.
    pub fn at(mut self, now: Option<i64>) -> Case {
        self.now = self.now.or(now);
        self
    }
}

/// The run's time of a case that sets none, without `--now`: 2025-01-01T00:00:00Z, so that a
/// case's output does not depend on the day it runs.
pub const TEST_NOW: i64 = 1_735_689_600;

/// A time as `--now` and a case's `now:` take it: RFC 3339 (`2025-06-01T12:00:00Z`) or unix
/// seconds; unix seconds.
pub fn parse_now(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<i64>() {
        return Ok(secs);
    }
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| d.timestamp())
        .map_err(|_| {
            format!(
                "`{t}` is not a time: write it in RFC 3339 (2025-06-01T12:00:00Z, or with an offset: 2025-06-01T14:00:00+02:00) or as unix seconds (1748779200)"
            )
        })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    description: Option<String>,
    mapping: Option<PathBuf>,
    #[serde(default)]
    vars: BTreeMap<String, serde_norway::Value>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    inputs: Option<BTreeMap<String, serde_norway::Value>>,
    #[serde(default)]
    entities: Vec<String>,
    expect: Option<PathBuf>,
    now: Option<serde_norway::Value>,
}

const KEYS_HINT: &str =
    "the keys of a case are description, mapping, vars, env, inputs, entities, expect, now";

fn is_yaml(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("yaml") | Some("yml")
    )
}

/// Finds the cases under `root` (a folder, a case file, or a folder case), sorted by name.
pub fn discover(root: &Path) -> Result<Vec<CaseRef>, String> {
    if root.is_file() {
        if !is_yaml(root) {
            return Err(format!(
                "{}: a test case is a .yaml file or a folder with {FOLDER_CASE_FILE}",
                root.display()
            ));
        }
        let folder = root.file_name().and_then(|n| n.to_str()) == Some(FOLDER_CASE_FILE);
        let name = if folder {
            root.parent()
                .and_then(|p| p.file_name())
                .and_then(|n| n.to_str())
                .unwrap_or("case")
                .to_string()
        } else {
            root.file_stem()
                .and_then(|n| n.to_str())
                .unwrap_or("case")
                .to_string()
        };
        return Ok(vec![CaseRef {
            name,
            file: root.to_path_buf(),
            folder,
        }]);
    }
    if !root.is_dir() {
        return Err(format!(
            "{}: no such file or folder (give a folder of test cases or a case file)",
            root.display()
        ));
    }
    if root.join(FOLDER_CASE_FILE).is_file() {
        return discover(&root.join(FOLDER_CASE_FILE));
    }
    let mut out = Vec::new();
    walk(root, root, &mut out)?;
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<CaseRef>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("{}: cannot read: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    let rel = |p: &Path| {
        p.strip_prefix(root)
            .unwrap_or(p)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/")
    };
    for p in paths {
        if p.is_dir() {
            if p.join(FOLDER_CASE_FILE).is_file() {
                out.push(CaseRef {
                    name: rel(&p),
                    file: p.join(FOLDER_CASE_FILE),
                    folder: true,
                });
            } else {
                walk(root, &p, out)?;
            }
        } else if is_yaml(&p) && p.file_name().and_then(|n| n.to_str()) != Some("clerkmap.yaml") {
            let name = rel(&p);
            let name = name
                .strip_suffix(".yaml")
                .or_else(|| name.strip_suffix(".yml"))
                .unwrap_or(&name)
                .to_string();
            out.push(CaseRef {
                name,
                file: p,
                folder: false,
            });
        }
    }
    Ok(())
}

fn data_format_of(p: &Path) -> Option<Format> {
    Format::from_path(p)
}

/// Reads a case file.
pub fn load(r: &CaseRef) -> Result<Case, String> {
    let at = r.file.display().to_string();
    let text = std::fs::read_to_string(&r.file).map_err(|e| format!("{at}: cannot read: {e}"))?;
    let raw: RawCase = serde_norway::from_str(&text).map_err(|e| {
        let loc = e
            .location()
            .map(|l| format!(":{}:{}", l.line(), l.column()))
            .unwrap_or_default();
        format!("{at}{loc}: {e}\n  hint: {KEYS_HINT}")
    })?;
    let base = r.base().to_path_buf();
    let fix = |p: &Path| {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            base.join(p)
        }
    };
    let mut vars = BTreeMap::new();
    for (k, v) in &raw.vars {
        let s = match v {
            serde_norway::Value::String(s) => s.clone(),
            serde_norway::Value::Bool(b) => b.to_string(),
            serde_norway::Value::Number(n) => n.to_string(),
            _ => {
                return Err(format!(
                    "{at}: vars.{k} must be a string, number or bool (a var is what `--var {k}=VALUE` would give)"
                ));
            }
        };
        vars.insert(k.clone(), s);
    }
    let mapping = match raw.mapping {
        Some(m) => Some(fix(&m)),
        None if r.folder && base.join("mapping.cmap").is_file() => Some(base.join("mapping.cmap")),
        None => None,
    };
    let mut inputs = Vec::new();
    match raw.inputs {
        Some(map) => {
            for (name, v) in map {
                inputs.push((name.clone(), input(&at, &name, v, &fix)?));
            }
        }
        None if r.folder => {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&base)
                .map_err(|e| format!("{}: cannot read: {e}", base.display()))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            for p in files {
                let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                if stem == "expected" || stem == "case" || is_yaml(&p) {
                    continue;
                }
                if let Some(format) = data_format_of(&p) {
                    inputs.push((
                        stem.to_string(),
                        InputData::File {
                            shown: p
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default(),
                            path: p.clone(),
                            format: Some(format),
                        },
                    ));
                }
            }
        }
        None => {}
    }
    if inputs.is_empty() {
        return Err(format!(
            "{at}: the case has no inputs: add `inputs:` with a source of the mapping, e.g.\n  inputs:\n    articoli:\n      - {{ codice: A1, titolo: Maglia, pubblicato: SI }}"
        ));
    }
    for e in &raw.entities {
        if crate::clerk::Entity::parse(e).is_none() {
            let names = crate::clerk::Entity::ALL.map(crate::clerk::Entity::name);
            return Err(format!(
                "{at}: entities: `{e}` is not a Clerk type ({})",
                names.join(", ")
            ));
        }
    }
    let now = match &raw.now {
        None => None,
        Some(serde_norway::Value::Number(n)) => {
            Some(parse_now(&n.to_string()).map_err(|e| format!("{at}: now: {e}"))?)
        }
        Some(serde_norway::Value::String(t)) => {
            Some(parse_now(t).map_err(|e| format!("{at}: now: {e}"))?)
        }
        Some(_) => {
            return Err(format!(
                "{at}: now: write the run's time in RFC 3339 (2025-06-01T12:00:00Z) or as unix seconds"
            ));
        }
    };
    let expect = match raw.expect {
        Some(e) => fix(&e),
        None => default_expect(r),
    };
    Ok(Case {
        name: r.name.clone(),
        file: r.file.clone(),
        description: raw.description,
        mapping,
        vars,
        env: raw.env.into_iter().collect(),
        inputs,
        entities: raw.entities,
        expect,
        now,
    })
}

/// `NAME.json` when it exists, else `NAME.snap` (`expected.*` in a folder case).
fn default_expect(r: &CaseRef) -> PathBuf {
    let stem = if r.folder {
        r.base().join("expected")
    } else {
        r.file.with_extension("")
    };
    let json = stem.with_extension("json");
    if json.is_file() {
        json
    } else {
        stem.with_extension("snap")
    }
}

fn input(
    at: &str,
    name: &str,
    v: serde_norway::Value,
    fix: &dyn Fn(&Path) -> PathBuf,
) -> Result<InputData, String> {
    use serde_norway::Value as Y;
    let parse_format = |f: &str| Format::parse_named(&format!("{at}: inputs.{name}.format"), f);
    match v {
        Y::String(p) => {
            let path = fix(Path::new(&p));
            Ok(InputData::File {
                format: data_format_of(&path),
                path,
                shown: p,
            })
        }
        Y::Sequence(items) => records(at, name, items),
        Y::Mapping(m) => {
            let mut path = None;
            let mut text = None;
            let mut recs = None;
            let mut format = None;
            for (k, v) in m {
                match (k.as_str(), v) {
                    (Some("path"), Y::String(p)) => path = Some((fix(Path::new(&p)), p)),
                    (Some("text"), Y::String(t)) => text = Some(t),
                    (Some("records"), Y::Sequence(items)) => recs = Some(records(at, name, items)?),
                    (Some("format"), Y::String(f)) => format = Some(parse_format(&f)?),
                    (Some(k @ ("path" | "text" | "format")), _) => {
                        return Err(format!("{at}: inputs.{name}.{k} must be a string"));
                    }
                    (Some("records"), _) => {
                        return Err(format!(
                            "{at}: inputs.{name}.records must be a list of records"
                        ));
                    }
                    (k, _) => {
                        return Err(format!(
                            "{at}: inputs.{name}: unknown key {}; an input is a path, a list of records, or {{path, format}}, {{text, format}}, {{records}}",
                            k.map_or_else(|| "(not a string)".to_string(), |k| format!("`{k}`"))
                        ));
                    }
                }
            }
            match (path, text, recs) {
                (Some((path, shown)), None, None) => Ok(InputData::File {
                    format: format.or_else(|| data_format_of(&path)),
                    path,
                    shown,
                }),
                (None, Some(text), None) => match format {
                    Some(format) => Ok(InputData::Text { text, format }),
                    None => Err(format!(
                        "{at}: inputs.{name}: inline `text` needs a `format` (csv, ndjson, json, xml...)"
                    )),
                },
                (None, None, Some(r)) => Ok(r),
                _ => Err(format!(
                    "{at}: inputs.{name}: give exactly one of `path`, `text`, `records`"
                )),
            }
        }
        _ => Err(format!(
            "{at}: inputs.{name} must be a path, a list of records, or {{path, format}}"
        )),
    }
}

fn records(at: &str, name: &str, items: Vec<serde_norway::Value>) -> Result<InputData, String> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let v: Value = crate::value::to_value(&item).map_err(|e| {
            format!(
                "{at}: inputs.{name}[{i}]: not a JSON-like record ({e}); quote keys that are numbers"
            )
        })?;
        if !v.is_object() {
            return Err(format!(
                "{at}: inputs.{name}[{i}] is not a record: write it as `{{ field: value, ... }}`"
            ));
        }
        out.push(v);
    }
    Ok(InputData::Records(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
        p
    }

    #[test]
    fn finds_file_and_folder_cases() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let d = tmp.path();
        write(d, "b.yaml", "inputs: {a: []}");
        write(d, "sub/a.yml", "inputs: {a: []}");
        write(d, "folder/case.yaml", "");
        write(d, "folder/articoli.ndjson", "{}");
        write(d, "clerkmap.yaml", "");
        let found = discover(d).unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<&str> = found.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["b", "folder", "sub/a"]);
        assert!(found[1].folder);
    }

    #[test]
    fn reads_inline_records_text_and_paths() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let d = tmp.path();
        let f = write(
            d,
            "c.yaml",
            "vars: {x: 1, y: true}\ninputs:\n  a: [{k: 1}]\n  b: data/b.csv\n  c: {text: \"k\\n1\\n\", format: csv}\n",
        );
        let case = load(&CaseRef {
            name: "c".into(),
            file: f,
            folder: false,
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(case.vars["x"], "1");
        assert_eq!(case.vars["y"], "true");
        assert_eq!(case.inputs.len(), 3);
        assert!(matches!(&case.inputs[0].1, InputData::Records(r) if r.len() == 1));
        assert!(
            matches!(&case.inputs[1].1, InputData::File { path, .. } if path.ends_with("data/b.csv"))
        );
        assert!(case.expect.ends_with("c.snap"));
    }

    #[test]
    fn unknown_keys_and_bad_records_say_what_to_write() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let d = tmp.path();
        let f = write(d, "c.yaml", "input: {}\n");
        let r = CaseRef {
            name: "c".into(),
            file: f,
            folder: false,
        };
        let e = load(&r).err().unwrap_or_default();
        assert!(
            e.contains("unknown field `input`") && e.contains("the keys of a case"),
            "{e}"
        );
        write(d, "c.yaml", "inputs: {a: [1]}\n");
        let e = load(&r).err().unwrap_or_default();
        assert!(e.contains("inputs.a[0] is not a record"), "{e}");
    }
}

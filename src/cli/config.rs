//! `clerkmap.yaml`: a project file holding the same settings as the `run` flags. Relative paths
//! are relative to the file's directory. Flags given on the command line win.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::engine::OutputFormat;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// The mapping file; the built-in Passweb mapping when absent.
    pub mapping: Option<PathBuf>,
    #[serde(default)]
    pub inputs: BTreeMap<String, InputEntry>,
    pub out: Option<PathBuf>,
    pub format: Option<OutputFormat>,
    #[serde(default)]
    pub vars: BTreeMap<String, serde_norway::Value>,
    pub jobs: Option<usize>,
    pub max_rejects: Option<u64>,
}

/// `name: path` or `name: {path: ..., format: csv}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum InputEntry {
    Path(PathBuf),
    Full {
        path: PathBuf,
        format: Option<String>,
    },
}

impl InputEntry {
    pub fn path(&self) -> &Path {
        match self {
            InputEntry::Path(p) | InputEntry::Full { path: p, .. } => p,
        }
    }
    pub fn format(&self) -> Option<&str> {
        match self {
            InputEntry::Path(_) => None,
            InputEntry::Full { format, .. } => format.as_deref(),
        }
    }
}

/// Reads a project file; paths come back resolved against its directory.
pub fn load(path: &Path) -> Result<Project, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let mut p: Project = serde_norway::from_str(&text).map_err(|e| {
        let at = e.location().map(|l| format!(":{}:{}", l.line(), l.column())).unwrap_or_default();
        format!(
            "{}{at}: {e}\n  hint: the keys are mapping, inputs, out, format, vars, jobs, max_rejects (see README.md)",
            path.display()
        )
    })?;
    let base = path.parent().unwrap_or(Path::new(""));
    let fix = |p: &Path| {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            base.join(p)
        }
    };
    p.mapping = p.mapping.as_deref().map(fix);
    p.out = p.out.as_deref().map(fix);
    for entry in p.inputs.values_mut() {
        match entry {
            InputEntry::Path(path) | InputEntry::Full { path, .. } => *path = fix(path),
        }
    }
    Ok(p)
}

/// A YAML scalar as the string a `--var` would carry.
pub fn var_string(v: &serde_norway::Value) -> Option<String> {
    match v {
        serde_norway::Value::String(s) => Some(s.clone()),
        serde_norway::Value::Bool(b) => Some(b.to_string()),
        serde_norway::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

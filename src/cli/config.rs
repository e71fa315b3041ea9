//! `clerkmap.yaml`: a project file holding the same settings as the `run` flags. Relative paths
//! are relative to the file's directory. Flags given on the command line win.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::engine::OutputFormat;

/// The project file a command reads from the current folder when none is named.
pub const DEFAULT_FILE: &str = "clerkmap.yaml";

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
    /// The record size limit: bytes, or a size with a unit (`64MiB`).
    #[serde(default, deserialize_with = "size")]
    pub max_record_bytes: Option<u64>,
    /// One Clerk store per language: each gets its own run and output directory.
    #[serde(default)]
    pub stores: Vec<Store>,
    /// The environment variables holding Clerk's keys (default CLERK_PUBLIC_KEY, CLERK_PRIVATE_KEY).
    pub clerk: Option<ClerkKeys>,
    /// Where `clerkmap test` finds the project's test cases (folders or case files).
    #[serde(default)]
    pub tests: Tests,
}

/// A size: a number of bytes, or text with a unit (`64MiB`), as `--max-record-bytes` takes it.
fn size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Size {
        Bytes(u64),
        Text(String),
    }
    let text = match Size::deserialize(d)? {
        Size::Bytes(n) => n.to_string(),
        Size::Text(t) => t,
    };
    crate::engine::limits::parse_bytes(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// `tests: DIR` or `tests: [DIR, FILE, ...]`.
#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
pub enum Tests {
    #[default]
    None,
    One(PathBuf),
    Many(Vec<PathBuf>),
}

impl Tests {
    pub fn paths(&self) -> Vec<PathBuf> {
        match self {
            Tests::None => Vec::new(),
            Tests::One(p) => vec![p.clone()],
            Tests::Many(v) => v.clone(),
        }
    }
}

/// A Clerk store: its inputs and vars override the project's; orders and customers of its
/// `countries` go to it (those of no store's countries to the `default` store).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Store {
    pub name: String,
    pub language: Option<String>,
    #[serde(default)]
    pub countries: Vec<String>,
    #[serde(default)]
    pub default: bool,
    #[serde(default)]
    pub inputs: BTreeMap<String, InputEntry>,
    #[serde(default)]
    pub vars: BTreeMap<String, serde_norway::Value>,
    /// Default: `<out>/<name>`.
    pub out: Option<PathBuf>,
    /// This store's key variables (each Clerk store has its own keys).
    pub clerk: Option<ClerkKeys>,
}

/// `clerk: { public_key_env: NAME, private_key_env: NAME }`: where `push` finds the keys. The
/// keys themselves never go in the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClerkKeys {
    pub public_key_env: Option<String>,
    pub private_key_env: Option<String>,
}

/// Checks the stores: names unique and usable as directory names, no country in two stores,
/// one default store (the only store is the default). Returns each store with its default flag.
pub fn validate_stores(stores: &[Store]) -> Result<Vec<(&Store, bool)>, String> {
    let mut names = std::collections::BTreeSet::new();
    let mut countries: BTreeMap<&str, &str> = BTreeMap::new();
    let mut outs: BTreeMap<&std::path::Path, &str> = BTreeMap::new();
    for s in stores {
        // one directory, one store's feeds: the second would replace the first's
        if let Some(out) = &s.out
            && let Some(other) = outs.insert(out.as_path(), s.name.as_str())
        {
            return Err(format!(
                "stores: `{other}` and `{}` have the same `out: {}`: the second would replace the first's feeds; give each its own directory (or leave `out:` out: `<out>/<name>`)",
                s.name,
                out.display()
            ));
        }
        if s.name.is_empty()
            || !s
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(format!(
                "stores: name `{}` must be letters, digits, `-` or `_` (it names the output directory)",
                s.name
            ));
        }
        if !names.insert(s.name.as_str()) {
            return Err(format!("stores: `{}` appears twice", s.name));
        }
        for c in &s.countries {
            if let Some(other) = countries.insert(c.as_str(), s.name.as_str()) {
                return Err(format!(
                    "stores: country `{c}` is in both `{other}` and `{}`",
                    s.name
                ));
            }
        }
    }
    let defaults: Vec<&Store> = stores.iter().filter(|s| s.default).collect();
    let default_name = match (defaults.len(), stores.len()) {
        (1, _) => defaults[0].name.as_str(),
        (0, 1) => stores[0].name.as_str(),
        (0, _) => return Err("stores: mark one store `default: true` (it gets the orders and customers of countries no store lists)".into()),
        _ => return Err("stores: only one store can be `default: true`".into()),
    };
    Ok(stores.iter().map(|s| (s, s.name == default_name)).collect())
}

/// `name: path` or `name: {path: ..., format: csv, lenient: trailing}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum InputEntry {
    Path(PathBuf),
    Full {
        path: PathBuf,
        format: Option<String>,
        /// `strict`, `trailing`, `ragged`, or a bool (`true`: `trailing`).
        lenient: Option<serde_norway::Value>,
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
    /// The `lenient:` setting, if any (`what`: where it is, for the error).
    pub fn lenient(&self, what: &str) -> Result<Option<crate::plan::Lenient>, String> {
        let InputEntry::Full {
            lenient: Some(v), ..
        } = self
        else {
            return Ok(None);
        };
        var_string(v)
            .and_then(|s| crate::plan::Lenient::parse(&s))
            .map(Some)
            .ok_or_else(|| {
                format!(
                    "{what}: `lenient` is one of {}",
                    crate::plan::Lenient::NAMES
                )
            })
    }
}

/// Reads a project file; paths come back resolved against its directory.
pub fn load(path: &Path) -> Result<Project, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let mut p: Project = serde_norway::from_str(&text).map_err(|e| {
        let at = e.location().map(|l| format!(":{}:{}", l.line(), l.column())).unwrap_or_default();
        format!(
            "{}{at}: {e}\n  hint: the keys are mapping, inputs, out, format, vars, jobs, max_rejects, max_record_bytes, stores, tests (see README.md)",
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
    for entry in p
        .inputs
        .values_mut()
        .chain(p.stores.iter_mut().flat_map(|s| s.inputs.values_mut()))
    {
        match entry {
            InputEntry::Path(path) | InputEntry::Full { path, .. } => *path = fix(path),
        }
    }
    for s in &mut p.stores {
        s.out = s.out.as_deref().map(fix);
    }
    p.tests = match p.tests.paths().as_slice() {
        [] => Tests::None,
        paths => Tests::Many(paths.iter().map(|t| fix(t)).collect()),
    };
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

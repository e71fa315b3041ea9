//! The project a mapping belongs to: the `clerkmap.yaml` in its folder or a parent, the vars
//! `check -c` would check it with, and its inputs' fields as `inspect` finds them (cached
//! until the file changes).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::check::InputFields;
use crate::engine::Format;
use crate::workflow::inspect::{self, Inspection};

use super::super::{RunArgs, Vars, config};

/// The records read from each input for completions and hovers: enough to see its fields,
/// few enough to answer at once.
const SAMPLE: usize = 2_000;

/// An input the project file names.
#[derive(Debug, Clone)]
pub(super) struct InputFile {
    /// Its name (`--input NAME=...`).
    pub name: String,
    /// Its file, resolved.
    pub path: PathBuf,
    /// Its format as stated, else its extension's.
    pub format: Option<Format>,
}

/// What the project file says about one mapping.
#[derive(Debug, Clone, Default)]
pub(super) struct Project {
    /// The vars to check the mapping with: the project's (its first store's) when the project's
    /// `mapping:` is this file, else none.
    pub vars: Vars,
    /// The inputs it names (its own, then its stores'), by name.
    pub inputs: Vec<InputFile>,
    /// Why the project file could not be read.
    pub error: Option<String>,
}

/// The project files and input files read so far.
#[derive(Default)]
pub(super) struct Projects {
    inspections: HashMap<PathBuf, (Option<SystemTime>, Result<Inspection, String>)>,
}

fn modified(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// The project file of a mapping at `mapping`: `clerkmap.yaml` in its folder or the nearest
/// parent that has one.
pub(super) fn find(mapping: &Path) -> Option<PathBuf> {
    mapping
        .ancestors()
        .skip(1)
        .map(|d| d.join(config::DEFAULT_FILE))
        .find(|p| p.is_file())
}

impl Projects {
    /// The project of the mapping at `mapping` (none for an unsaved one).
    pub(super) fn project(&mut self, mapping: Option<&Path>) -> Project {
        let Some(file) = mapping.and_then(find) else {
            return Project::default();
        };
        let mut p = Project::default();
        let loaded = match config::load(&file) {
            Ok(l) => l,
            Err(e) => {
                p.error = Some(e);
                return p;
            }
        };
        let mut inputs: BTreeMap<String, InputFile> = BTreeMap::new();
        for (name, entry) in loaded
            .inputs
            .iter()
            .chain(loaded.stores.iter().flat_map(|s| s.inputs.iter()))
        {
            let format = match entry.format() {
                Some(f) => Format::parse(f),
                None => Format::from_path(entry.path()),
            };
            inputs.entry(name.clone()).or_insert_with(|| InputFile {
                name: name.clone(),
                path: entry.path().to_path_buf(),
                format,
            });
        }
        p.inputs = inputs.into_values().collect();
        let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if let (Some(m), Some(doc)) = (&loaded.mapping, mapping)
            && same(m, doc)
        {
            // The vars `check -c` checks the mapping with (the first store's).
            let args = RunArgs {
                mapping: Some(doc.to_path_buf()),
                config: Some(file.clone()),
                out: Some(PathBuf::from(".")),
                ..Default::default()
            };
            match super::super::run::run_configs(args) {
                Ok(configs) => {
                    if let Some(c) = configs.into_iter().next() {
                        p.vars = c.vars;
                    }
                }
                Err(e) => p.error = Some(e),
            }
        }
        p
    }

    /// What `inspect` finds in an input (its first records), read again when the file changed.
    pub(super) fn inspect(&mut self, input: &InputFile) -> Result<&Inspection, String> {
        let stamp = modified(&input.path);
        let fresh = self
            .inspections
            .get(&input.path)
            .is_some_and(|(t, _)| *t == stamp && stamp.is_some());
        if !fresh {
            let result = match input.format.clone() {
                Some(f) => {
                    inspect::inspect(&input.path, f, Some(SAMPLE)).map_err(|e| e.to_string())
                }
                None => Err(format!(
                    "cannot tell the format of `{}` from its extension",
                    input.path.display()
                )),
            };
            self.inspections.insert(input.path.clone(), (stamp, result));
        }
        match self.inspections.get(&input.path) {
            Some((_, Ok(i))) => Ok(i),
            Some((_, Err(e))) => Err(e.clone()),
            None => Err("not read".into()),
        }
    }

    /// The paths of every input of `project` that can be read, for W003.
    pub(super) fn input_fields(&mut self, project: &Project) -> Vec<InputFields> {
        let mut out = Vec::new();
        for input in &project.inputs {
            if let Ok(i) = self.inspect(input) {
                out.push(InputFields {
                    name: input.name.clone(),
                    file: input.path.display().to_string(),
                    records: i.records,
                    sampled: i.sampled,
                    paths: i.fields.iter().map(|f| f.path.clone()).collect(),
                    texts: crate::workflow::inspect::text_paths(&i.fields),
                    one_or_many: crate::workflow::inspect::one_or_many_paths(&i.fields),
                    format: None,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_names_its_inputs_and_the_vars_of_its_mapping() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("maps")).unwrap();
        std::fs::write(
            dir.path().join("clerkmap.yaml"),
            "mapping: maps/m.cmap\ninputs:\n  articoli: a.ndjson\nvars:\n  site_url: https://x.test\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("a.ndjson"), "{\"codice\": \"A1\"}\n").unwrap();
        let mapping = dir.path().join("maps/m.cmap");
        std::fs::write(&mapping, "").unwrap();
        let mut projects = Projects::default();
        let p = projects.project(Some(&mapping));
        assert_eq!(p.error, None);
        assert_eq!(p.inputs.len(), 1);
        assert_eq!(
            p.vars.values.get("site_url").map(String::as_str),
            Some("https://x.test")
        );
        let fields = projects.input_fields(&p);
        assert!(fields[0].paths.contains(".codice"), "{:?}", fields[0].paths);
        // Another mapping of the same folder gets the inputs, not the vars.
        let other = dir.path().join("maps/other.cmap");
        std::fs::write(&other, "").unwrap();
        let p = projects.project(Some(&other));
        assert!(p.vars.values.is_empty() && p.inputs.len() == 1);
    }
}

//! Every recipe of `docs/cookbook.md` runs and gives what the page says.
//!
//! The page uses the conventions of `docs/language.md`: a ```` ```cmap run ```` block is a
//! mapping (its info string may add `var:KEY=VALUE` and `env:KEY=VALUE`), the blocks after it
//! marked `file=NAME.EXT` are its inputs (NAME is the input name), and the blocks marked
//! `output=FILE` hold what the run must write (`output=accounting`: the read = written +
//! filtered + rejected lines). A ```` ```cmap ```` block without `run` must check.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use clerkmap::check::check;
use clerkmap::diagnostic::SourceFile;
use clerkmap::engine::{Input, RunError, RunOptions, run};
use clerkmap::plan::CompileOptions;
use serde_json::Value;

struct Fence {
    line: usize,
    info: String,
    body: String,
}

fn fences(md: &str) -> Vec<Fence> {
    let mut out = Vec::new();
    let mut open: Option<Fence> = None;
    for (i, line) in md.lines().enumerate() {
        let t = line.trim_start();
        match open.take() {
            None => {
                if let Some(info) = t.strip_prefix("```") {
                    open = Some(Fence {
                        line: i + 1,
                        info: info.trim().to_string(),
                        body: String::new(),
                    });
                }
            }
            Some(mut f) => {
                if t.trim_end() == "```" {
                    out.push(f);
                } else {
                    f.body.push_str(line);
                    f.body.push('\n');
                    open = Some(f);
                }
            }
        }
    }
    out
}

fn attr<'a>(info: &'a str, key: &str) -> Option<&'a str> {
    info.split_whitespace()
        .find_map(|w| w.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

fn same(name: &str, got: &str, want: &str) -> bool {
    let lines = |s: &str| -> Option<Vec<Value>> {
        s.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).ok())
            .collect()
    };
    if name.ends_with(".ndjson") {
        return lines(got).is_some() && lines(got) == lines(want);
    }
    if name.ends_with(".json") {
        let g: Option<Value> = serde_json::from_str(got).ok();
        let w: Option<Value> = serde_json::from_str(want).ok();
        return g.is_some() && g == w;
    }
    let t = |s: &str| {
        s.lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect::<Vec<_>>()
    };
    t(got) == t(want)
}

fn run_recipe(f: &Fence, rest: &[Fence], failures: &mut Vec<String>) {
    let at = format!("docs/cookbook.md:{}", f.line);
    let mut vars = BTreeMap::new();
    let mut env = HashMap::new();
    let mut execute = false;
    for w in f.info.split_whitespace().skip(1) {
        if w == "run" {
            execute = true;
        } else if let Some((k, v)) = w.strip_prefix("var:").and_then(|kv| kv.split_once('=')) {
            vars.insert(k.to_string(), v.to_string());
        } else if let Some((k, v)) = w.strip_prefix("env:").and_then(|kv| kv.split_once('=')) {
            env.insert(k.to_string(), v.to_string());
        } else {
            failures.push(format!("{at}: unknown word `{w}` in `{}`", f.info));
            return;
        }
    }
    let src = SourceFile::new("mapping.cmap", f.body.clone());
    let opts = CompileOptions {
        vars,
        env: Some(env),
        ..Default::default()
    };
    let checked = match check(&src, &opts) {
        Ok(c) => c,
        Err(d) => {
            let msgs: Vec<String> = d.iter().map(|d| d.short(&src)).collect();
            failures.push(format!(
                "{at}: the recipe does not check:\n    {}",
                msgs.join("\n    ")
            ));
            return;
        }
    };
    if !checked.warnings.is_empty() {
        let msgs: Vec<String> = checked.warnings.iter().map(|d| d.short(&src)).collect();
        failures.push(format!("{at}: warnings:\n    {}", msgs.join("\n    ")));
    }
    if !execute {
        return;
    }
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let in_dir = tmp.path().join("in");
    let out_dir = tmp.path().join("out");
    std::fs::create_dir_all(&in_dir).unwrap_or_else(|e| panic!("{e}"));
    let mut inputs = Vec::new();
    let mut expected = Vec::new();
    for b in rest.iter().take_while(|b| !b.info.starts_with("cmap")) {
        if let Some(file) = attr(&b.info, "file") {
            let p: PathBuf = in_dir.join(file);
            std::fs::write(&p, &b.body).unwrap_or_else(|e| panic!("{e}"));
            let name = Path::new(file)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or(file)
                .to_string();
            inputs.push(Input {
                name,
                path: p,
                format: None,
            });
        } else if let Some(out) = attr(&b.info, "output") {
            expected.push((b.line, out.to_string(), b.body.clone()));
        }
    }
    if expected.is_empty() {
        failures.push(format!(
            "{at}: a `cmap run` recipe needs an `output=` block"
        ));
    }
    let run_opts = RunOptions {
        inputs,
        out_dir: out_dir.clone(),
        jobs: 1,
        ..RunOptions::default()
    };
    let prefix = format!("{}/", in_dir.display());
    let mut actual: BTreeMap<String, String> = BTreeMap::new();
    let report = match run(&checked.program, &src, &run_opts) {
        Ok(r) => Some(r),
        Err(RunError::TooManyRejects { report, .. } | RunError::AllRejected { report, .. }) => {
            Some(*report)
        }
        Err(e) => {
            actual.insert("error".into(), e.to_string().replace(&prefix, ""));
            None
        }
    };
    if let Some(report) = report {
        let acc: String = report
            .entities
            .iter()
            .map(|e| format!("{}\n", e.accounting()))
            .collect();
        actual.insert("accounting".into(), acc);
        for entry in std::fs::read_dir(&out_dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                actual.insert(name, text.replace(&prefix, ""));
            }
        }
    }
    for (line, name, want) in expected {
        match actual.get(&name) {
            None => failures.push(format!(
                "docs/cookbook.md:{line}: the run wrote no `{name}` (it gave: {})",
                actual.keys().cloned().collect::<Vec<_>>().join(", ")
            )),
            Some(got) if !same(&name, got, &want) => failures.push(format!(
                "docs/cookbook.md:{line}: `{name}` differs\n--- page\n{want}--- got\n{got}"
            )),
            Some(_) => {}
        }
    }
}

#[test]
fn cookbook_recipes_run_as_written() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cookbook.md");
    let md = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let blocks = fences(&md);
    let mut failures = Vec::new();
    let mut runs = 0;
    for (i, f) in blocks.iter().enumerate() {
        if f.info.split_whitespace().next() != Some("cmap") {
            continue;
        }
        if f.info.contains(" run") {
            runs += 1;
        }
        run_recipe(f, &blocks[i + 1..], &mut failures);
    }
    assert!(
        runs >= 5,
        "only {runs} runnable recipes in docs/cookbook.md"
    );
    assert!(
        failures.is_empty(),
        "{} cookbook recipes do not hold:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The recipes are in the canonical layout (`clerkmap fmt`).
#[test]
fn cookbook_mappings_are_formatted() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cookbook.md");
    let md = std::fs::read_to_string(&path).unwrap_or_default();
    for f in fences(&md) {
        if f.info.split_whitespace().next() != Some("cmap") {
            continue;
        }
        let formatted = clerkmap::syntax::format::format(&f.body)
            .unwrap_or_else(|d| panic!("docs/cookbook.md:{}: {}", f.line, d.message));
        assert_eq!(
            formatted, f.body,
            "docs/cookbook.md:{}: not in the canonical layout (clerkmap fmt)",
            f.line
        );
    }
}

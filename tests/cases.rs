//! File-based language cases: each `tests/cases/NAME/` holds a `mapping.cmap`, its input files
//! (the file stem is the input name: `articoli.ndjson` -> `--input articoli=...`) and optionally
//! `vars` (KEY=VALUE lines). A mapping that does not check snapshots its rendered diagnostics;
//! one that does snapshots every output file, the rejects and the accounting.

use std::collections::BTreeMap;
use std::path::Path;

use clerkmap::check::CompileOptions;
use clerkmap::check::check;
use clerkmap::diagnostic::{SourceFile, render_all};
use clerkmap::engine::{Abort, FeedOutput, Input, RunError, RunOptions, run};

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn run_case(mapping: &Path) -> String {
    let dir = mapping.parent().unwrap_or_else(|| panic!("no parent"));
    let src = SourceFile::new("mapping.cmap", read(mapping));
    let mut vars = BTreeMap::new();
    if dir.join("vars").exists() {
        for line in read(&dir.join("vars"))
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            let (k, v) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("vars line without `=`: {line}"));
            vars.insert(k.to_string(), v.to_string());
        }
    }
    let checked = match check(
        &src,
        &CompileOptions {
            vars,
            env: Some(Default::default()),
            // `now()`: the time `clerkmap test` runs cases at, 2025-01-01T00:00:00Z.
            now: Some(clerkmap::workflow::case::TEST_NOW),
            ..Default::default()
        },
    ) {
        Ok(c) => c,
        Err(diags) => return format!("== diagnostics\n{}", render_all(&diags, &src, false)),
    };
    let mut out = String::new();
    if !checked.warnings.is_empty() {
        out.push_str(&format!(
            "== warnings\n{}",
            render_all(&checked.warnings, &src, false)
        ));
    }
    let mut inputs = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if matches!(ext, "ndjson" | "json" | "csv" | "tsv" | "xml") {
            let name = p
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("")
                .to_string();
            inputs.push(Input::file(name, p.clone()));
        }
    }
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let opts = RunOptions {
        inputs,
        jobs: 2,
        chunk_size: 2,
        ..RunOptions::default()
    };
    let report = match run(&checked.program, &src, &opts, &FeedOutput::new(tmp.path())) {
        Ok(r) => r,
        Err(RunError::Aborted {
            abort: Abort::TooManyRejects { .. },
            report,
        }) => *report,
        Err(e) => {
            return format!("{out}== run error\n{e}\n").replace(&format!("{}/", dir.display()), "");
        }
    };
    let mut files: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for f in files {
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        // The report has timings; `.clerkmap` holds the output's generations.
        if name == "report.json" || name.starts_with('.') {
            continue;
        }
        let text = read(&f);
        let shown = match serde_json::from_str::<clerkmap::value::Value>(&text) {
            Ok(v) if name.ends_with(".json") => {
                serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
            }
            _ => text,
        };
        out.push_str(&format!("== {name}\n{shown}"));
    }
    out.push_str("== accounting\n");
    for e in &report.entities {
        assert!(e.balanced(), "accounting does not add up: {e:?}");
        out.push_str(&e.accounting());
        out.push('\n');
    }
    for s in &report.skipped {
        out.push_str(&format!("{}: skipped ({})\n", s.entity.name(), s.reason));
    }
    for w in &report.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out.replace(&format!("{}/", dir.display()), "")
}

#[test]
fn cases() {
    insta::glob!("cases/*/mapping.cmap", |path| {
        let snap = run_case(path);
        insta::assert_snapshot!(snap);
    });
}

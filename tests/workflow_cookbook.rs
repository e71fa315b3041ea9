//! Every recipe of `docs/cookbook.md` runs and gives what the page says.
//!
//! The page uses the conventions of `docs/language.md`: a ```` ```cmap run ```` block is a
//! mapping (its info string may add `var:KEY=VALUE` and `env:KEY=VALUE`), the blocks after it
//! marked `file=NAME.EXT` are its inputs (NAME is the input name), and the blocks marked
//! `output=FILE` hold what the run must write (`output=accounting`: the read = written +
//! filtered + rejected lines). A ```` ```cmap ```` block without `run` must check.

mod support_docs;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use clerkmap::check::CompileOptions;
use clerkmap::check::check;
use clerkmap::diagnostic::SourceFile;
use clerkmap::engine::RunOptions;
use support_docs::{Fence, fences, run_and_compare};

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
    let run_opts = RunOptions {
        jobs: 1,
        ..RunOptions::default()
    };
    run_and_compare(
        "docs/cookbook.md",
        &at,
        &checked,
        &src,
        rest,
        run_opts,
        failures,
    );
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

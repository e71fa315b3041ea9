//! The architecture, enforced: the layer table in README.md ("Architecture") says which module
//! sits on which layer; a module may import only from layers below its own. This test reads that
//! table and every file under `src/`, and fails on an import that goes up (which includes any
//! two modules importing each other), on a module the table does not place, and on terminal
//! concerns or pest outside the one layer allowed to use them.
//!
//! Test modules (`#[cfg(test)]`) are left out: a unit test may build its fixtures with a
//! higher layer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod support;

/// One source file: its path under `src/` and its text.
struct SourceText {
    path: String,
    text: String,
}

/// `module -> layer`, from the README's architecture table: rows `| N | `module` | ... |`.
fn layers(readme: &str) -> BTreeMap<String, usize> {
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with("Architecture"))
        .unwrap_or_else(|| panic!("README.md has no `## Architecture` section"));
    let mut out = BTreeMap::new();
    for line in section.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 {
            continue;
        }
        let (Ok(layer), Some(module)) = (
            cells[1].parse::<usize>(),
            cells[2].strip_prefix('`').and_then(|m| m.strip_suffix('`')),
        ) else {
            continue;
        };
        out.insert(module.to_string(), layer);
    }
    assert!(
        !out.is_empty(),
        "the Architecture section of README.md has no layer table"
    );
    out
}

fn read_sources(dir: &Path) -> Vec<SourceText> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        for entry in entries.flatten() {
            let p: PathBuf = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(SourceText {
                    path: rel,
                    text: support::read(&p),
                });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The module path of a file: `engine/run.rs` -> [engine, run]; `engine/mod.rs` -> [engine].
fn module_path(path: &str) -> Vec<String> {
    let mut parts: Vec<String> = path
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The code of a file without comments, string literals and `#[cfg(test)]` items, line
/// structure kept (so line numbers still point at the file).
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                out.push('"');
                let mut escaped = false;
                for d in chars.by_ref() {
                    if d == '\n' {
                        out.push('\n');
                    }
                    if escaped {
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == '"' {
                        break;
                    }
                }
                out.push('"');
            }
            _ => out.push(c),
        }
    }
    strip_test_items(&out)
}

/// Blanks every item that follows `#[cfg(test)]` (a `mod tests { ... }`, a helper fn).
fn strip_test_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(i) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        // The item ends at the `}` closing its first `{`, or at a `;` before any `{`.
        let mut depth = 0usize;
        let mut end = after.len();
        for (j, ch) in after.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = j + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = j + 1;
                    break;
                }
                _ => {}
            }
        }
        out.extend(
            after[..end]
                .chars()
                .map(|c| if c == '\n' { '\n' } else { ' ' }),
        );
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The top-level names a `{ ... }` group imports: `{a::b, c, d::{e, f}}` -> a, c, d.
fn group_names(group: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut depth = 0usize;
    let mut at_start = true;
    for (i, ch) in group.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => at_start = true,
            c if c.is_whitespace() => {}
            _ if at_start && depth == 0 => {
                names.push(ident_at(&group[i..]));
                at_start = false;
            }
            _ => at_start = false,
        }
    }
    names
}

/// An import of `to` (a top-level module) by `file`, at `line`.
#[derive(Debug)]
struct Import {
    file: String,
    line: usize,
    from: String,
    to: String,
}

fn imports(files: &[SourceText]) -> Vec<Import> {
    let mut out = Vec::new();
    for f in files {
        let module = module_path(&f.path);
        let Some(from) = module.first().cloned() else {
            continue;
        };
        if from == "lib" || from == "main" {
            continue;
        }
        let code = code_only(&f.text);
        let mut push = |pos: usize, to: &str| {
            if !to.is_empty() && to != from && to != "self" {
                out.push(Import {
                    file: f.path.clone(),
                    line: code[..pos].matches('\n').count() + 1,
                    from: from.clone(),
                    to: to.to_string(),
                });
            }
        };
        for (pos, _) in code.match_indices("crate::") {
            if pos > 0 && code[..pos].ends_with('$') {
                continue;
            }
            let rest = &code[pos + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let mut depth = 1usize;
                let end = group
                    .char_indices()
                    .find(|&(_, c)| {
                        match c {
                            '{' => depth += 1,
                            '}' => depth -= 1,
                            _ => {}
                        }
                        depth == 0
                    })
                    .map_or(group.len(), |(i, _)| i);
                for name in group_names(&group[..end]) {
                    push(pos, name);
                }
            } else {
                push(pos, ident_at(rest));
            }
        }
        // `super::super::x` climbing out of the top-level module.
        for (pos, _) in code.match_indices("super::") {
            if pos > 0 && code[..pos].ends_with("super::") {
                continue;
            }
            let mut rest = &code[pos..];
            let mut ups = 0;
            while let Some(r) = rest.strip_prefix("super::") {
                ups += 1;
                rest = r;
            }
            // From a file module the first `super` is its parent module.
            if ups >= module.len() {
                push(pos, ident_at(rest));
            }
        }
    }
    out
}

/// Every import that goes up a layer (or sideways into another module of the same layer), and
/// every module the table does not place.
fn violations(layers: &BTreeMap<String, usize>, files: &[SourceText]) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        let Some(m) = module_path(&f.path).first().cloned() else {
            continue;
        };
        if m != "lib" && m != "main" && !layers.contains_key(&m) {
            out.push(format!(
                "src/{}: module `{m}` is not in README.md's layer table",
                f.path
            ));
        }
    }
    for i in imports(files) {
        let (Some(&a), Some(&b)) = (layers.get(&i.from), layers.get(&i.to)) else {
            continue;
        };
        if b >= a {
            out.push(format!(
                "src/{}:{}: `{}` (layer {a}) imports `{}` (layer {b}): a layer may only import from layers below it",
                i.file, i.line, i.from, i.to
            ));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Uses of something only one module may use (`what` in code outside `allowed`).
fn confined(files: &[SourceText], what: &[&str], allowed: &str) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        let m = module_path(&f.path);
        if m.first().is_some_and(|m| m == allowed || m == "main") {
            continue;
        }
        let code = code_only(&f.text);
        for (n, line) in code.lines().enumerate() {
            for w in what {
                let found = line.match_indices(w).any(|(i, _)| {
                    !line[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                });
                if found {
                    out.push(format!(
                        "src/{}:{}: `{w}` outside `{allowed}`",
                        f.path,
                        n + 1
                    ));
                }
            }
        }
    }
    out
}

fn project() -> (BTreeMap<String, usize>, Vec<SourceText>) {
    let root = support::root();
    let readme = support::read(&root.join("README.md"));
    (layers(&readme), read_sources(&root.join("src")))
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let (layers, files) = project();
    let v = violations(&layers, &files);
    assert!(v.is_empty(), "layering violations:\n{}", v.join("\n"));
}

#[test]
fn every_top_level_module_has_a_layer_and_the_table_has_no_stale_rows() {
    let (layers, files) = project();
    for module in layers.keys() {
        assert!(
            files
                .iter()
                .any(|f| module_path(&f.path).first() == Some(module)),
            "README.md's layer table lists `{module}`, which is not a module under src/"
        );
    }
}

#[test]
fn only_the_syntax_layer_touches_pest() {
    let (_, files) = project();
    let v = confined(&files, &["pest::", "pest_derive"], "syntax");
    assert!(v.is_empty(), "{}", v.join("\n"));
}

#[test]
fn terminal_concerns_live_in_the_cli_only() {
    let (_, files) = project();
    let v = confined(
        &files,
        &[
            "println!",
            "eprintln!",
            "print!(",
            "eprint!(",
            "process::exit",
            "indicatif",
            "IsTerminal",
            "tokio::signal",
            "NO_COLOR",
        ],
        "cli",
    );
    assert!(v.is_empty(), "{}", v.join("\n"));
}

/// The check itself: a reintroduced `engine -> sync` import (delivery below the engine) fails.
#[test]
fn an_upward_import_is_caught() {
    let (layers, mut files) = project();
    files.push(SourceText {
        path: "engine/guard_shortcut.rs".into(),
        text: "//! test\nuse crate::sync::state::State;\nfn f() { crate::cli::main(); }\n".into(),
    });
    files.push(SourceText {
        path: "eval/peek.rs".into(),
        text: "use crate::{value::Table, engine::{self, feed}};\n#[cfg(test)]\nmod tests { use crate::cli; }\n".into(),
    });
    let v = violations(&layers, &files);
    let joined = v.join("\n");
    assert!(
        joined.contains(
            "src/engine/guard_shortcut.rs:2: `engine` (layer 8) imports `sync` (layer 9)"
        ),
        "{joined}"
    );
    assert!(
        joined.contains("src/engine/guard_shortcut.rs:3: `engine`"),
        "{joined}"
    );
    assert!(
        joined.contains("src/eval/peek.rs:1: `eval` (layer 6) imports `engine` (layer 8)"),
        "{joined}"
    );
    assert!(
        !joined.contains("`value`"),
        "imports going down are fine: {joined}"
    );
    assert!(
        !joined.contains("imports `cli`") || joined.contains("guard_shortcut"),
        "{joined}"
    );
    assert_eq!(
        v.iter().filter(|l| l.contains("eval/peek.rs")).count(),
        1,
        "test modules are left out: {joined}"
    );
}

#[test]
fn groups_and_super_paths_are_read() {
    assert_eq!(group_names("a::b, c, d::{e, f}"), vec!["a", "c", "d"]);
    let files = vec![SourceText {
        path: "sync/serve/mod.rs".into(),
        text: "use super::super::workflow::x;\nuse super::state;\n".into(),
    }];
    let i = imports(&files);
    assert_eq!(i.len(), 1, "{i:?}");
    assert_eq!(
        (i[0].from.as_str(), i[0].to.as_str(), i[0].line),
        ("sync", "workflow", 1)
    );
}

//! Executable Markdown: fenced blocks of a page (docs/language.md, docs/cookbook.md) that hold a
//! mapping, its input files and the outputs the page promises.

use std::collections::BTreeMap;
use std::path::Path;

use clerkmap::check::Checked;
use clerkmap::diagnostic::SourceFile;
use clerkmap::engine::{FeedOutput, Input, RunError, RunOptions, run};
use clerkmap::value::Value;

/// A fenced code block: the line of its opening fence, its info string, its text.
pub struct Fence {
    pub line: usize,
    pub info: String,
    pub body: String,
}

/// Every fenced block of a page, in order.
pub fn fences(md: &str) -> Vec<Fence> {
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

/// `key=value` in a fence's info string.
pub fn info_attr<'a>(info: &'a str, key: &str) -> Option<&'a str> {
    info.split_whitespace()
        .find_map(|w| w.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

/// Compares an output file with the page's version of it: JSON by value, NDJSON line by line
/// by value, anything else as trimmed lines.
pub fn same_output(name: &str, got: &str, want: &str) -> bool {
    let json_lines = |s: &str| -> Option<Vec<Value>> {
        s.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).ok())
            .collect()
    };
    if name.ends_with(".ndjson") {
        return json_lines(got).is_some() && json_lines(got) == json_lines(want);
    }
    if name.ends_with(".json") {
        let g: Option<Value> = serde_json::from_str(got).ok();
        let w: Option<Value> = serde_json::from_str(want).ok();
        return g.is_some() && g == w;
    }
    let lines = |s: &str| {
        s.lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect::<Vec<_>>()
    };
    lines(got) == lines(want)
}

/// Runs a checked mapping on the input blocks that follow it (`file=NAME.EXT`, up to the next
/// mapping block) and compares what it wrote with the `output=FILE` blocks (`output=accounting`:
/// the read/written/filtered/rejected lines; `output=error`: the message of a run that stops).
/// `page` names the page in failure messages; `at` is the mapping block's place.
pub fn run_and_compare(
    page: &str,
    at: &str,
    checked: &Checked,
    src: &SourceFile,
    rest: &[Fence],
    run_opts: RunOptions,
    failures: &mut Vec<String>,
) {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("cannot create a temp dir: {e}"));
    let in_dir = tmp.path().join("in");
    let out_dir = tmp.path().join("out");
    std::fs::create_dir_all(&in_dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", in_dir.display()));
    let mut inputs = Vec::new();
    let mut expected = Vec::new();
    for b in rest.iter().take_while(|b| !b.info.starts_with("cmap")) {
        if let Some(file) = info_attr(&b.info, "file") {
            let p = in_dir.join(file);
            std::fs::write(&p, &b.body)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", p.display()));
            let name = Path::new(file)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or(file)
                .to_string();
            inputs.push(Input::file(name, p));
        } else if let Some(out) = info_attr(&b.info, "output") {
            expected.push((b.line, out.to_string(), b.body.clone()));
        }
    }
    if expected.is_empty() {
        failures.push(format!(
            "{at}: a `cmap run` block needs at least one `output=` block"
        ));
    }
    let run_opts = RunOptions { inputs, ..run_opts };
    let prefix = format!("{}/", in_dir.display());
    let mut actual: BTreeMap<String, String> = BTreeMap::new();
    let report = match run(&checked.program, src, &run_opts, &FeedOutput::new(&out_dir)) {
        Ok(r) => Some(r),
        Err(RunError::Aborted { report, .. }) => Some(*report),
        Err(e) => {
            actual.insert("error".into(), e.to_string().replace(&prefix, ""));
            None
        }
    };
    if let Some(report) = report {
        let mut acc = String::new();
        for e in &report.entities {
            acc.push_str(&e.accounting());
            acc.push('\n');
        }
        for s in &report.skipped {
            acc.push_str(&format!("{}: skipped ({})\n", s.entity.name(), s.reason));
        }
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
                "{page}:{line}: the run wrote no `{name}` (it gave: {})",
                actual.keys().cloned().collect::<Vec<_>>().join(", ")
            )),
            Some(got) if !same_output(&name, got, &want) => failures.push(format!(
                "{page}:{line}: `{name}` differs\n--- page\n{want}--- got\n{got}"
            )),
            Some(_) => {}
        }
    }
}

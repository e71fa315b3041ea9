//! `clerkmap test`: mapping test cases against their snapshots (see `workflow::case`).

use std::path::{Path, PathBuf};

use crate::json;
use crate::value::Value;
use clap::Args;

use super::term::{MessageFormat, Ui, plural};
use super::{Vars, config, exit, fail_closed, json};
use crate::diagnostic::{Diagnostic, SourceFile, render_all};
use crate::engine::report::shell_word;
use crate::workflow::case::{self, CaseRef};
use crate::workflow::diff::{self, Change, ChangeKind, Style};
use crate::workflow::runner::{self, Mode, Options};
use crate::workflow::{exec, snapshot};

/// The conventional folder of test cases when neither DIR nor `tests:` says.
pub const DEFAULT_TESTS_DIR: &str = "mappings/tests";

/// The help after the flags: what a case is, the exit codes.
fn test_help() -> String {
    format!(
        "\
A case is a YAML file (expected output in NAME.snap or NAME.json beside it) or a folder with
case.yaml: the mapping, its vars, the inputs (files, or records written inline) and the Clerk
records expected. See docs/cookbook.md and mappings/tests/.

{}",
        exit::help(exit::TEST)
    )
}

#[derive(Args, Debug, Clone)]
#[command(after_help = test_help())]
pub struct TestArgs {
    /// Folders of test cases, or case files (default: `tests:` of clerkmap.yaml, else mappings/tests/).
    pub paths: Vec<PathBuf>,
    /// Go through each difference and accept or reject it (answers are read from stdin).
    #[arg(long, conflicts_with = "accept")]
    pub review: bool,
    /// Accept every difference: the new outputs become the snapshots.
    #[arg(long)]
    pub accept: bool,
    /// Only the cases whose name contains this text.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// The project file whose `tests:` lists the cases (default: ./clerkmap.yaml if present).
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A case whose mapping has warnings fails (before any case runs): for CI.
    #[arg(long)]
    pub deny_warnings: bool,
    /// `json`: one JSON object per line on stdout for each case (its outcome and
    /// differences), then the totals.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = MessageFormat::Human, conflicts_with_all = ["review", "accept"])]
    pub message_format: MessageFormat,
    /// Run the cases again each time a case, a snapshot, a mapping, an input or the project
    /// file changes, the failing differences first (Ctrl-C stops).
    #[arg(long, conflicts_with = "review")]
    pub watch: bool,
}

/// The command that selects the same cases as `a` (its folders or files, `--filter`,
/// `--config`), for the hints to add `--review` or `--accept` to.
fn again(a: &TestArgs) -> String {
    let mut words = vec!["clerkmap".to_string(), "test".to_string()];
    words.extend(a.paths.iter().map(|p| shell_word(&p.to_string_lossy())));
    if let Some(f) = &a.filter {
        words.extend(["--filter".to_string(), shell_word(f)]);
    }
    if let Some(c) = &a.config {
        words.extend(["--config".to_string(), shell_word(&c.to_string_lossy())]);
    }
    words.join(" ")
}

/// What `test --watch` watches: the case folders (cases, snapshots, inline inputs), the
/// project file, and each case's mapping and input files.
fn watched(a: &TestArgs) -> super::watch::Watched {
    let mut w = super::watch::Watched::default();
    let project = a.config.clone().or_else(|| {
        Some(PathBuf::from(config::DEFAULT_FILE)).filter(|p| a.paths.is_empty() && p.is_file())
    });
    if let Some(p) = project {
        w.file(p);
    }
    for root in roots(a).unwrap_or_default() {
        if root.is_dir() {
            w.dir(&root);
        } else {
            w.file(&root);
        }
        for r in case::discover(&root).unwrap_or_default() {
            w.file(&r.file);
            let Ok(c) = case::load(&r) else { continue };
            if let Some(m) = &c.mapping {
                w.file(m);
            }
            w.file(&c.expect);
            for (_, i) in &c.inputs {
                if let case::InputData::File { path, .. } = i {
                    w.file(path);
                }
            }
        }
    }
    w
}

/// Where the cases are: the arguments, else the project file's `tests:`, else the convention.
fn roots(a: &TestArgs) -> Result<Vec<PathBuf>, String> {
    if !a.paths.is_empty() {
        return Ok(a.paths.clone());
    }
    let project = match &a.config {
        Some(p) => Some(p.clone()),
        None => Some(PathBuf::from(config::DEFAULT_FILE)).filter(|p| p.is_file()),
    };
    if let Some(p) = project {
        let proj = config::load(&p)?;
        let tests = proj.tests.paths();
        if !tests.is_empty() {
            return Ok(tests);
        }
        let base = p.parent().unwrap_or(Path::new(""));
        let conventional = base.join(DEFAULT_TESTS_DIR);
        if conventional.is_dir() {
            return Ok(vec![conventional]);
        }
        return Err(format!(
            "{}: no `tests:` key and no {} folder: add `tests: tests` (a folder of cases) to it, or pass the folder",
            p.display(),
            conventional.display()
        ));
    }
    let conventional = PathBuf::from(DEFAULT_TESTS_DIR);
    if conventional.is_dir() {
        return Ok(vec![conventional]);
    }
    Err(format!(
        "no test cases here: pass a folder of cases (`clerkmap test tests/`), add `tests:` to clerkmap.yaml, or create {DEFAULT_TESTS_DIR}/"
    ))
}

fn find(a: &TestArgs) -> Result<Vec<CaseRef>, String> {
    let mut all = Vec::new();
    for root in roots(a)? {
        let mut found = case::discover(&root)?;
        if found.is_empty() {
            return Err(format!(
                "{}: no test case in it (a case is a NAME.yaml file or a folder with case.yaml)",
                root.display()
            ));
        }
        all.append(&mut found);
    }
    if let Some(f) = &a.filter {
        all.retain(|c| c.name.contains(f.as_str()));
        if all.is_empty() {
            return Err(format!("no test case name contains `{f}`"));
        }
    }
    Ok(all)
}

/// A case refused before it runs: its mapping sets a variable it never reads, or has
/// warnings with `--deny-warnings`.
struct Refused {
    name: String,
    src: SourceFile,
    diags: Vec<Diagnostic>,
}

/// The cases whose mapping fails closed ([`fail_closed`], with the case's vars and environment).
fn refused(cases: &[CaseRef], deny_warnings: bool) -> Vec<Refused> {
    let mut out = Vec::new();
    for r in cases {
        // A case that cannot be loaded is the runner's to report.
        let Ok(c) = case::load(r).map(|c| c.at(super::now_given())) else {
            continue;
        };
        let Ok(src) = exec::mapping_source(&c) else {
            continue;
        };
        let vars = Vars {
            values: c.vars.clone(),
            origins: c
                .vars
                .keys()
                .map(|k| (k.clone(), format!("`vars.{k}` in {}", c.file.display())))
                .collect(),
            implicit: Vec::new(),
        };
        // A mapping with errors is the runner's to report, as it always was.
        let opts = crate::check::CompileOptions {
            vars: c.vars.clone(),
            env: Some(c.env.clone()),
            implicit_vars: Vec::new(),
            now: Some(c.now.unwrap_or(case::TEST_NOW)),
        };
        let Ok(checked) = crate::check::check(&src, &opts) else {
            continue;
        };
        if let Err(diags) = fail_closed(checked, &vars, deny_warnings) {
            out.push(Refused {
                name: r.name.clone(),
                src,
                diags,
            });
        }
    }
    out
}

pub(crate) fn cmd(a: TestArgs, ui: &Ui) -> u8 {
    if a.watch {
        return super::watch::watch(ui, || watched(&a), || test_once(a.clone(), ui));
    }
    test_once(a, ui)
}

/// One run of the cases (`--watch`: one of many).
fn test_once(a: TestArgs, ui: &Ui) -> u8 {
    let json = a.message_format == MessageFormat::Json;
    let cases = match find(&a) {
        Ok(c) => c,
        Err(e) => {
            if json {
                json::emit(&json!({"type": "error", "message": e}));
            } else {
                ui.error(e);
            }
            return exit::USAGE;
        }
    };
    let refused = refused(&cases, a.deny_warnings);
    let cases: Vec<CaseRef> = cases
        .into_iter()
        .filter(|c| !refused.iter().any(|r| r.name == c.name))
        .collect();
    if json {
        return cmd_json(&cases, &refused);
    }
    for r in &refused {
        ui.say(format!("test {} ... REFUSED", r.name));
        ui.diagnostics(&render_all(&r.diags, &r.src, ui.stderr_color()));
    }
    let mut code = run_cases(&a, ui, &cases);
    if !refused.is_empty() {
        let names: Vec<&str> = refused.iter().map(|r| r.name.as_str()).collect();
        ui.error(format!(
            "{} refused before running (see above): {}",
            plural(refused.len() as u64, "case"),
            names.join(", ")
        ));
        code = code.max(exit::FAILURE);
    }
    code
}

/// The cases through the runner: its report on stdout (with `-q`, only when a case fails).
fn run_cases(a: &TestArgs, ui: &Ui, cases: &[CaseRef]) -> u8 {
    if cases.is_empty() {
        return exit::OK;
    }
    let mode = if a.accept {
        Mode::Accept
    } else if a.review {
        Mode::Review
    } else {
        Mode::Check
    };
    let opts = Options {
        mode,
        style: Style {
            color: ui.stdout_color(),
        },
        now: super::now_given(),
        again: again(a),
    };
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    // Quiet: the report is kept, and shown only when something fails (a review must ask).
    // --watch: the report is kept too, and shown with its failures first.
    let hold = (ui.quiet() || a.watch) && mode != Mode::Review;
    let mut held = Vec::new();
    let result = if hold {
        runner::run(cases, opts, &mut input, &mut held)
    } else {
        let stdout = anstream::stdout();
        let mut out = super::term::Unread(stdout.lock());
        runner::run(cases, opts, &mut input, &mut out)
    };
    if a.watch && !ui.quiet() {
        ui.result(&failures_first(&String::from_utf8_lossy(&held)));
    }
    match result {
        Ok(sum) if sum.ok() => exit::OK,
        Ok(_) => {
            if hold && !a.watch {
                ui.result(&String::from_utf8_lossy(&held));
            } else if a.watch && ui.quiet() {
                ui.result(&failures_first(&String::from_utf8_lossy(&held)));
            }
            exit::FAILURE
        }
        Err(e) => {
            ui.error(e);
            exit::FAILURE
        }
    }
}

/// A test report with its `failures:` section (the differences) moved to the top, before the
/// line of each case and the result line: what `--watch` shows first.
fn failures_first(report: &str) -> String {
    let Some((cases, rest)) = report.split_once("\nfailures:\n") else {
        return report.to_string();
    };
    let (failures, result) = match rest.find("test result:") {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    format!(
        "failures:\n\n{}\n\n{}\n\n{result}",
        failures.trim(),
        cases.trim_end()
    )
}

/// `--message-format json`: each case's outcome (`ok`, `differs`, `no_snapshot`, `error`,
/// `refused`) with its differences, then the totals.
fn cmd_json(cases: &[CaseRef], refused: &[Refused]) -> u8 {
    let (mut passed, mut failed, mut errors) = (0u64, 0u64, 0u64);
    for r in refused {
        let diags: Vec<Value> = r
            .diags
            .iter()
            .map(|d| json::diagnostic(d, &r.src))
            .collect();
        json::emit(
            &json!({"type": "case", "name": r.name, "outcome": "refused", "diagnostics": diags}),
        );
        errors += 1;
    }
    for r in cases {
        let ran = case::load(r)
            .map(|c| c.at(super::now_given()))
            .and_then(|c| exec::execute(&c).map(|v| (c, v)))
            .and_then(|(c, v)| snapshot::read(&c.expect).map(|e| (c, v, e)));
        let line = match ran {
            Err(e) => {
                errors += 1;
                json!({"type": "case", "name": r.name, "outcome": "error", "message": e})
            }
            Ok((c, _, None)) => {
                failed += 1;
                json!({"type": "case", "name": r.name, "outcome": "no_snapshot", "snapshot": c.expect.display().to_string()})
            }
            Ok((c, actual, Some(expected))) => {
                let changes = diff::diff(&expected, &actual);
                let snapshot = c.expect.display().to_string();
                if changes.is_empty() {
                    passed += 1;
                    json!({"type": "case", "name": r.name, "outcome": "ok", "snapshot": snapshot})
                } else {
                    failed += 1;
                    let changes: Vec<Value> = changes.iter().map(change).collect();
                    json!({"type": "case", "name": r.name, "outcome": "differs", "snapshot": snapshot, "changes": changes})
                }
            }
        };
        json::emit(&line);
    }
    let ok = failed == 0 && errors == 0;
    json::emit(
        &json!({"type": "summary", "ok": ok, "passed": passed, "failed": failed, "errors": errors}),
    );
    if ok { exit::OK } else { exit::FAILURE }
}

/// A difference as JSON: its section, kind, record key, attributes (was/now), and the text
/// `clerkmap test` prints for it.
fn change(c: &Change) -> Value {
    let text = diff::render(c, Style { color: false });
    let (kind, key, attrs) = match &c.kind {
        ChangeKind::Added { key, .. } => ("added", Some(key), Vec::new()),
        ChangeKind::Removed { key, .. } => ("removed", Some(key), Vec::new()),
        ChangeKind::Changed { key, attrs, .. } => (
            "changed",
            Some(key),
            attrs
                .iter()
                .map(|a| json!({"attribute": a.attr, "was": a.old, "now": a.new}))
                .collect(),
        ),
        ChangeKind::Order { .. } => ("order", None, Vec::new()),
        ChangeKind::Section { .. } => ("section", None, Vec::new()),
    };
    json!({"section": c.section, "kind": kind, "key": key, "attributes": attrs, "text": text})
}

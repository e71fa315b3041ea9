//! The documentation is checked against the implementation:
//!
//! - `docs/functions.md` is generated from the function registry (`functions::families()`),
//!   and so are two sections of `docs/language.md` (the table of Clerk's contract and the index
//!   of the functions, between `<!-- BEGIN name ... -->` and `<!-- END name -->`);
//!   `UPDATE_DOCS=1 cargo test --test docs` rewrites them;
//! - every function has a section in functions.md, every special form (`var`, `env`, `map`) and
//!   every diagnostic code (a row of its table) is described in language.md;
//! - every example in `docs/language.md` runs and gives what the page says (see
//!   [`language_md_examples_hold`] for the annotations the page uses).

mod support_docs;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clerkmap::check::check;
use clerkmap::check::{CompileOptions, compile_expr};
use clerkmap::clerk::Entity;
use clerkmap::diagnostic::Code as codes;
use clerkmap::diagnostic::SourceFile;
use clerkmap::engine::RunOptions;
use clerkmap::eval::{Env, eval};
use clerkmap::functions::{self, Function, ParamKind};
use clerkmap::syntax::parse_expr;
use clerkmap::value::Table;
use clerkmap::value::Ty;
use clerkmap::value::Value;
use support_docs::{Fence, fences, run_and_compare};

fn doc_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(name)
}

fn read_doc(name: &str) -> String {
    let p = doc_path(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

// ---------------------------------------------------------------------------------------------
// docs/functions.md
// ---------------------------------------------------------------------------------------------

/// The heading of a function family.
fn family_title(family: &str) -> String {
    match family {
        "url" => "URL functions".to_string(),
        other => {
            let mut c = other.chars();
            match c.next() {
                Some(f) => format!("{}{} functions", f.to_uppercase(), c.as_str()),
                None => "Functions".to_string(),
            }
        }
    }
}

/// GitHub's anchor for a heading made of plain words.
fn anchor(title: &str) -> String {
    title
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// `s` as an inline code span, whatever backticks it holds.
fn code(s: &str) -> String {
    let s = s.replace('\n', " ");
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Text for a table cell: `|` escaped (also inside code spans, as GitHub wants it).
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn param_type(f: &Function, i: usize) -> String {
    let p = &f.params[i];
    if p.kind == ParamKind::Table {
        return "the name of a lookup table (`lookup NAME by ...`)".to_string();
    }
    p.ty.to_string()
}

/// Whether a list given as the first value argument is mapped element by element (the rule of
/// the compiler: the first value parameter does not itself take a list).
fn maps_over_lists(f: &Function) -> Option<&'static str> {
    f.params
        .iter()
        .find(|p| p.kind == ParamKind::Value)
        .filter(|p| !p.ty.intersects(Ty::LIST))
        .map(|p| p.name)
}

fn render_function(out: &mut String, f: &Function) {
    let _ = writeln!(out, "### `{}`\n", f.name);
    let _ = writeln!(out, "`{}` → {}\n", f.signature(), f.returns);
    let _ = writeln!(out, "{}\n", f.summary);
    for (i, p) in f.params.iter().enumerate() {
        let mut notes = Vec::new();
        if !p.required {
            notes.push("optional");
        }
        if f.variadic && i + 1 == f.params.len() {
            notes.push("repeatable");
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join(", "))
        };
        let _ = writeln!(out, "- `{}`: {}{notes}", p.name, param_type(f, i));
    }
    if let Some(p) = maps_over_lists(f) {
        let _ = writeln!(
            out,
            "\nA list given as `{p}` is mapped element by element; null results are dropped."
        );
    }
    let _ = writeln!(out, "\n| example | source | result |\n|---|---|---|");
    for ex in f.examples {
        let result = match ex.result {
            Ok(v) => code(v),
            Err(e) => format!("error: {}", code(e)),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            cell(ex.title),
            cell(&code(ex.source)),
            cell(&result)
        );
    }
    out.push('\n');
}

/// The section of language.md that describes a special form (`functions::SPECIAL`).
fn special_anchor(name: &str) -> String {
    match name {
        "var" | "env" => "variables".to_string(),
        other => other.to_string(),
    }
}

/// The whole of `docs/functions.md`.
fn render_functions_md() -> String {
    let mut out = String::new();
    out.push_str(
        "<!-- Generated by tests/docs.rs from the function registry (src/functions). \
         Do not edit by hand: run `UPDATE_DOCS=1 cargo test --test docs`. -->\n\n",
    );
    out.push_str("# clerkmap built-in functions\n\n");
    out.push_str(
        "Every function of the mapping language, by family. The language itself (paths, \
         operators, pipes, null handling) is described in [language.md](language.md).\n\n\
         How to read this page:\n\n\
         - The signature lists the parameters; `?` marks an optional one, `...` one that may \
         repeat. The type after `→` is what the function returns.\n\
         - `x | f(a)` is the same call as `f(x, a)`: the value before `|` is the first argument. \
         For the lookup functions the piped value is the key, not the table: \
         `.codice | children(categorie)` is `children(categorie, .codice)`.\n\
         - Unless a function says otherwise, a null first argument gives null, so a missing \
         input field flows through a chain of pipes and the attribute is left out.\n\
         - Every example is run by the test suite (`tests/function_examples.rs`). A result is \
         the JSON the expression gives; an error row shows (part of) the message of the error: \
         at check time when the arguments are constants, otherwise the reason the record is \
         rejected.\n\
         - The examples of lookup functions use a table `categorie` declared as \
         `lookup categorie by .codice parent .codicePadre`, with rows `ABB` (a root), \
         `ABB.FEL` (parent `ABB`), `ABB.FEL.U` (parent `ABB.FEL`), `ABB.MAG` (parent `ABB`) and \
         `CAL` (a root); each row is `{codice, codicePadre, nome}` with `nome` the code in lower \
         case; a second row under `CAL` (read by `lookup_all`) has `nome` `cal 2`.\n",
    );
    let specials: Vec<String> = functions::SPECIAL
        .iter()
        .map(|name| format!("[`{name}`](language.md#{})", special_anchor(name)))
        .collect();
    let _ = writeln!(
        out,
        "- {} are part of the language rather than functions of this list: see \
         [language.md](language.md).\n",
        specials.join(", ")
    );
    out.push_str("## Contents\n\n");
    for (family, fs) in functions::families() {
        let title = family_title(family);
        let names: Vec<String> = fs
            .iter()
            .map(|f| format!("[`{0}`](#{0})", f.name))
            .collect();
        let _ = writeln!(
            out,
            "- [{title}](#{}): {}",
            anchor(&title),
            names.join(", ")
        );
    }
    out.push('\n');
    for (family, fs) in functions::families() {
        let _ = writeln!(out, "## {}\n", family_title(family));
        for f in fs {
            render_function(&mut out, f);
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[test]
fn functions_md_is_up_to_date() {
    let want = render_functions_md();
    let path = doc_path("functions.md");
    if updating() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        }
        std::fs::write(&path, &want)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        let line = have
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || have.lines().count().min(want.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "docs/functions.md is out of date with the function registry (first difference at \
             line {line}): run `UPDATE_DOCS=1 cargo test --test docs` and commit the result"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// docs/language.md: generated sections
// ---------------------------------------------------------------------------------------------

/// Whether the test run should rewrite the generated documentation.
fn updating() -> bool {
    std::env::var("UPDATE_DOCS").is_ok_and(|v| v == "1")
}

/// The table of the five Clerk types, their attributes and value kinds.
fn render_contract_table() -> String {
    let mut out = String::from("| type | attribute | required | value |\n|---|---|---|---|\n");
    for entity in Entity::ALL {
        for (i, f) in entity.fields().iter().enumerate() {
            let ty = if i == 0 {
                format!("`{}`", entity.name())
            } else {
                String::new()
            };
            let required = if f.required { "required" } else { "optional" };
            let _ = writeln!(
                out,
                "| {ty} | `{}` | {required} | {} |",
                f.name,
                cell(f.kind.describe())
            );
        }
    }
    out
}

/// The list of the built-in functions by family, each linked to its section of functions.md.
fn render_function_index() -> String {
    let mut out = String::new();
    for (family, fs) in functions::families() {
        let title = family_title(family);
        let names: Vec<String> = fs
            .iter()
            .map(|f| format!("[`{0}`](functions.md#{0})", f.name))
            .collect();
        let _ = writeln!(
            out,
            "- [{title}](functions.md#{}): {}",
            anchor(&title),
            names.join(", ")
        );
    }
    out
}

/// Replaces the text between `<!-- BEGIN name ... -->` and `<!-- END name -->` in `md`.
/// Err when the markers are missing.
fn replace_section(md: &str, name: &str, content: &str) -> Result<String, String> {
    let begin = format!("<!-- BEGIN {name} ");
    let end = format!("<!-- END {name} -->");
    let start = md
        .find(&begin)
        .and_then(|b| md[b..].find("-->\n").map(|e| b + e + "-->\n".len()))
        .ok_or_else(|| format!("docs/language.md has no `{begin}... -->` line"))?;
    let stop = md[start..]
        .find(&end)
        .map(|e| start + e)
        .ok_or_else(|| format!("docs/language.md has no `{end}` line"))?;
    Ok(format!("{}{content}{}", &md[..start], &md[stop..]))
}

/// The sections of docs/language.md generated from the code: the table of Clerk's contract and
/// the index of the functions.
/// docs/language.md with its generated sections brought up to date.
fn generated_language_md() -> String {
    let sections = [
        ("contract", render_contract_table()),
        ("functions", render_function_index()),
    ];
    let mut md = read_doc("language.md");
    for (name, content) in &sections {
        md = replace_section(&md, name, content).unwrap_or_else(|e| panic!("{e}"));
    }
    md
}

#[test]
fn language_md_generated_sections_are_up_to_date() {
    let path = doc_path("language.md");
    let md = read_doc("language.md");
    let want = generated_language_md();
    if want == md {
        return;
    }
    if updating() {
        std::fs::write(&path, want)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    panic!(
        "the generated sections of docs/language.md (the table of Clerk's contract, the list of \
         functions) are out of date with the code: run `UPDATE_DOCS=1 cargo test --test docs` \
         and commit the result"
    );
}

#[test]
fn every_function_and_code_is_documented() {
    // With UPDATE_DOCS=1 the files are being rewritten by the other tests: check what they get.
    let (functions_md, language_md) = if updating() {
        (render_functions_md(), generated_language_md())
    } else {
        (read_doc("functions.md"), read_doc("language.md"))
    };
    let mut missing = Vec::new();
    for f in functions::all() {
        if !functions_md.contains(&format!("### `{}`\n", f.name)) {
            missing.push(format!("docs/functions.md has no section for `{}`", f.name));
        }
        if !language_md.contains(&format!("[`{}`](functions.md#{})", f.name, f.name)) {
            missing.push(format!(
                "docs/language.md does not list `{0}` ([`{0}`](functions.md#{0}))",
                f.name
            ));
        }
    }
    for name in functions::SPECIAL {
        let heading = format!("### `{name}`");
        let anchor = special_anchor(name);
        let described = if anchor == *name {
            language_md.contains(&heading)
        } else {
            language_md.contains(&format!("`{name}(\""))
        };
        if !described {
            missing.push(format!(
                "docs/language.md does not describe the special form `{name}` (section #{anchor})"
            ));
        }
    }
    for (code, title, _) in codes::ALL {
        if !language_md.contains(&format!("| `{code}` | {title} |")) {
            missing.push(format!(
                "docs/language.md has no row `| `{code}` | {title} |` in its table of diagnostic codes"
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// docs/language.md examples
// ---------------------------------------------------------------------------------------------

/// The fixture table of the function examples (see `functions::Example`).
fn categorie() -> Table {
    clerkmap::functions::example_table()
}

/// What evaluating one expression gave.
enum Got {
    Value(Value),
    /// Check-time diagnostics (their codes).
    Check(Vec<String>),
    /// A run-time error (the record would be rejected with this reason).
    Runtime(String),
}

fn eval_one(src: &str, record: &Value, tables: &[Table]) -> Result<Got, String> {
    let expr = match parse_expr(src) {
        Ok(e) => e,
        Err(d) => return Ok(Got::Check(vec![d.code.to_string()])),
    };
    let opts = CompileOptions {
        vars: BTreeMap::new(),
        env: Some(HashMap::new()),
        now: Some(clerkmap::workflow::case::TEST_NOW),
        ..Default::default()
    };
    let compiled = match compile_expr(&expr, &["categorie"], &opts) {
        Ok(c) => c,
        Err(diags) => {
            let mut codes: Vec<String> = diags
                .iter()
                .filter(|d| d.is_error())
                .map(|d| d.code.to_string())
                .collect();
            codes.dedup();
            return Ok(Got::Check(codes));
        }
    };
    let env = Env {
        slots: clerkmap::eval::Slots::NONE,
        rows: &[],
        tables,
        reads: None,
        bound: None,
    };
    Ok(match eval(&compiled, record, &env) {
        Ok(v) => Got::Value(v),
        Err(e) => Got::Runtime(e.message),
    })
}

/// A ```` ```cmap eval ```` block: lines `EXPRESSION  # => RESULT`, where RESULT is JSON,
/// `error: TEXT` (a run-time error containing TEXT) or `error E008` (the checker refuses it
/// with that code). A line `# record: {JSON}` sets the record `.` for the lines after it; other
/// comment lines are ignored.
fn check_eval_block(f: &Fence, tables: &[Table], failures: &mut Vec<String>) {
    let mut record = Value::Object(Default::default());
    for (i, line) in f.body.lines().enumerate() {
        let at = format!("docs/language.md:{}", f.line + 1 + i);
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(json) = t.strip_prefix("# record:") {
            match serde_json::from_str(json.trim()) {
                Ok(v) => record = v,
                Err(e) => failures.push(format!("{at}: bad record JSON: {e}")),
            }
            continue;
        }
        let Some((src, want)) = t.split_once("# =>") else {
            if !t.starts_with('#') {
                failures.push(format!("{at}: an eval line needs `# => RESULT`: {t}"));
            }
            continue;
        };
        let (src, want) = (src.trim(), want.trim());
        let got = match eval_one(src, &record, tables) {
            Ok(g) => g,
            Err(e) => {
                failures.push(format!("{at}: {e}"));
                continue;
            }
        };
        let ok = match (&got, want) {
            (Got::Check(codes), w) if w.starts_with("error E") => w
                .trim_start_matches("error ")
                .split(',')
                .map(str::trim)
                .eq(codes.iter().map(String::as_str)),
            (Got::Runtime(msg), w) if w.starts_with("error:") => {
                msg.contains(w.trim_start_matches("error:").trim())
            }
            (Got::Value(v), w) => match serde_json::from_str::<Value>(w) {
                Ok(expected) => expected == *v,
                Err(_) => false,
            },
            _ => false,
        };
        if !ok {
            let shown = match got {
                Got::Value(v) => v.to_string(),
                Got::Check(c) => format!("error {}", c.join(",")),
                Got::Runtime(m) => format!("error: {m}"),
            };
            failures.push(format!(
                "{at}: `{src}`\n    doc says {want}\n    got      {shown}"
            ));
        }
    }
}

/// Options of a ```` ```cmap ```` block, from the words of its info string: `run`,
/// `fails=E004,E010` (the checker must report exactly these codes), `warns=W002` (it passes
/// with exactly these warnings), `var:KEY=VALUE`, `env:KEY=VALUE`.
#[derive(Default)]
struct CmapOpts {
    run: bool,
    fails: Vec<String>,
    warns: Vec<String>,
    vars: BTreeMap<String, String>,
    env: HashMap<String, String>,
}

fn cmap_opts(info: &str) -> Result<CmapOpts, String> {
    let mut o = CmapOpts::default();
    for w in info.split_whitespace().skip(1) {
        let list = |s: &str| s.split(',').map(str::to_string).collect::<Vec<_>>();
        if w == "run" {
            o.run = true;
        } else if let Some(c) = w.strip_prefix("fails=") {
            o.fails = list(c);
        } else if let Some(c) = w.strip_prefix("warns=") {
            o.warns = list(c);
        } else if let Some((k, v)) = w.strip_prefix("var:").and_then(|kv| kv.split_once('=')) {
            o.vars.insert(k.to_string(), v.to_string());
        } else if let Some((k, v)) = w.strip_prefix("env:").and_then(|kv| kv.split_once('=')) {
            o.env.insert(k.to_string(), v.to_string());
        } else {
            return Err(format!("unknown word `{w}` in the info string `{info}`"));
        }
    }
    Ok(o)
}

/// The value of `key=` among the words of an info string.
/// Checks (and with `run`, runs) one mapping block. `rest` holds the blocks after it: the
/// inputs (`file=NAME.EXT`) and expected outputs (`output=FILE`, `output=accounting`,
/// `output=error`) up to the next mapping block.
fn check_cmap_block(f: &Fence, rest: &[Fence], failures: &mut Vec<String>) {
    let at = format!("docs/language.md:{}", f.line);
    let opts = match cmap_opts(&f.info) {
        Ok(o) => o,
        Err(e) => {
            failures.push(format!("{at}: {e}"));
            return;
        }
    };
    let src = SourceFile::new("mapping.cmap", f.body.clone());
    // The examples run at the time test cases run at: 2025-01-01T00:00:00Z.
    let copts = CompileOptions {
        vars: opts.vars.clone(),
        env: Some(opts.env.clone()),
        now: Some(clerkmap::workflow::case::TEST_NOW),
        ..Default::default()
    };
    let result = check(&src, &copts);
    let codes_of = |ds: &[clerkmap::diagnostic::Diagnostic]| {
        let mut c: Vec<String> = ds.iter().map(|d| d.code.to_string()).collect();
        c.sort();
        c.dedup();
        c
    };
    let mut fails = opts.fails.clone();
    fails.sort();
    let mut warns = opts.warns.clone();
    warns.sort();
    let checked = match result {
        Err(diags) => {
            let got = codes_of(&diags);
            let mut want = fails.clone();
            want.extend(warns.iter().cloned());
            want.sort();
            if fails.is_empty() || got != want {
                let msgs: Vec<String> = diags.iter().map(|d| d.short(&src)).collect();
                failures.push(format!(
                    "{at}: the mapping does not check (doc expects {want:?}):\n    {}",
                    msgs.join("\n    ")
                ));
            }
            return;
        }
        Ok(c) => c,
    };
    if !fails.is_empty() {
        failures.push(format!(
            "{at}: the doc says the checker refuses it with {fails:?}, but it passes"
        ));
        return;
    }
    let got_warns = codes_of(&checked.warnings);
    if got_warns != warns {
        failures.push(format!(
            "{at}: warnings {got_warns:?}, the doc expects {warns:?}"
        ));
    }
    if !opts.run {
        return;
    }
    let run_opts = RunOptions {
        jobs: 2,
        chunk_size: 2,
        ..RunOptions::default()
    };
    run_and_compare(
        "docs/language.md",
        &at,
        &checked,
        &src,
        rest,
        run_opts,
        failures,
    );
}

/// Every example of `docs/language.md` holds. The page marks them with the info string of
/// their fence:
///
/// - ```` ```cmap ```` a mapping file: it must check (no error, no warning);
///   ```` ```cmap fails=E009 ```` it must be refused with exactly these codes;
///   ```` ```cmap warns=W002 ```` it must check with exactly these warnings;
///   `var:KEY=VALUE` and `env:KEY=VALUE` set variables;
/// - ```` ```cmap run ```` the mapping is also run, on the blocks after it marked
///   `file=NAME.EXT` (the input named NAME), and the blocks marked `output=FILE` must match
///   what it wrote (`output=accounting`: the read/written/filtered/rejected counts;
///   `output=error`: the message of a run that stops);
/// - ```` ```cmap eval ```` expressions and their values, see [`check_eval_block`].
///
/// Other fences (`text`, `sh`, ...) are not checked.
#[test]
fn language_md_examples_hold() {
    let md = read_doc("language.md");
    let blocks = fences(&md);
    let tables = [categorie()];
    let mut failures = Vec::new();
    let mut count = 0;
    for (i, f) in blocks.iter().enumerate() {
        let lang = f.info.split_whitespace().next().unwrap_or("");
        if lang != "cmap" {
            continue;
        }
        count += 1;
        if f.info.split_whitespace().nth(1) == Some("eval") {
            check_eval_block(f, &tables, &mut failures);
        } else {
            check_cmap_block(f, &blocks[i + 1..], &mut failures);
        }
    }
    assert!(
        count > 10,
        "only {count} examples found in docs/language.md"
    );
    assert!(
        failures.is_empty(),
        "{} docs/language.md examples do not hold:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

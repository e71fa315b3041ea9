//! `clerkmap eval EXPR`: one expression on one record, its value, its type and (`--trace`)
//! each step; the session set-up `repl` shares (mapping, vars, inputs).

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use clap::Args;

use super::term::Ui;
use super::{Vars, diagnose, exit, is_stdin, load_mapping, parse_pair};
use crate::check::CompileOptions;
use crate::diagnostic::{SourceFile, render_all};
use crate::engine::{Format, Input};
use crate::value::{Ty, elide};
use crate::workflow::evaluate::{
    Compiled, Evaluation, Mapping, Pick, Record, Session, SessionError, TableState, one_object,
    stdin_input,
};

/// The flags `eval` and `repl` share: the context of the expressions.
#[derive(Args, Debug, Clone, Default)]
pub struct ContextArgs {
    /// A mapping whose `let`s, `fn`s and lookup tables the expressions see (with its
    /// `--var`s and `now()`); without it, only the built-in functions.
    #[arg(short, long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// An input: records come from the first one, the mapping's lookup tables from theirs.
    /// `NAME=` may be left out (the name is then the file's stem); `eval` reads standard
    /// input for `-` or `NAME=-` (a JSON object, a JSON array or NDJSON). A `.json` file
    /// holding one object is that one record.
    #[arg(short, long = "input", value_name = "NAME=PATH", value_parser = parse_input)]
    pub inputs: Vec<(String, String)>,
    /// The format of an input whose extension does not tell.
    #[arg(long = "input-format", value_name = "NAME=FORMAT", value_parser = parse_pair)]
    pub input_formats: Vec<(String, String)>,
    /// Set a mapping variable, read with var("KEY", default).
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_pair)]
    pub vars: Vec<(String, String)>,
}

#[derive(Args, Debug)]
#[command(after_help = format!("\
Examples:
  clerkmap eval '.titolo | trim' --input articoli=mappings/sample/articoli.ndjson --id GON000002
  echo '{{\"prezzo\": \"12,50\"}}' | clerkmap eval '.prezzo | decimal' --trace
  clerkmap eval 'ancestors(categorie, .categoriaMerceologica)' --mapping mappings/passweb.cmap \\
      --input articoli=mappings/sample/articoli.ndjson --input categorie=mappings/sample/categorie.csv

Which record: the first of the input, `--record N`, or `--id ID`: with --mapping, the id its
block gives the record (a lookup table's row: its key); else the record's `id` field, or its
first field when it has none. Without --input, a record piped on standard input; else `.` is
null.\n\n{}", super::exit::help(exit::EVAL)))]
pub struct EvalArgs {
    /// The expression, in the mapping language (`.titolo | trim`).
    pub expr: String,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Take the record from this input (default: the first --input).
    #[arg(long, value_name = "NAME")]
    pub from: Option<String>,
    /// The record with this id.
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// The N-th record of the input (1-based; in a grouped block of the mapping, the N-th
    /// group).
    #[arg(long, value_name = "N", conflicts_with = "id", value_parser = clap::value_parser!(u64).range(1..))]
    pub record: Option<u64>,
    /// Show each step: the sub-expressions evaluated, in order, with their values.
    #[arg(long)]
    pub trace: bool,
}

/// `NAME=PATH`, `-` (standard input, named `stdin`) or `PATH` (named after the file's stem).
pub(super) fn parse_input(s: &str) -> Result<(String, String), String> {
    if s == "-" {
        return Ok(("stdin".into(), "-".into()));
    }
    if s.contains('=') {
        return parse_pair(s);
    }
    let stem = Path::new(s)
        .file_stem()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| format!("expected NAME=PATH, got `{s}`"))?;
    Ok((stem.to_string(), s.to_string()))
}

/// The inputs of the flags, in their order; one on standard input is read now.
pub(super) fn inputs(
    pairs: &[(String, String)],
    formats: &[(String, String)],
) -> Result<Vec<Input>, (u8, String)> {
    let usage = |e: String| (exit::USAGE, e);
    let mut out = Vec::new();
    for (name, _) in formats {
        if !pairs.iter().any(|(n, _)| n == name) {
            return Err(usage(format!(
                "--input-format {name}=...: there is no --input {name}=PATH"
            )));
        }
    }
    for (name, path) in pairs {
        let format = match formats.iter().rev().find(|(n, _)| n == name) {
            Some((_, f)) => Some(Format::parse_named("--input-format", f).map_err(usage)?),
            None => None,
        };
        let path = PathBuf::from(path);
        if is_stdin(&path) {
            out.push(stdin_input(name, read_stdin()?, format));
            continue;
        }
        if !path.exists() {
            return Err((
                exit::INPUT,
                format!("--input {name}={}: no such file", path.display()),
            ));
        }
        let stated = format.is_some();
        let input = Input::file(name.clone(), &path).with_format(format);
        if input.resolved_format().is_none() {
            return Err(usage(format!(
                "cannot tell the format of `{}` from its extension ({}): give it with --input-format {name}=FORMAT (the formats: {})",
                path.display(),
                crate::engine::input::EXTENSIONS,
                crate::engine::input::FORMAT_NAMES
            )));
        }
        // A `.json` file of one record (`{...}`, not an array of them) is that record, as on
        // standard input: `eval` and `repl` look at one record at a time.
        if !stated
            && matches!(input.resolved_format(), Some(Format::Json))
            && starts_with_brace(&path)
            && let Ok(bytes) = std::fs::read(&path)
            && let Some(one) = one_object(name, &path.display().to_string(), &bytes)
        {
            out.push(one);
            continue;
        }
        out.push(input);
    }
    Ok(out)
}

/// Whether the file's first non-blank byte is `{` (read from its first kilobytes only).
fn starts_with_brace(path: &Path) -> bool {
    let mut head = [0u8; 4096];
    let Ok(n) = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)) else {
        return false;
    };
    head[..n].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

fn read_stdin() -> Result<Vec<u8>, (u8, String)> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| (exit::INPUT, format!("cannot read standard input: {e}")))?;
    Ok(bytes)
}

/// A mapping checked for a session: the mapping (none without a path), the options it was
/// checked with, and its warnings drawn; or what is wrong with it, drawn (`color`: ANSI).
pub(super) type CheckedMapping = Result<(Option<Mapping>, CompileOptions, String), String>;

/// Reads and checks the mapping at `path` (none: the built-ins only) with the `--var`s.
pub(super) fn check_mapping(
    path: Option<&Path>,
    flags: &[(String, String)],
    color: bool,
) -> CheckedMapping {
    let mut vars = Vars::from_flags(flags);
    // A var the mapping never reads may be the expression's (`var("x", 1)`): no error.
    vars.implicit = vars.values.keys().cloned().collect();
    let opts = CompileOptions {
        vars: vars.values.clone(),
        env: None,
        implicit_vars: vars.implicit.clone(),
        now: Some(super::now()),
    };
    let Some(path) = path else {
        return Ok((None, opts, String::new()));
    };
    let src = load_mapping(Some(path)).map_err(|e| format!("error: {e}\n"))?;
    let c = diagnose(&src, &vars, false).map_err(|d| render_all(&d, &src, color))?;
    let warnings = if c.warnings.is_empty() {
        String::new()
    } else {
        render_all(&c.warnings, &src, color)
    };
    let m = Mapping::new(src.clone(), c.program).map_err(|d| render_all(&d, &src, color))?;
    Ok((Some(m), opts, warnings))
}

/// The mapping of `--mapping`, checked (its diagnostics printed on stderr), with the options
/// it was checked with.
pub(super) fn mapping(
    ui: &Ui,
    path: Option<&Path>,
    flags: &[(String, String)],
) -> Result<(Option<Mapping>, CompileOptions), u8> {
    match check_mapping(path, flags, ui.stderr_color()) {
        Ok((m, opts, warnings)) => {
            if !warnings.is_empty() && !ui.quiet() {
                ui.diagnostics(&warnings);
            }
            Ok((m, opts))
        }
        Err(drawn) => {
            ui.diagnostics(&drawn);
            Err(exit::USAGE)
        }
    }
}

/// A session error as the command line says it, with its exit code.
pub(super) fn describe(e: &SessionError) -> (u8, String) {
    match e {
        SessionError::Run(e) => (super::run::code_of(e), super::run::describe(e)),
        SessionError::Message(m) => (exit::INPUT, m.clone()),
    }
}

pub(crate) fn cmd(a: EvalArgs, ui: &Ui) -> u8 {
    match eval(a, ui) {
        Ok(code) => code,
        Err((code, message)) => {
            ui.error(message);
            code
        }
    }
}

fn eval(a: EvalArgs, ui: &Ui) -> Result<u8, (u8, String)> {
    let c = &a.context;
    let (mapping, opts) = match mapping(ui, c.mapping.as_deref(), &c.vars) {
        Ok(m) => m,
        Err(code) => return Ok(code),
    };
    if c.mapping.as_deref().is_some_and(is_stdin)
        && c.inputs.iter().any(|(_, p)| is_stdin(Path::new(p)))
    {
        return Err((
            exit::USAGE,
            "the mapping and an input cannot both be read from standard input".into(),
        ));
    }
    let mut pairs = c.inputs.clone();
    // A record piped in, when no input is named.
    let piped = pairs.is_empty()
        && !std::io::stdin().is_terminal()
        && c.mapping.as_deref().is_none_or(|p| !is_stdin(p));
    if piped {
        pairs.push(("stdin".into(), "-".into()));
    }
    let inputs = inputs(&pairs, &c.input_formats)?;
    let empty_stdin = piped && inputs.first().is_some_and(is_empty);
    let session = Session::new(mapping, opts, inputs).map_err(|e| describe(&e))?;
    let pick = match (&a.id, a.record) {
        (Some(id), _) => Pick::Id(id.clone()),
        (None, Some(n)) => Pick::Position(n),
        (None, None) => Pick::First,
    };
    let record = if session.inputs.is_empty() || empty_stdin {
        if pick != Pick::First {
            return Err((
                exit::USAGE,
                "--id and --record need an --input (or a record on standard input)".into(),
            ));
        }
        None
    } else {
        Some(
            session
                .pick(a.from.as_deref(), &pick)
                .map_err(|e| describe(&e))?,
        )
    };
    if let Some(r) = &record {
        ui.note(place(r));
    }
    let grouped = record.as_ref().is_some_and(|r| r.grouped);
    let compiled = match session.compile(&a.expr, grouped) {
        Ok(c) => c,
        Err(e) => {
            ui.diagnostics(&render_all(&e.diagnostics, &e.src, ui.stderr_color()));
            return Ok(exit::USAGE);
        }
    };
    warnings(ui, &session, &compiled);
    let x = session.evaluate(&compiled, record.as_ref(), a.trace);
    if a.trace {
        ui.result(&render_steps(&x));
    }
    match &x.value {
        Ok(_) => {
            ui.result(&render_value(&x, &compiled));
            Ok(exit::OK)
        }
        Err(e) => {
            ui.diagnostics(&render_failure(&e.message, e.span, &compiled.src));
            Ok(exit::EVAL_FAILED)
        }
    }
}

/// Whether an input holds no byte (standard input with nothing piped in).
fn is_empty(i: &Input) -> bool {
    match &i.origin {
        crate::engine::Origin::Memory { bytes, .. } => bytes.iter().all(u8::is_ascii_whitespace),
        _ => false,
    }
}

/// `record: FILE line N (id X)`.
pub(super) fn place(r: &Record) -> String {
    match &r.id {
        Some(id) => format!("record: {} (id {id})", r.place),
        None => format!("record: {}", r.place),
    }
}

/// An expression's warnings, on stderr.
fn warnings(ui: &Ui, session: &Session, c: &Compiled) {
    if !c.snippet.warnings.is_empty() && !ui.quiet() {
        ui.diagnostics(&render_all(&c.snippet.warnings, &c.src, ui.stderr_color()));
    }
    for t in session.empty_tables(c) {
        ui.warning(empty_table(&t, "--input"));
    }
}

/// The warning for a lookup table whose input is not given; `how`: `--input` or `:input`.
pub(super) fn empty_table(t: &TableState, how: &str) -> String {
    format!(
        "lookup {} is empty: give its rows with {how} {}=PATH",
        crate::engine::table_read_from(&t.name, &t.input),
        t.input
    )
}

/// The value (pretty JSON) and its type: `type: string`, with the checker's type when it
/// says more (`type: string (checked: string or null)`).
pub(super) fn render_value(x: &Evaluation, c: &Compiled) -> String {
    let Ok(v) = &x.value else {
        return String::new();
    };
    let json = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    let ty = Ty::of(v);
    let checked = c.snippet.ty;
    if checked == ty {
        format!("{json}\ntype: {ty}\n")
    } else {
        format!("{json}\ntype: {ty} (checked: {checked})\n")
    }
}

/// The steps of a trace, one a line, nested ones indented: `  .prezzo = "12,50"`.
pub(super) fn render_steps(x: &Evaluation) -> String {
    let mut out = String::from("trace:\n");
    for s in &x.steps {
        let indent = "  ".repeat(1 + s.depth);
        let text = elide(&s.text, 60, "...");
        match &s.value {
            Ok(v) => out.push_str(&format!(
                "{indent}{text} = {} ({})\n",
                elide(&v.to_string(), 80, "..."),
                Ty::of(v)
            )),
            Err(e) => out.push_str(&format!("{indent}{text} failed: {e}\n")),
        }
    }
    out
}

/// An evaluation failure, pointing into the expression:
/// ```text
/// error: decimal: cannot read "x" as a number
///   .prezzo | decimal
///             ^^^^^^^
/// ```
pub(super) fn render_failure(
    message: &str,
    span: Option<crate::diagnostic::Span>,
    src: &SourceFile,
) -> String {
    let mut out = format!("error: {message}\n");
    let text = &src.text;
    if let Some(span) = span.filter(|s| s.end <= text.len() && !text.contains('\n')) {
        let before = text.get(..span.start).map_or(0, |t| t.chars().count());
        let width = text
            .get(span.start..span.end)
            .map_or(1, |t| t.chars().count().max(1));
        out.push_str(&format!(
            "  {text}\n  {}{}\n",
            " ".repeat(before),
            "^".repeat(width)
        ));
    }
    out
}

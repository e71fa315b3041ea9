//! The command line: clap arguments turned into a validated configuration, then the library.

mod check;
mod completions;
mod config;
mod eval;
mod explain;
mod fmt;
mod init;
mod inspect;
mod json;
mod lsp;
mod progress;
mod push;
mod repl;
mod run;
mod serve;
mod summary;
mod term;
mod test_cases;
mod watch;
mod why;

pub(crate) use run::RunArgs;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;
use std::sync::OnceLock;

use clap::{Args, Parser, Subcommand};

use crate::check::CompileOptions;
use crate::diagnostic::{Code, Diagnostic, Severity, SourceFile, render_all};
use term::{Color, Ui};

pub use crate::workflow::{BUILTIN_MAPPING, BUILTIN_MAPPING_NAME};

/// Exit codes, and what each means for each command (README.md's tables say the same; a test
/// compares them, and the `--help` texts are made from these tables).
pub mod exit {
    /// Success (rejected records, if any, are in rejects.ndjson and the report).
    pub const OK: u8 = 0;
    /// Output or internal error.
    pub const FAILURE: u8 = 1;
    /// The mapping does not check, or the arguments/config are wrong.
    pub const USAGE: u8 = 2;
    /// An input file is missing, empty or unreadable.
    pub const INPUT: u8 = 3;
    /// More records were rejected than --max-rejects allows, or all of a mirrored feed's
    /// records were; no feed was written.
    pub const TOO_MANY_REJECTS: u8 = 4;

    /// The codes of `run`, `check`, `explain`, `inspect`, `serve`, `init` and `completions`.
    pub const RUN: &[(u8, &str)] = &[
        (
            OK,
            "success (rejected records, if any, are in `rejects.ndjson` and the report)",
        ),
        (FAILURE, "output or internal error"),
        (
            USAGE,
            "the mapping has errors (or warnings, with `--deny-warnings`), or the arguments or \
             `clerkmap.yaml` are wrong (a variable the mapping never reads included)",
        ),
        (
            INPUT,
            "an input file is missing, empty, holds no record, or is unreadable (damaged: cut \
             off, a CSV quote never closed; a named pipe nobody writes)",
        ),
        (
            TOO_MANY_REJECTS,
            "more records rejected than `--max-rejects` allows, all the records of a feed \
             Clerk mirrors rejected (not orders: see `--max-rejects`), an empty feed, or a feed \
             shrinking more than `--max-shrink` allows (no feed written)",
        ),
    ];

    /// An `eval` whose expression failed on the record.
    pub const EVAL_FAILED: u8 = 1;

    /// The codes of `eval` and `repl`.
    pub const EVAL: &[(u8, &str)] = &[
        (
            OK,
            "the value was printed (`repl`: the session ended, with `:quit` or the end of its input)",
        ),
        (
            EVAL_FAILED,
            "the expression failed on the record (the error points into the expression)",
        ),
        (
            USAGE,
            "the expression or the mapping has errors, or the arguments are wrong",
        ),
        (
            INPUT,
            "an input file is missing or unreadable, or holds no such record",
        ),
    ];

    /// The codes of `inspect`.
    pub const INSPECT: &[(u8, &str)] = &[
        (OK, "the fields were listed"),
        (FAILURE, "output or internal error"),
        (USAGE, "the arguments are wrong"),
        (
            INPUT,
            "the file is missing, empty, holds no record, or is unreadable (an XML document \
             without the record element says which element its records likely are)",
        ),
    ];

    /// The codes of `push`.
    pub const PUSH: &[(u8, &str)] = &[
        (
            OK,
            "everything planned was acknowledged by Clerk (or `--dry-run`; with \
             `--check-keys`: Clerk accepts the keys)",
        ),
        (
            FAILURE,
            "some batches failed or the push stopped (what was acknowledged is kept in the \
             state file; push again to resume), or Clerk could not be asked",
        ),
        (
            USAGE,
            "wrong arguments, keys missing or refused by Clerk, or the mapping has errors",
        ),
        (INPUT, "a feed or input file is missing or unreadable"),
        (
            TOO_MANY_REJECTS,
            "refused: an entity would shrink by more than `--max-shrink`, or a feed of \
             products, categories, customers or pages would be empty",
        ),
    ];

    /// The codes of `test`.
    pub const TEST: &[(u8, &str)] = &[
        (OK, "every case matches its snapshot (or was accepted)"),
        (
            FAILURE,
            "a case differs, has no snapshot or cannot run (its mapping has errors, sets a \
             variable the mapping never reads, or has warnings with `--deny-warnings`)",
        ),
        (USAGE, "no case found, or the arguments are wrong"),
    ];

    /// The codes of `lsp`.
    pub const LSP: &[(u8, &str)] = &[
        (OK, "the editor ended the session: `shutdown`, then `exit`"),
        (
            FAILURE,
            "the session ended otherwise (`exit` without `shutdown`, the connection closed) \
             or could not go on (what came was not the Language Server Protocol)",
        ),
    ];

    /// The codes of `fmt`.
    pub const FMT: &[(u8, &str)] = &[
        (OK, "formatted (or, with `--check`, already formatted)"),
        (FAILURE, "with `--check`: some files would change"),
        (USAGE, "a file does not parse or cannot be read or written"),
    ];

    /// The `Exit codes:` section of a `--help` text: one code a line, long meanings wrapped.
    pub fn help(table: &[(u8, &str)]) -> String {
        let mut out = String::from("Exit codes:");
        for (code, meaning) in table {
            let mut line = format!("\n  {code}  ");
            let mut width = 0;
            for word in meaning.split_whitespace() {
                if width > 0 && width + 1 + word.len() > 88 {
                    line.push_str("\n     ");
                    width = 0;
                } else if width > 0 {
                    line.push(' ');
                    width += 1;
                }
                line.push_str(word);
                width += word.len();
            }
            out.push_str(&line);
        }
        out
    }
}

/// The `Exit codes:` section of `run`, `check` and the top-level help.
pub(crate) fn exit_codes_help() -> String {
    exit::help(exit::RUN)
}

#[derive(Parser, Debug)]
#[command(name = "clerkmap", version, about = "Map Passweb shop exports to Clerk.io data with a declarative mapping language", after_help = exit_codes_help())]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub global: Global,
}

/// The flags every command takes.
#[derive(Args, Debug)]
pub(crate) struct Global {
    /// When to colour: auto (on a terminal, unless NO_COLOR is set; CLICOLOR_FORCE=1 forces
    /// it), always, never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = Color::Auto, global = true)]
    pub color: Color,
    /// Print only errors (and what the command exists to print: a table, a feed, a summary):
    /// no progress, no accounting, no warnings.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say more: the vars and tables of a checked mapping, the files a run wrote, the key
    /// check of a push.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// The run's time, the value of `now()` in the mapping: RFC 3339 (2025-06-01T12:00:00Z)
    /// or unix seconds. Default: SOURCE_DATE_EPOCH when it is set, else the clock; test cases:
    /// their `now:`, else this, else 2025-01-01T00:00:00Z.
    #[arg(long, value_name = "TIME", global = true, value_parser = crate::workflow::case::parse_now)]
    pub now: Option<i64>,
}

/// The run's time for `now()`, set once by [`main`]: `--now`, else `SOURCE_DATE_EPOCH`, else
/// the clock. One value for the whole command, whatever it checks.
static NOW: OnceLock<RunTime> = OnceLock::new();

/// See [`NOW`].
#[derive(Debug, Clone, Copy)]
struct RunTime {
    /// `--now`, as given.
    given: Option<i64>,
    /// The time every mapping the command checks is given.
    value: i64,
}

/// The run's time (see [`NOW`]).
pub(crate) fn now() -> i64 {
    NOW.get()
        .map_or_else(|| chrono::Utc::now().timestamp(), |t| t.value)
}

/// `--now`, when it was given: the time of the test cases that set none.
pub(crate) fn now_given() -> Option<i64> {
    NOW.get().and_then(|t| t.given)
}

/// The run's time from `--now`, `SOURCE_DATE_EPOCH` (unix seconds) or the clock.
fn run_time(given: Option<i64>) -> Result<RunTime, String> {
    let value = match (given, std::env::var_os("SOURCE_DATE_EPOCH")) {
        (Some(t), _) => t,
        (None, Some(v)) => {
            let text = v.to_string_lossy();
            text.trim().parse::<i64>().map_err(|_| {
                format!(
                    "SOURCE_DATE_EPOCH is `{text}`, not unix seconds: set it to a whole number of seconds (1748779200), unset it, or give --now"
                )
            })?
        }
        (None, None) => chrono::Utc::now().timestamp(),
    };
    Ok(RunTime { given, value })
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Check a mapping file without reading any record: syntax, names, types, Clerk's contract.
    Check(check::CheckArgs),
    /// Map the inputs and write Clerk feed files.
    Run(RunArgs),
    /// Push mapped records (or feed files written by `run`) to Clerk's API, incrementally.
    Push(push::PushArgs),
    /// Serve feed files to Clerk ("Clerk.io JSON Feed V2"), with token checks and paging.
    Serve(serve::ServeArgs),
    /// Run mapping test cases and compare the output with stored snapshots.
    Test(test_cases::TestArgs),
    /// Show, for one record, every attribute, the expression that made it and the input it read.
    Explain(explain::ExplainArgs),
    /// List the fields found in a source file: paths, types, presence, examples.
    Inspect(inspect::InspectArgs),
    /// Format mapping files in the canonical layout (comments kept).
    Fmt(fmt::FmtArgs),
    /// Create a project: clerkmap.yaml, a mapping, an example test case.
    Init(init::InitArgs),
    /// Print shell completions or the man page.
    Completions(completions::CompletionsArgs),
    /// Serve the Language Server Protocol on stdin/stdout, for editors.
    Lsp(lsp::LspArgs),
    /// Evaluate one expression on one record: its value, its type, each step (--trace).
    Eval(eval::EvalArgs),
    /// Evaluate expressions line by line on a record, with a mapping's names in scope.
    Repl(repl::ReplArgs),
}

pub(crate) fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, got `{s}`")),
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let g = &cli.global;
    let ui = Ui::new(g.color, g.quiet, g.verbose);
    match run_time(g.now) {
        Ok(t) => {
            let _ = NOW.set(t);
        }
        Err(e) => {
            ui.error(e);
            return ExitCode::from(exit::USAGE);
        }
    }
    let code = match cli.command {
        Command::Check(a) => check::cmd(a, &ui),
        Command::Run(a) => run::cmd_run(a, &ui),
        Command::Push(a) => push::cmd(a, &ui),
        Command::Serve(a) => serve::cmd(a, &ui),
        Command::Test(a) => test_cases::cmd(a, &ui),
        Command::Explain(a) => explain::cmd(a, &ui),
        Command::Inspect(a) => inspect::cmd(a, &ui),
        Command::Fmt(a) => fmt::cmd(a, &ui),
        Command::Init(a) => init::cmd(a, &ui),
        Command::Completions(a) => completions::cmd(a, &ui),
        Command::Lsp(a) => lsp::cmd(a, &ui),
        Command::Eval(a) => eval::cmd(a, &ui),
        Command::Repl(a) => repl::cmd(a, &ui),
    };
    ExitCode::from(code)
}

/// The name a mapping read from standard input goes by.
pub(crate) const STDIN_NAME: &str = "<stdin>";

/// Whether a path argument means standard input.
pub(crate) fn is_stdin(p: &Path) -> bool {
    p.as_os_str() == "-"
}

/// Loads a mapping file (`-`: standard input), or the built-in one.
pub(crate) fn load_mapping(path: Option<&Path>) -> Result<SourceFile, String> {
    match path {
        None => Ok(SourceFile::new(BUILTIN_MAPPING_NAME, BUILTIN_MAPPING)),
        Some(p) if is_stdin(p) => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("cannot read the mapping from standard input: {e}"))?;
            Ok(SourceFile::new(STDIN_NAME, text))
        }
        Some(p) => std::fs::read_to_string(p)
            .map(|text| SourceFile::new(p.display().to_string(), text))
            .map_err(|e| format!("cannot read mapping {}: {e}", p.display())),
    }
}

/// The vars a mapping is checked with: their values, where each was set (for messages) and
/// the ones clerkmap sets itself (a store's), which the mapping need not read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Vars {
    /// `KEY -> VALUE`.
    pub values: BTreeMap<String, String>,
    /// `KEY -> "--var KEY=..."`, `"vars.KEY in clerkmap.yaml"`...
    pub origins: BTreeMap<String, String>,
    /// Set by clerkmap for each store: never an error when unread.
    pub implicit: Vec<String>,
}

impl Vars {
    /// `--var` flags.
    pub fn from_flags(flags: &[(String, String)]) -> Vars {
        let mut v = Vars::default();
        for (k, value) in flags {
            v.values.insert(k.clone(), value.clone());
            v.origins.insert(k.clone(), format!("--var {k}=..."));
        }
        v
    }
}

/// Parses and checks a mapping. Fails closed: a var the mapping never reads (W001) is an
/// error, and so is every warning with `deny_warnings`. Returns the program and its remaining
/// warnings, or every diagnostic (errors first).
pub(crate) fn diagnose(
    src: &SourceFile,
    vars: &Vars,
    deny_warnings: bool,
) -> Result<crate::check::Checked, Vec<Diagnostic>> {
    let opts = CompileOptions {
        vars: vars.values.clone(),
        env: None,
        implicit_vars: vars.implicit.clone(),
        now: Some(now()),
    };
    match crate::check::check(src, &opts) {
        Ok(c) => fail_closed(c, vars, deny_warnings),
        Err(diags) => {
            let mut all: Vec<Diagnostic> = diags
                .into_iter()
                .map(|d| promote(d, vars, deny_warnings))
                .collect();
            all.sort_by_key(|d| (d.severity, d.span().start));
            Err(all)
        }
    }
}

/// The warnings of a mapping that checks, made errors where they must be ([`promote`]):
/// `Err` with them (and the other warnings) when there is one.
pub(crate) fn fail_closed(
    mut c: crate::check::Checked,
    vars: &Vars,
    deny_warnings: bool,
) -> Result<crate::check::Checked, Vec<Diagnostic>> {
    let (fatal, warnings): (Vec<Diagnostic>, Vec<Diagnostic>) = c
        .warnings
        .drain(..)
        .map(|d| promote(d, vars, deny_warnings))
        .partition(Diagnostic::is_error);
    if fatal.is_empty() {
        c.warnings = warnings;
        Ok(c)
    } else {
        Err(fatal.into_iter().chain(warnings).collect())
    }
}

/// A warning made an error: a var the mapping never reads (always), any other warning with
/// `--deny-warnings`.
fn promote(d: Diagnostic, vars: &Vars, deny_warnings: bool) -> Diagnostic {
    if d.is_error() {
        return d;
    }
    if d.code == Code::UnusedVar {
        let origin = backticked(&d.message).and_then(|name| vars.origins.get(name));
        let mut d = Diagnostic {
            severity: Severity::Error,
            ..d
        };
        if let Some(origin) = origin {
            d = d.note(format!("it is set by {origin}"));
        }
        return d.note(
            "a variable the mapping never reads is an error: a misspelt name would leave the mapping's default in place",
        );
    }
    if deny_warnings {
        return denied(d);
    }
    d
}

/// A warning made an error by `--deny-warnings`.
pub(crate) fn denied(d: Diagnostic) -> Diagnostic {
    if d.is_error() {
        return d;
    }
    Diagnostic {
        severity: Severity::Error,
        ..d
    }
    .note("warnings are errors with --deny-warnings")
}

/// The first `name` quoted in a message.
fn backticked(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once('`')?;
    rest.split_once('`').map(|(name, _)| name)
}

/// One line per warning, as `report.json` lists them: `file:line:col: warning[W002]: ...`
/// (`file: warning[W001]: ...` for one that has no place in the file).
pub(crate) fn short_warnings(c: &crate::check::Checked, src: &SourceFile) -> Vec<String> {
    c.warnings
        .iter()
        .map(|d| {
            if d.has_location() {
                d.short(src)
            } else {
                format!("{}: warning[{}]: {}", src.name, d.code, d.message)
            }
        })
        .collect()
}

/// Checks a mapping as [`diagnose`] does, printing the diagnostics on stderr (warnings
/// unless `-q`). Returns the program, or the exit code.
pub(crate) fn checked(
    ui: &Ui,
    src: &SourceFile,
    vars: &Vars,
    deny_warnings: bool,
) -> Result<crate::check::Checked, u8> {
    match diagnose(src, vars, deny_warnings) {
        Ok(c) => {
            if !c.warnings.is_empty() && !ui.quiet() {
                ui.diagnostics(&render_all(&c.warnings, src, ui.stderr_color()));
            }
            Ok(c)
        }
        Err(diags) => {
            let shown: Vec<Diagnostic> = if ui.quiet() {
                diags.into_iter().filter(Diagnostic::is_error).collect()
            } else {
                diags
            };
            ui.diagnostics(&render_all(&shown, src, ui.stderr_color()));
            Err(exit::USAGE)
        }
    }
}

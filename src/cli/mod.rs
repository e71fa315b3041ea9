//! The command line: clap arguments turned into a validated configuration, then the library.

mod completions;
mod config;
mod explain;
mod fmt;
mod init;
mod inspect;
mod progress;
mod push;
mod run;
mod serve;
mod test_cases;
mod why;

pub(crate) use run::RunArgs;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::check;
use crate::check::CompileOptions;
use crate::diagnostic::{SourceFile, render_all};

pub use crate::workflow::{BUILTIN_MAPPING, BUILTIN_MAPPING_NAME};

/// Exit codes.
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
}

const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success (rejected records, if any, are listed in rejects.ndjson and the report)
  1  output or internal error
  2  the mapping has errors, or the arguments or clerkmap.yaml are wrong
  3  an input file is missing, empty, holds no record, or is unreadable
  4  more records rejected than --max-rejects allows, all of a feed's records rejected, or
     a feed shrinking more than --max-shrink allows (no feed written)";

#[derive(Parser, Debug)]
#[command(name = "clerkmap", version, about = "Map Passweb shop exports to Clerk.io data with a declarative mapping language", after_help = EXIT_CODES_HELP)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Check a mapping file without reading any record: syntax, names, types, Clerk's contract.
    Check(CheckArgs),
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
}

#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
    /// The mapping file (default: the built-in Passweb mapping).
    pub mapping: Option<PathBuf>,
    /// Set a mapping variable, read with var("KEY", default).
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_pair)]
    pub vars: Vec<(String, String)>,
    /// Also read an input (its first 10000 records) and warn about the record paths of the
    /// mapping that none of its records has (W003): NAME=PATH as for `run`.
    #[arg(short, long = "input", value_name = "NAME=PATH", value_parser = parse_pair)]
    pub inputs: Vec<(String, String)>,
    /// The format of an input whose extension does not tell, as for `run`.
    #[arg(long = "input-format", value_name = "NAME=FORMAT", value_parser = parse_pair)]
    pub input_formats: Vec<(String, String)>,
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
    let code = match cli.command {
        Command::Check(a) => cmd_check(a),
        Command::Run(a) => run::cmd_run(a),
        Command::Push(a) => push::cmd(a),
        Command::Serve(a) => serve::cmd(a),
        Command::Test(a) => test_cases::cmd(a),
        Command::Explain(a) => explain::cmd(a),
        Command::Inspect(a) => inspect::cmd(a),
        Command::Fmt(a) => fmt::cmd(a),
        Command::Init(a) => init::cmd(a),
        Command::Completions(a) => completions::cmd(a),
    };
    ExitCode::from(code)
}

pub(crate) fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Loads a mapping file, or the built-in one.
pub(crate) fn load_mapping(path: Option<&Path>) -> Result<SourceFile, String> {
    match path {
        None => Ok(SourceFile::new(BUILTIN_MAPPING_NAME, BUILTIN_MAPPING)),
        Some(p) => std::fs::read_to_string(p)
            .map(|text| SourceFile::new(p.display().to_string(), text))
            .map_err(|e| format!("cannot read mapping {}: {e}", p.display())),
    }
}

/// Checks a mapping, printing diagnostics. Returns the program on success.
pub(crate) fn checked(
    src: &SourceFile,
    vars: BTreeMap<String, String>,
    implicit_vars: Vec<String>,
) -> Result<check::Checked, u8> {
    let opts = CompileOptions {
        vars,
        env: None,
        implicit_vars,
    };
    match check::check(src, &opts) {
        Ok(c) => {
            if !c.warnings.is_empty() {
                eprint!("{}", render_all(&c.warnings, src, color()));
            }
            Ok(c)
        }
        Err(diags) => {
            eprint!("{}", render_all(&diags, src, color()));
            Err(exit::USAGE)
        }
    }
}

fn cmd_check(a: CheckArgs) -> u8 {
    let src = match load_mapping(a.mapping.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    match checked(&src, a.vars.into_iter().collect(), Vec::new()) {
        Ok(c) => {
            if let Err(code) = why::check_inputs(&src, &c.program, &a.inputs, &a.input_formats) {
                return code;
            }
            let blocks: Vec<String> = c
                .program
                .blocks
                .iter()
                .map(|b| format!("{} from {}", b.entity.name(), b.source))
                .collect();
            println!("{}: ok ({})", src.name, blocks.join(", "));
            exit::OK
        }
        Err(code) => code,
    }
}

//! The command line: clap arguments turned into a validated configuration, then the library.

mod config;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::check;
use crate::diagnostic::{SourceFile, render_all};
use crate::engine::source::Format;
use crate::engine::{self, Input, OutputFormat, RunError, RunOptions};
use crate::plan::CompileOptions;

/// The Passweb mapping built into the binary (the text of `mappings/passweb.cmap`).
pub const BUILTIN_MAPPING: &str = include_str!("../../mappings/passweb.cmap");
pub const BUILTIN_MAPPING_NAME: &str = "passweb.cmap (built in)";

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
    /// More records were rejected than --max-rejects allows; no feed was written.
    pub const TOO_MANY_REJECTS: u8 = 4;
}

const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success (rejected records, if any, are listed in rejects.ndjson and the report)
  1  output or internal error
  2  the mapping has errors, or the arguments or clerkmap.yaml are wrong
  3  an input file is missing, empty or unreadable
  4  more records rejected than --max-rejects allows (no feed written)";

#[derive(Parser, Debug)]
#[command(name = "clerkmap", version, about = "Map Passweb shop exports to Clerk.io data with a declarative mapping language", after_help = EXIT_CODES_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check a mapping file without reading any record: syntax, names, types, Clerk's contract.
    Check(CheckArgs),
    /// Map the inputs and write Clerk feed files.
    Run(RunArgs),
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The mapping file (default: the built-in Passweb mapping).
    pub mapping: Option<PathBuf>,
    /// Set a mapping variable, read with var("KEY", default).
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_pair)]
    pub vars: Vec<(String, String)>,
}

#[derive(Args, Debug)]
#[command(after_help = EXIT_CODES_HELP)]
pub struct RunArgs {
    /// The mapping file (default: the built-in Passweb mapping, or `mapping:` in the project file).
    pub mapping: Option<PathBuf>,
    /// A source: NAME is the name after `from` (or a lookup table), PATH a .json, .ndjson, .csv or .tsv file.
    #[arg(short, long = "input", value_name = "NAME=PATH", value_parser = parse_pair)]
    pub inputs: Vec<(String, String)>,
    /// The format of an input whose extension does not tell: json, ndjson, csv, tsv, "csv;" or "csv,".
    #[arg(long = "input-format", value_name = "NAME=FORMAT", value_parser = parse_pair)]
    pub input_formats: Vec<(String, String)>,
    /// Output directory (created if needed).
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Set a mapping variable, read with var("KEY", default).
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_pair)]
    pub vars: Vec<(String, String)>,
    /// Worker threads (default: one per core).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Abort without writing any feed when more than N records are rejected.
    #[arg(long, value_name = "N")]
    pub max_rejects: Option<u64>,
    /// A project file (clerkmap.yaml) with the same settings; flags given here win.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print only errors.
    #[arg(short, long)]
    pub quiet: bool,
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
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
        Command::Run(a) => cmd_run(a),
    };
    ExitCode::from(code)
}

fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Loads a mapping file, or the built-in one.
fn load_mapping(path: Option<&Path>) -> Result<SourceFile, String> {
    match path {
        None => Ok(SourceFile::new(BUILTIN_MAPPING_NAME, BUILTIN_MAPPING)),
        Some(p) => std::fs::read_to_string(p)
            .map(|text| SourceFile::new(p.display().to_string(), text))
            .map_err(|e| format!("cannot read mapping {}: {e}", p.display())),
    }
}

/// Checks a mapping, printing diagnostics. Returns the program on success.
fn checked(src: &SourceFile, vars: BTreeMap<String, String>) -> Result<check::Checked, u8> {
    let opts = CompileOptions { vars, env: None };
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
    match checked(&src, a.vars.into_iter().collect()) {
        Ok(c) => {
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

/// The `run` settings after merging the project file and the flags.
struct RunConfig {
    mapping: Option<PathBuf>,
    vars: BTreeMap<String, String>,
    options: RunOptions,
}

fn run_config(a: RunArgs) -> Result<RunConfig, String> {
    let project = match &a.config {
        Some(p) => config::load(p)?,
        None => config::Project::default(),
    };
    let mut vars = BTreeMap::new();
    for (k, v) in &project.vars {
        let s = config::var_string(v).ok_or_else(|| {
            format!("vars.{k} in the project file must be a string, number or bool")
        })?;
        vars.insert(k.clone(), s);
    }
    vars.extend(a.vars);
    let mut formats: BTreeMap<String, Format> = BTreeMap::new();
    for (name, entry) in &project.inputs {
        if let Some(f) = entry.format() {
            formats.insert(
                name.clone(),
                Format::parse(f).ok_or_else(|| {
                    format!("inputs.{name}.format `{f}` is not one of json, ndjson, csv, tsv")
                })?,
            );
        }
    }
    for (name, f) in &a.input_formats {
        formats.insert(name.clone(), Format::parse(f).ok_or_else(|| format!("--input-format {name}={f}: not one of json, ndjson, csv, tsv, \"csv;\", \"csv,\""))?);
    }
    let mut inputs: BTreeMap<String, PathBuf> = project
        .inputs
        .iter()
        .map(|(k, e)| (k.clone(), e.path().to_path_buf()))
        .collect();
    let mut given = std::collections::BTreeSet::new();
    for (name, path) in a.inputs {
        if !given.insert(name.clone()) {
            return Err(format!(
                "--input {name}=... is given twice: give each source once"
            ));
        }
        inputs.insert(name, PathBuf::from(path));
    }
    for name in formats.keys() {
        if !inputs.contains_key(name) {
            return Err(format!(
                "--input-format {name}=...: there is no --input {name}=PATH"
            ));
        }
    }
    let inputs = inputs
        .into_iter()
        .map(|(name, path)| Input {
            format: formats.get(&name).cloned(),
            name,
            path,
        })
        .collect();
    let out = a
        .out
        .or(project.out)
        .ok_or("no output directory: pass --out DIR (or `out:` in the project file)")?;
    Ok(RunConfig {
        mapping: a.mapping.or(project.mapping),
        vars,
        options: RunOptions {
            inputs,
            out_dir: out,
            format: a.format.or(project.format).unwrap_or_default(),
            jobs: a.jobs.or(project.jobs).unwrap_or(0),
            max_rejects: a.max_rejects.or(project.max_rejects),
            ..RunOptions::default()
        },
    })
}

fn cmd_run(a: RunArgs) -> u8 {
    let quiet = a.quiet;
    let cfg = match run_config(a) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let src = match load_mapping(cfg.mapping.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let checked = match checked(&src, cfg.vars) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut options = cfg.options;
    options.mapping_warnings = checked.warnings.iter().map(|d| d.short(&src)).collect();
    match engine::run(&checked.program, &src, &options) {
        Ok(report) => {
            if !quiet {
                print!("{report}");
                println!("wrote {}", options.out_dir.display());
            }
            exit::OK
        }
        Err(e) => {
            let code = match &e {
                RunError::Usage(_) => exit::USAGE,
                RunError::Source(_) => exit::INPUT,
                RunError::TooManyRejects { report, .. } | RunError::AllRejected { report, .. } => {
                    eprint!("{report}");
                    exit::TOO_MANY_REJECTS
                }
                RunError::Output(_) | RunError::Internal(_) => exit::FAILURE,
            };
            eprintln!("error: {e}");
            code
        }
    }
}

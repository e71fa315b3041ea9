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
  4  more records rejected than --max-rejects allows, or all of a feed's records rejected
     (no feed written)";

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
fn checked(
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

/// The `run` settings after merging the project file and the flags: one per store.
struct RunConfig {
    /// The store's name, for a multi-store project file.
    store: Option<String>,
    mapping: Option<PathBuf>,
    vars: BTreeMap<String, String>,
    /// Vars set for a store, not by the user.
    implicit_vars: Vec<String>,
    options: RunOptions,
}

fn parse_format(what: &str, f: &str) -> Result<Format, String> {
    Format::parse(f).ok_or_else(|| {
        format!(
            "{what}: `{f}` is not one of json, ndjson, csv, tsv, \"csv;\", \"csv,\", xml, xml:ITEM"
        )
    })
}

/// Adds project-file inputs (`name: path` or `{path, format}`) to `inputs`/`formats`.
fn add_entries(
    what: &str,
    entries: &BTreeMap<String, config::InputEntry>,
    inputs: &mut BTreeMap<String, PathBuf>,
    formats: &mut BTreeMap<String, Format>,
) -> Result<(), String> {
    for (name, entry) in entries {
        inputs.insert(name.clone(), entry.path().to_path_buf());
        match entry.format() {
            Some(f) => {
                formats.insert(
                    name.clone(),
                    parse_format(&format!("{what}.{name}.format"), f)?,
                );
            }
            None => {
                formats.remove(name);
            }
        }
    }
    Ok(())
}

fn add_vars(
    what: &str,
    from: &BTreeMap<String, serde_norway::Value>,
    vars: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    for (k, v) in from {
        let s = config::var_string(v)
            .ok_or_else(|| format!("{what}.{k} must be a string, number or bool"))?;
        vars.insert(k.clone(), s);
    }
    Ok(())
}

/// The vars `run -c` sets for each store of a multi-store project.
const STORE_VARS: &[&str] = &[
    "store",
    "language",
    "store_countries",
    "other_store_countries",
    "is_default_store",
];

fn run_configs(a: RunArgs) -> Result<Vec<RunConfig>, String> {
    let project = match &a.config {
        Some(p) => config::load(p)?,
        None => config::Project::default(),
    };
    let mut vars = BTreeMap::new();
    add_vars("vars", &project.vars, &mut vars)?;
    let mut inputs: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut formats: BTreeMap<String, Format> = BTreeMap::new();
    add_entries("inputs", &project.inputs, &mut inputs, &mut formats)?;
    let mut cli_inputs = BTreeMap::new();
    for (name, path) in a.inputs {
        if cli_inputs
            .insert(name.clone(), PathBuf::from(path))
            .is_some()
        {
            return Err(format!(
                "--input {name}=... is given twice: give each source once"
            ));
        }
    }
    let mut cli_formats = BTreeMap::new();
    for (name, f) in &a.input_formats {
        cli_formats.insert(
            name.clone(),
            parse_format(&format!("--input-format {name}"), f)?,
        );
    }
    let out = a
        .out
        .or(project.out)
        .ok_or("no output directory: pass --out DIR (or `out:` in the project file)")?;
    let base = RunOptions {
        out_dir: out.clone(),
        format: a.format.or(project.format).unwrap_or_default(),
        jobs: a.jobs.or(project.jobs).unwrap_or(0),
        max_rejects: a.max_rejects.or(project.max_rejects),
        ..RunOptions::default()
    };
    let mapping = a.mapping.or(project.mapping);
    // The flags win over the project file, and over every store.
    let finish = |mut inputs: BTreeMap<String, PathBuf>,
                  mut formats: BTreeMap<String, Format>,
                  mut vars: BTreeMap<String, String>,
                  out_dir: PathBuf,
                  store: Option<String>|
     -> Result<RunConfig, String> {
        inputs.extend(cli_inputs.clone());
        formats.extend(cli_formats.clone());
        vars.extend(a.vars.iter().cloned());
        if let Some(name) = formats.keys().find(|n| !inputs.contains_key(*n)) {
            return Err(format!(
                "--input-format {name}=...: there is no --input {name}=PATH"
            ));
        }
        let inputs = inputs
            .into_iter()
            .map(|(name, path)| Input {
                format: formats.get(&name).cloned(),
                name,
                path,
            })
            .collect();
        let implicit_vars = if store.is_some() {
            STORE_VARS.iter().map(|v| v.to_string()).collect()
        } else {
            Vec::new()
        };
        Ok(RunConfig {
            store,
            mapping: mapping.clone(),
            vars,
            implicit_vars,
            options: RunOptions {
                inputs,
                out_dir,
                ..base.clone()
            },
        })
    };
    if project.stores.is_empty() {
        return Ok(vec![finish(inputs, formats, vars, out, None)?]);
    }
    let stores = config::validate_stores(&project.stores)?;
    let mut configs = Vec::new();
    for (store, is_default) in stores {
        let (mut inputs, mut formats, mut vars) = (inputs.clone(), formats.clone(), vars.clone());
        add_entries(
            &format!("stores.{}.inputs", store.name),
            &store.inputs,
            &mut inputs,
            &mut formats,
        )?;
        add_vars(
            &format!("stores.{}.vars", store.name),
            &store.vars,
            &mut vars,
        )?;
        let others: Vec<&str> = project
            .stores
            .iter()
            .filter(|s| s.name != store.name)
            .flat_map(|s| s.countries.iter().map(String::as_str))
            .collect();
        vars.insert("store".into(), store.name.clone());
        if let Some(lang) = &store.language {
            vars.insert("language".into(), lang.clone());
        }
        vars.insert("store_countries".into(), store.countries.join(","));
        vars.insert("other_store_countries".into(), others.join(","));
        vars.insert("is_default_store".into(), is_default.to_string());
        let out_dir = store.out.clone().unwrap_or_else(|| out.join(&store.name));
        configs.push(finish(
            inputs,
            formats,
            vars,
            out_dir,
            Some(store.name.clone()),
        )?);
    }
    Ok(configs)
}

fn cmd_run(a: RunArgs) -> u8 {
    let quiet = a.quiet;
    let configs = match run_configs(a) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let mut worst = exit::OK;
    for cfg in configs {
        if let Some(store) = &cfg.store
            && !quiet
        {
            println!("== store {store} -> {}", cfg.options.out_dir.display());
        }
        worst = worst.max(run_one(cfg, quiet));
    }
    worst
}

fn run_one(cfg: RunConfig, quiet: bool) -> u8 {
    let src = match load_mapping(cfg.mapping.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let checked = match checked(&src, cfg.vars, cfg.implicit_vars) {
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

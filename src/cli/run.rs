//! `clerkmap run`: flags and the project file merged into one configuration per store, then
//! the engine.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;

use super::{EXIT_CODES_HELP, checked, config, exit, load_mapping, parse_pair};
use crate::diagnostic::SourceFile;
use crate::engine::report::RefusalCause;
use crate::engine::{
    self, FeedOutput, Format, Input, InputProblem, OutputFormat, RunError, RunOptions,
};

#[derive(Args, Debug)]
#[command(after_help = EXIT_CODES_HELP)]
pub(crate) struct RunArgs {
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
    /// The most bytes one record may take in its file (an NDJSON line, a CSV record, a JSON
    /// array element, an XML item): 64MiB (default), 512KiB, 1GiB...; a larger one is rejected.
    #[arg(long, value_name = "SIZE", value_parser = crate::engine::limits::parse_bytes)]
    pub max_record_bytes: Option<u64>,
    /// A project file (clerkmap.yaml) with the same settings; flags given here win.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print only errors.
    #[arg(short, long)]
    pub quiet: bool,
    /// Write even when an entity shrinks by more than the allowed share since the previous feed
    /// in the output directory, or is empty.
    #[arg(long)]
    pub allow_shrink: bool,
    /// The share of an entity's ids that may disappear since the previous feed: 10% (default),
    /// 0.25, ...
    #[arg(long, value_name = "SHARE", value_parser = crate::engine::guard::parse_share)]
    pub max_shrink: Option<f64>,
    /// Also write a self-contained HTML report of the run to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

/// The `run` settings after merging the project file and the flags: one per store.
pub(crate) struct RunConfig {
    /// The store's name, for a multi-store project file.
    pub store: Option<String>,
    pub mapping: Option<PathBuf>,
    pub vars: BTreeMap<String, String>,
    /// Vars set for a store, not by the user.
    pub implicit_vars: Vec<String>,
    /// How to map.
    pub options: RunOptions,
    /// Where the feeds go.
    pub output: FeedOutput,
}

fn parse_format(what: &str, f: &str) -> Result<Format, String> {
    Format::parse_named(what, f)
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

/// The inputs (with their formats) and vars of a configuration, as they accumulate from the
/// project file, a store and the flags.
#[derive(Clone, Default)]
struct Sources {
    inputs: BTreeMap<String, PathBuf>,
    formats: BTreeMap<String, Format>,
    vars: BTreeMap<String, String>,
}

/// What every configuration of a run shares: the flags' inputs, formats and vars (which win over
/// the project file and every store), the mapping, and the options and output that only lack
/// the inputs and the directory.
struct Shared {
    flags: Sources,
    mapping: Option<PathBuf>,
    options: RunOptions,
    output: FeedOutput,
}

pub(crate) fn run_configs(a: RunArgs) -> Result<Vec<RunConfig>, String> {
    let project = match &a.config {
        Some(p) => config::load(p)?,
        None => config::Project::default(),
    };
    let mut sources = Sources::default();
    add_vars("vars", &project.vars, &mut sources.vars)?;
    add_entries(
        "inputs",
        &project.inputs,
        &mut sources.inputs,
        &mut sources.formats,
    )?;
    let flags = flag_sources(a.inputs, &a.input_formats, &a.vars)?;
    let out = a
        .out
        .or(project.out)
        .ok_or("no output directory: pass --out DIR (or `out:` in the project file)")?;
    let shared = Shared {
        flags,
        mapping: a.mapping.or(project.mapping),
        options: RunOptions {
            jobs: a.jobs.or(project.jobs).unwrap_or(0),
            max_rejects: a.max_rejects.or(project.max_rejects),
            max_record_bytes: a
                .max_record_bytes
                .or(project.max_record_bytes)
                .unwrap_or(crate::engine::limits::DEFAULT_MAX_RECORD_BYTES),
            ..RunOptions::default()
        },
        output: FeedOutput {
            dir: out.clone(),
            format: a.format.or(project.format).unwrap_or_default(),
            allow_shrink: a.allow_shrink,
            max_shrink: a
                .max_shrink
                .unwrap_or(crate::engine::guard::DEFAULT_MAX_SHRINK),
        },
    };
    if project.stores.is_empty() {
        return Ok(vec![shared.config(sources, out, None)?]);
    }
    let stores = config::validate_stores(&project.stores)?;
    let mut configs = Vec::new();
    for (store, is_default) in stores {
        let store_sources = store_sources(&project.stores, store, is_default, &sources)?;
        let out_dir = store.out.clone().unwrap_or_else(|| out.join(&store.name));
        configs.push(shared.config(store_sources, out_dir, Some(store.name.clone()))?);
    }
    Ok(configs)
}

/// The `--input`, `--input-format` and `--var` flags; an input given twice is an error.
fn flag_sources(
    inputs: Vec<(String, String)>,
    formats: &[(String, String)],
    vars: &[(String, String)],
) -> Result<Sources, String> {
    let mut flags = Sources::default();
    for (name, path) in inputs {
        if flags
            .inputs
            .insert(name.clone(), PathBuf::from(path))
            .is_some()
        {
            return Err(format!(
                "--input {name}=... is given twice: give each source once"
            ));
        }
    }
    for (name, f) in formats {
        flags.formats.insert(
            name.clone(),
            parse_format(&format!("--input-format {name}"), f)?,
        );
    }
    flags.vars.extend(vars.iter().cloned());
    Ok(flags)
}

/// The sources of one store of a multi-store project: the project file's, then the store's
/// inputs and vars, then the [`STORE_VARS`].
fn store_sources(
    stores: &[config::Store],
    store: &config::Store,
    is_default: bool,
    project: &Sources,
) -> Result<Sources, String> {
    let mut s = project.clone();
    add_entries(
        &format!("stores.{}.inputs", store.name),
        &store.inputs,
        &mut s.inputs,
        &mut s.formats,
    )?;
    add_vars(
        &format!("stores.{}.vars", store.name),
        &store.vars,
        &mut s.vars,
    )?;
    let others: Vec<&str> = stores
        .iter()
        .filter(|o| o.name != store.name)
        .flat_map(|o| o.countries.iter().map(String::as_str))
        .collect();
    s.vars.insert("store".into(), store.name.clone());
    if let Some(lang) = &store.language {
        s.vars.insert("language".into(), lang.clone());
    }
    s.vars
        .insert("store_countries".into(), store.countries.join(","));
    s.vars
        .insert("other_store_countries".into(), others.join(","));
    s.vars
        .insert("is_default_store".into(), is_default.to_string());
    Ok(s)
}

impl Shared {
    /// The configuration of `sources` (the flags' put over them) writing to `out_dir`.
    fn config(
        &self,
        mut sources: Sources,
        out_dir: PathBuf,
        store: Option<String>,
    ) -> Result<RunConfig, String> {
        sources.inputs.extend(self.flags.inputs.clone());
        sources.formats.extend(self.flags.formats.clone());
        sources.vars.extend(self.flags.vars.clone());
        let Sources {
            inputs,
            formats,
            vars,
        } = sources;
        if let Some(name) = formats.keys().find(|n| !inputs.contains_key(*n)) {
            return Err(format!(
                "--input-format {name}=...: there is no --input {name}=PATH"
            ));
        }
        let inputs = inputs
            .into_iter()
            .map(|(name, path)| {
                let format = formats.get(&name).cloned();
                Input::file(name, path)
                    .with_format(format)
                    .with_max_record_bytes(self.options.max_record_bytes)
            })
            .collect();
        let implicit_vars = if store.is_some() {
            STORE_VARS.iter().map(|v| v.to_string()).collect()
        } else {
            Vec::new()
        };
        Ok(RunConfig {
            store,
            mapping: self.mapping.clone(),
            vars,
            implicit_vars,
            options: RunOptions {
                inputs,
                ..self.options.clone()
            },
            output: FeedOutput {
                dir: out_dir,
                ..self.output.clone()
            },
        })
    }
}

pub(crate) fn cmd_run(a: RunArgs) -> u8 {
    let quiet = a.quiet;
    let html = a.report.clone();
    let project = a.config.clone();
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
            println!("== store {store} -> {}", cfg.output.dir.display());
        }
        // One HTML report per store: report-it.html, report-de.html.
        let html = html.as_ref().map(|p| match &cfg.store {
            Some(store) => crate::workflow::report::store_path(p, store),
            None => p.clone(),
        });
        let explain = explain_command(&cfg, project.as_deref());
        worst = worst.max(run_one(cfg, quiet, html.as_deref(), explain));
    }
    worst
}

/// The command that explains a record of this run (`clerkmap explain -c clerkmap.yaml`), for
/// the report's reject groups: the project file, else the mapping, inputs and vars given.
fn explain_command(cfg: &RunConfig, project: Option<&std::path::Path>) -> String {
    let word = |s: &str| crate::engine::report::shell_word(s);
    let mut words = vec!["clerkmap".to_string(), "explain".to_string()];
    if let Some(p) = project {
        words.extend(["-c".to_string(), word(&p.display().to_string())]);
        if let Some(store) = &cfg.store {
            words.extend(["--store".to_string(), word(store)]);
        }
        return words.join(" ");
    }
    if let Some(m) = &cfg.mapping {
        words.push(word(&m.display().to_string()));
    }
    for i in &cfg.options.inputs {
        words.extend([
            "--input".to_string(),
            word(&format!("{}={}", i.name, i.display())),
        ]);
    }
    for (k, v) in cfg
        .vars
        .iter()
        .filter(|(k, _)| !cfg.implicit_vars.contains(k))
    {
        words.extend(["--var".to_string(), word(&format!("{k}={v}"))]);
    }
    words.join(" ")
}

/// Writes the HTML report, when asked, whatever the run's outcome.
fn write_html(
    report: &crate::engine::RunReport,
    html: Option<&std::path::Path>,
    quiet: bool,
) -> u8 {
    let Some(path) = html else {
        return exit::OK;
    };
    if let Err(e) = crate::workflow::report::write(report, path) {
        eprintln!("error: {e}");
        return exit::FAILURE;
    }
    if !quiet {
        println!("report {}", path.display());
    }
    exit::OK
}

/// A run refused before it starts (its mapping): `report.json` and the HTML report say so.
fn refuse(
    src: &SourceFile,
    output: &FeedOutput,
    message: String,
    html: Option<&std::path::Path>,
    quiet: bool,
) {
    let done = engine::refuse_run(src, output, RefusalCause::Mapping, message);
    if let Some(e) = &done.error {
        eprintln!("error: {}", describe(e));
    }
    write_html(&done.report, html, quiet);
}

fn run_one(cfg: RunConfig, quiet: bool, html: Option<&std::path::Path>, explain: String) -> u8 {
    let src = match load_mapping(cfg.mapping.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            let name = cfg
                .mapping
                .as_ref()
                .map(|m| m.display().to_string())
                .unwrap_or_default();
            refuse(
                &SourceFile::new(name, ""),
                &cfg.output,
                format!("cannot read the mapping: {e}"),
                html,
                quiet,
            );
            return exit::USAGE;
        }
    };
    let checked = match checked(&src, cfg.vars, cfg.implicit_vars) {
        Ok(c) => c,
        Err(code) => {
            let message = format!("the mapping has errors (see `clerkmap check {}`)", src.name);
            refuse(&src, &cfg.output, message, html, quiet);
            return code;
        }
    };
    let output = cfg.output;
    let mut options = cfg.options;
    options.profile = html.is_some();
    options.explain = Some(explain);
    options.mapping_warnings = checked.warnings.iter().map(|d| d.short(&src)).collect();
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    options.progress = Some(counter.clone());
    let progress = (!quiet).then(|| {
        super::progress::run::RunProgress::start(
            super::progress::run::block_sources(&checked.program, &options.inputs),
            counter,
        )
    });
    let done = engine::run_reported(&checked.program, &src, &options, &output);
    if let Some(p) = progress {
        p.finish();
    }
    // The accounting, on every outcome, in one place.
    if !quiet && !done.report.entities.is_empty() {
        print!("{}", done.report);
    }
    let code = match &done.error {
        None => {
            if !quiet {
                println!("wrote {}", output.dir.display());
            }
            exit::OK
        }
        Some(e) => {
            eprintln!("error: {}", describe(e));
            code_of(e)
        }
    };
    code.max(write_html(&done.report, html, quiet))
}

/// A run error as the command line says it: inputs are `--input NAME=PATH` flags.
pub(crate) fn describe(e: &RunError) -> String {
    let RunError::Inputs(problem) = e else {
        return e.to_string();
    };
    match problem {
        InputProblem::Twice(name) => format!("--input `{name}` is given twice"),
        InputProblem::Unknown { name, .. } => {
            let neutral = problem.to_string();
            let rest = neutral.split_once(": ").map_or("", |(_, r)| r);
            format!("--input `{name}`: {rest}")
        }
        InputProblem::MissingTable { entity, table } => format!(
            "the `{}` block looks up table `{table}`, but no --input {table}=PATH is given",
            entity.name()
        ),
        InputProblem::NoFormat { name, file } => format!(
            "cannot tell the format of `{file}` from its extension: use .json, .ndjson, .csv, .tsv or .xml, or state it with --input-format {name}=csv"
        ),
        InputProblem::NothingToDo { sources } => {
            let flags: Vec<String> = sources
                .iter()
                .map(|s| format!("--input {s}=PATH"))
                .collect();
            format!("nothing to do: give at least one of {}", flags.join(", "))
        }
    }
}

/// The exit code of a failed run (`push --input`); prints the report of an aborted one (what
/// was rejected) on stderr, where `push` prints its accounting.
pub(crate) fn exit_code(e: &RunError) -> u8 {
    if let RunError::Aborted { report, .. } = e {
        eprint!("{report}");
    }
    code_of(e)
}

/// The exit code of a failed run.
fn code_of(e: &RunError) -> u8 {
    match e {
        RunError::Inputs(_) => exit::USAGE,
        RunError::Source(_) => exit::INPUT,
        RunError::Aborted { .. } | RunError::Shrink(_) => exit::TOO_MANY_REJECTS,
        RunError::Output(_) | RunError::Internal(_) => exit::FAILURE,
    }
}

//! `clerkmap run`: flags and the project file merged into one configuration per store, then
//! the engine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;

use super::term::Ui;
use super::why::{ExplainBase, InputPaths, Why};
use super::{
    Vars, checked, config, denied, exit, is_stdin, load_mapping, parse_pair, short_warnings,
};
use crate::clerk::Entity;
use crate::diagnostic::{Code, SourceFile, render_all};
use crate::engine::report::RefusalCause;
use crate::engine::{
    self, FeedOutput, Format, Input, InputProblem, OutputFormat, RunError, RunOptions,
};
use crate::plan::Lenient;
use crate::workflow::report::Destination;

/// The path a `-` input is read from: standard input, streamed as a pipe or a file is.
pub(crate) const STDIN_PATH: &str = "/dev/stdin";

#[derive(Args, Debug, Default, Clone)]
#[command(after_help = super::exit_codes_help())]
pub(crate) struct RunArgs {
    /// The mapping file, `-` for standard input (default: the built-in Passweb mapping, or
    /// `mapping:` in the project file).
    pub mapping: Option<PathBuf>,
    /// A source: NAME is the name after `from` (or a lookup table), PATH a file (.json,
    /// .ndjson/.jsonl, .csv/.txt, .tsv, .xml), a named pipe, or `-` for standard input.
    #[arg(short, long = "input", value_name = "NAME=PATH", value_parser = parse_pair)]
    pub inputs: Vec<(String, String)>,
    /// The format of an input whose extension does not tell (standard input has none): json,
    /// ndjson, csv, tsv, "csv;", "csv,", xml or xml:ITEM (xmlns, xmlns:ITEM: names keep their
    /// namespace prefix).
    #[arg(long = "input-format", value_name = "NAME=FORMAT", value_parser = parse_pair)]
    pub input_formats: Vec<(String, String)>,
    /// Output directory (created if needed); `-` writes the one feed of the run to standard
    /// output as NDJSON (the accounting then goes to stderr).
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Only these entities (comma-separated): products,categories,orders,customers,pages. The
    /// inputs of the blocks left out may still be given: they are not read.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_entity)]
    pub entities: Vec<Entity>,
    /// Set a mapping variable, read with var("KEY", default); a variable the mapping never
    /// reads is an error.
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
    /// Warnings are errors (exit 2, before any record is mapped), W003 (a record path no record
    /// of the inputs has) included: for CI.
    #[arg(long)]
    pub deny_warnings: bool,
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
    /// Run again each time the mapping, the project file or an input changes (Ctrl-C stops).
    #[arg(long)]
    pub watch: bool,
}

/// `--entities`: a Clerk type's name.
pub(crate) fn parse_entity(s: &str) -> Result<Entity, String> {
    Entity::parse(s.trim()).ok_or_else(|| {
        format!("`{s}` is not one of products, categories, orders, customers, pages")
    })
}

/// The `run` settings after merging the project file and the flags: one per store.
pub(crate) struct RunConfig {
    /// The store's name, for a multi-store project file.
    pub store: Option<String>,
    pub mapping: Option<PathBuf>,
    /// The vars, where each was set, and those set for a store rather than by the user.
    pub vars: Vars,
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
    lenient: &mut BTreeMap<String, Lenient>,
) -> Result<(), String> {
    for (name, entry) in entries {
        inputs.insert(name.clone(), entry.path().to_path_buf());
        match entry.lenient(&format!("{what}.{name}"))? {
            Some(l) => lenient.insert(name.clone(), l),
            None => lenient.remove(name),
        };
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

/// Adds the `vars:` of a project file (`what`: `vars` or `stores.NAME.vars`) in `file`.
fn add_vars(
    what: &str,
    file: &str,
    from: &BTreeMap<String, serde_norway::Value>,
    vars: &mut Vars,
) -> Result<(), String> {
    for (k, v) in from {
        let s = config::var_string(v)
            .ok_or_else(|| format!("{what}.{k} must be a string, number or bool"))?;
        vars.values.insert(k.clone(), s);
        vars.origins
            .insert(k.clone(), format!("`{what}.{k}` in {file}"));
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
    /// `lenient:` of the project file's inputs.
    lenient: BTreeMap<String, Lenient>,
    vars: Vars,
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
    let file = a
        .config
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let mut sources = Sources::default();
    add_vars("vars", &file, &project.vars, &mut sources.vars)?;
    add_entries(
        "inputs",
        &project.inputs,
        &mut sources.inputs,
        &mut sources.formats,
        &mut sources.lenient,
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
            now: Some(super::now()),
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
        let store_sources = store_sources(&project.stores, store, is_default, &sources, &file)?;
        let out_dir = store.out.clone().unwrap_or_else(|| out.join(&store.name));
        configs.push(shared.config(store_sources, out_dir, Some(store.name.clone()))?);
    }
    Ok(configs)
}

/// The `--input`, `--input-format` and `--var` flags; an input given twice is an error, and
/// so are two inputs reading standard input.
fn flag_sources(
    inputs: Vec<(String, String)>,
    formats: &[(String, String)],
    vars: &[(String, String)],
) -> Result<Sources, String> {
    let mut flags = Sources::default();
    let stdin: Vec<&str> = inputs
        .iter()
        .filter(|(_, p)| p == "-")
        .map(|(n, _)| n.as_str())
        .collect();
    if stdin.len() > 1 {
        return Err(format!(
            "--input {}=- and --input {}=-: only one input can read standard input",
            stdin[0], stdin[1]
        ));
    }
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
    flags.vars = Vars::from_flags(vars);
    Ok(flags)
}

/// The sources of one store of a multi-store project: the project file's, then the store's
/// inputs and vars, then the [`STORE_VARS`].
fn store_sources(
    stores: &[config::Store],
    store: &config::Store,
    is_default: bool,
    project: &Sources,
    file: &str,
) -> Result<Sources, String> {
    let mut s = project.clone();
    add_entries(
        &format!("stores.{}.inputs", store.name),
        &store.inputs,
        &mut s.inputs,
        &mut s.formats,
        &mut s.lenient,
    )?;
    add_vars(
        &format!("stores.{}.vars", store.name),
        file,
        &store.vars,
        &mut s.vars,
    )?;
    let others: Vec<&str> = stores
        .iter()
        .filter(|o| o.name != store.name)
        .flat_map(|o| o.countries.iter().map(String::as_str))
        .collect();
    let values = &mut s.vars.values;
    values.insert("store".into(), store.name.clone());
    if let Some(lang) = &store.language {
        values.insert("language".into(), lang.clone());
    }
    values.insert("store_countries".into(), store.countries.join(","));
    values.insert("other_store_countries".into(), others.join(","));
    values.insert("is_default_store".into(), is_default.to_string());
    s.vars.implicit = STORE_VARS.iter().map(|v| v.to_string()).collect();
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
        sources.vars.values.extend(self.flags.vars.values.clone());
        sources.vars.origins.extend(self.flags.vars.origins.clone());
        let Sources {
            inputs,
            formats,
            lenient,
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
                let path = if is_stdin(&path) {
                    PathBuf::from(STDIN_PATH)
                } else {
                    path
                };
                let strictness = lenient.get(&name).copied();
                Input::file(name, path)
                    .with_format(format)
                    .with_lenient(strictness)
                    .with_max_record_bytes(self.options.max_record_bytes)
            })
            .collect();
        Ok(RunConfig {
            store,
            mapping: self.mapping.clone(),
            vars,
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

/// What `run` does besides mapping, the same for every store.
struct Extras<'a> {
    /// `--report FILE` (per store: `report-NAME.html`).
    html: Option<&'a Path>,
    /// `--deny-warnings`.
    deny_warnings: bool,
    /// `--entities`.
    entities: &'a [Entity],
    /// `--out -`.
    to_stdout: bool,
    /// The flags that name the run, for the explain commands of its rejects.
    explain: &'a ExplainBase,
}

/// The flags that name the run's mapping and inputs, for the explain commands of its rejects.
fn explain_base(a: &RunArgs) -> ExplainBase {
    ExplainBase {
        config: a.config.clone(),
        store: None,
        mapping: a.mapping.clone(),
        inputs: a.inputs.clone(),
        input_formats: a.input_formats.clone(),
        vars: a.vars.clone(),
        max_record_bytes: a.max_record_bytes,
    }
}

/// Runs `clerkmap run`; returns the exit code.
pub(crate) fn cmd_run(a: RunArgs, ui: &Ui) -> u8 {
    if a.watch {
        return super::watch::run(a, ui);
    }
    run_once(a, ui)
}

/// One run (`--watch`: one of many).
pub(crate) fn run_once(a: RunArgs, ui: &Ui) -> u8 {
    let html = a.report.clone();
    let explain = explain_base(&a);
    let deny_warnings = a.deny_warnings;
    let entities = a.entities.clone();
    let to_stdout = a.out.as_deref().is_some_and(is_stdin);
    if to_stdout && a.format.is_some_and(|f| f != OutputFormat::Ndjson) {
        ui.error("--out - writes the feed to standard output as NDJSON: leave out --format");
        return exit::USAGE;
    }
    if a.mapping.as_deref().is_some_and(is_stdin)
        && let Some((name, _)) = a.inputs.iter().find(|(_, p)| p == "-")
    {
        ui.error(format!(
            "the mapping and --input {name} both read standard input: only one of them can"
        ));
        return exit::USAGE;
    }
    let configs = match run_configs(a) {
        Ok(c) => c,
        Err(e) => {
            ui.error(e);
            return exit::USAGE;
        }
    };
    if to_stdout && configs.len() > 1 {
        ui.error(
            "--out - writes one feed to standard output, but the project has several stores: give each its directory",
        );
        return exit::USAGE;
    }
    // Each mapping is read once (standard input can be read only once).
    let mut sources: BTreeMap<Option<PathBuf>, crate::diagnostic::SourceFile> = BTreeMap::new();
    let mut worst = exit::OK;
    for cfg in configs {
        if let Some(store) = &cfg.store {
            ui.say(format!("== store {store} -> {}", cfg.output.dir.display()));
        }
        let src = match sources.get(&cfg.mapping) {
            Some(s) => s.clone(),
            None => match load_mapping(cfg.mapping.as_deref()) {
                Ok(s) => {
                    sources.insert(cfg.mapping.clone(), s.clone());
                    s
                }
                Err(e) => {
                    ui.error(e);
                    return exit::USAGE;
                }
            },
        };
        // One HTML report per store: report-it.html, report-de.html.
        let html = html.as_ref().map(|p| match &cfg.store {
            Some(store) => crate::workflow::report::store_path(p, store),
            None => p.clone(),
        });
        let explain = ExplainBase {
            store: cfg.store.clone(),
            ..explain.clone()
        };
        let extras = Extras {
            html: html.as_deref(),
            deny_warnings,
            entities: &entities,
            to_stdout,
            explain: &explain,
        };
        worst = worst.max(run_one(cfg, &src, ui, &extras));
    }
    worst
}

/// Keeps only the blocks of `entities` (all when empty); an entity the mapping has no block
/// for is an error. The inputs only the blocks left out read are taken out of `inputs`, not
/// read: a note says so for each.
pub(crate) fn only_entities(
    program: &mut crate::plan::Program,
    entities: &[Entity],
    inputs: &mut Vec<Input>,
    ui: &Ui,
) -> Result<(), String> {
    if entities.is_empty() {
        return Ok(());
    }
    if let Some(e) = entities
        .iter()
        .find(|e| !program.blocks.iter().any(|b| b.entity == **e))
    {
        let has: Vec<&str> = program.blocks.iter().map(|b| b.entity.name()).collect();
        return Err(format!(
            "--entities {}: the mapping has no `{}` block (it has {})",
            e.name(),
            e.name(),
            has.join(", ")
        ));
    }
    program.keep_blocks(|b| entities.contains(&b.entity));
    inputs.retain(|i| {
        let only = program.read_only_by_left_out(&i.name);
        if only.is_empty() {
            return true;
        }
        let blocks: Vec<String> = only
            .iter()
            .map(|b| format!("`{}`", b.entity.name()))
            .collect();
        let what = match blocks.len() {
            1 => "block that reads it is",
            _ => "blocks that read it are",
        };
        ui.note(format!(
            "input `{}` is not read: the {} {what} left out by --entities",
            i.name,
            blocks.join(" and "),
        ));
        false
    });
    Ok(())
}

/// An input reading standard input that more than one part of the run reads (a lookup table
/// and a block, two blocks: `orders` and `customers` from one export) would find the pipe
/// consumed by the first: it is copied once into a temporary file, which they all read (and
/// which a grouped block can read again). The file goes when the returned path is dropped.
pub(crate) fn read_stdin_once(
    inputs: &mut [Input],
    program: &crate::plan::Program,
) -> Result<Option<tempfile::TempPath>, String> {
    let Some(input) = inputs
        .iter_mut()
        .find(|i| i.origin.path() == Some(Path::new(STDIN_PATH)))
    else {
        return Ok(None);
    };
    let tables = program
        .tables
        .iter()
        .filter(|t| t.input == input.name)
        .count();
    let blocks = program
        .blocks
        .iter()
        .filter(|b| b.source == input.name)
        .count();
    if tables.min(1) + blocks < 2 {
        return Ok(None);
    }
    let cannot = |e: std::io::Error| {
        format!(
            "--input {}=-: standard input is read by {} parts of the run, so it is copied into a temporary file first, which failed: {e} (give the input as a file)",
            input.name,
            tables.min(1) + blocks
        )
    };
    let mut file = tempfile::Builder::new()
        .prefix("clerkmap-stdin-")
        .tempfile()
        .map_err(cannot)?;
    std::io::copy(&mut std::io::stdin().lock(), &mut file).map_err(cannot)?;
    let path = file.into_temp_path();
    let mut copy = Input::file(input.name.clone(), path.to_path_buf())
        .shown_as(super::STDIN_NAME)
        .with_format(input.format.clone())
        .with_max_record_bytes(input.max_record_bytes)
        .with_lenient(input.lenient);
    std::mem::swap(input, &mut copy);
    Ok(Some(path))
}

/// With `--out -`: the one entity the run writes, or why there is not exactly one.
fn single_entity(program: &crate::plan::Program, inputs: &[Input]) -> Result<(), String> {
    let writing: Vec<&str> = program
        .blocks
        .iter()
        .filter(|b| inputs.iter().any(|i| i.name == b.source))
        .map(|b| b.entity.name())
        .collect();
    if writing.len() > 1 {
        let choices: Vec<String> = writing.iter().map(|e| format!("--entities {e}")).collect();
        return Err(format!(
            "--out - writes one feed to standard output, but this run would write {}: choose one with {}",
            writing.join(" and "),
            choices.join(" or ")
        ));
    }
    Ok(())
}

fn run_one(cfg: RunConfig, src: &crate::diagnostic::SourceFile, ui: &Ui, x: &Extras) -> u8 {
    let mut checked = match checked(ui, src, &cfg.vars, x.deny_warnings) {
        Ok(c) => c,
        Err(code) => {
            // With `--out -` there is no output directory to say it in: the diagnostics on
            // stderr and the exit code say it.
            if !x.to_stdout {
                let message = format!("the mapping has errors (see `clerkmap check {}`)", src.name);
                refuse(src, &cfg.output, message, x, ui);
            }
            return code;
        }
    };
    let mut options = cfg.options;
    let mut _stdin_copy = None;
    let prepared = only_entities(&mut checked.program, x.entities, &mut options.inputs, ui)
        .and_then(|()| {
            _stdin_copy = read_stdin_once(&mut options.inputs, &checked.program)?;
            Ok(())
        })
        .and_then(|()| {
            if x.to_stdout {
                single_entity(&checked.program, &options.inputs)
            } else {
                Ok(())
            }
        });
    if let Err(e) = prepared {
        ui.error(e);
        return exit::USAGE;
    }
    // `--out -`: the feed is written into a private directory, then copied to stdout whole,
    // so that a run that fails writes nothing there.
    let mut _tmp = None;
    let output = if x.to_stdout {
        match tempfile::Builder::new().prefix("clerkmap-out-").tempdir() {
            Ok(t) => {
                let output = FeedOutput {
                    format: OutputFormat::Ndjson,
                    // Nothing to compare with: there is no previous feed on stdout.
                    allow_shrink: true,
                    ..FeedOutput::new(t.path())
                };
                _tmp = Some(t);
                output
            }
            Err(e) => {
                ui.error(format!("cannot create a temporary directory: {e}"));
                return exit::FAILURE;
            }
        }
    } else {
        cfg.output
    };
    options.profile = x.html.is_some();
    options.explain = Some(x.explain.run_prefix());
    options.mapping_warnings = short_warnings(&checked, src);
    // Paths no record has (W003), from the first records of the input files: errors with
    // --deny-warnings, which refuse the run before any record is mapped.
    let paths = InputPaths::scan_for_run(src, &options.inputs);
    if x.deny_warnings && !paths.warnings.is_empty() {
        let errors: Vec<_> = paths.warnings.iter().cloned().map(denied).collect();
        ui.diagnostics(&render_all(&errors, src, ui.stderr_color()));
        if !x.to_stdout {
            // what the warnings are about: paths no record has, texts compared with numbers
            let mut what = Vec::new();
            if paths.warnings.iter().any(|w| w.code == Code::UnknownPath) {
                what.push("reads record paths that no record of its inputs has (W003)");
            }
            if paths
                .warnings
                .iter()
                .any(|w| w.code == Code::TextComparedWithNumber)
            {
                what.push("compares texts of its inputs with numbers or bools (W008)");
            }
            let message = format!(
                "the mapping {}, and --deny-warnings makes warnings errors (see `clerkmap check {} --input ...`)",
                what.join(" and "),
                src.name
            );
            refuse(src, &output, message, x, ui);
        }
        return exit::USAGE;
    }
    if !ui.quiet() {
        paths.print(src, ui.stderr_color());
    }
    options.mapping_warnings.extend(paths.short(src));
    let why = Why {
        src,
        program: &checked.program,
        paths: &paths,
        explain: x.explain,
        out_dir: (!x.to_stdout).then_some(output.dir.as_path()),
    };
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    options.progress = Some(counter.clone());
    let progress = (!ui.quiet()).then(|| {
        super::progress::run::RunProgress::start(
            super::progress::run::block_sources(&checked.program, &options.inputs),
            counter,
        )
    });
    let done = engine::run_reported(&checked.program, src, &options, &output);
    if let Some(p) = progress {
        p.finish();
    }
    let report = &done.report;
    // The accounting, on every outcome, in one place.
    if !report.entities.is_empty() {
        // A run that stopped wrote no feed, whatever it mapped; the blocks after the one it
        // stopped at never ran.
        let to = match (&done.error, x.to_stdout) {
            (Some(_), _) => Some("no feed written"),
            (None, true) => Some("standard output"),
            (None, false) => None,
        };
        let mut summary = super::summary::run_report(report, to);
        if done.error.is_some() {
            for b in &checked.program.blocks {
                let ran = report.entities.iter().any(|e| e.entity == b.entity)
                    || report.skipped.iter().any(|s| s.entity == b.entity);
                if !ran {
                    summary.push_str(&format!(
                        "{}: not run (the run stopped before it)\n",
                        b.entity.name()
                    ));
                }
            }
        }
        // On stdout whatever the outcome (stdout carries the feed with `--out -`).
        if x.to_stdout {
            ui.note(summary.trim_end());
        } else {
            ui.say_text(&summary);
        }
    }
    for w in super::summary::run_warnings(report, &options.mapping_warnings) {
        ui.warning(w);
    }
    let code = match &done.error {
        Some(e) => {
            ui.error(match e {
                // With `--out -` the rejects are in a temporary directory gone with the run:
                // the reasons are printed below.
                RunError::Aborted { abort, .. } if x.to_stdout => format!(
                    "{}; nothing was written to standard output (the reasons are below)",
                    abort.cause()
                ),
                _ => describe_run(e, x.explain),
            });
            code_of(e)
        }
        None if x.to_stdout => match copy_feed(report, &output.dir) {
            Ok(()) => exit::OK,
            Err(e) => {
                ui.error(e);
                exit::FAILURE
            }
        },
        None => {
            ui.say(format!("wrote {}", output.dir.display()));
            for f in &report.files {
                ui.detail(format!("  {f}"));
            }
            exit::OK
        }
    };
    if done.error.is_some() || !ui.quiet() {
        why.print(report);
    }
    code.max(write_html(report, x.html, ui, x.to_stdout))
}

/// Writes the HTML report, when asked, whatever the run's outcome.
fn write_html(
    report: &crate::engine::RunReport,
    html: Option<&Path>,
    ui: &Ui,
    to_stdout: bool,
) -> u8 {
    let Some(path) = html else {
        return exit::OK;
    };
    let to = if to_stdout {
        Destination::Stdout
    } else {
        Destination::Dir
    };
    if let Err(e) = crate::workflow::report::write(report, path, to) {
        ui.error(e);
        return exit::FAILURE;
    }
    if to_stdout {
        ui.note(format!("report {}", path.display()));
    } else {
        ui.say(format!("report {}", path.display()));
    }
    exit::OK
}

/// A run refused before it starts (its mapping): `report.json` and the HTML report say so.
fn refuse(src: &SourceFile, output: &FeedOutput, message: String, x: &Extras, ui: &Ui) {
    let done = engine::refuse_run(src, output, RefusalCause::Mapping, message);
    if let Some(e) = &done.error {
        ui.error(describe(e));
    }
    write_html(&done.report, x.html, ui, x.to_stdout);
}

/// `--out -`: the run's one feed file, copied to stdout (a reader that stops early is fine).
fn copy_feed(report: &engine::RunReport, dir: &Path) -> Result<(), String> {
    let Some(name) = report
        .entities
        .iter()
        .map(|e| e.output.as_str())
        .find(|o| !o.is_empty())
    else {
        return Ok(());
    };
    let path = dir.join(name);
    let mut file = std::fs::File::open(&path)
        .map_err(|e| format!("cannot read the feed {}: {e}", path.display()))?;
    let mut out = std::io::stdout().lock();
    match std::io::copy(&mut file, &mut out).and_then(|_| std::io::Write::flush(&mut out)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("cannot write the feed to standard output: {e}")),
    }
}

/// A run error as `run` says it: an input that is not a flag is named as the project file's.
fn describe_run(e: &RunError, flags: &ExplainBase) -> String {
    let (RunError::Inputs(problem), Some(config)) = (e, &flags.config) else {
        return describe(e);
    };
    let from = |name: &str| format!("input `{name}` (from {})", config.display());
    match problem {
        InputProblem::Unknown { name, known } if !flags.inputs.iter().any(|(n, _)| n == name) => {
            format!(
                "{}: the mapping has no source or lookup table of that name; {}",
                from(name),
                crate::engine::unknown_hint(name, known)
            )
        }
        InputProblem::TableName { name, input } if !flags.inputs.iter().any(|(n, _)| n == name) => {
            format!(
                "{}: {}; give its file as input `{input}`",
                from(name),
                crate::engine::table_name_hint(name, input)
            )
        }
        _ => describe(e),
    }
}

/// A run error as the command line says it: inputs are `--input NAME=PATH` flags.
pub(crate) fn describe(e: &RunError) -> String {
    let RunError::Inputs(problem) = e else {
        return e.to_string();
    };
    match problem {
        InputProblem::Twice(name) => format!("--input `{name}` is given twice"),
        InputProblem::Unknown { name, known } => format!(
            "--input `{name}`: the mapping has no source or lookup table of that name; {}",
            crate::engine::unknown_hint(name, known)
        ),
        InputProblem::TableName { name, input } => format!(
            "--input `{name}`: {}; give its file as --input {input}=PATH",
            crate::engine::table_name_hint(name, input)
        ),
        InputProblem::MissingTable {
            entity,
            table,
            input,
            via,
        } => format!(
            "the `{}` block looks up {}{}, but no --input {input}=PATH is given",
            entity.name(),
            crate::engine::table_read_from(table, input),
            crate::engine::through(via)
        ),
        InputProblem::NoFormat { name, file }
            if file == STDIN_PATH || file == super::STDIN_NAME =>
        {
            format!(
                "--input {name}=-: standard input has no extension to tell its format: state it with --input-format {name}=ndjson (or json, csv, tsv, xml)"
            )
        }
        InputProblem::NoFormat { name, file } if Path::new(file).is_dir() => {
            let mut inside: Vec<String> = std::fs::read_dir(file)
                .into_iter()
                .flatten()
                .flatten()
                .filter(|e| crate::engine::Format::from_path(&e.path()).is_some())
                .filter_map(|e| e.file_name().to_str().map(String::from))
                .collect();
            inside.sort();
            let hint = match inside.as_slice() {
                [] => "give the path of an export file".to_string(),
                some => format!(
                    "give one of its files: {}",
                    some.iter()
                        .take(5)
                        .map(|n| format!("--input {name}={}", Path::new(file).join(n).display()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            format!("--input {name}={file}: `{file}` is a directory, not an export file: {hint}")
        }
        InputProblem::NoFormat { name, file } => format!(
            "cannot tell the format of `{file}` from its extension ({}): state it with --input-format {name}=csv (the formats: {})",
            crate::engine::input::EXTENSIONS,
            crate::engine::input::FORMAT_NAMES
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

/// The exit code of a failed `push --input` run; prints the accounting of an aborted one
/// (what was rejected; no file, since it mapped into a temporary directory) on stderr, with
/// the warnings of the run that are not the mapping's (`mapping`: printed already).
pub(crate) fn exit_code(ui: &Ui, e: &RunError, mapping: &[String]) -> u8 {
    if let RunError::Aborted { report, .. } = e {
        ui.note(super::summary::run_report(report, Some("")).trim_end());
        for w in super::summary::run_warnings(report, mapping) {
            ui.warning(w);
        }
    }
    code_of(e)
}

/// The exit code of a failed run.
pub(crate) fn code_of(e: &RunError) -> u8 {
    match e {
        RunError::Inputs(_) => exit::USAGE,
        RunError::Source(_) => exit::INPUT,
        RunError::Aborted { .. } | RunError::Shrink(_) => exit::TOO_MANY_REJECTS,
        RunError::Output(_) | RunError::Internal(_) => exit::FAILURE,
    }
}

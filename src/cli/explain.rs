//! `clerkmap explain`: one record through the mapping, attribute by attribute.

use crate::cli::term::outln;
use std::path::PathBuf;

use clap::Args;

use super::term::Ui;
use super::{checked, exit, load_mapping, parse_pair};
use crate::check::CompileOptions;
use crate::clerk::Entity;
use crate::diagnostic::Code;
use crate::engine::{InputProblem, RunError};
use crate::syntax;
use crate::workflow::explain::{self, ExplainError, Request, Target};

#[derive(Args, Debug, Clone)]
#[command(after_help = format!("\
Example:
  clerkmap explain --input articoli=mappings/sample/articoli.ndjson \\
                   --input categorie=mappings/sample/categorie.csv --id GON000001

For each statement of the block: its text and place in the mapping, the value it gave, the
record paths it read with their values, and the names it used. Then whether the record is
written (and the Clerk record), filtered (by which `where`) or rejected (why).

`clerkmap explain E003` explains a diagnostic code of `clerkmap check`.\n\n{}", super::exit_codes_help()))]
pub struct ExplainArgs {
    /// The mapping file (default: the built-in Passweb mapping); or a diagnostic code (E003)
    /// to explain that code.
    pub mapping: Option<PathBuf>,
    /// A source, as for `run`: NAME is the name after `from` (or a lookup table).
    #[arg(short, long = "input", value_name = "NAME=PATH", value_parser = parse_pair)]
    pub inputs: Vec<(String, String)>,
    /// The format of an input whose extension does not tell.
    #[arg(long = "input-format", value_name = "NAME=FORMAT", value_parser = parse_pair)]
    pub input_formats: Vec<(String, String)>,
    /// The record whose `id` attribute is CODE.
    #[arg(long, value_name = "CODE")]
    pub id: Option<String>,
    /// The record at this line (NDJSON, CSV) or record number (JSON, XML) of the input.
    #[arg(long, value_name = "N", conflicts_with = "id")]
    pub line: Option<u64>,
    /// The block to explain: products, categories, orders, customers or pages (default:
    /// products when its source is given, else the only block that can run).
    #[arg(short, long, value_name = "ENTITY")]
    pub entity: Option<String>,
    /// Set a mapping variable, read with var("KEY", default).
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_pair)]
    pub vars: Vec<(String, String)>,
    /// Take the mapping, inputs and vars from a project file (flags given here win).
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// With a multi-store project file: the store (default: the first).
    #[arg(long, value_name = "NAME", requires = "config")]
    pub store: Option<String>,
    /// The most bytes one record may take in its file, as for `run` (default 64MiB).
    #[arg(long, value_name = "SIZE", value_parser = crate::engine::limits::parse_bytes)]
    pub max_record_bytes: Option<u64>,
    /// Run again each time the mapping, the project file or an input changes (Ctrl-C stops).
    #[arg(long)]
    pub watch: bool,
}

/// The mapping, vars and inputs of the flags, merged with those of `-c FILE` (one store) as
/// `run` merges them.
fn from_project(a: &ExplainArgs) -> Result<super::run::RunConfig, String> {
    let run_args = super::RunArgs {
        mapping: a.mapping.clone(),
        inputs: a.inputs.clone(),
        input_formats: a.input_formats.clone(),
        out: Some(PathBuf::from(".")),
        vars: a.vars.clone(),
        max_record_bytes: a.max_record_bytes,
        config: a.config.clone(),
        ..Default::default()
    };
    let configs = super::run::run_configs(run_args)?;
    let names: Vec<String> = configs.iter().filter_map(|c| c.store.clone()).collect();
    match &a.store {
        None => configs
            .into_iter()
            .next()
            .ok_or_else(|| "the project file has no run".to_string()),
        Some(name) => configs
            .into_iter()
            .find(|c| c.store.as_deref() == Some(name.as_str()))
            .ok_or_else(|| {
                format!(
                    "--store {name}: the project's stores are {}",
                    names.join(", ")
                )
            }),
    }
}

/// `clerkmap explain E003`: what the code means and the usual fix.
fn explain_code(a: &ExplainArgs) -> Option<u8> {
    let text = a.mapping.as_ref()?.to_str()?;
    let code = Code::parse(text)?;
    if std::path::Path::new(text).exists() {
        return None;
    }
    outln!("{code}: {}\n\n{}", code.title(), code.explanation());
    Some(exit::OK)
}

pub(crate) fn cmd(a: ExplainArgs, ui: &Ui) -> u8 {
    let is_code = a
        .mapping
        .as_ref()
        .and_then(|m| m.to_str())
        .and_then(Code::parse)
        .is_some();
    if a.watch && !is_code {
        let (mapping, config) = (a.mapping.as_deref(), a.config.as_deref());
        return super::watch::watch_mapping(ui, mapping, &a.inputs, config, || {
            explain_once(a.clone(), ui)
        });
    }
    explain_once(a, ui)
}

/// One explanation (`--watch`: one of many).
fn explain_once(a: ExplainArgs, ui: &Ui) -> u8 {
    if let Some(code) = explain_code(&a) {
        return code;
    }
    let entity = match &a.entity {
        None => None,
        Some(e) => match Entity::parse(e) {
            Some(e) => Some(e),
            None => {
                let names = Entity::ALL.map(Entity::name);
                ui.error(format!(
                    "--entity `{e}` is not a Clerk type: use one of {}",
                    names.join(", ")
                ));
                return exit::USAGE;
            }
        },
    };
    let (mapping, inputs, vars) = match from_project(&a) {
        Ok(cfg) => (cfg.mapping, cfg.options.inputs, cfg.vars),
        Err(e) => {
            ui.error(e);
            return exit::USAGE;
        }
    };
    if inputs.is_empty() {
        ui.error("no input: give the record's source with --input NAME=PATH (e.g. --input articoli=articoli.ndjson)");
        return exit::USAGE;
    }
    for i in &inputs {
        if let Some(path) = i.origin.path().filter(|p| !p.exists()) {
            ui.error(format!(
                "--input {}={}: no such file",
                i.name,
                path.display()
            ));
            return exit::INPUT;
        }
    }
    let src = match load_mapping(mapping.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            ui.error(e);
            return exit::USAGE;
        }
    };
    let checked = match checked(ui, &src, &vars, false) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let file = match syntax::parse(&src.text) {
        Ok(f) => f,
        Err(_) => return exit::USAGE,
    };
    let opts = CompileOptions {
        vars: vars.values,
        env: None,
        implicit_vars: vars.implicit,
        now: Some(super::now()),
    };
    let target = match (a.id, a.line) {
        (_, Some(n)) => Target::Line(n),
        (Some(id), None) => Target::Id(id),
        (None, None) => {
            ui.error("say which record with --id CODE or --line N");
            return exit::USAGE;
        }
    };
    // Read as a run reads them: the mapping's `input NAME lenient` where the flags say nothing.
    let inputs: Vec<_> = inputs
        .into_iter()
        .map(|i| i.with_mapping_lenient(&checked.program))
        .collect();
    let req = Request {
        src: &src,
        file: &file,
        program: &checked.program,
        opts: &opts,
        inputs: &inputs,
        entity,
        target,
    };
    match explain::explain(&req) {
        Ok(x) => {
            ui.result(&x.render());
            exit::OK
        }
        Err(e) => {
            ui.error(describe(&e));
            exit::USAGE
        }
    }
}

/// `entity (--input source=PATH), ...`
fn block_list(blocks: &[(Entity, String)]) -> String {
    blocks
        .iter()
        .map(|(e, source)| format!("{} (--input {source}=PATH)", e.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An explain error as the command line says it.
fn describe(e: &ExplainError) -> String {
    match e {
        ExplainError::NoBlock { entity, blocks } => format!(
            "the mapping has no `{}` block; it has {}",
            entity.name(),
            block_list(blocks)
        ),
        ExplainError::SourceNotGiven { entity, source } => format!(
            "the `{}` block reads `{source}`: give it with --input {source}=PATH",
            entity.name()
        ),
        ExplainError::NothingRuns { blocks } => format!(
            "no block of the mapping reads the inputs given; give one of: {}",
            block_list(blocks)
        ),
        ExplainError::Ambiguous { blocks } => format!(
            "several blocks can run: {}; say which with --entity",
            block_list(blocks)
        ),
        ExplainError::NotFound(msg) => msg.clone(),
        ExplainError::Run(RunError::Inputs(InputProblem::MissingTable {
            entity,
            table,
            input,
            via,
        })) => format!(
            "the `{}` block looks up {}{}: give it with --input {input}=PATH",
            entity.name(),
            crate::engine::table_read_from(table, input),
            crate::engine::through(via)
        ),
        ExplainError::Run(e) => super::run::describe(e),
    }
}

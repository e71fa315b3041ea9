//! `clerkmap check`: a mapping checked without reading any record, with the vars it would run
//! with: those of `--var`, of `-c clerkmap.yaml` (or `./clerkmap.yaml` when no mapping is
//! named), each store's.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::json;
use clap::Args;

use super::term::{MessageFormat, Ui};
use super::{Vars, denied, diagnose, exit, json, load_mapping, parse_pair};
use crate::diagnostic::{Diagnostic, SourceFile, render_all};

#[derive(Args, Debug, Clone)]
#[command(after_help = super::exit_codes_help())]
pub(crate) struct CheckArgs {
    /// The mapping file, `-` for standard input (default: `mapping:` of the project file, else
    /// the built-in Passweb mapping).
    pub mapping: Option<PathBuf>,
    /// Set a mapping variable, read with var("KEY", default); a variable the mapping never
    /// reads is an error.
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_pair)]
    pub vars: Vec<(String, String)>,
    /// The project file whose mapping and vars (each store's) are checked (default:
    /// ./clerkmap.yaml when no MAPPING is given and the file exists).
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Warnings are errors (exit 2), W003 of `--input` included: for CI.
    #[arg(long)]
    pub deny_warnings: bool,
    /// `json`: one JSON object per line on stdout, for each diagnostic and each mapping
    /// checked.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
    /// Also read an input (its first 10000 records) and warn about the record paths of the
    /// mapping that none of its records has (W003): NAME=PATH as for `run`.
    #[arg(short, long = "input", value_name = "NAME=PATH", value_parser = parse_pair)]
    pub inputs: Vec<(String, String)>,
    /// The format of an input whose extension does not tell, as for `run`.
    #[arg(long = "input-format", value_name = "NAME=FORMAT", value_parser = parse_pair)]
    pub input_formats: Vec<(String, String)>,
    /// Run again each time the mapping, the project file or an input changes (Ctrl-C stops).
    #[arg(long)]
    pub watch: bool,
}

/// One check to make: a mapping with the vars of one configuration.
struct Target {
    /// The store, with a multi-store project file.
    store: Option<String>,
    mapping: Option<PathBuf>,
    vars: Vars,
}

/// The project file in play: `-c FILE`, else `./clerkmap.yaml` when no mapping is named.
fn project(a: &CheckArgs) -> Option<PathBuf> {
    a.config.clone().or_else(|| {
        Some(PathBuf::from(super::config::DEFAULT_FILE))
            .filter(|p| a.mapping.is_none() && p.is_file())
    })
}

fn targets(a: &CheckArgs) -> Result<Vec<Target>, String> {
    let Some(config) = project(a) else {
        return Ok(vec![Target {
            store: None,
            mapping: a.mapping.clone(),
            vars: Vars::from_flags(&a.vars),
        }]);
    };
    let run_args = super::RunArgs {
        mapping: a.mapping.clone(),
        vars: a.vars.clone(),
        config: Some(config),
        out: Some(PathBuf::from(".")),
        ..Default::default()
    };
    Ok(super::run::run_configs(run_args)?
        .into_iter()
        .map(|c| Target {
            store: c.store,
            mapping: c.mapping,
            vars: c.vars,
        })
        .collect())
}

/// Runs `clerkmap check`; returns the exit code.
pub(crate) fn cmd(a: CheckArgs, ui: &Ui) -> u8 {
    if a.watch {
        let (mapping, config) = (a.mapping.as_deref(), a.config.as_deref());
        return super::watch::watch_mapping(ui, mapping, &a.inputs, config, || {
            check_once(a.clone(), ui)
        });
    }
    check_once(a, ui)
}

/// One check (`--watch`: one of many).
fn check_once(a: CheckArgs, ui: &Ui) -> u8 {
    let json = a.message_format == MessageFormat::Json;
    let fail = |e: String| {
        if json {
            json::emit(&json!({"type": "error", "message": e}));
        } else {
            ui.error(e);
        }
        exit::USAGE
    };
    let targets = match targets(&a) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    // A mapping read once, even when several stores check it (standard input can be read once).
    let mut sources: BTreeMap<Option<PathBuf>, SourceFile> = BTreeMap::new();
    let mut worst = exit::OK;
    for t in targets {
        let src = match sources.get(&t.mapping) {
            Some(s) => s.clone(),
            None => match load_mapping(t.mapping.as_deref()) {
                Ok(s) => {
                    sources.insert(t.mapping.clone(), s.clone());
                    s
                }
                Err(e) => return fail(e),
            },
        };
        let mut result = diagnose(&src, &t.vars, a.deny_warnings);
        // The paths no record of the inputs has (W003), before the mapping's own warnings;
        // errors with --deny-warnings, as the others are.
        if let Ok(c) = &mut result
            && !a.inputs.is_empty()
        {
            match super::why::check_inputs(&src, &c.program, &a.inputs, &a.input_formats) {
                Err(e) => {
                    worst = worst.max(e);
                    continue;
                }
                Ok(paths) if a.deny_warnings && !paths.is_empty() => {
                    result = Err(paths.into_iter().map(denied).collect());
                }
                Ok(paths) => {
                    c.warnings.splice(0..0, paths);
                }
            }
        }
        let code = if json {
            report_json(&src, &t, &result)
        } else {
            report_human(ui, &src, &t, &result)
        };
        worst = worst.max(code);
    }
    worst
}

/// `mapping.cmap` or `mapping.cmap (store it)`.
fn name(src: &SourceFile, t: &Target) -> String {
    match &t.store {
        Some(store) => format!("{} (store {store})", src.name),
        None => src.name.clone(),
    }
}

fn report_human(
    ui: &Ui,
    src: &SourceFile,
    t: &Target,
    result: &Result<crate::check::Checked, Vec<Diagnostic>>,
) -> u8 {
    match result {
        Ok(c) => {
            if !c.warnings.is_empty() && !ui.quiet() {
                ui.diagnostics(&render_all(&c.warnings, src, ui.stderr_color()));
            }
            let blocks: Vec<String> = c
                .program
                .blocks
                .iter()
                .map(|b| format!("{} from {}", b.entity.name(), b.source))
                .collect();
            // warnings do not fail the check, but the verdict line counts them
            let warned = match c.warnings.len() {
                0 => String::new(),
                n => format!(", {}", crate::value::plural(n as u64, "warning")),
            };
            ui.say(format!(
                "{}: ok ({}){warned}",
                name(src, t),
                blocks.join(", ")
            ));
            if ui.verbose() {
                let tables: Vec<&str> = c.program.tables.iter().map(|t| t.name.as_str()).collect();
                if !tables.is_empty() {
                    ui.detail(format!("  lookup tables: {}", tables.join(", ")));
                }
                // every var the mapping reads, with the value it has and where that comes from
                let vars: Vec<String> = c
                    .program
                    .vars
                    .iter()
                    .map(|(name, value)| {
                        let shown = value.as_ref().map_or("none".to_string(), |v| {
                            crate::value::show(&c.program.secrets.hide(v))
                        });
                        let from = if t.vars.values.contains_key(name) {
                            "set"
                        } else {
                            "default"
                        };
                        format!("\n    {name} = {shown} ({from})")
                    })
                    .collect();
                if !vars.is_empty() {
                    ui.detail(format!("  vars:{}", vars.concat()));
                }
            }
            exit::OK
        }
        Err(diags) => {
            let shown: Vec<Diagnostic> = diags
                .iter()
                .filter(|d| !ui.quiet() || d.is_error())
                .cloned()
                .collect();
            if t.store.is_some() {
                ui.note(format!("checking {}", name(src, t)));
            }
            ui.diagnostics(&render_all(&shown, src, ui.stderr_color()));
            exit::USAGE
        }
    }
}

fn report_json(
    src: &SourceFile,
    t: &Target,
    result: &Result<crate::check::Checked, Vec<Diagnostic>>,
) -> u8 {
    let (diags, blocks, code) = match result {
        Ok(c) => {
            let blocks: Vec<crate::value::Value> = c
                .program
                .blocks
                .iter()
                .map(|b| json!({"entity": b.entity.name(), "source": b.source}))
                .collect();
            (c.warnings.as_slice(), blocks, exit::OK)
        }
        Err(d) => (d.as_slice(), Vec::new(), exit::USAGE),
    };
    for d in diags {
        let mut v = json::diagnostic(d, src);
        if let (Some(store), Some(m)) = (&t.store, v.as_object_mut()) {
            m.insert("store", json!(store));
        }
        json::emit(&v);
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    json::emit(&json!({
        "type": "result",
        "file": src.name,
        "store": t.store,
        "ok": code == exit::OK,
        "errors": errors,
        "warnings": diags.len() - errors,
        "blocks": blocks,
    }));
    code
}

//! Saying why at once: the record paths of the mapping that no record of its inputs has
//! (W003, from `check --input` and before every run), and after a run (or an abort) the top
//! reasons records were rejected, each with its count, one example record and the
//! `clerkmap explain` command that shows it. A required attribute missing from the rejected
//! records is traced back to the expression and the paths that should have given it.

use crate::cli::term::{err, errln};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::check::input_paths::{InputFields, MappingReads, PathUse, record_reads};
use crate::check::input_warnings;
use crate::clerk::Entity;
use crate::diagnostic::{Diagnostic, SourceFile, render_all};
use crate::engine::why::{Example, WhyGroup};
use crate::engine::{Format, Input, InputProblem, RunError, RunReport};
use crate::plan::Program;
use crate::value::elide;
use crate::workflow::inspect::{DEFAULT_SAMPLE, input_fields};
use crate::workflow::present::paths_present;

/// Reject causes shown after a run.
const TOP: usize = 5;

/// The paths the records of the inputs have, and the W003 warnings of the mapping against them.
#[derive(Debug, Default)]
pub(crate) struct InputPaths {
    /// Per input read.
    pub fields: Vec<InputFields>,
    /// W003, in file order.
    pub warnings: Vec<Diagnostic>,
}

impl InputPaths {
    /// For `check --input`: reads the first records of each input (pipes too) and checks the
    /// mapping's paths against them. An input that cannot be read is an error.
    pub fn scan(src: &SourceFile, inputs: &[Input]) -> Result<InputPaths, String> {
        let mut fields = Vec::new();
        for input in inputs {
            fields.push(input_fields(input, Some(DEFAULT_SAMPLE)).map_err(|e| e.to_string())?);
        }
        Ok(InputPaths::of(src, fields))
    }

    /// For a run: the same for the inputs that are files (a pipe can be read only once, by
    /// the run); an input that cannot be read is left to the run, which says why.
    /// Each input is read only until every path the mapping reads from it has been seen
    /// ([`paths_present`]).
    pub fn scan_for_run(src: &SourceFile, inputs: &[Input]) -> InputPaths {
        let reads = record_reads(src);
        let fields = inputs
            .iter()
            .filter(|i| i.origin.path().is_none_or(Path::is_file))
            .filter_map(|i| {
                let wanted = reads
                    .iter()
                    .flat_map(|r| r.of_input(&i.name))
                    .flat_map(|r| r.paths.iter().map(|u| u.pattern.clone()))
                    .collect();
                paths_present(i, &wanted, Some(DEFAULT_SAMPLE)).ok()
            })
            .collect();
        InputPaths::of(src, fields)
    }

    fn of(src: &SourceFile, fields: Vec<InputFields>) -> InputPaths {
        let mut warnings = input_warnings(src, &fields);
        warnings.sort_by_key(|d| d.span().start);
        InputPaths { fields, warnings }
    }

    /// Prints the warnings on stderr, drawn like every diagnostic.
    pub fn print(&self, src: &SourceFile, color: bool) {
        if !self.warnings.is_empty() {
            err!("{}", render_all(&self.warnings, src, color));
        }
    }

    /// The warnings in one line each, for the run report.
    pub fn short(&self, src: &SourceFile) -> Vec<String> {
        self.warnings.iter().map(|d| d.short(src)).collect()
    }

    /// What is known of a path when no record of `input` has it: `is in no record of F (all
    /// 40 records read): did you mean `.x`?`.
    fn about(&self, input: &str, path: &PathUse) -> Option<String> {
        let f = self.fields.iter().find(|f| f.name == input)?;
        if f.has(&path.pattern) {
            return None;
        }
        let hint = crate::check::input_paths::closest_path(&path.path, &f.paths)
            .map(|c| format!(": did you mean `{c}`?"))
            .unwrap_or_default();
        Some(format!(
            "is in no record of {} ({}){hint}",
            f.file,
            f.read_note()
        ))
    }
}

/// `check --input NAME=PATH ...`: the inputs named as the mapping names them, read, and the
/// mapping's paths checked against their records: W003, in file order (not printed). Err: the
/// exit code (the error printed).
pub(crate) fn check_inputs(
    src: &SourceFile,
    program: &Program,
    inputs: &[(String, String)],
    formats: &[(String, String)],
) -> Result<Vec<Diagnostic>, u8> {
    let mut given = Vec::new();
    for (name, path) in inputs {
        if let Some(problem) = crate::engine::not_read(program, name) {
            errln!(
                "error: {}",
                super::run::describe(&RunError::Inputs(problem))
            );
            return Err(super::exit::USAGE);
        }
        let format = match formats.iter().find(|(n, _)| n == name) {
            Some((_, f)) => match Format::parse_named(&format!("--input-format {name}"), f) {
                Ok(f) => Some(f),
                Err(e) => {
                    errln!("error: {e}");
                    return Err(super::exit::USAGE);
                }
            },
            None => None,
        };
        let input = Input::file(name.clone(), path)
            .with_format(format)
            .with_mapping_lenient(program);
        if input.resolved_format().is_none() {
            let problem = InputProblem::NoFormat {
                name: name.clone(),
                file: path.clone(),
            };
            errln!(
                "error: {}",
                super::run::describe(&RunError::Inputs(problem))
            );
            return Err(super::exit::USAGE);
        }
        given.push(input);
    }
    if let Some((name, _)) = formats
        .iter()
        .find(|(n, _)| !inputs.iter().any(|(i, _)| i == n))
    {
        errln!("error: --input-format {name}=...: there is no --input {name}=PATH");
        return Err(super::exit::USAGE);
    }
    match InputPaths::scan(src, &given) {
        Ok(paths) => Ok(paths.warnings),
        Err(e) => {
            errln!("error: {e}");
            Err(super::exit::INPUT)
        }
    }
}

/// The flags that name a run's mapping and inputs, to write the `clerkmap explain` command
/// that shows one record of it.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExplainBase {
    /// `-c FILE`.
    pub config: Option<PathBuf>,
    /// The store, with a multi-store project file.
    pub store: Option<String>,
    /// The mapping given on the command line.
    pub mapping: Option<PathBuf>,
    /// `--input NAME=PATH` given on the command line.
    pub inputs: Vec<(String, String)>,
    /// `--input-format NAME=FORMAT` given on the command line.
    pub input_formats: Vec<(String, String)>,
    /// `--var KEY=VALUE` given on the command line.
    pub vars: Vec<(String, String)>,
    /// `--max-record-bytes`, when given.
    pub max_record_bytes: Option<u64>,
}

impl ExplainBase {
    /// `clerkmap explain` with what the run was given: the project file (and store), the
    /// mapping, the inputs (only those `only` names, when given) and their formats, the vars
    /// and `--max-record-bytes`.
    fn base_args(&self, only: Option<&[&str]>) -> Vec<String> {
        let mut args: Vec<String> = vec!["clerkmap".into(), "explain".into()];
        if let Some(c) = &self.config {
            args.extend(["-c".into(), c.display().to_string()]);
            if let Some(s) = &self.store {
                args.extend(["--store".into(), s.clone()]);
            }
        }
        if let Some(m) = &self.mapping {
            args.push(m.display().to_string());
        }
        let wanted = |name: &str| only.is_none_or(|n| n.contains(&name));
        for (name, path) in self.inputs.iter().filter(|(n, _)| wanted(n)) {
            args.extend(["--input".into(), format!("{name}={path}")]);
        }
        for (name, f) in self.input_formats.iter().filter(|(n, _)| wanted(n)) {
            args.extend(["--input-format".into(), format!("{name}={f}")]);
        }
        for (k, v) in &self.vars {
            args.extend(["--var".into(), format!("{k}={v}")]);
        }
        if let Some(n) = self.max_record_bytes {
            args.extend(["--max-record-bytes".into(), n.to_string()]);
        }
        args
    }

    /// The command that explains a record of the run, without what picks the record, for
    /// the report's reject groups (which add `--entity E --id X`): the same inputs and vars
    /// as the commands printed after the run, every input given (a group may be of any
    /// block).
    pub(crate) fn run_prefix(&self) -> String {
        join_quoted(&self.base_args(None))
    }

    /// The command that explains `example` of `entity`: without a project file, only the
    /// inputs the block reads (its source and its tables) are given.
    fn command(&self, program: &Program, entity: &str, example: &Example) -> String {
        let needed: Option<Vec<&str>> = match (&self.config, program_block(program, entity)) {
            (None, Some((source, tables))) => Some(std::iter::once(source).chain(tables).collect()),
            _ => None,
        };
        let mut args = self.base_args(needed.as_deref());
        if entity != Entity::Products.name() {
            args.extend(["--entity".into(), entity.to_string()]);
        }
        match example {
            Example::Id(id) => {
                let id = id.as_str().map_or_else(|| id.to_string(), str::to_string);
                args.extend(["--id".into(), id]);
            }
            Example::At(loc) => args.extend(["--line".into(), loc.number().to_string()]),
        }
        join_quoted(&args)
    }
}

/// Words as a shell command line, each quoted as needed.
fn join_quoted(args: &[String]) -> String {
    args.iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The source and the table names of the block of `entity`.
fn program_block<'p>(program: &'p Program, entity: &str) -> Option<(&'p str, Vec<&'p str>)> {
    let b = program.blocks.iter().find(|b| b.entity.name() == entity)?;
    let tables = b
        .tables
        .iter()
        .filter_map(|&t| program.tables.get(t).map(|t| t.input.as_str()))
        .collect();
    Some((b.source.as_str(), tables))
}

/// `s` as one word of a POSIX shell command line.
pub(crate) fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./=:@%+,".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// What explains the rejects of a run.
pub(crate) struct Why<'a> {
    /// The mapping.
    pub src: &'a SourceFile,
    /// Its program.
    pub program: &'a Program,
    /// The paths of the inputs (W003).
    pub paths: &'a InputPaths,
    /// How to write the explain commands.
    pub explain: &'a ExplainBase,
    /// Where `rejects.ndjson` is; `None` with `--out -`, whose files go with the run.
    pub out_dir: Option<&'a Path>,
}

impl Why<'_> {
    /// Prints the top reject reasons of the run on stderr (nothing when no record was
    /// rejected).
    pub fn print(&self, report: &RunReport) {
        err!("{}", self.render(report));
    }

    /// The top reject reasons of the run, with an example and an explain command each.
    pub fn render(&self, report: &RunReport) -> String {
        let mut groups: Vec<(&str, &WhyGroup)> = report
            .entities
            .iter()
            .flat_map(|e| e.why.groups.values().map(move |g| (e.entity.name(), g)))
            .collect();
        let other: u64 = report.entities.iter().map(|e| e.why.other).sum();
        if groups.is_empty() && other == 0 {
            return String::new();
        }
        // Most frequent first; equal counts in the order met.
        groups.sort_by_key(|(_, g)| std::cmp::Reverse(g.count));
        let reads = record_reads(self.src);
        let rejects = self.out_dir.map(|d| d.join("rejects.ndjson"));
        let total = report.total_rejected();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "why {total} record{} {} rejected ({}):",
            if total == 1 { "" } else { "s" },
            if total == 1 { "was" } else { "were" },
            match &rejects {
                Some(r) => format!("each one, with every reason, is in {}", r.display()),
                None => "`--out DIR` in place of `--out -` keeps each one, with every reason, in DIR/rejects.ndjson".to_string(),
            }
        );
        // `--input NAME=-`: the pipe is read; the commands below read it again
        let piped: Vec<&str> = self
            .explain
            .inputs
            .iter()
            .filter(|(_, p)| p == "-" || p == super::run::STDIN_PATH)
            .map(|(n, _)| n.as_str())
            .collect();
        if let Some(name) = piped.first() {
            let _ = writeln!(
                out,
                "  (`{name}` was standard input: pipe the same data into the commands below, or save it to a file and give --input {name}=FILE)"
            );
        }
        // a record rejected for several reasons is counted under each
        let counted: u64 = groups.iter().map(|(_, g)| g.count).sum::<u64>() + other;
        if counted > total {
            let _ = writeln!(
                out,
                "  (counted by reason: a record rejected for several is counted under each)"
            );
        }
        for (entity, g) in groups.iter().take(TOP) {
            let _ = writeln!(out, "  {} {entity}: {}", g.count, g.reason);
            if g.missing_required
                && let Some(line) = self.missing_attribute(reads.as_ref(), entity, g)
            {
                let _ = writeln!(out, "      {line}");
            }
            let example = match &g.example {
                Example::Id(id) => format!(
                    "id {}",
                    id.as_str().map_or_else(|| id.to_string(), str::to_string)
                ),
                Example::At(loc) => loc.to_string(),
            };
            let _ = writeln!(
                out,
                "      e.g. {example}: {}",
                self.explain.command(self.program, entity, &g.example)
            );
        }
        let more = groups.len().saturating_sub(TOP);
        if more > 0 || other > 0 {
            let others = if other > 0 {
                format!(" (and {other} rejects of causes not counted apart)")
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  ... {more} more reason{}{others}{}",
                if more == 1 { "" } else { "s" },
                rejects
                    .map(|r| format!(": see {}", r.display()))
                    .unwrap_or_default()
            );
        }
        out
    }

    /// For a required attribute missing from the rejected records: the expression that
    /// should have given it, the paths it reads, and what is known of them.
    fn missing_attribute(
        &self,
        reads: Option<&MappingReads>,
        entity: &str,
        g: &WhyGroup,
    ) -> Option<String> {
        let attribute = g.attribute.as_deref()?;
        let block = reads?.block(entity)?;
        let Some(a) = block.attributes.iter().find(|a| a.name == attribute) else {
            return Some(format!(
                "the `{entity}` block does not assign `{attribute}`: it can only come from a spread (`...`)"
            ));
        };
        let text = self.src.text.get(a.span.start..a.span.end).unwrap_or("");
        let text = elide(
            &text.split_whitespace().collect::<Vec<_>>().join(" "),
            80,
            "...",
        );
        let (line, col) = self.src.line_col(a.span.start);
        let place = format!("{}:{line}:{col}", self.src.name);
        // Each path once (as shown), with the first pattern met for it.
        let mut uses: Vec<&PathUse> = Vec::new();
        for u in &a.paths {
            if !uses.iter().any(|x| x.path == u.path) {
                uses.push(u);
            }
        }
        let paths: Vec<&str> = uses.iter().map(|u| u.path.as_str()).collect();
        if paths.is_empty() {
            return Some(format!(
                "`{attribute} = {text}` ({place}) gave no value for these records"
            ));
        }
        let unknown: Vec<(&str, String)> = uses
            .iter()
            .filter_map(|u| {
                self.paths
                    .about(&block.input, u)
                    .map(|why| (u.path.as_str(), why))
            })
            .collect();
        let listed = paths
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let head = format!("`{attribute} = {text}` ({place})");
        Some(match unknown.as_slice() {
            // A bare path gives nothing only where the records lack it (or hold null).
            [] if paths.len() == 1 && text == paths[0] => format!(
                "{head} gave no value for these records: it reads {listed}, which they lack or have empty"
            ),
            // Computed: what the records have of those paths may be there, and what is made
            // of it null (an empty list, a filter that keeps nothing).
            [] => format!(
                "{head} gave no value for these records from what it reads ({listed}) and what is computed from that: the command below shows the value of each step"
            ),
            [(_, why)] if paths.len() == 1 => format!("{head} reads {listed}, which {why}"),
            _ => {
                let each: Vec<String> = unknown
                    .iter()
                    .map(|(p, why)| format!("`{p}` {why}"))
                    .collect();
                format!("{head} reads {listed}; {}", each.join("; "))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_for_the_shell_only_when_needed() {
        assert_eq!(shell_quote("articoli=a/b.ndjson"), "articoli=a/b.ndjson");
        assert_eq!(shell_quote("GON 1"), "'GON 1'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}

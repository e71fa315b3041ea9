//! A run: the inputs checked against the program before any record is read, the lookup tables
//! loaded, every block with a source run through the pipeline into a sink, and the accounting.
//! [`run_into`] runs into any [`Sink`]; [`run`] writes feed files, with the shrink guard, and
//! renames them into place only when the whole run succeeded.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use super::guard::{self, ShrinkRefusal};
use super::input::{EXTENSIONS, Format, Input};
use super::limits::DEFAULT_MAX_RECORD_BYTES;
use super::output::{FeedFiles, OutputError, OutputFormat, Staged};
use super::pipeline::{BlockSource, Ctx, run_block};
use super::report::{RunReport, Skipped};
use super::sink::Sink;
use super::source::{SourceError, SourceReader};
use super::tables;
use crate::clerk::Entity;
use crate::diagnostic::{SourceFile, suggest};
use crate::plan::{BlockPlan, Program};

/// How to map: the inputs and the machinery.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The sources and lookup tables.
    pub inputs: Vec<Input>,
    /// Worker threads; 0 = one per core.
    pub jobs: usize,
    /// Abort (writing no feed) when more records than this are rejected.
    pub max_rejects: Option<u64>,
    /// Records per chunk handed to a worker.
    pub chunk_size: usize,
    /// The mapping's warnings, to keep in the report.
    pub mapping_warnings: Vec<String>,
    /// Incremented by the records read as the run goes (for a progress display).
    pub progress: Option<Arc<AtomicU64>>,
    /// Profile the written records and group the rejects (for the HTML report).
    pub profile: bool,
    /// The most bytes one record may take in its file, for every input of the run (default
    /// [`DEFAULT_MAX_RECORD_BYTES`]): a larger record is rejected with its place.
    pub max_record_bytes: u64,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            inputs: Vec::new(),
            jobs: 0,
            max_rejects: None,
            chunk_size: 1024,
            mapping_warnings: Vec::new(),
            progress: None,
            profile: false,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
        }
    }
}

/// Where [`run`] writes: the feed files of a directory, guarded against mass deletion.
#[derive(Debug, Clone)]
pub struct FeedOutput {
    /// The output directory (created if needed).
    pub dir: PathBuf,
    /// The feed files' format.
    pub format: OutputFormat,
    /// Write even when an entity shrinks by more than `max_shrink` since the previous feed in
    /// the directory, or the products feed is empty.
    pub allow_shrink: bool,
    /// The share of an entity's ids that may disappear since the previous feed (0.1 = 10%).
    pub max_shrink: f64,
}

impl FeedOutput {
    /// JSON feeds in `dir`, with the default guard.
    pub fn new(dir: impl Into<PathBuf>) -> FeedOutput {
        FeedOutput {
            dir: dir.into(),
            format: OutputFormat::Json,
            allow_shrink: false,
            max_shrink: guard::DEFAULT_MAX_SHRINK,
        }
    }
}

/// Inputs that do not fit the program. The messages name inputs, not command-line flags: each
/// front end says how its users give an input.
#[derive(Debug, Clone, PartialEq)]
pub enum InputProblem {
    /// The same name is given twice.
    Twice(String),
    /// No source or lookup table has this name; `known` are the names the mapping reads.
    Unknown {
        /// The name given.
        name: String,
        /// The sources and tables of the mapping.
        known: Vec<String>,
    },
    /// A block that runs looks up a table whose input is not given.
    MissingTable {
        /// The block's entity.
        entity: Entity,
        /// The table.
        table: String,
    },
    /// The format cannot be told from the name.
    NoFormat {
        /// The input's name.
        name: String,
        /// The file.
        file: String,
    },
    /// No block's source is given; `sources` are the blocks' source names.
    NothingToDo {
        /// The source names of the mapping's blocks.
        sources: Vec<String>,
    },
}

impl std::fmt::Display for InputProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputProblem::Twice(name) => write!(f, "input `{name}` is given twice"),
            InputProblem::Unknown { name, known } => {
                let hint = suggest::did_you_mean(name, known.iter().map(String::as_str))
                    .unwrap_or_else(|| format!("the mapping reads {}", quoted(known)));
                write!(
                    f,
                    "input `{name}`: the mapping has no source or lookup table of that name; {hint}"
                )
            }
            InputProblem::MissingTable { entity, table } => write!(
                f,
                "the `{}` block looks up table `{table}`, but no input `{table}` is given",
                entity.name()
            ),
            InputProblem::NoFormat { file, .. } => write!(
                f,
                "cannot tell the format of `{file}` from its extension ({EXTENSIONS}): state its format"
            ),
            InputProblem::NothingToDo { sources } => write!(
                f,
                "nothing to do: give at least one of the inputs {}",
                quoted(sources)
            ),
        }
    }
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a run stopped. No feed is replaced in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The inputs do not fit the mapping.
    #[error("{0}")]
    Inputs(InputProblem),
    /// An input file cannot be read at all.
    #[error("{0}")]
    Source(#[from] SourceError),
    /// An output file cannot be written.
    #[error("cannot write {0}")]
    Output(#[from] OutputError),
    /// Too many records were rejected, or all of a mirrored entity's: its feed would be
    /// empty and Clerk would delete everything. `rejects.ndjson` and `report.json` were still
    /// written.
    #[error("{abort}")]
    Aborted {
        /// Why.
        abort: Abort,
        /// The run's report.
        report: Box<RunReport>,
    },
    /// An entity would shrink by more than the allowed share since the previous feed (or the
    /// products feed would be empty); no feed was written.
    #[error("{0}")]
    Shrink(ShrinkRefusal),
    /// A bug or a system failure.
    #[error("{0}")]
    Internal(String),
}

impl From<std::io::Error> for RunError {
    fn from(e: std::io::Error) -> Self {
        RunError::Internal(e.to_string())
    }
}

/// The inputs of a program, checked: each running block with its input and format, the
/// skipped blocks, the input of each table that is needed.
pub struct Resolved<'p> {
    /// The blocks whose source is given.
    pub blocks: Vec<(&'p BlockPlan, &'p Input, Format)>,
    /// The blocks whose source is not given.
    pub skipped: Vec<Skipped>,
    /// Per table: its input, when a running block needs it.
    pub tables: Vec<Option<(&'p Input, Format)>>,
}

fn format_of(input: &Input) -> Result<Format, RunError> {
    input.resolved_format().ok_or_else(|| {
        RunError::Inputs(InputProblem::NoFormat {
            name: input.name.clone(),
            file: input.display(),
        })
    })
}

/// Checks the inputs against the program before any record is read. `only`: run just this
/// block (explain), whose tables are then the ones needed.
pub fn resolve<'p>(
    program: &'p Program,
    inputs: &'p [Input],
    only: Option<&BlockPlan>,
) -> Result<Resolved<'p>, RunError> {
    let mut by_name: HashMap<&str, &Input> = HashMap::new();
    for i in inputs {
        if by_name.insert(i.name.as_str(), i).is_some() {
            return Err(RunError::Inputs(InputProblem::Twice(i.name.clone())));
        }
    }
    let known: Vec<String> = program
        .blocks
        .iter()
        .map(|b| b.source.clone())
        .chain(program.tables.iter().map(|t| t.name.clone()))
        .collect();
    if let Some(i) = inputs.iter().find(|i| !known.contains(&i.name)) {
        return Err(RunError::Inputs(InputProblem::Unknown {
            name: i.name.clone(),
            known,
        }));
    }
    let mut blocks = Vec::new();
    let mut skipped = Vec::new();
    let mut needed = vec![None::<Entity>; program.tables.len()];
    for b in &program.blocks {
        let wanted = only.is_none_or(|o| std::ptr::eq(o, b));
        match by_name.get(b.source.as_str()) {
            Some(input) if wanted => {
                blocks.push((b, *input, format_of(input)?));
                for &t in &b.tables {
                    needed[t].get_or_insert(b.entity);
                }
            }
            Some(_) => {}
            None => skipped.push(Skipped {
                entity: b.entity,
                source: b.source.clone(),
                reason: format!("no --input {}=PATH given", b.source),
            }),
        }
    }
    let mut tables = Vec::with_capacity(program.tables.len());
    for (t, need) in program.tables.iter().zip(&needed) {
        match (by_name.get(t.name.as_str()), need) {
            (Some(input), Some(_)) => tables.push(Some((*input, format_of(input)?))),
            (None, Some(entity)) if !t.optional => {
                return Err(RunError::Inputs(InputProblem::MissingTable {
                    entity: *entity,
                    table: t.name.clone(),
                }));
            }
            _ => tables.push(None),
        }
    }
    if blocks.is_empty() {
        return Err(RunError::Inputs(InputProblem::NothingToDo {
            sources: program.blocks.iter().map(|b| b.source.clone()).collect(),
        }));
    }
    Ok(Resolved {
        blocks,
        skipped,
        tables,
    })
}

/// What [`run_into`] gives back.
#[derive(Debug)]
pub struct Mapped {
    /// The accounting.
    pub report: RunReport,
    /// Per entity that ran, the ids written (the shrink guard compares them).
    pub ids: Vec<(Entity, Vec<String>)>,
    /// Why the run stopped early: too many rejects, or all of a mirrored feed rejected.
    pub aborted: Option<Abort>,
}

/// Why a run stopped before its end (its rejects are still in the sink).
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum Abort {
    /// More than `max_rejects` records rejected.
    #[error(
        "aborted: {rejected} records rejected, more than --max-rejects {max}; no feed was written (see rejects.ndjson)"
    )]
    TooManyRejects {
        /// Records rejected.
        rejected: u64,
        /// The limit.
        max: u64,
    },
    /// Every record of a mirrored entity was rejected.
    #[error(
        "aborted: all {rejected} {} records were rejected; an empty feed would make Clerk delete every {}; no feed was written (see rejects.ndjson)",
        entity.name(),
        entity.singular()
    )]
    AllRejected {
        /// The entity.
        entity: Entity,
        /// Records rejected.
        rejected: u64,
    },
}

/// Runs a checked program into `sink`: every block whose source is given, in mapping order.
pub fn run_into(
    program: &Program,
    mapping: &SourceFile,
    opts: &RunOptions,
    sink: &mut dyn Sink,
) -> Result<Mapped, RunError> {
    let started = Instant::now();
    let inputs: Vec<Input> = opts
        .inputs
        .iter()
        .map(|i| i.clone().with_max_record_bytes(opts.max_record_bytes))
        .collect();
    let resolved = resolve(program, &inputs, None)?;
    let jobs = if opts.jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.jobs
    };
    let mut report = RunReport {
        mapping: mapping.name.clone(),
        jobs,
        skipped: resolved.skipped.clone(),
        warnings: opts.mapping_warnings.clone(),
        ..RunReport::default()
    };
    // Open every source now: a missing or empty file stops the run before any record is read.
    let mut sources = Vec::with_capacity(resolved.blocks.len());
    for (_, input, format) in &resolved.blocks {
        sources.push(BlockSource {
            file: input.display(),
            has_lines: format.has_lines(),
            reader: SourceReader::for_input(input, format.clone(), opts.chunk_size)?,
        });
    }
    let loaded = tables::load(program, &resolved.tables)?;
    report.tables = loaded.reports;
    report.warnings.extend(loaded.warnings);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("clerkmap-worker-{i}"))
        .build()
        .map_err(|e| RunError::Internal(format!("cannot start worker threads: {e}")))?;
    let ctx = Ctx {
        mapping,
        tables: &loaded.tables,
        chunk_size: opts.chunk_size.max(1),
        in_flight: jobs * 2,
        progress: opts.progress.as_deref(),
        keep_values: sink.wants_values() || opts.profile,
        profile: opts.profile,
    };
    let mut aborted = None;
    let mut ids = Vec::new();
    for ((block, _, _), source) in resolved.blocks.iter().zip(sources) {
        let budget = opts
            .max_rejects
            .map(|m| m.saturating_sub(report.total_rejected()));
        let run = run_block(&ctx, &pool, block, source, sink, budget)?;
        let e = &run.report;
        if e.written == 0 && e.rejected > 0 && e.entity.is_mirrored() {
            aborted = Some(Abort::AllRejected {
                entity: e.entity,
                rejected: e.rejected,
            });
        }
        ids.push((e.entity, run.ids));
        report.entities.push(run.report);
        if aborted.is_some() {
            break;
        }
        if let Some(max) = opts.max_rejects {
            let total = report.total_rejected();
            if total > max {
                aborted = Some(Abort::TooManyRejects {
                    rejected: total,
                    max,
                });
                break;
            }
        }
    }
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    report.compute_privacy();
    Ok(Mapped {
        report,
        ids,
        aborted,
    })
}

/// Runs a checked program into the feed files of `out.dir`. Feeds, `rejects.ndjson` and
/// `report.json` appear only when the run succeeds (the last two also after an abort for
/// rejects); the shrink guard compares the new feeds with the previous ones first.
pub fn run(
    program: &Program,
    mapping: &SourceFile,
    opts: &RunOptions,
    out: &FeedOutput,
) -> Result<RunReport, RunError> {
    let mut files = FeedFiles::create(&out.dir, out.format, mapping)?;
    let mapped = run_into(program, mapping, opts, &mut files)?;
    let mut report = mapped.report;
    report.output_dir = out.dir.display().to_string();
    report.format = format!("{:?}", out.format).to_lowercase();
    for e in &mut report.entities {
        e.output = files.file_name(e.entity);
    }
    if let Some(abort) = mapped.aborted {
        let staged = files.finish_rejects()?;
        publish(staged, &out.dir, &mut report)?;
        return Err(RunError::Aborted {
            abort,
            report: Box::new(report),
        });
    }
    if !out.allow_shrink {
        guard::check_run(&out.dir, out.format, &mapped.ids, out.max_shrink)
            .map_err(RunError::Shrink)?;
    }
    let created = chrono::Utc::now().timestamp();
    let staged = files.finish(created)?;
    publish(staged, &out.dir, &mut report)?;
    Ok(report)
}

/// Adds `report.json` (listing every file of the run, itself last) and publishes the set.
fn publish(mut staged: Staged, dir: &Path, report: &mut RunReport) -> Result<(), RunError> {
    report.files = staged
        .paths(dir)
        .iter()
        .chain(std::iter::once(&dir.join("report.json")))
        .map(|p| p.display().to_string())
        .collect();
    let mut json = serde_json::to_vec_pretty(report)
        .map_err(|e| RunError::Internal(format!("cannot serialize the report: {e}")))?;
    json.push(b'\n');
    staged.write("report.json", &json)?;
    staged.publish()?;
    Ok(())
}

//! A run: the inputs checked against the program before any record is read, the lookup tables
//! loaded, every block with a source run through the pipeline into a sink, and the accounting.
//! [`run_into`] runs into any [`Sink`]; [`run`] writes feed files, with the shrink guard, and
//! publishes them only when the whole run succeeded. Whatever the outcome, [`run_reported`]
//! publishes `report.json` (and `rejects.ndjson`) saying what happened, the previous feeds
//! carried over when the run was refused.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use sha2::{Digest, Sha256};

use super::feed;
use super::guard::{self, PreviousFeed, ShrinkRefusal};
use super::ids::MappedIds;
use super::input::{EXTENSIONS, Format, Input, Origin};
use super::limits::DEFAULT_MAX_RECORD_BYTES;
use super::output::{FeedFiles, OutputError, OutputFormat, Staged};
use super::pipeline::{BlockSource, Ctx, run_block};
use super::report::{FeedFrom, FeedState, Outcome, RefusalCause, RunReport, shell_word};
use super::resolve::resolve;
use super::sink::Sink;
use super::source::{SourceError, SourceReader};
use super::tables;
use crate::clerk::Entity;
use crate::diagnostic::{SourceFile, suggest};
use crate::plan::Program;

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
    /// The command that explains one record of this run, without the arguments that pick the
    /// record (`clerkmap explain -c clerkmap.yaml`): the report gives it, completed, for each
    /// group of rejects. `None`: `clerkmap explain` with the mapping and the inputs.
    pub explain: Option<String>,
    /// About how many bytes of rows a grouped block whose rows are not consecutive keeps in
    /// memory before it spills them to temporary files (default 128 MiB).
    pub group_memory: usize,
    /// Where those temporary files go (a directory removed when the block is done); `None`:
    /// the output directory's `.clerkmap/` for [`run`], else the system's temporary directory.
    pub spill_dir: Option<PathBuf>,
    /// Decode every field of every record, even those the mapping never reads (by default
    /// only the fields read are built): the oracle of the differential tests.
    pub decode_whole: bool,
    /// The run's time in unix seconds (`--now`, `SOURCE_DATE_EPOCH`): a legacy feed's
    /// `config.created`. `None`: the clock when the feed is written.
    pub now: Option<i64>,
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
            explain: None,
            group_memory: super::spill::DEFAULT_GROUP_MEMORY,
            spill_dir: None,
            decode_whole: false,
            now: None,
        }
    }
}

impl RunOptions {
    /// The worker threads of a run: [`RunOptions::jobs`], or one per core for 0.
    pub fn threads(&self) -> usize {
        if self.jobs == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            self.jobs
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
    /// the directory, or a feed Clerk mirrors is empty.
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
    /// No block or lookup table reads an input of this name; `known` are the names it reads.
    Unknown {
        /// The name given.
        name: String,
        /// The inputs the mapping reads ([`Program::input_names`]), each once.
        known: Vec<String>,
    },
    /// The name given is a lookup table's, but the table reads another input
    /// (`lookup by_mail from c`).
    TableName {
        /// The name given (the table's).
        name: String,
        /// The input the table reads.
        input: String,
    },
    /// A block that runs looks up a table whose input is not given.
    MissingTable {
        /// The block's entity.
        entity: Entity,
        /// The table's name.
        table: String,
        /// The input its rows come from (its name, or its `from INPUT`).
        input: String,
        /// The table whose key or parent looks it up, when the block does not look it up
        /// itself.
        via: Option<String>,
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
            InputProblem::Unknown { name, known } => write!(
                f,
                "input `{name}`: the mapping has no source or lookup table of that name; {}",
                unknown_hint(name, known)
            ),
            InputProblem::TableName { name, input } => write!(
                f,
                "input `{name}`: {}; give its file as input `{input}`",
                table_name_hint(name, input)
            ),
            InputProblem::MissingTable {
                entity,
                table,
                input,
                via,
            } => write!(
                f,
                "the `{}` block looks up {}{}, but no input `{input}` is given",
                entity.name(),
                table_read_from(table, input),
                through(via)
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

/// What [`InputProblem::Unknown`] suggests: a close name, else the names the mapping reads.
pub fn unknown_hint(name: &str, known: &[String]) -> String {
    suggest::did_you_mean(name, known.iter().map(String::as_str))
        .unwrap_or_else(|| format!("the mapping reads {}", quoted(known)))
}

/// What [`InputProblem::TableName`] says of the table.
pub fn table_name_hint(name: &str, input: &str) -> String {
    format!(
        "lookup table `{name}` reads its rows from input `{input}` (`lookup {name} from {input}`), not from an input of its name"
    )
}

/// ``table `t` `` , or ``table `t` (read from input `tbl`)`` when its rows come from an input of
/// another name (`lookup t from tbl`).
pub fn table_read_from(table: &str, input: &str) -> String {
    if table == input {
        format!("table `{table}`")
    } else {
        format!("table `{table}` (read from input `{input}`)")
    }
}

/// `` (through the key of table `t`)`` when a table is needed by another table's key.
pub fn through(via: &Option<String>) -> String {
    via.as_ref()
        .map(|v| format!(" (through the key of table `{v}`)"))
        .unwrap_or_default()
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a run stopped. No feed is replaced in any of these cases; [`run_reported`] still
/// publishes `report.json` saying why whenever the output directory can be written.
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
    /// products feed would be empty); no feed was written, `rejects.ndjson` and `report.json`
    /// (with the diff and the shrinks) were.
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

/// What [`run_into`] gives back.
#[derive(Debug)]
pub struct Mapped {
    /// The accounting.
    pub report: RunReport,
    /// Per entity that ran, the ids written with the hash of their records (the shrink guard
    /// and the diff compare them with the previous feeds).
    pub ids: Vec<(Entity, MappedIds)>,
    /// Why the run stopped early: too many rejects, or all of a mirrored feed rejected.
    pub aborted: Option<Abort>,
}

/// Why a run stopped before its end (its rejects are still in the sink). Shown as
/// [`Abort::cause`] then `; no feed was written (see rejects.ndjson)`, as `report.json` (beside
/// `rejects.ndjson`) says it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Abort {
    /// More than `max_rejects` records rejected.
    TooManyRejects {
        /// Records rejected.
        rejected: u64,
        /// The limit.
        max: u64,
    },
    /// Every record of a mirrored entity was rejected.
    AllRejected {
        /// The entity.
        entity: Entity,
        /// Records rejected.
        rejected: u64,
    },
}

impl Abort {
    /// Why the run stopped, without what it wrote: `aborted: all 2 products records were
    /// rejected; an empty feed would make Clerk delete every product`. For a front end whose
    /// rejects are not in a `rejects.ndjson` the user can open (`run --out -`, `push --input`).
    pub fn cause(&self) -> String {
        match self {
            Abort::TooManyRejects { rejected, max } => {
                format!(
                    "aborted: {rejected} {} rejected, more than --max-rejects {max}",
                    if *rejected == 1 { "record" } else { "records" }
                )
            }
            Abort::AllRejected { entity, rejected } => format!(
                "aborted: all {rejected} {} records were rejected; an empty feed would make Clerk delete every {}",
                entity.name(),
                entity.singular()
            ),
        }
    }
}

impl std::fmt::Display for Abort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}; no feed was written (see rejects.ndjson)",
            self.cause()
        )
    }
}

impl std::error::Error for Abort {}

/// Runs a checked program into `sink`: every block whose source is given, in mapping order.
pub fn run_into(
    program: &Program,
    mapping: &SourceFile,
    opts: &RunOptions,
    sink: &mut dyn Sink,
) -> Result<Mapped, RunError> {
    let mut report = start_report(mapping);
    let mut ids = Vec::new();
    let aborted = map_all(
        program,
        mapping,
        opts,
        sink,
        &mut report,
        &mut ids,
        (None, &[]),
    )?;
    Ok(Mapped {
        report,
        ids,
        aborted,
    })
}

/// Now, as the report gives times: RFC 3339, UTC, to the second.
fn now() -> String {
    timestamp(chrono::Utc::now())
}

fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A report with what is known before anything runs: version, start time, the mapping.
fn start_report(mapping: &SourceFile) -> RunReport {
    RunReport {
        clerkmap_version: env!("CARGO_PKG_VERSION").to_string(),
        started_at: now(),
        mapping: mapping.name.clone(),
        mapping_sha256: if mapping.text.is_empty() {
            String::new()
        } else {
            format!(
                "sha256:{}",
                hex::encode(Sha256::digest(mapping.text.as_bytes()))
            )
        },
        ..RunReport::default()
    }
}

/// Maps every block into `sink`, filling `report` as it goes (on an error, with the blocks
/// done so far); an abort marks the report refused.
fn map_all(
    program: &Program,
    mapping: &SourceFile,
    opts: &RunOptions,
    sink: &mut dyn Sink,
    report: &mut RunReport,
    ids: &mut Vec<(Entity, MappedIds)>,
    before: Before<'_>,
) -> Result<Option<Abort>, RunError> {
    let started = Instant::now();
    let result = map_blocks(program, mapping, opts, sink, report, ids, before);
    report.lenient = super::delimited::lenient_reports(&opts.inputs);
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    report.compute_privacy();
    report.finished_at = now();
    if let Ok(Some(abort)) = &result {
        report.refuse(refusal_cause(abort), abort.to_string());
    }
    result
}

/// The cause of an abort, as the report gives it.
fn refusal_cause(abort: &Abort) -> RefusalCause {
    match *abort {
        Abort::TooManyRejects { rejected, max } => RefusalCause::TooManyRejects {
            rejected,
            max_rejects: max,
        },
        Abort::AllRejected { entity, rejected } => RefusalCause::AllRejected { entity, rejected },
    }
}

/// The cause of a failed run, as the report gives it.
fn error_cause(e: &RunError) -> RefusalCause {
    match e {
        RunError::Inputs(_) | RunError::Source(_) => RefusalCause::Input,
        RunError::Output(_) => RefusalCause::Output,
        RunError::Aborted { abort, .. } => refusal_cause(abort),
        RunError::Shrink(r) => RefusalCause::Shrink {
            shrinks: r.shrinks.clone(),
        },
        RunError::Internal(_) => RefusalCause::Internal,
    }
}

/// `clerkmap explain` with the mapping (unless built in) and the file inputs of the run.
fn default_explain(mapping: &SourceFile, inputs: &[Input]) -> String {
    let mut words = vec!["clerkmap".to_string(), "explain".to_string()];
    if !mapping.name.ends_with("(built in)") {
        words.push(shell_word(&mapping.name));
    }
    for i in inputs {
        let Origin::File { path, .. } = &i.origin else {
            continue;
        };
        words.push("--input".into());
        words.push(shell_word(&format!("{}={}", i.name, path.display())));
        if let Some(f) = i
            .format
            .as_ref()
            .filter(|f| Format::from_path(path).as_ref() != Some(*f))
        {
            words.push("--input-format".into());
            words.push(shell_word(&format!("{}={}", i.name, Format::spec(f))));
        }
    }
    words.join(" ")
}

/// What the previous run into the output directory left: its feeds (for the new ids), and its
/// grouped blocks whose keys were not consecutive.
type Before<'a> = (Option<&'a [PreviousFeed]>, &'a [(Entity, String)]);

fn map_blocks(
    program: &Program,
    mapping: &SourceFile,
    opts: &RunOptions,
    sink: &mut dyn Sink,
    report: &mut RunReport,
    ids: &mut Vec<(Entity, MappedIds)>,
    (previous, unsorted): Before<'_>,
) -> Result<Option<Abort>, RunError> {
    let inputs: Vec<Input> = opts
        .inputs
        .iter()
        .map(|i| i.for_run(program, opts.max_record_bytes))
        .collect();
    let resolved = resolve(program, &inputs, None)?;
    let jobs = opts.threads();
    report.jobs = jobs;
    report.skipped = resolved.skipped.clone();
    report.warnings = opts
        .mapping_warnings
        .iter()
        .map(|w| super::Warning::plain(w.clone()))
        .collect();
    // Open every source now: a missing or empty file stops the run before any record is read.
    let mut sources = Vec::with_capacity(resolved.blocks.len());
    for (_, input, format) in &resolved.blocks {
        sources.push(BlockSource {
            file: input.display(),
            has_lines: format.has_lines(),
            reader: SourceReader::for_input(input, format.clone(), opts.chunk_size)?,
            again: input
                .can_read_again()
                .then(|| ((*input).clone(), format.clone())),
        });
    }
    let loaded = tables::load(program, &resolved.tables, !opts.decode_whole)?;
    report.tables = loaded.reports;
    report.warnings.extend(loaded.warnings.into_vec());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("clerkmap-worker-{i}"))
        .build()
        .map_err(|e| RunError::Internal(format!("cannot start worker threads: {e}")))?;
    let explain = match &opts.explain {
        Some(e) => e.clone(),
        None if opts.profile => default_explain(mapping, &inputs),
        None => String::new(),
    };
    let ctx = Ctx {
        mapping,
        tables: &loaded.tables,
        chunk_size: opts.chunk_size.max(1),
        in_flight: jobs * 2,
        unsorted,
        progress: opts.progress.as_deref(),
        keep_values: sink.wants_values() || opts.profile,
        project: !opts.decode_whole,
        previous,
        profile: opts.profile,
        explain: &explain,
        group_memory: opts.group_memory,
        spill_dir: opts.spill_dir.as_deref(),
    };
    for ((block, _, _), source) in resolved.blocks.iter().zip(sources) {
        let budget = opts
            .max_rejects
            .map(|m| m.saturating_sub(report.total_rejected()));
        let run = run_block(&ctx, &pool, block, source, sink, budget)?;
        let e = &run.report;
        let mut aborted = None;
        if e.written == 0 && e.rejected > 0 && e.entity.is_mirrored() {
            aborted = Some(Abort::AllRejected {
                entity: e.entity,
                rejected: e.rejected,
            });
        }
        ids.push((e.entity, run.ids));
        report.entities.push(run.report);
        if aborted.is_some() {
            return Ok(aborted);
        }
        if let Some(max) = opts.max_rejects {
            let total = report.total_rejected();
            if total > max {
                return Ok(Some(Abort::TooManyRejects {
                    rejected: total,
                    max,
                }));
            }
        }
    }
    Ok(None)
}

/// What [`run_reported`] gives back: the report, whatever the outcome, and why the run failed
/// or was refused.
#[derive(Debug)]
pub struct Reported {
    /// The report, as published in `report.json` (when it could be): `outcome` says whether
    /// the feeds were written.
    pub report: RunReport,
    /// Why no feed was written; `None` when the run succeeded.
    pub error: Option<RunError>,
}

/// Runs a checked program into the feed files of `out.dir`. Feeds, `rejects.ndjson` and
/// `report.json` are published together only when the run succeeds; on any other outcome
/// `report.json` and `rejects.ndjson` still are, saying why, the previous feeds carried over.
/// The shrink guard compares the new feeds with the previous ones first.
pub fn run(
    program: &Program,
    mapping: &SourceFile,
    opts: &RunOptions,
    out: &FeedOutput,
) -> Result<RunReport, RunError> {
    let done = run_reported(program, mapping, opts, out);
    match done.error {
        None => Ok(done.report),
        Some(e) => Err(e),
    }
}

/// [`run`], giving back the report on every outcome (written, or refused and why) beside the
/// error, for a front end that shows the report whatever happened.
pub fn run_reported(
    program: &Program,
    mapping: &SourceFile,
    opts: &RunOptions,
    out: &FeedOutput,
) -> Reported {
    let mut report = start_report(mapping);
    report.output_dir = out.dir.display().to_string();
    report.format = format!("{:?}", out.format).to_lowercase();
    let mut files = match FeedFiles::create(&out.dir, out.format, mapping) {
        Ok(f) => f,
        Err(e) => {
            let e = RunError::Output(e);
            report.finished_at = now();
            report.refuse(error_cause(&e), e.to_string());
            return Reported {
                report,
                error: Some(e),
            };
        }
    };
    let mut ids = Vec::new();
    let spill = opts.spill_dir.is_none().then(|| RunOptions {
        spill_dir: Some(out.dir.join(super::generation::STATE_DIR)),
        ..opts.clone()
    });
    let opts = spill.as_ref().unwrap_or(opts);
    // Read before the run: the run notes the ids that are new as it writes them.
    let previous = guard::previous_feeds(&out.dir, opts.threads());
    let unsorted = previous_unsorted(&out.dir);
    let mapped = map_all(
        program,
        mapping,
        opts,
        &mut files,
        &mut report,
        &mut ids,
        (Some(&previous), &unsorted),
    );
    for e in &mut report.entities {
        e.output = files.file_name(e.entity);
    }
    let aborted = mapped.as_ref().ok().copied().flatten();
    let mut error = match mapped {
        Err(e) => {
            report.refuse(error_cause(&e), e.to_string());
            Some(e)
        }
        Ok(Some(_)) => None,
        Ok(None) => {
            let max_share = (!out.allow_shrink).then_some(out.max_shrink);
            let (diff, verdict) = guard::compare_run(&previous, out.format, &ids, max_share);
            report.diff = diff;
            match verdict {
                Ok(()) => None,
                Err(refusal) => {
                    let e = RunError::Shrink(refusal);
                    report.refuse(error_cause(&e), e.to_string());
                    Some(e)
                }
            }
        }
    };
    drop(ids);
    let staged = if report.outcome == Outcome::Refused {
        files.finish_rejects()
    } else {
        files.finish(opts.now.unwrap_or_else(|| chrono::Utc::now().timestamp()))
    };
    let published = staged
        .map_err(RunError::from)
        .and_then(|s| publish(s, &out.dir, &mut report));
    if let Err(e) = published
        && error.is_none()
    {
        report.refuse(error_cause(&e), e.to_string());
        error = Some(e);
    }
    if let Some(abort) = aborted
        && error.is_none()
    {
        error = Some(RunError::Aborted {
            abort,
            report: Box::new(report.clone()),
        });
    }
    Reported { report, error }
}

/// Publishes the report of a run refused before it could start (its mapping cannot be read or
/// has errors: `cause` and `message` say so): `report.json` and an empty `rejects.ndjson`, the
/// previous feeds carried over, so that the files of an earlier run never look like this one's.
/// `mapping` is the mapping as far as it was read (an empty text when it could not be).
pub fn refuse_run(
    mapping: &SourceFile,
    out: &FeedOutput,
    cause: RefusalCause,
    message: String,
) -> Reported {
    let mut report = start_report(mapping);
    report.output_dir = out.dir.display().to_string();
    report.format = format!("{:?}", out.format).to_lowercase();
    report.finished_at = report.started_at.clone();
    report.refuse(cause, message);
    let published = FeedFiles::create(&out.dir, out.format, mapping)
        .and_then(|files| files.finish_rejects())
        .map_err(RunError::from)
        .and_then(|s| publish(s, &out.dir, &mut report));
    Reported {
        report,
        error: published.err(),
    }
}

/// Adds `report.json` (listing every file of the run, itself last, and the feeds the
/// directory will hold) and publishes the set.
fn publish(mut staged: Staged, dir: &Path, report: &mut RunReport) -> Result<(), RunError> {
    let written = staged.paths(dir);
    report.files = written
        .iter()
        .chain(std::iter::once(&dir.join("report.json")))
        .map(|p| p.display().to_string())
        .collect();
    let names: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name()?.to_str().map(String::from))
        .filter(|n| n != "rejects.ndjson")
        .collect();
    report.feeds = feed_states(dir, &names, &report.finished_at);
    let mut json = serde_json::to_vec_pretty(report)
        .map_err(|e| RunError::Internal(format!("cannot serialize the report: {e}")))?;
    json.push(b'\n');
    staged.write("report.json", &json)?;
    staged.publish()?;
    Ok(())
}

/// The feeds `dir` holds once a run that wrote the feeds `written` (names) is published: those,
/// then the previous ones carried over, with when each was written.
fn feed_states(dir: &Path, written: &[String], finished_at: &str) -> Vec<FeedState> {
    let mut feeds: Vec<FeedState> = written
        .iter()
        .map(|name| FeedState {
            file: name.clone(),
            from: FeedFrom::ThisRun,
            written_at: finished_at.to_string(),
        })
        .collect();
    let known = previous_feed_times(dir);
    for entity in Entity::ALL {
        for (path, _) in feed::candidates(dir, entity) {
            let Some(name) = path.file_name().and_then(|n| n.to_str()).map(String::from) else {
                continue;
            };
            if feeds.iter().any(|f| f.file == name) || !path.is_file() {
                continue;
            }
            let written_at = known.get(&name).cloned().unwrap_or_else(|| {
                std::fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .map(|t| timestamp(t.into()))
                    .unwrap_or_default()
            });
            feeds.push(FeedState {
                file: name,
                from: FeedFrom::Previous,
                written_at,
            });
        }
    }
    feeds
}

/// The previous run's `report.json` in `dir`, if there is one that reads.
fn previous_report(dir: &Path) -> Option<crate::value::Value> {
    let text = std::fs::read_to_string(dir.join("report.json")).ok()?;
    serde_json::from_str(&text).ok()
}

/// The grouped blocks (type, input file) whose keys were not consecutive in the previous run
/// into `dir`, as its `report.json` says: they go to the sorter at once.
fn previous_unsorted(dir: &Path) -> Vec<(Entity, String)> {
    let Some(previous) = previous_report(dir) else {
        return Vec::new();
    };
    previous["entities"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["keys_consecutive"] == crate::value::Value::Bool(false))
        .filter_map(|e| {
            let entity = Entity::parse(e["entity"].as_str()?)?;
            Some((entity, e["file"].as_str()?.to_string()))
        })
        .collect()
}

/// When each feed was written, as the previous run's `report.json` says.
fn previous_feed_times(dir: &Path) -> HashMap<String, String> {
    let Some(previous) = previous_report(dir) else {
        return HashMap::new();
    };
    previous["feeds"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| {
            let file = f["file"].as_str()?;
            let at = f["written_at"].as_str().filter(|t| !t.is_empty())?;
            Some((file.to_string(), at.to_string()))
        })
        .collect()
}

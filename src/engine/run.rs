//! Running a program over its sources: validation of the inputs before any record is read,
//! lookup tables, the parallel pipeline (reader thread -> rayon workers -> ordered writer),
//! grouping, rejects and accounting.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

use super::output::{AtomicFile, OutputError, OutputFormat, Outputs};
use super::report::{EntityReport, FilterCount, RunReport, Skipped, TableReport};
use super::source::{Chunk, Format, SourceError, SourceReader, read_all};
use crate::clerk::{Entity, IdKind};
use crate::diagnostic::SourceFile;
use crate::eval::{self, Env, Outcome, Reason, map_record};
use crate::plan::{BlockPlan, Program};
use crate::syntax::ast::Span;
use crate::value::{Table, key_string};

/// `--input NAME=PATH`, with the format from the extension unless given.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub name: String,
    pub path: PathBuf,
    pub format: Option<Format>,
}

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub inputs: Vec<Input>,
    pub out_dir: PathBuf,
    pub format: OutputFormat,
    /// Worker threads; 0 = one per core.
    pub jobs: usize,
    /// Abort (writing no feed) when more records than this are rejected.
    pub max_rejects: Option<u64>,
    /// Records per chunk handed to a worker.
    pub chunk_size: usize,
    /// The mapping's warnings, to keep in the report.
    pub mapping_warnings: Vec<String>,
    /// Write even when an entity shrinks by more than `max_shrink` since the previous feed in
    /// the output directory, or the products feed is empty.
    pub allow_shrink: bool,
    /// The share of an entity's ids that may disappear since the previous feed (0.1 = 10%).
    pub max_shrink: f64,
    /// Incremented by the records read as the run goes (for a progress display).
    pub progress: Option<std::sync::Arc<AtomicU64>>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            inputs: Vec::new(),
            out_dir: PathBuf::from("out"),
            format: OutputFormat::Json,
            jobs: 0,
            max_rejects: None,
            chunk_size: 1024,
            mapping_warnings: Vec::new(),
            allow_shrink: false,
            max_shrink: super::guard::DEFAULT_MAX_SHRINK,
            progress: None,
        }
    }
}

/// Why a run stopped. Nothing is written to the output dir's feeds in any of these cases.
#[derive(Debug)]
pub enum RunError {
    /// The inputs do not fit the mapping (unknown name, missing lookup table, unknown format).
    Usage(String),
    /// An input file cannot be read at all.
    Source(SourceError),
    Output(OutputError),
    /// `--max-rejects` was exceeded; rejects.ndjson and report.json were still written.
    TooManyRejects {
        rejected: u64,
        max: u64,
        report: Box<RunReport>,
    },
    /// Every record of a mirrored entity was rejected: its feed would be empty and Clerk would
    /// delete everything. rejects.ndjson and report.json were still written.
    AllRejected {
        entity: Entity,
        rejected: u64,
        report: Box<RunReport>,
    },
    /// An entity would shrink by more than the allowed share since the previous feed (or the
    /// products feed would be empty); no feed was written.
    Shrink(super::guard::ShrinkRefusal),
    Internal(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Usage(m) | RunError::Internal(m) => f.write_str(m),
            RunError::Shrink(r) => write!(f, "{r}"),
            RunError::Source(e) => write!(f, "{e}"),
            RunError::Output(e) => write!(f, "cannot write {e}"),
            RunError::AllRejected {
                entity, rejected, ..
            } => write!(
                f,
                "aborted: all {rejected} {} records were rejected; an empty feed would make Clerk delete every {}; no feed was written (see rejects.ndjson)",
                entity.name(),
                entity.singular()
            ),
            RunError::TooManyRejects { rejected, max, .. } => write!(
                f,
                "aborted: {rejected} records rejected, more than --max-rejects {max}; no feed was written (see rejects.ndjson)"
            ),
        }
    }
}

impl std::error::Error for RunError {}

impl From<OutputError> for RunError {
    fn from(e: OutputError) -> Self {
        RunError::Output(e)
    }
}
impl From<SourceError> for RunError {
    fn from(e: SourceError) -> Self {
        RunError::Source(e)
    }
}

/// The inputs resolved against a program: formats known, names checked, files opened.
struct Resolved<'p> {
    blocks: Vec<(&'p BlockPlan, &'p Input, Format)>,
    skipped: Vec<Skipped>,
    tables: Vec<Option<(&'p Input, Format)>>,
}

fn format_of(input: &Input) -> Result<Format, RunError> {
    input.format.clone().or_else(|| Format::from_path(&input.path)).ok_or_else(|| {
        RunError::Usage(format!(
            "cannot tell the format of `{}` from its extension: use .json, .ndjson, .csv or .tsv, or state it with --input-format {}=csv",
            input.path.display(),
            input.name
        ))
    })
}

/// Checks the inputs against the program before any record is read.
fn resolve<'p>(program: &'p Program, inputs: &'p [Input]) -> Result<Resolved<'p>, RunError> {
    let mut by_name: HashMap<&str, &Input> = HashMap::new();
    for i in inputs {
        if by_name.insert(i.name.as_str(), i).is_some() {
            return Err(RunError::Usage(format!(
                "--input `{}` is given twice",
                i.name
            )));
        }
    }
    let known: Vec<&str> = program
        .blocks
        .iter()
        .map(|b| b.source.as_str())
        .chain(program.tables.iter().map(|t| t.name.as_str()))
        .collect();
    for i in inputs {
        if !known.contains(&i.name.as_str()) {
            let hint = crate::diagnostic::suggest::did_you_mean(&i.name, known.iter().copied())
                .unwrap_or_else(|| {
                    format!(
                        "the mapping reads {}",
                        known
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                });
            return Err(RunError::Usage(format!(
                "--input `{}`: the mapping has no source or lookup table of that name; {hint}",
                i.name
            )));
        }
    }
    let mut blocks = Vec::new();
    let mut skipped = Vec::new();
    let mut needed = vec![None::<&str>; program.tables.len()];
    for b in &program.blocks {
        match by_name.get(b.source.as_str()) {
            Some(input) => {
                blocks.push((b, *input, format_of(input)?));
                for &t in &b.tables {
                    needed[t].get_or_insert(b.entity.name());
                }
            }
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
                return Err(RunError::Usage(format!(
                    "the `{entity}` block looks up table `{}`, but no --input {}=PATH is given",
                    t.name, t.name
                )));
            }
            _ => tables.push(None),
        }
    }
    if blocks.is_empty() {
        let sources: Vec<String> = program
            .blocks
            .iter()
            .map(|b| format!("--input {}=PATH", b.source))
            .collect();
        return Err(RunError::Usage(format!(
            "nothing to do: give at least one of {}",
            sources.join(", ")
        )));
    }
    Ok(Resolved {
        blocks,
        skipped,
        tables,
    })
}

fn load_tables(
    program: &Program,
    resolved: &Resolved,
    report: &mut RunReport,
) -> Result<Vec<Table>, RunError> {
    let mut tables = Vec::with_capacity(program.tables.len());
    for (plan, input) in program.tables.iter().zip(&resolved.tables) {
        let Some((input, format)) = input else {
            // Not needed by any running block, or `optional` and not given: empty.
            tables.push(Table::build(plan.name.clone(), Vec::new(), plan.parent.is_some()).0);
            continue;
        };
        let rows = read_all(&input.path, format.clone())?;
        let mut entries = Vec::with_capacity(rows.len());
        let mut int_keys = true;
        let file = input.path.display().to_string();
        let loc = |n: u64| {
            if format.has_lines() {
                format!("{file}:{n}")
            } else {
                format!("{file} record {n}")
            }
        };
        for (n, row) in rows {
            let row = match row {
                Ok(r) => r,
                Err(e) => {
                    report.warnings.push(format!(
                        "{}: {e} (row left out of lookup table `{}`)",
                        loc(n),
                        plan.name
                    ));
                    continue;
                }
            };
            let env = Env::empty();
            let key = match eval::eval(&plan.key, &row, &env) {
                Ok(k) => {
                    int_keys &= k.is_i64() || k.is_u64();
                    key_string(&k).map(|k| k.into_owned())
                }
                Err(e) => {
                    report.warnings.push(format!(
                        "{}: key of lookup table `{}`: {}",
                        loc(n),
                        plan.name,
                        e.message
                    ));
                    continue;
                }
            };
            let parent = match &plan.parent {
                Some(p) => match eval::eval(p, &row, &env) {
                    Ok(v) => key_string(&v).map(|k| k.into_owned()),
                    Err(e) => {
                        report.warnings.push(format!(
                            "{}: parent of lookup table `{}`: {}",
                            loc(n),
                            plan.name,
                            e.message
                        ));
                        None
                    }
                },
                None => None,
            };
            entries.push((key, parent, row));
        }
        let (mut table, warnings) = Table::build(plan.name.clone(), entries, plan.parent.is_some());
        table.set_int_keys(int_keys && !table.is_empty());
        report.warnings.extend(
            warnings
                .into_iter()
                .map(|w| format!("{file}: {}", w.message)),
        );
        report.tables.push(TableReport {
            name: plan.name.clone(),
            file,
            rows: table.len(),
        });
        tables.push(table);
    }
    Ok(tables)
}

/// Runs a checked program. Feeds, `rejects.ndjson` and `report.json` appear in the output
/// directory only when the run succeeds (the last two also after a `--max-rejects` abort).
pub fn run(
    program: &Program,
    mapping: &SourceFile,
    opts: &RunOptions,
) -> Result<RunReport, RunError> {
    let started = Instant::now();
    let resolved = resolve(program, &opts.inputs)?;
    let jobs = if opts.jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.jobs
    };
    let mut report = RunReport {
        mapping: mapping.name.clone(),
        output_dir: opts.out_dir.display().to_string(),
        format: format!("{:?}", opts.format).to_lowercase(),
        jobs,
        skipped: resolved.skipped.clone(),
        warnings: opts.mapping_warnings.clone(),
        ..RunReport::default()
    };
    // Open every source now: a missing or empty file stops the run before any record is read.
    let mut readers = Vec::with_capacity(resolved.blocks.len());
    for (_, input, format) in &resolved.blocks {
        readers.push(SourceReader::open(
            &input.path,
            format.clone(),
            opts.chunk_size,
        )?);
    }
    let tables = load_tables(program, &resolved, &mut report)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("clerkmap-worker-{i}"))
        .build()
        .map_err(|e| RunError::Internal(format!("cannot start worker threads: {e}")))?;
    let mut outputs = Outputs::new(&opts.out_dir, opts.format)?;
    let mut rejects = AtomicFile::create(&opts.out_dir.join("rejects.ndjson"))?;
    let ctx = Ctx {
        mapping,
        tables: &tables,
        chunk_size: opts.chunk_size.max(1),
        in_flight: jobs * 2,
        progress: opts.progress.as_deref(),
    };
    let mut aborted = None;
    let mut all_rejected = None;
    let mut written_ids = Vec::new();
    for ((block, input, _), reader) in resolved.blocks.iter().zip(readers) {
        let budget = opts
            .max_rejects
            .map(|m| m.saturating_sub(report.total_rejected()));
        let (entity, ids) = run_block(
            &ctx,
            &pool,
            block,
            input,
            reader,
            &mut outputs,
            &mut rejects,
            budget,
        )?;
        if entity.written == 0 && entity.rejected > 0 && entity.entity.is_mirrored() {
            all_rejected = Some((entity.entity, entity.rejected));
        }
        written_ids.push((entity.entity, ids));
        report.entities.push(entity);
        if all_rejected.is_some() {
            break;
        }
        if let Some(max) = opts.max_rejects {
            let total = report.total_rejected();
            if total > max {
                aborted = Some((total, max));
                break;
            }
        }
    }
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    report.compute_privacy();
    if aborted.is_some() || all_rejected.is_some() {
        drop(outputs);
        let r = rejects.commit()?;
        report.files.push(r.display().to_string());
        write_report(&opts.out_dir, &mut report)?;
        let report = Box::new(report);
        return Err(match (aborted, all_rejected) {
            (Some((rejected, max)), _) => RunError::TooManyRejects {
                rejected,
                max,
                report,
            },
            (None, Some((entity, rejected))) => RunError::AllRejected {
                entity,
                rejected,
                report,
            },
            (None, None) => RunError::Internal("abort without a cause".into()),
        });
    }
    super::guard::check_run(
        &opts.out_dir,
        opts.format,
        &written_ids,
        opts.max_shrink,
        opts.allow_shrink,
    )
    .map_err(RunError::Shrink)?;
    let created = chrono::Utc::now().timestamp();
    for p in outputs.commit(created)? {
        report.files.push(p.display().to_string());
    }
    report.files.push(rejects.commit()?.display().to_string());
    write_report(&opts.out_dir, &mut report)?;
    Ok(report)
}

fn write_report(dir: &Path, report: &mut RunReport) -> Result<(), RunError> {
    let path = dir.join("report.json");
    report.files.push(path.display().to_string());
    let mut f = AtomicFile::create(&path)?;
    let json = serde_json::to_vec_pretty(report)
        .map_err(|e| RunError::Internal(format!("cannot serialize the report: {e}")))?;
    f.write(&json)?;
    f.write(b"\n")?;
    f.commit()?;
    Ok(())
}

struct Ctx<'a> {
    mapping: &'a SourceFile,
    tables: &'a [Table],
    chunk_size: usize,
    in_flight: usize,
    progress: Option<&'a AtomicU64>,
}

/// What a worker made of a chunk: records serialized back to back in `buf`, in input order.
#[derive(Default)]
struct ChunkOut {
    buf: Vec<u8>,
    items: Vec<ItemOut>,
}

enum ItemOut {
    Written {
        loc: u64,
        start: usize,
        end: usize,
        id: Value,
        has_email: bool,
    },
    Filtered(Span),
    Rejected {
        loc: u64,
        id: Option<Value>,
        reasons: Vec<String>,
    },
}

/// Renders a reason with the mapping location: "`price`: msg (at passweb.cmap:9:17)".
fn render_reason(r: &Reason, mapping: &SourceFile) -> String {
    let mut s = match &r.attribute {
        Some(a) => format!("`{a}`: {}", r.message),
        None => r.message.clone(),
    };
    if let Some(span) = r.span {
        let (line, col) = mapping.line_col(span.start);
        s.push_str(&format!(" (at {}:{line}:{col})", mapping.name));
    }
    s
}

fn map_into(
    ctx: &Ctx,
    block: &BlockPlan,
    loc: u64,
    record: &Value,
    rows: &[Value],
    out: &mut ChunkOut,
) {
    match map_record(block, record, rows, ctx.tables) {
        Outcome::Written(map) => {
            let start = out.buf.len();
            let id = map.get("id").cloned().unwrap_or(Value::Null);
            match serde_json::to_writer(&mut out.buf, &map) {
                Ok(()) => out.items.push(ItemOut::Written {
                    loc,
                    start,
                    end: out.buf.len(),
                    id,
                    has_email: map.contains_key("email"),
                }),
                Err(e) => {
                    out.buf.truncate(start);
                    out.items.push(ItemOut::Rejected {
                        loc,
                        id: Some(id),
                        reasons: vec![format!("cannot serialize: {e}")],
                    });
                }
            }
        }
        Outcome::Filtered(span) => out.items.push(ItemOut::Filtered(span)),
        Outcome::Rejected { id, reasons } => out.items.push(ItemOut::Rejected {
            loc,
            id,
            reasons: reasons
                .iter()
                .map(|r| render_reason(r, ctx.mapping))
                .collect(),
        }),
    }
}

#[derive(Serialize)]
struct RejectLine<'a> {
    entity: &'a str,
    source: &'a str,
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a Value>,
    reasons: &'a [String],
}

/// The sequential end of the pipeline: feed order, id checks, rejects, counts.
struct Writer<'a> {
    block: &'a BlockPlan,
    file: String,
    has_lines: bool,
    sink: super::output::EntitySink,
    id_kind: Option<(IdKind, u64)>,
    seen: HashMap<String, u64>,
    written: u64,
    with_email: u64,
    filtered: u64,
    filtered_by: HashMap<Span, u64>,
    rejected: u64,
}

impl Writer<'_> {
    fn reject(
        &mut self,
        rejects: &mut AtomicFile,
        loc: u64,
        id: Option<&Value>,
        reasons: &[String],
    ) -> Result<(), RunError> {
        self.rejected += 1;
        let line = RejectLine {
            entity: self.block.entity.name(),
            source: &self.block.source,
            file: &self.file,
            line: self.has_lines.then_some(loc),
            record: (!self.has_lines).then_some(loc),
            id: id.filter(|v| !v.is_null()),
            reasons,
        };
        let mut json = serde_json::to_vec(&line).map_err(|e| RunError::Internal(e.to_string()))?;
        json.push(b'\n');
        rejects.write(&json)?;
        Ok(())
    }

    fn where_(&self, loc: u64) -> String {
        if self.has_lines {
            format!("line {loc}")
        } else {
            format!("record {loc}")
        }
    }

    fn chunk(
        &mut self,
        out: ChunkOut,
        outputs: &mut Outputs,
        rejects: &mut AtomicFile,
    ) -> Result<(), RunError> {
        for item in out.items {
            match item {
                ItemOut::Filtered(span) => {
                    self.filtered += 1;
                    *self.filtered_by.entry(span).or_default() += 1;
                }
                ItemOut::Rejected { loc, id, reasons } => {
                    self.reject(rejects, loc, id.as_ref(), &reasons)?
                }
                ItemOut::Written {
                    loc,
                    start,
                    end,
                    id,
                    has_email,
                } => {
                    let kind = IdKind::of(&id);
                    if let (Some(k), Some((feed_kind, first))) = (kind, self.id_kind)
                        && k != feed_kind
                    {
                        let msg = format!(
                            "id {} is {} but this feed's ids are {}s (from its first record, {}): Clerk needs one id type per feed; convert with `| string` or `| int`",
                            id,
                            k.name(),
                            feed_kind.name(),
                            self.where_(first)
                        );
                        self.reject(rejects, loc, Some(&id), &[msg])?;
                        continue;
                    }
                    let key = key_string(&id).map(|k| k.into_owned()).unwrap_or_default();
                    if let Some(first) = self.seen.get(&key) {
                        let msg = format!(
                            "duplicate id {id}: the record at {} has the same id and was kept",
                            self.where_(*first)
                        );
                        self.reject(rejects, loc, Some(&id), &[msg])?;
                        continue;
                    }
                    self.seen.insert(key, loc);
                    if self.id_kind.is_none() {
                        self.id_kind = kind.map(|k| (k, loc));
                    }
                    outputs.record(&mut self.sink, &out.buf[start..end])?;
                    self.written += 1;
                    self.with_email += u64::from(has_email);
                }
            }
        }
        Ok(())
    }
}

/// Takes up to `n` chunks from the reader thread (blocking for the first).
fn next_batch(
    rx: &Receiver<Option<Result<Chunk, SourceError>>>,
    n: usize,
) -> Result<(Vec<Chunk>, bool), RunError> {
    let mut batch = Vec::with_capacity(n);
    let mut done = false;
    while batch.len() < n {
        let msg = if batch.is_empty() {
            rx.recv().ok()
        } else {
            rx.try_recv().ok()
        };
        match msg {
            Some(Some(Ok(c))) => batch.push(c),
            Some(Some(Err(e))) => return Err(e.into()),
            Some(None) => {
                done = true;
                break;
            }
            None if batch.is_empty() => {
                done = true;
                break;
            }
            None => break,
        }
    }
    Ok((batch, done))
}

#[allow(clippy::too_many_arguments)]
fn run_block(
    ctx: &Ctx,
    pool: &rayon::ThreadPool,
    block: &BlockPlan,
    input: &Input,
    mut reader: SourceReader,
    outputs: &mut Outputs,
    rejects: &mut AtomicFile,
    budget: Option<u64>,
) -> Result<(EntityReport, Vec<String>), RunError> {
    let started = Instant::now();
    let sink = outputs.begin(block.entity)?;
    let format = input
        .format
        .clone()
        .or_else(|| Format::from_path(&input.path))
        .unwrap_or(Format::Ndjson);
    let w = Writer {
        block,
        file: input.path.display().to_string(),
        has_lines: format.has_lines(),
        sink,
        id_kind: None,
        seen: HashMap::new(),
        written: 0,
        with_email: 0,
        filtered: 0,
        filtered_by: HashMap::new(),
        rejected: 0,
    };
    let mut rows_read = 0u64;
    let grouped = block.group_by.is_some();
    let mut grouper = Grouper::default();
    let rejected_so_far = AtomicU64::new(0);
    let w = std::thread::scope(|s| -> Result<Writer, RunError> {
        let (tx, rx) = sync_channel(ctx.in_flight);
        s.spawn(move || {
            loop {
                let c = reader.next_chunk();
                let end = c.is_none() || matches!(c, Some(Err(_)));
                if tx.send(c).is_err() || end {
                    break;
                }
            }
        });
        // The writer runs beside the workers: batch N is written while batch N+1 is mapped.
        let (wtx, wrx) = sync_channel::<Vec<ChunkOut>>(1);
        let rejected_so_far = &rejected_so_far;
        let (out_files, reject_file) = (&mut *outputs, &mut *rejects);
        let writer = s.spawn(move || -> Result<Writer, RunError> {
            let mut w = w;
            for outs in wrx {
                for out in outs {
                    w.chunk(out, out_files, reject_file)?;
                }
                rejected_so_far.store(w.rejected, Ordering::Relaxed);
            }
            Ok(w)
        });
        loop {
            let (batch, done) = next_batch(&rx, ctx.in_flight)?;
            let n = batch.iter().map(|c| c.len() as u64).sum::<u64>();
            rows_read += n;
            if let Some(p) = ctx.progress {
                p.fetch_add(n, Ordering::Relaxed);
            }
            let outs: Vec<ChunkOut> = if grouped {
                let keyed: Vec<Vec<Keyed>> = pool.install(|| {
                    batch
                        .into_par_iter()
                        .map(|c| key_rows(block, ctx.tables, c))
                        .collect()
                });
                let mut units = Vec::new();
                for k in keyed {
                    grouper.push(k, &mut units);
                }
                if done {
                    grouper.finish(&mut units);
                }
                pool.install(|| {
                    units
                        .par_chunks(ctx.chunk_size.div_ceil(4).max(1))
                        .map(|slice| {
                            let mut out = ChunkOut::default();
                            for u in slice {
                                match &u.rows {
                                    Ok(rows) => {
                                        map_into(ctx, block, u.loc, &rows[0], rows, &mut out)
                                    }
                                    Err(reason) => out.items.push(ItemOut::Rejected {
                                        loc: u.loc,
                                        id: None,
                                        reasons: vec![reason.clone()],
                                    }),
                                }
                            }
                            out
                        })
                        .collect()
                })
            } else {
                pool.install(|| {
                    batch
                        .into_par_iter()
                        .map(|c| {
                            let mut out = ChunkOut {
                                buf: Vec::with_capacity(c.len() * 512),
                                items: Vec::with_capacity(c.len()),
                            };
                            for (loc, rec) in c.decode() {
                                match rec {
                                    Ok(v) => map_into(ctx, block, loc, &v, &[], &mut out),
                                    Err(reason) => out.items.push(ItemOut::Rejected {
                                        loc,
                                        id: None,
                                        reasons: vec![reason],
                                    }),
                                }
                            }
                            out
                        })
                        .collect()
                })
            };
            let over_budget = budget.is_some_and(|b| rejected_so_far.load(Ordering::Relaxed) > b);
            if wtx.send(outs).is_err() || over_budget || done {
                break;
            }
        }
        drop(wtx);
        writer
            .join()
            .map_err(|_| RunError::Internal("the writer thread panicked".into()))?
    })?;
    if rows_read == 0 {
        return Err(RunError::Source(SourceError {
            path: input.path.clone(),
            line: None,
            message: format!(
                "holds no records (only a header or blank lines?): refusing to write an empty {} feed (Clerk would delete every {})",
                block.entity.name(),
                block.entity.singular()
            ),
        }));
    }
    outputs.end(w.sink)?;
    let elapsed = started.elapsed();
    let read = w.written + w.filtered + w.rejected;
    let ids = w.seen.into_keys().collect();
    Ok((
        EntityReport {
            entity: block.entity,
            source: block.source.clone(),
            file: w.file,
            read,
            rows: grouped.then_some(rows_read),
            written: w.written,
            filtered: w.filtered,
            rejected: w.rejected,
            filtered_by: filter_counts(ctx.mapping, &w.filtered_by),
            with_email: w.with_email,
            output: outputs.file_name(block.entity),
            elapsed_ms: elapsed.as_millis() as u64,
            records_per_sec: if elapsed.as_secs_f64() > 0.0 {
                read as f64 / elapsed.as_secs_f64()
            } else {
                0.0
            },
        },
        ids,
    ))
}

/// The filter counts by condition, in mapping order.
fn filter_counts(mapping: &SourceFile, by: &HashMap<Span, u64>) -> Vec<FilterCount> {
    let mut spans: Vec<(&Span, &u64)> = by.iter().collect();
    spans.sort_by_key(|(s, _)| s.start);
    spans
        .into_iter()
        .map(|(span, count)| {
            let (line, col) = mapping.line_col(span.start);
            let text = mapping.text.get(span.start..span.end).unwrap_or("");
            let mut condition: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if condition.chars().count() > 100 {
                condition = condition.chars().take(97).collect::<String>() + "...";
            }
            FilterCount {
                at: format!("{}:{line}:{col}", mapping.name),
                condition,
                count: *count,
            }
        })
        .collect()
}

/// A row with its group key, or why it cannot be grouped.
type Keyed = (u64, Result<(String, Value), String>);

/// Decodes a chunk and computes each row's group key.
fn key_rows(block: &BlockPlan, tables: &[Table], chunk: Chunk) -> Vec<Keyed> {
    let Some(key_expr) = &block.group_by else {
        return Vec::new();
    };
    chunk
        .decode()
        .into_iter()
        .map(|(loc, rec)| {
            let r = rec.and_then(|v| {
                let env = Env {
                    slots: &[],
                    rows: &[],
                    tables,
                };
                let k = eval::eval(key_expr, &v, &env)
                    .map_err(|e| format!("group key: {}", e.message))?;
                match key_string(&k) {
                    Some(s) if !s.is_empty() => Ok((s.into_owned(), v)),
                    _ => Err(format!(
                        "group key is {}: every row needs one to be grouped",
                        crate::value::show(&k)
                    )),
                }
            });
            (loc, r)
        })
        .collect()
}

/// A group of consecutive rows with one key (or a row that could not be read).
struct Unit {
    loc: u64,
    rows: Result<Vec<Value>, String>,
}

/// Groups consecutive rows by key across chunk boundaries. A key that comes back after its
/// group was closed is rejected: the export must keep a group's rows together.
#[derive(Default)]
struct Grouper {
    open: Option<(String, u64, Vec<Value>)>,
    closed: HashSet<String>,
    first_line: HashMap<String, u64>,
}

impl Grouper {
    fn close(&mut self, units: &mut Vec<Unit>) {
        if let Some((key, loc, rows)) = self.open.take() {
            if self.closed.contains(&key) {
                let first = self.first_line.get(&key).copied().unwrap_or(0);
                units.push(Unit {
                    loc,
                    rows: Err(format!(
                        "rows of group `{key}` are not consecutive (its first group starts at line {first}): sort the export by the group key"
                    )),
                });
            } else {
                self.first_line.insert(key.clone(), loc);
                self.closed.insert(key);
                units.push(Unit {
                    loc,
                    rows: Ok(rows),
                });
            }
        }
    }

    fn push(&mut self, rows: Vec<Keyed>, units: &mut Vec<Unit>) {
        for (loc, r) in rows {
            match r {
                Err(reason) => units.push(Unit {
                    loc,
                    rows: Err(reason),
                }),
                Ok((key, v)) => match &mut self.open {
                    Some((k, _, rows)) if *k == key => rows.push(v),
                    _ => {
                        self.close(units);
                        self.open = Some((key, loc, vec![v]));
                    }
                },
            }
        }
    }

    fn finish(&mut self, units: &mut Vec<Unit>) {
        self.close(units);
    }
}

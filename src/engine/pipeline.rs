//! The parallel pipeline of one block: a reader thread reads chunks of raw records; a rayon pool
//! decodes, groups (by key, in order) and maps a batch of chunks in parallel; a writer thread
//! beside the workers takes the results in input order, checks ids (one type per feed, no
//! duplicates) and hands records and rejects to the [`Sink`]. Memory is bounded by the chunks
//! in flight, the lookup tables and the open group (or the sorter's budget), not by the input
//! size. A grouped block streams its groups while they are runs of consecutive rows; a key that
//! comes back makes the block start over (its output rolled back, the file read again) through
//! the sorter of [`super::spill`], which a pipe goes through from the start.

use foldhash::{HashMap, HashMapExt};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::time::Instant;

use crate::value::{Record, Table, Value, elide, key_string};
use rayon::prelude::*;

use super::group::{FillDown, Grouper, KeyOrder, Keyed, NotConsecutive, Unit, key_rows};
use super::guard::PreviousFeed;
use super::ids::{self, MappedIds, PreviousIds, Seen, content_hash};
use super::input::{Format, Input};
use super::limits::MAX_DEPTH;
use super::reject::{Loc, Located, Reject, engine_reason};
use super::report::{EntityReport, FilterCount, Profile, RejectExample, shell_word};
use super::run::RunError;
use super::sink::{Sink, Written};
use super::source::{Chunk, SourceError, SourceReader};
use super::spill::GroupSorter;
use super::stream::stream_plain;
use super::why::RejectSummary;
use crate::clerk::{Entity, IdKind};
use crate::diagnostic::{SourceFile, Span};
use crate::eval::{Outcome, Reason, map_group};
use crate::plan::BlockPlan;

/// What every block of a run shares.
pub(super) struct Ctx<'a> {
    pub mapping: &'a SourceFile,
    pub tables: &'a [Table],
    pub chunk_size: usize,
    pub in_flight: usize,
    pub progress: Option<&'a AtomicU64>,
    /// Keep each written record as a value for the sink or the profile.
    pub keep_values: bool,
    /// Decode only the fields each block reads ([`BlockPlan::row_fields`]); `false` decodes
    /// whole records (the differential tests' oracle).
    pub project: bool,
    /// The previous feeds in the output directory, when the run compares with them: new ids
    /// are noted as they are written, for the diff's examples.
    pub previous: Option<&'a [PreviousFeed]>,
    /// Profile the written records (attribute coverage, for the HTML report).
    pub profile: bool,
    /// The command that explains a record of this run, without the arguments that pick one.
    pub explain: &'a str,
    /// About how many bytes of rows the sorter of a grouped block keeps in memory.
    pub group_memory: usize,
    /// Where the sorter's temporary directory goes (the system's when `None`).
    pub spill_dir: Option<&'a std::path::Path>,
    /// The grouped blocks (type, input file) whose keys were not consecutive in the previous
    /// run into this output directory: grouped through the sorter at once.
    pub unsorted: &'a [(Entity, String)],
}

impl Ctx<'_> {
    /// The fields to decode of `block`'s records (`None`: whole records).
    pub(super) fn fields<'b>(&self, block: &'b BlockPlan) -> Option<&'b [String]> {
        block.row_fields.as_deref().filter(|_| self.project)
    }
}

/// What a worker made of a chunk: records serialized back to back in `buf`, in input order.
#[derive(Default)]
pub(super) struct ChunkOut {
    pub buf: Vec<u8>,
    pub items: Vec<ItemOut>,
}

/// What became of one record.
pub(super) enum ItemOut {
    Written {
        loc: u64,
        start: usize,
        end: usize,
        id: Value,
        /// [`content_hash`] of the serialized record (for the diff with the previous feed).
        hash: u64,
        has_email: bool,
        value: Option<Record>,
    },
    Filtered(Span),
    Rejected {
        loc: u64,
        id: Option<Value>,
        reasons: Vec<Reason>,
    },
}

pub(super) fn map_into(
    ctx: &Ctx,
    block: &BlockPlan,
    loc: u64,
    record: &Value,
    group: (&[Value], Option<&str>),
    out: &mut ChunkOut,
) {
    match map_group(block, record, group.0, group.1, ctx.tables) {
        Outcome::Written(map) if nests_deeper_than(&map, MAX_RECORD_DEPTH) => {
            // Every reader of the feed (`push`, `serve`, Clerk's) stops at some depth: a record
            // that nests deeper is rejected here rather than written into an unreadable feed.
            let id = map.get("id").cloned();
            out.items.push(ItemOut::Rejected {
                loc,
                id,
                reasons: vec![engine_reason(format!(
                    "the record nests lists and objects deeper than {MAX_RECORD_DEPTH} levels, more than a feed can be read with: flatten the attribute"
                ))],
            });
        }
        Outcome::Written(map) => {
            let start = out.buf.len();
            let id = map.get("id").cloned().unwrap_or(Value::Null);
            map.write_json(&mut out.buf);
            out.items.push(ItemOut::Written {
                loc,
                start,
                end: out.buf.len(),
                hash: content_hash(&out.buf[start..]),
                id,
                has_email: map.contains_key("email"),
                value: ctx.keep_values.then_some(map),
            });
        }
        Outcome::Filtered(span) => out.items.push(ItemOut::Filtered(span)),
        Outcome::Rejected { id, reasons } => out.items.push(ItemOut::Rejected { loc, id, reasons }),
    }
}

/// The deepest a written record may nest (the record is level 1) for its feed to be read back
/// by serde_json's default reader (at most 127 levels, `push`, `serve`), the array of a JSON
/// feed being one of them.
const MAX_RECORD_DEPTH: usize = MAX_DEPTH - 2;

/// Whether a record (level 1) holds lists or objects nested deeper than `limit` levels. The
/// walk allocates nothing (it runs for every record written) and goes no deeper than `limit`
/// levels whatever the record, so its recursion is bounded.
fn nests_deeper_than(record: &Record, limit: usize) -> bool {
    fn deeper(v: &Value, level: usize, limit: usize) -> bool {
        match v {
            Value::Array(items) => {
                level > limit || items.iter().any(|c| deeper(c, level + 1, limit))
            }
            Value::Object(m) => level > limit || m.values().any(|c| deeper(c, level + 1, limit)),
            _ => false,
        }
    }
    record.values().any(|v| deeper(v, 2, limit))
}

/// The sequential end of the pipeline: feed order, id checks, rejects, counts.
struct Writer<'a> {
    block: &'a BlockPlan,
    mapping: &'a SourceFile,
    file: String,
    has_lines: bool,
    id_kind: Option<(IdKind, u64)>,
    /// Per id written: where it was read, and the hash of its record.
    seen: MappedIds,
    /// The ids of the previous feed, when new ids are told apart (`Some(None)`: no previous
    /// feed, every id is new; `None`: not told apart).
    previous: Option<Option<&'a PreviousIds>>,
    written: u64,
    with_email: u64,
    filtered: u64,
    filtered_by: HashMap<Span, u64>,
    rejected: u64,
    profile: Option<Profile>,
    why: RejectSummary,
    explain: &'a str,
}

impl Writer<'_> {
    fn reject(
        &mut self,
        sink: &mut dyn Sink,
        loc: u64,
        id: Option<Value>,
        reasons: Vec<Reason>,
    ) -> Result<(), RunError> {
        self.rejected += 1;
        let reject = Reject {
            entity: self.block.entity,
            source: self.block.source.clone(),
            file: self.file.clone(),
            loc: Loc::new(loc, self.has_lines),
            id: id.filter(|v| !v.is_null()),
            reasons,
        };
        if let Some(p) = self.profile.as_mut() {
            let example = match reject
                .id
                .as_ref()
                .and_then(|id| Some((id, key_string(id)?)))
            {
                Some((id, key)) => RejectExample {
                    shown: id.to_string(),
                    pick: format!("--id {}", shell_word(&key)),
                },
                None => RejectExample {
                    shown: reject.loc.to_string(),
                    pick: format!("--line {}", reject.loc.number()),
                },
            };
            let texts = reject.reason_texts(Located::In(self.mapping));
            p.add_reject(reject.entity, &example, &texts, self.explain);
        }
        self.why.add(&reject, self.mapping);
        sink.reject(reject)?;
        Ok(())
    }

    fn place(&self, loc: u64) -> String {
        Loc::new(loc, self.has_lines).to_string()
    }

    /// Why a written record's id cannot go into this feed (another type, a duplicate).
    fn id_problem(&self, id: &Value, kind: Option<IdKind>, hash: u64) -> Option<String> {
        if let (Some(k), Some((feed_kind, first))) = (kind, self.id_kind)
            && k != feed_kind
        {
            return Some(format!(
                "id {} is {} but this feed's ids are {}s (from its first record, {}): Clerk needs one id type per feed; convert with `| string` or `| int`",
                id,
                k.name(),
                feed_kind.name(),
                self.place(first)
            ));
        }
        self.seen.get_hashed(hash).map(|seen| {
            format!(
                "duplicate id {id}: the record at {} has the same id and was kept",
                self.place(seen.first)
            )
        })
    }

    fn chunk(&mut self, out: ChunkOut, sink: &mut dyn Sink) -> Result<(), RunError> {
        let entity = self.block.entity;
        for item in out.items {
            match item {
                ItemOut::Filtered(span) => {
                    self.filtered += 1;
                    *self.filtered_by.entry(span).or_default() += 1;
                }
                ItemOut::Rejected { loc, id, reasons } => self.reject(sink, loc, id, reasons)?,
                ItemOut::Written {
                    loc,
                    start,
                    end,
                    id,
                    hash,
                    has_email,
                    value,
                } => {
                    let kind = IdKind::of(&id);
                    let key = key_string(&id).unwrap_or_default();
                    let id_hash = ids::id_hash(&key);
                    if let Some(msg) = self.id_problem(&id, kind, id_hash) {
                        self.reject(sink, loc, Some(id), vec![engine_reason(msg)])?;
                        continue;
                    }
                    let seen = Seen {
                        content: hash,
                        first: loc,
                    };
                    self.seen.insert_hashed(id_hash, seen);
                    if let Some(previous) = self.previous
                        && !previous.is_some_and(|p| p.contains_hashed(id_hash))
                    {
                        self.seen.added_examples.offer(&key);
                    }
                    if self.id_kind.is_none() {
                        self.id_kind = kind.map(|k| (k, loc));
                    }
                    if let (Some(p), Some(v)) = (self.profile.as_mut(), value.as_ref()) {
                        p.add(v);
                    }
                    sink.record(
                        entity,
                        Written {
                            id: &id,
                            json: &out.buf[start..end],
                            value,
                        },
                    )?;
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

/// Keys a batch of a grouped block in parallel, then fills down the keys of rows without one
/// (`fill down`), in input order.
fn key_batch(
    ctx: &Ctx,
    pool: &rayon::ThreadPool,
    block: &BlockPlan,
    batch: Vec<Chunk>,
    fill: &mut FillDown,
) -> Vec<Vec<Keyed>> {
    let mut keyed: Vec<Vec<Keyed>> = pool.install(|| {
        batch
            .into_par_iter()
            .map(|c| key_rows(block, ctx.tables, c.decode_only(ctx.fields(block)), true))
            .collect()
    });
    for rows in &mut keyed {
        fill.fill(rows);
    }
    keyed
}

/// Maps a batch of a grouped block whose groups stream: keys in parallel, groups in order,
/// groups in parallel. A key that comes back stops it.
fn map_streamed(
    ctx: &Ctx,
    pool: &rayon::ThreadPool,
    block: &BlockPlan,
    batch: Vec<Chunk>,
    (grouper, fill): (&mut Grouper, &mut FillDown),
    done: bool,
) -> Result<Vec<ChunkOut>, NotConsecutive> {
    let mut units = Vec::new();
    for k in key_batch(ctx, pool, block, batch, fill) {
        grouper.push(k, &mut units)?;
    }
    if done {
        grouper.finish(&mut units);
    }
    for u in &mut units {
        fill.judge(u);
    }
    Ok(map_units(ctx, pool, block, &units, fill.has_lines()))
}

/// Maps units in parallel, in order.
fn map_units(
    ctx: &Ctx,
    pool: &rayon::ThreadPool,
    block: &BlockPlan,
    units: &[Unit],
    has_lines: bool,
) -> Vec<ChunkOut> {
    pool.install(|| {
        units
            .par_chunks(ctx.chunk_size.div_ceil(4).max(1))
            .map(|slice| {
                let mut out = ChunkOut::default();
                for u in slice {
                    map_unit(ctx, block, u, has_lines, &mut out);
                }
                out
            })
            .collect()
    })
}

/// Maps one unit; a reason about one of a group's rows names its place (`has_lines`: by
/// line, else by record number).
fn map_unit(ctx: &Ctx, block: &BlockPlan, u: &Unit, has_lines: bool, out: &mut ChunkOut) {
    match &u.rows {
        Ok(rows) if !rows.is_empty() => {
            let from = out.items.len();
            map_into(ctx, block, u.loc, &rows[0], (rows, u.key.as_deref()), out);
            for item in &mut out.items[from..] {
                if let ItemOut::Rejected { reasons, .. } = item {
                    u.place_rows(reasons, has_lines);
                }
            }
        }
        Ok(_) => {}
        Err(reason) => out.items.push(ItemOut::Rejected {
            loc: u.loc,
            id: None,
            reasons: vec![reason.clone()],
        }),
    }
}

/// A block's opened input.
pub(super) struct BlockSource {
    /// The input, as messages name it.
    pub file: String,
    /// Whether records are located by line (else by record number).
    pub has_lines: bool,
    /// The reader, opened before any record was read.
    pub reader: SourceReader,
    /// The input, when it can be read again from its start (a regular file, a memory input):
    /// its groups are then streamed, and read again through the sorter if they turn out not
    /// to be consecutive. A pipe is grouped through the sorter from the start.
    pub again: Option<(Input, Format)>,
}

/// What a block's run gives: its report and the ids it wrote with the hash of their records
/// (for the shrink guard and the diff).
pub(super) struct BlockRun {
    pub report: EntityReport,
    pub ids: MappedIds,
}

/// How a pass over a block's input groups its rows.
enum Grouping {
    /// Not grouped: each row is a unit.
    Plain,
    /// Runs of consecutive rows, as they stream.
    Stream(Grouper),
    /// Wherever they are: through the sorter, mapped once the input is read.
    Sort(GroupSorter),
}

/// What one pass over a block's input gave.
struct Pass<'a> {
    writer: Writer<'a>,
    rows_read: u64,
    /// Rows that joined no group (`group by each`).
    no_group: u64,
    /// The rows turned out not to be consecutive: the pass must be done again with the sorter.
    restart: bool,
    /// Whether each key's rows were consecutive (as far as the pass saw them).
    consecutive: bool,
}

/// Runs one block over its source into `sink`. Stops reading once more than `budget` records
/// were rejected (the caller then aborts the run).
pub(super) fn run_block(
    ctx: &Ctx,
    pool: &rayon::ThreadPool,
    block: &BlockPlan,
    source: BlockSource,
    sink: &mut dyn Sink,
    budget: Option<u64>,
) -> Result<BlockRun, RunError> {
    let BlockSource {
        file,
        has_lines,
        reader,
        again,
    } = source;
    let started = Instant::now();
    sink.begin(block.entity)?;
    let writer = || Writer {
        block,
        mapping: ctx.mapping,
        file: file.clone(),
        has_lines,
        id_kind: None,
        seen: MappedIds::default(),
        previous: ctx
            .previous
            .map(|p| p.iter().find(|f| f.entity == block.entity).map(|f| &f.ids)),
        written: 0,
        with_email: 0,
        filtered: 0,
        filtered_by: HashMap::new(),
        rejected: 0,
        profile: ctx.profile.then(Profile::default),
        why: RejectSummary::default(),
        explain: ctx.explain,
    };
    let sorter = || Grouping::Sort(GroupSorter::new(ctx.group_memory, ctx.spill_dir));
    let unsorted_before = ctx
        .unsorted
        .iter()
        .any(|(e, f)| *e == block.entity && *f == file);
    let grouping = match (&block.group_by, &again) {
        (None, _) => Grouping::Plain,
        (Some(_), Some(_)) if !block.group_each && sink.can_roll_back() && !unsorted_before => {
            Grouping::Stream(Grouper::default())
        }
        (Some(_), _) => sorter(),
    };
    let mut pass = one_pass(ctx, pool, block, reader, writer(), grouping, sink, budget)?;
    let mut passes = 1;
    if pass.restart {
        passes = 2;
        // Groups already written may miss rows that come later: start the block over.
        sink.rollback(block.entity)?;
        if let Some(p) = ctx.progress {
            p.fetch_sub(pass.rows_read, Ordering::Relaxed);
        }
        let Some((input, format)) = &again else {
            return Err(RunError::Internal("a pipe cannot be read again".into()));
        };
        let reader = SourceReader::for_input(input, format.clone(), ctx.chunk_size)?;
        pass = one_pass(ctx, pool, block, reader, writer(), sorter(), sink, budget)?;
    }
    let Pass {
        writer: w,
        rows_read,
        no_group,
        consecutive,
        ..
    } = pass;
    if rows_read == 0 {
        return Err(RunError::Source(SourceError {
            file: w.file,
            line: None,
            message: format!(
                "holds no records (only a header or blank lines?): refusing to write an empty {} feed (Clerk would delete every {})",
                block.entity.name(),
                block.entity.singular()
            ),
        }));
    }
    sink.end(block.entity)?;
    let grouped = block.group_by.is_some();
    let mut run = finish(ctx, block, w, grouped.then_some(rows_read), started);
    run.report.rows_in_no_group = block.group_each.then_some(no_group);
    if grouped && !block.group_each {
        run.report.keys_consecutive = Some(consecutive);
        run.report.passes = Some(passes);
    }
    Ok(run)
}

fn spill_error(e: std::io::Error) -> RunError {
    RunError::Internal(format!(
        "cannot group the rows: the temporary files of the grouping failed: {e}"
    ))
}

/// One pass over a block's input: a reader thread, the workers, a writer thread beside them.
#[allow(clippy::too_many_arguments)]
fn one_pass<'a>(
    ctx: &Ctx,
    pool: &rayon::ThreadPool,
    block: &BlockPlan,
    mut reader: SourceReader,
    writer: Writer<'a>,
    mut grouping: Grouping,
    sink: &mut dyn Sink,
    budget: Option<u64>,
) -> Result<Pass<'a>, RunError> {
    let mut rows_read = 0u64;
    let mut no_group = 0u64;
    let mut restart = false;
    let mut order = KeyOrder::default();
    let mut fill = FillDown::new(block, writer.has_lines);
    let rejected_so_far = AtomicU64::new(0);
    let writer = std::thread::scope(|s| -> Result<Writer, RunError> {
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
        let sink = &mut *sink;
        let writer = s.spawn(move || -> Result<Writer, RunError> {
            let mut w = writer;
            for outs in wrx {
                for out in outs {
                    w.chunk(out, sink)?;
                }
                rejected_so_far.store(w.rejected, Ordering::Relaxed);
            }
            Ok(w)
        });
        let over_budget = || budget.is_some_and(|b| rejected_so_far.load(Ordering::Relaxed) > b);
        if matches!(grouping, Grouping::Plain) {
            rows_read = stream_plain(ctx, pool, block, rx, &wtx, &over_budget)?;
            drop(wtx);
            return writer
                .join()
                .map_err(|_| RunError::Internal("the writer thread panicked".into()))?;
        }
        loop {
            let (batch, done) = next_batch(&rx, ctx.in_flight)?;
            let n = batch.iter().map(|c| c.len() as u64).sum::<u64>();
            rows_read += n;
            if let Some(p) = ctx.progress {
                p.fetch_add(n, Ordering::Relaxed);
            }
            let outs = match &mut grouping {
                // Streamed above, chunk by chunk.
                Grouping::Plain => Vec::new(),
                Grouping::Stream(g) => {
                    match map_streamed(ctx, pool, block, batch, (g, &mut fill), done) {
                        Ok(outs) => outs,
                        Err(NotConsecutive { .. }) => {
                            restart = true;
                            break;
                        }
                    }
                }
                Grouping::Sort(sorter) => {
                    for keyed in key_batch(ctx, pool, block, batch, &mut fill) {
                        order.see(&keyed);
                        sorter.push(keyed).map_err(spill_error)?;
                    }
                    Vec::new()
                }
            };
            if wtx.send(outs).is_err() || done {
                break;
            }
            if over_budget() {
                // Streamed groups rejected so far may lack rows that come later (a WooCommerce
                // product before its variations): only the sorter can tell.
                restart = matches!(grouping, Grouping::Stream(_));
                break;
            }
        }
        if let Grouping::Sort(sorter) = grouping
            && !restart
            && !over_budget()
        {
            no_group = sorter.rows_in_no_group();
            let mut units = sorter.finish().map_err(spill_error)?;
            let batch = ctx.chunk_size.max(1) * ctx.in_flight.max(1);
            loop {
                let mut chunk: Vec<Unit> = units
                    .by_ref()
                    .take(batch)
                    .collect::<Result<_, _>>()
                    .map_err(spill_error)?;
                for u in &mut chunk {
                    fill.judge(u);
                }
                if chunk.is_empty() {
                    break;
                }
                let outs = map_units(ctx, pool, block, &chunk, fill.has_lines());
                if wtx.send(outs).is_err() || over_budget() {
                    break;
                }
            }
        }
        drop(wtx);
        writer
            .join()
            .map_err(|_| RunError::Internal("the writer thread panicked".into()))?
    })?;
    Ok(Pass {
        writer,
        rows_read,
        no_group,
        restart,
        // a stream that did not restart saw every key's rows together
        consecutive: !restart && order.consecutive(),
    })
}

fn finish(
    ctx: &Ctx,
    block: &BlockPlan,
    w: Writer,
    rows: Option<u64>,
    started: Instant,
) -> BlockRun {
    let profile = w.profile.as_ref().map(|p| p.summary(block.entity));
    let elapsed = started.elapsed();
    let read = w.written + w.filtered + w.rejected;
    BlockRun {
        report: EntityReport {
            entity: block.entity,
            source: block.source.clone(),
            file: w.file,
            read,
            rows,
            rows_in_no_group: None,
            keys_consecutive: None,
            passes: None,
            written: w.written,
            filtered: w.filtered,
            rejected: w.rejected,
            filtered_by: filter_counts(ctx.mapping, &w.filtered_by),
            with_email: w.with_email,
            output: String::new(),
            elapsed_ms: elapsed.as_millis() as u64,
            records_per_sec: if elapsed.as_secs_f64() > 0.0 {
                read as f64 / elapsed.as_secs_f64()
            } else {
                0.0
            },
            profile,
            why: w.why,
        },
        ids: w.seen,
    }
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
            let condition: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            FilterCount {
                at: format!("{}:{line}:{col}", mapping.name),
                condition: elide(&condition, 100, "..."),
                count: *count,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn nested(levels: usize) -> Record {
        let mut v = json!(1);
        for _ in 1..levels {
            v = json!([v]);
        }
        [("id".to_string(), json!("A")), ("deep".to_string(), v)]
            .into_iter()
            .collect()
    }

    #[test]
    fn records_nested_past_the_limit_are_found() {
        // The record is level 1, `deep` level 2: 127 list levels inside it reach 128.
        assert!(!nests_deeper_than(&nested(128), MAX_DEPTH));
        assert!(nests_deeper_than(&nested(129), MAX_DEPTH));
        assert!(!nests_deeper_than(&nested(1), MAX_DEPTH));
        assert_eq!(MAX_RECORD_DEPTH, 126);
    }

    #[test]
    fn depth_counts_objects_and_lists_alike_wherever_they_are() {
        // levels 2..=5: a list, an object, a list, an object; beside shallow attributes
        let v = json!([1, {"a": [{"b": 1}]}]);
        let record: Record = [
            ("id".to_string(), json!("A")),
            ("tags".to_string(), json!(["x", "y"])),
            ("deep".to_string(), v),
            ("n".to_string(), json!(3)),
        ]
        .into_iter()
        .collect();
        assert!(!nests_deeper_than(&record, 5));
        assert!(nests_deeper_than(&record, 4));
        assert!(!nests_deeper_than(&nested(6), 6) && nests_deeper_than(&nested(6), 5));
    }
}

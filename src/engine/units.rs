//! One block's units read one after the other, for tools that look at single records
//! (`explain`): the same input checks, lookup tables, decoding and grouping as a run, without
//! the parallel pipeline. A grouped block's units come from the sorter (the whole input read
//! first), in the order of their first row, as a run writes them.

use std::collections::VecDeque;

use super::group::{FillDown, Unit, key_rows};
use super::input::Input;
use super::resolve::resolve;
use super::run::RunError;
use super::source::{SourceError, SourceReader};
use super::spill::{DEFAULT_GROUP_MEMORY, GroupSorter, Sorted};
use super::tables::{self, Loaded};
use crate::eval::Reason;
use crate::plan::{BlockPlan, Program};

/// The units of one block, in input order.
pub struct BlockUnits<'p> {
    /// The block.
    pub block: &'p BlockPlan,
    /// Its input, as messages name it.
    pub file: String,
    /// Whether units are located by line (else by record number).
    pub has_lines: bool,
    /// The program's lookup tables, loaded as a run loads them.
    pub tables: Loaded,
    /// A line (or record number) whose group keys to note in `watched` as the rows are
    /// grouped (`explain --line` of a row that starts no group).
    pub watch: Option<u64>,
    /// The group keys of the row at `watch` (none: it joins no group), once it was read.
    pub watched: Option<Vec<String>>,
    reader: SourceReader,
    sorter: Option<GroupSorter>,
    fill: FillDown,
    sorted: Option<Sorted>,
    pending: VecDeque<Unit>,
    done: bool,
}

/// Opens `block`'s input (checked against the program as a run checks it) and loads the
/// tables the block needs.
pub fn open<'p>(
    program: &'p Program,
    inputs: &'p [Input],
    block: &'p BlockPlan,
) -> Result<BlockUnits<'p>, RunError> {
    let resolved = resolve(program, inputs, Some(block))?;
    let Some((_, input, format)) = resolved.blocks.first() else {
        return Err(RunError::Internal(
            "the block's input is not resolved".into(),
        ));
    };
    let reader = SourceReader::for_input(input, format.clone(), 1024)?;
    let loaded = tables::load(program, &resolved.tables, false)?;
    Ok(BlockUnits {
        block,
        file: input.display(),
        has_lines: format.has_lines(),
        fill: FillDown::new(block, format.has_lines()),
        tables: loaded,
        watch: None,
        watched: None,
        reader,
        sorter: block
            .group_by
            .is_some()
            .then(|| GroupSorter::new(DEFAULT_GROUP_MEMORY, None)),
        sorted: None,
        pending: VecDeque::new(),
        done: false,
    })
}

impl BlockUnits<'_> {
    fn fill(&mut self) -> Result<(), SourceError> {
        let spill = |e: std::io::Error| SourceError {
            file: self.file.clone(),
            line: None,
            message: format!(
                "cannot group the rows: the temporary files of the grouping failed: {e}"
            ),
        };
        while self.pending.is_empty() && !self.done {
            if let Some(sorted) = self.sorted.as_mut() {
                match sorted.next() {
                    Some(u) => {
                        let mut u = u.map_err(spill)?;
                        self.fill.judge(&mut u);
                        self.pending.push_back(u);
                    }
                    None => self.done = true,
                }
                continue;
            }
            let Some(chunk) = self.reader.next_chunk() else {
                match self.sorter.take() {
                    Some(sorter) => self.sorted = Some(sorter.finish().map_err(spill)?),
                    None => self.done = true,
                }
                continue;
            };
            let decoded = chunk?.decode();
            match self.sorter.as_mut() {
                Some(sorter) => {
                    let mut keyed = key_rows(self.block, &self.tables.tables, decoded, false);
                    self.fill.fill(&mut keyed);
                    if let Some(w) = self.watch
                        && let Some((_, Ok((keys, _)))) = keyed.iter().find(|(l, _)| *l == w)
                    {
                        self.watched = Some(keys.clone());
                    }
                    sorter.push(keyed).map_err(spill)?;
                }
                None => self.pending.extend(
                    decoded
                        .into_iter()
                        .map(|(loc, r)| Unit::one(loc, r.map_err(Reason::from))),
                ),
            }
        }
        Ok(())
    }
}

impl Iterator for BlockUnits<'_> {
    type Item = Result<Unit, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Err(e) = self.fill() {
            self.done = true;
            self.pending.clear();
            return Some(Err(e));
        }
        self.pending.pop_front().map(Ok)
    }
}

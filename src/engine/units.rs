//! One block's units read one after the other, for tools that look at single records
//! (`explain`): the same input checks, lookup tables, decoding and grouping as a run, without
//! the parallel pipeline.

use std::collections::VecDeque;

use super::group::{Grouper, Unit, key_rows};
use super::input::Input;
use super::run::{RunError, resolve};
use super::source::{SourceError, SourceReader};
use super::tables::{self, Loaded};
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
    reader: SourceReader,
    grouper: Grouper,
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
    let loaded = tables::load(program, &resolved.tables)?;
    Ok(BlockUnits {
        block,
        file: input.display(),
        has_lines: format.has_lines(),
        tables: loaded,
        reader,
        grouper: Grouper::default(),
        pending: VecDeque::new(),
        done: false,
    })
}

impl BlockUnits<'_> {
    fn fill(&mut self) -> Result<(), SourceError> {
        while self.pending.is_empty() && !self.done {
            let Some(chunk) = self.reader.next_chunk() else {
                self.done = true;
                let mut units = Vec::new();
                self.grouper.finish(&mut units);
                self.pending.extend(units);
                break;
            };
            let decoded = chunk?.decode();
            if self.block.group_by.is_some() {
                let mut units = Vec::new();
                let keyed = key_rows(self.block, &self.tables.tables, decoded);
                self.grouper.push(keyed, &mut units);
                self.pending.extend(units);
            } else {
                self.pending
                    .extend(decoded.into_iter().map(|(loc, r)| Unit {
                        loc,
                        key: None,
                        rows: r.map(|v| vec![v]),
                    }));
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

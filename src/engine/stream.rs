//! An ungrouped block's records through the workers as a stream: each worker takes the next
//! chunk as soon as it is done with one, so no worker waits for a batch's slowest chunk, and
//! reading (its own thread), mapping and writing (its own thread) overlap all along. The
//! outputs are put back in input order before the writer sees them, and the workers never run
//! more than a few chunks ahead of the writer, so memory stays bounded.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Condvar, Mutex};

use super::pipeline::{ChunkOut, Ctx, ItemOut, map_into};
use super::reject::engine_reason;
use super::run::RunError;
use super::source::{Chunk, SourceError};
use crate::plan::BlockPlan;

/// What the reader thread sends: a chunk, the error that ended the input, or the end.
pub(super) type Message = Option<Result<Chunk, SourceError>>;

/// Decodes and maps one chunk of an ungrouped block.
pub(super) fn map_chunk(ctx: &Ctx, block: &BlockPlan, c: Chunk) -> ChunkOut {
    let mut out = ChunkOut {
        // as much as was read: records mapped to feeds are mostly not longer than their input,
        // so the buffer is not grown (and copied) as it fills
        buf: Vec::with_capacity((c.len() * 512).max(c.bytes())),
        items: Vec::with_capacity(c.len()),
    };
    for (loc, rec) in c.decode_only(ctx.fields(block)) {
        match rec {
            Ok(v) => map_into(ctx, block, loc, &v, (&[], None), &mut out),
            Err(reason) => out.items.push(ItemOut::Rejected {
                loc,
                id: None,
                reasons: vec![engine_reason(reason)],
            }),
        }
    }
    out
}

/// How far the workers are from the writer: chunks handed out, chunks passed on in order.
struct Window {
    forwarded: Mutex<u64>,
    moved: Condvar,
    ahead: u64,
}

impl Window {
    /// Waits until chunk `seq` is within `ahead` chunks of the writer (or `give_up` says so).
    fn wait_for(&self, seq: u64, give_up: &AtomicBool) {
        let Ok(mut forwarded) = self.forwarded.lock() else {
            return;
        };
        while seq >= *forwarded + self.ahead && !give_up.load(Ordering::Relaxed) {
            forwarded = match self.moved.wait(forwarded) {
                Ok(f) => f,
                Err(_) => return,
            };
        }
    }

    fn advance(&self, to: u64) {
        if let Ok(mut f) = self.forwarded.lock() {
            *f = to;
        }
        self.moved.notify_all();
    }
}

/// Maps the chunks of `rx` on `pool`'s threads and sends their outputs to `wtx` in input
/// order, each in a batch of its own. Workers stop taking chunks once `stop` says so (too many
/// rejects). Gives the number of records taken, or the input's error (after the outputs of
/// the chunks before it).
pub(super) fn stream_plain(
    ctx: &Ctx,
    pool: &rayon::ThreadPool,
    block: &BlockPlan,
    rx: Receiver<Message>,
    wtx: &SyncSender<Vec<ChunkOut>>,
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<u64, RunError> {
    let workers = pool.current_num_threads().max(1);
    let rx = Mutex::new(rx);
    let issued = AtomicU64::new(0);
    let taken = AtomicU64::new(0);
    let halt = AtomicBool::new(false);
    let window = Window {
        forwarded: Mutex::new(0),
        moved: Condvar::new(),
        ahead: ctx.in_flight.max(workers) as u64 * 2,
    };
    let (otx, orx) = sync_channel::<(u64, Result<ChunkOut, RunError>)>(ctx.in_flight.max(1));
    let mut result = Ok(());
    pool.in_place_scope(|s| {
        for _ in 0..workers {
            let otx = otx.clone();
            let (rx, issued, taken, halt, window) = (&rx, &issued, &taken, &halt, &window);
            s.spawn(move |_| {
                loop {
                    if halt.load(Ordering::Relaxed) || stop() {
                        break;
                    }
                    // The sequence number is taken with the chunk, so it is the input order.
                    let (seq, msg) = {
                        let Ok(rx) = rx.lock() else { break };
                        let seq = issued.load(Ordering::Relaxed);
                        window.wait_for(seq, halt);
                        let msg = rx.recv().ok().flatten();
                        issued.store(seq + 1, Ordering::Relaxed);
                        (seq, msg)
                    };
                    let out = match msg {
                        None => break,
                        Some(Err(e)) => {
                            halt.store(true, Ordering::Relaxed);
                            Err(RunError::from(e))
                        }
                        Some(Ok(c)) => {
                            let n = c.len() as u64;
                            taken.fetch_add(n, Ordering::Relaxed);
                            if let Some(p) = ctx.progress {
                                p.fetch_add(n, Ordering::Relaxed);
                            }
                            Ok(map_chunk(ctx, block, c))
                        }
                    };
                    if otx.send((seq, out)).is_err() {
                        break;
                    }
                }
                window.moved.notify_all();
            });
        }
        drop(otx);
        result = reorder(orx, wtx, &window, &halt);
        window.advance(u64::MAX / 2);
    });
    result.map(|()| taken.load(Ordering::Relaxed))
}

/// Passes the workers' outputs on to the writer in input order; stops (and tells the workers)
/// at the input's error or when the writer is gone.
fn reorder(
    orx: Receiver<(u64, Result<ChunkOut, RunError>)>,
    wtx: &SyncSender<Vec<ChunkOut>>,
    window: &Window,
    halt: &AtomicBool,
) -> Result<(), RunError> {
    let mut pending = BTreeMap::new();
    let mut next = 0u64;
    let mut result = Ok(());
    for (seq, out) in orx {
        pending.insert(seq, out);
        while let Some(out) = pending.remove(&next) {
            next += 1;
            if result.is_err() {
                continue;
            }
            match out {
                Ok(out) => {
                    if wtx.send(vec![out]).is_err() {
                        halt.store(true, Ordering::Relaxed);
                    }
                }
                Err(e) => {
                    halt.store(true, Ordering::Relaxed);
                    result = Err(e);
                }
            }
        }
        window.advance(next);
    }
    result
}

//! Grouping rows wherever they are in the input, in bounded memory. Rows are gathered by key in
//! memory; when they take more than the budget, the groups gathered so far are written, sorted
//! by key, to a run file in a temporary directory, and gathering starts again. At the end the
//! runs are merged by key (k-way), which completes every group, and the groups are sorted again
//! by their first row (runs again when they do not fit) so that they come out in the order of
//! their first row, each with its rows in input order. Without a spill nothing touches the disk.
//! The directory is removed when the sorter is dropped, on errors too.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use foldhash::{HashMap, HashMapExt};

use crate::eval::Reason;
use crate::syntax::ast::Span;
use crate::value::Value;

use super::group::{Keyed, Unit};
use super::json::KeyHints;

/// Estimated bytes of row values a sorter keeps in memory before it spills (the process takes
/// more: values are larger in memory than their estimate, and mapping runs beside).
pub const DEFAULT_GROUP_MEMORY: usize = 128 << 20;

/// The most runs merged at once (each open, with a 64 KiB buffer).
const MAX_FAN_IN: usize = 64;

/// A piece of a unit: rows of one key read between two spills, or one row that has no group
/// (why it cannot be grouped).
#[derive(Debug)]
struct Piece {
    /// The key; `None` for a row without a group.
    key: Option<String>,
    /// The position of its first row (or of the row) among the rows pushed.
    seq: u64,
    /// The line (or record number) of its first row.
    loc: u64,
    body: Result<Vec<Value>, Reason>,
    /// The line (or record number) of each row of `body`.
    locs: Vec<u64>,
}

impl Piece {
    fn into_unit(self) -> Unit {
        Unit {
            loc: self.loc,
            key: self.key,
            rows: self.body,
            locs: self.locs,
        }
    }
}

/// Orders by key (rows without a group first), then by position.
fn by_key(a: &Piece, b: &Piece) -> Ordering {
    a.key.cmp(&b.key).then(a.seq.cmp(&b.seq))
}

/// Orders by position.
fn by_seq(a: &Piece, b: &Piece) -> Ordering {
    a.seq.cmp(&b.seq)
}

/// Rows gathered by key, spilled to sorted runs past a memory budget.
pub struct GroupSorter {
    budget: usize,
    parent: Option<PathBuf>,
    tmp: Option<tempfile::TempDir>,
    next_run: usize,
    groups: HashMap<String, usize>,
    pieces: Vec<Piece>,
    used: usize,
    runs: Vec<PathBuf>,
    seq: u64,
    spilled: u64,
    no_group: u64,
}

impl GroupSorter {
    /// A sorter keeping about `budget` bytes of rows in memory, spilling into a temporary
    /// directory made in `parent` (the system's temporary directory when `None`).
    pub fn new(budget: usize, parent: Option<&Path>) -> GroupSorter {
        GroupSorter {
            budget: budget.max(1),
            parent: parent.map(Path::to_path_buf),
            tmp: None,
            next_run: 0,
            groups: HashMap::new(),
            pieces: Vec::new(),
            used: 0,
            runs: Vec::new(),
            seq: 0,
            spilled: 0,
            no_group: 0,
        }
    }

    /// How many run files were written (0: everything stayed in memory).
    #[cfg(test)]
    pub fn runs_written(&self) -> u64 {
        self.spilled
    }

    /// Rows pushed that joined no group (`group by each` gave no key).
    pub fn rows_in_no_group(&self) -> u64 {
        self.no_group
    }

    /// Adds keyed rows, in input order. A row joins the group of each of its keys; a row with
    /// no key joins none and is left out.
    pub fn push(&mut self, rows: Vec<Keyed>) -> io::Result<()> {
        for (loc, r) in rows {
            match r {
                Err(reason) => {
                    self.used += reason.message.len() + 64;
                    let seq = self.next_seq();
                    self.pieces.push(Piece {
                        key: None,
                        seq,
                        loc,
                        body: Err(reason),
                        locs: Vec::new(),
                    });
                }
                Ok((keys, v)) => {
                    self.no_group += u64::from(keys.is_empty());
                    let size = approx_size(&v);
                    let n = keys.len();
                    let mut v = Some(v);
                    for (i, key) in keys.into_iter().enumerate() {
                        let row = if i + 1 == n { v.take() } else { v.clone() };
                        let Some(row) = row else { continue };
                        self.used += size + VALUE_BYTES + 8; // and its line
                        if !self.groups.contains_key(&key) {
                            self.used += GROUP_BYTES + 2 * key.len();
                        }
                        // Each key of a row has its own position: their groups come out in
                        // the order of the row's keys.
                        let seq = self.next_seq();
                        self.add(key, seq, loc, row);
                    }
                }
            }
            if self.used > self.budget {
                self.spill()?;
            }
        }
        Ok(())
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn add(&mut self, key: String, seq: u64, loc: u64, row: Value) {
        if let Some(&i) = self.groups.get(&key)
            && let Some(Piece {
                body: Ok(rows),
                locs,
                ..
            }) = self.pieces.get_mut(i)
        {
            rows.push(row);
            locs.push(loc);
            return;
        }
        self.groups.insert(key.clone(), self.pieces.len());
        self.pieces.push(Piece {
            key: Some(key),
            seq,
            loc,
            body: Ok(vec![row]),
            locs: vec![loc],
        });
    }

    fn dir(&mut self) -> io::Result<PathBuf> {
        if let Some(t) = &self.tmp {
            return Ok(t.path().to_path_buf());
        }
        let mut b = tempfile::Builder::new();
        b.prefix("clerkmap-group-");
        let t = match &self.parent {
            Some(p) => b.tempdir_in(p)?,
            None => b.tempdir()?,
        };
        let path = t.path().to_path_buf();
        self.tmp = Some(t);
        Ok(path)
    }

    fn new_run(&mut self) -> io::Result<(PathBuf, BufWriter<File>)> {
        let path = self.dir()?.join(format!("run-{}", self.next_run));
        self.next_run += 1;
        self.spilled += 1;
        let f = File::create(&path)?;
        Ok((path, BufWriter::with_capacity(1 << 16, f)))
    }

    /// Writes the pieces in memory to a run, sorted by key.
    fn spill(&mut self) -> io::Result<()> {
        let mut pieces = std::mem::take(&mut self.pieces);
        self.groups.clear();
        self.used = 0;
        pieces.sort_by(by_key);
        let (path, mut w) = self.new_run()?;
        for p in &pieces {
            write_piece(&mut w, p)?;
        }
        w.flush()?;
        self.runs.push(path);
        Ok(())
    }

    /// Every unit, in the order of its first row: groups (their rows in input order) and the
    /// rows that could not be grouped.
    pub fn finish(mut self) -> io::Result<Sorted> {
        if self.runs.is_empty() {
            let pieces = std::mem::take(&mut self.pieces);
            return Ok(Sorted {
                inner: Inner::Memory(pieces.into_iter()),
                _sorter: self,
            });
        }
        if !self.pieces.is_empty() {
            self.spill()?;
        }
        // Merge by key: consecutive pieces of one key make its group.
        let runs = std::mem::take(&mut self.runs);
        let runs = self.fan_in(runs, by_key)?;
        let mut merged = Merge::open(&runs, by_key)?;
        let mut whole: Vec<Piece> = Vec::new();
        let mut used = 0usize;
        let mut open: Option<Piece> = None;
        while let Some(p) = merged.next_piece()? {
            match open.as_mut() {
                Some(Piece {
                    key: Some(k),
                    body: Ok(rows),
                    locs,
                    ..
                }) if p.key.as_ref() == Some(k) => {
                    if let Ok(more) = p.body {
                        rows.extend(more);
                        locs.extend(p.locs);
                    }
                }
                _ => {
                    if let Some(done) = open.replace(p) {
                        used += piece_size(&done);
                        whole.push(done);
                    }
                }
            }
            if used > self.budget {
                self.spill_by_seq(&mut whole)?;
                used = 0;
            }
        }
        drop(merged);
        for r in &runs {
            let _ = std::fs::remove_file(r);
        }
        whole.extend(open);
        whole.sort_by(by_seq);
        if self.runs.is_empty() {
            return Ok(Sorted {
                inner: Inner::Memory(whole.into_iter()),
                _sorter: self,
            });
        }
        self.spill_by_seq(&mut whole)?;
        let runs = std::mem::take(&mut self.runs);
        self.runs = self.fan_in(runs, by_seq)?;
        let merge = Merge::open(&self.runs, by_seq)?;
        Ok(Sorted {
            inner: Inner::Merge(merge),
            _sorter: self,
        })
    }

    /// Merges runs [`MAX_FAN_IN`] at a time into longer runs (in the same order) until at most
    /// that many are left, so that the final merge keeps few files open.
    fn fan_in(
        &mut self,
        mut runs: Vec<PathBuf>,
        order: fn(&Piece, &Piece) -> Ordering,
    ) -> io::Result<Vec<PathBuf>> {
        while runs.len() > MAX_FAN_IN {
            let mut longer = Vec::new();
            for group in runs.chunks(MAX_FAN_IN) {
                let mut merge = Merge::open(group, order)?;
                let (path, mut w) = self.new_run()?;
                while let Some(p) = merge.next_piece()? {
                    write_piece(&mut w, &p)?;
                }
                w.flush()?;
                drop(merge);
                for r in group {
                    let _ = std::fs::remove_file(r);
                }
                longer.push(path);
            }
            runs = longer;
        }
        Ok(runs)
    }

    fn spill_by_seq(&mut self, pieces: &mut Vec<Piece>) -> io::Result<()> {
        pieces.sort_by(by_seq);
        let (path, mut w) = self.new_run()?;
        for p in pieces.drain(..) {
            write_piece(&mut w, &p)?;
        }
        w.flush()?;
        self.runs.push(path);
        Ok(())
    }
}

/// The units of a [`GroupSorter`], in the order of their first row.
pub struct Sorted {
    inner: Inner,
    /// Keeps the temporary directory until the last unit is read.
    _sorter: GroupSorter,
}

enum Inner {
    Memory(std::vec::IntoIter<Piece>),
    Merge(Merge),
}

impl Iterator for Sorted {
    type Item = io::Result<Unit>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Inner::Memory(it) => it.next().map(|p| Ok(p.into_unit())),
            Inner::Merge(m) => m.next_piece().transpose().map(|r| r.map(Piece::into_unit)),
        }
    }
}

/// A k-way merge of sorted runs.
struct Merge {
    readers: Vec<BufReader<File>>,
    heap: BinaryHeap<Head>,
    order: fn(&Piece, &Piece) -> Ordering,
}

/// The next piece of one run, ordered for the heap (a max-heap: reversed).
struct Head {
    piece: Piece,
    run: usize,
    order: fn(&Piece, &Piece) -> Ordering,
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Head {}
impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Head {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.order)(&other.piece, &self.piece).then(other.run.cmp(&self.run))
    }
}

impl Merge {
    fn open(runs: &[PathBuf], order: fn(&Piece, &Piece) -> Ordering) -> io::Result<Merge> {
        let mut m = Merge {
            readers: Vec::with_capacity(runs.len()),
            heap: BinaryHeap::with_capacity(runs.len()),
            order,
        };
        for (i, path) in runs.iter().enumerate() {
            let mut r = BufReader::with_capacity(1 << 16, File::open(path)?);
            if let Some(piece) = read_piece(&mut r)? {
                m.heap.push(Head {
                    piece,
                    run: i,
                    order,
                });
            }
            m.readers.push(r);
        }
        Ok(m)
    }

    fn next_piece(&mut self) -> io::Result<Option<Piece>> {
        let Some(Head { piece, run, .. }) = self.heap.pop() else {
            return Ok(None);
        };
        if let Some(r) = self.readers.get_mut(run)
            && let Some(next) = read_piece(r)?
        {
            self.heap.push(Head {
                piece: next,
                run,
                order: self.order,
            });
        }
        Ok(Some(piece))
    }
}

/// About how many bytes a value takes in memory: a `Value` is 32 bytes, an object's entry 24
/// more beside its value (its name), texts on the heap (with the allocator's rounding); a big
/// object's index is not counted (rare, and at most as big again as its names).
fn approx_size(v: &Value) -> usize {
    let heap = |len: usize| {
        if len == 0 {
            0
        } else {
            len.next_multiple_of(16) + 16
        }
    };
    let mut n = 0;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        n += VALUE_BYTES;
        match v {
            Value::String(s) => n += heap(s.len()),
            Value::Array(items) => stack.extend(items.iter()),
            Value::Object(m) => {
                for (k, v) in m {
                    n += ENTRY_BYTES + heap(k.len());
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
    n
}

/// The size of a [`Value`].
const VALUE_BYTES: usize = 32;
/// An object entry beside its value: its name.
const ENTRY_BYTES: usize = 24;
/// What a group costs beside its rows: its piece, its place in the index, its key twice.
const GROUP_BYTES: usize = 192;

fn piece_size(p: &Piece) -> usize {
    match &p.body {
        Ok(rows) => rows.iter().map(|r| approx_size(r) + 8).sum::<usize>() + GROUP_BYTES,
        Err(e) => e.message.len() + 64,
    }
}

fn write_bytes(w: &mut impl Write, b: &[u8]) -> io::Result<()> {
    w.write_all(&(b.len() as u64).to_le_bytes())?;
    w.write_all(b)
}

/// A piece on disk: seq, loc, a tag (0: no group, 1: a group with its key), then the reason or
/// the key and the rows as JSON, each length-prefixed and followed by its line.
fn write_piece(w: &mut impl Write, p: &Piece) -> io::Result<()> {
    w.write_all(&p.seq.to_le_bytes())?;
    w.write_all(&p.loc.to_le_bytes())?;
    match (&p.key, &p.body) {
        (Some(key), Ok(rows)) => {
            w.write_all(&[1])?;
            write_bytes(w, key.as_bytes())?;
            w.write_all(&(rows.len() as u64).to_le_bytes())?;
            let mut buf = Vec::new();
            for (i, row) in rows.iter().enumerate() {
                buf.clear();
                crate::value::write_json(&mut buf, row);
                write_bytes(w, &buf)?;
                let loc = p.locs.get(i).copied().unwrap_or(p.loc);
                w.write_all(&loc.to_le_bytes())?;
            }
        }
        (_, Err(reason)) => {
            w.write_all(&[0])?;
            write_bytes(w, reason.message.as_bytes())?;
            // the place in the mapping (a group key's), `u64::MAX` for none
            let (start, end) = reason
                .span
                .map_or((u64::MAX, u64::MAX), |s| (s.start as u64, s.end as u64));
            w.write_all(&start.to_le_bytes())?;
            w.write_all(&end.to_le_bytes())?;
        }
        (None, Ok(_)) => return Err(io::Error::other("a group without a key")),
    }
    Ok(())
}

fn read_u64(r: &mut impl Read) -> io::Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

fn read_bytes(r: &mut impl Read) -> io::Result<Vec<u8>> {
    let n = read_u64(r)?;
    let mut b = Vec::new();
    r.take(n).read_to_end(&mut b)?;
    if b.len() as u64 != n {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "run cut short",
        ));
    }
    Ok(b)
}

fn read_text(r: &mut impl Read) -> io::Result<String> {
    String::from_utf8(read_bytes(r)?).map_err(io::Error::other)
}

/// A row as a run holds it (JSON): read by the record decoder, by serde_json what that leaves
/// (a row that is not an object).
fn read_row(bytes: &[u8]) -> io::Result<Value> {
    if let Ok(text) = std::str::from_utf8(bytes)
        && let Some(v) = super::direct::record(text, None, &mut KeyHints::default())
    {
        return Ok(v);
    }
    Ok(serde_json::from_slice(bytes)?)
}

fn read_piece(r: &mut BufReader<File>) -> io::Result<Option<Piece>> {
    use std::io::BufRead;
    if r.fill_buf()?.is_empty() {
        return Ok(None);
    }
    let seq = read_u64(r)?;
    let loc = read_u64(r)?;
    let mut tag = [0u8; 1];
    r.read_exact(&mut tag)?;
    let mut locs = Vec::new();
    let (key, body) = if tag[0] == 1 {
        let key = read_text(r)?;
        let n = read_u64(r)?;
        let mut rows = Vec::new();
        for _ in 0..n {
            rows.push(read_row(&read_bytes(r)?)?);
            locs.push(read_u64(r)?);
        }
        (Some(key), Ok(rows))
    } else {
        let message = read_text(r)?;
        let (start, end) = (read_u64(r)?, read_u64(r)?);
        let span = usize::try_from(start)
            .ok()
            .zip(usize::try_from(end).ok())
            .filter(|_| start != u64::MAX)
            .map(|(s, e)| Span::new(s, e));
        (
            None,
            Err(Reason {
                attribute: None,
                row: None,
                message,
                span,
            }),
        )
    };
    Ok(Some(Piece {
        key,
        seq,
        loc,
        body,
        locs,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn rows(spec: &[(u64, &[&str])]) -> Vec<Keyed> {
        spec.iter()
            .map(|(l, keys)| {
                if keys.is_empty() {
                    return (*l, Err(format!("bad row {l}").into()));
                }
                let keys = keys.iter().map(|k| k.to_string()).collect();
                (*l, Ok((keys, json!({ "l": l }))))
            })
            .collect()
    }

    /// A unit as (first line, key, the lines of its rows or why).
    type Shape = (u64, Option<String>, Result<Vec<u64>, String>);

    fn shape(s: Sorted) -> Vec<Shape> {
        s.map(|u| {
            let u = u.unwrap_or_else(|e| panic!("{e}"));
            let rows = u
                .rows
                .map(|rows| rows.iter().filter_map(|r| r["l"].as_u64()).collect())
                .map_err(|r| r.message);
            (u.loc, u.key, rows)
        })
        .collect()
    }

    fn input() -> Vec<Keyed> {
        rows(&[
            (2, &["A"]),
            (3, &["B"]),
            (4, &[]),
            (5, &["A", "C"]),
            (6, &["C"]),
            (7, &["B"]),
            (8, &["D"]),
            (9, &["A"]),
        ])
    }

    fn expected() -> Vec<Shape> {
        let k = |s: &str| Some(s.to_string());
        vec![
            (2, k("A"), Ok(vec![2, 5, 9])),
            (3, k("B"), Ok(vec![3, 7])),
            (4, None, Err("bad row 4".into())),
            (5, k("C"), Ok(vec![5, 6])),
            (8, k("D"), Ok(vec![8])),
        ]
    }

    #[test]
    fn rows_come_back_from_a_run_file_as_they_went_in() {
        let tricky = [
            json!({"a": 1, "b": -0.5, "c": 1e300, "d": 5000000002445.046, "e": 18446744073709551615u64}),
            json!({"s": "quote \" backslash \\ tab \t nul \u{0} è 😀 \u{E000}", "z": null}),
            json!({"nested": {"x": [1, [2, {"y": true}], []], "o": {}}, "f": false}),
            json!({}),
            json!([1, "not an object"]),
            json!("a string row"),
        ];
        let piece = Piece {
            key: Some("K".into()),
            seq: 7,
            loc: 9,
            body: Ok(tricky.to_vec()),
            locs: (9..).take(tricky.len()).collect(),
        };
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("run");
        let mut w = BufWriter::new(File::create(&path).unwrap_or_else(|e| panic!("{e}")));
        write_piece(&mut w, &piece).unwrap_or_else(|e| panic!("{e}"));
        w.flush().unwrap_or_else(|e| panic!("{e}"));
        drop(w);
        let mut r = BufReader::new(File::open(&path).unwrap_or_else(|e| panic!("{e}")));
        let back = read_piece(&mut r)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no piece"));
        assert_eq!((back.key.as_deref(), back.seq, back.loc), (Some("K"), 7, 9));
        assert_eq!(back.locs, [9, 10, 11, 12, 13, 14]);
        let rows = back.body.unwrap_or_else(|e| panic!("{}", e.message));
        assert_eq!(rows, tricky);
        // the same text too (floats, key order)
        for (a, b) in rows.iter().zip(&tricky) {
            assert_eq!(a.to_string(), b.to_string());
        }
        assert!(
            read_piece(&mut r)
                .unwrap_or_else(|e| panic!("{e}"))
                .is_none()
        );
    }

    #[test]
    fn a_rows_reason_comes_back_with_its_place_in_the_mapping() {
        let reasons = [
            Reason {
                attribute: None,
                message: "group key: no".into(),
                span: Some(Span::new(12, 40)),
                row: None,
            },
            Reason::from("line 3: not JSON"),
        ];
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("run");
        let mut w = BufWriter::new(File::create(&path).unwrap_or_else(|e| panic!("{e}")));
        for (seq, reason) in reasons.iter().enumerate() {
            let piece = Piece {
                key: None,
                seq: seq as u64,
                loc: 3,
                body: Err(reason.clone()),
                locs: Vec::new(),
            };
            write_piece(&mut w, &piece).unwrap_or_else(|e| panic!("{e}"));
        }
        w.flush().unwrap_or_else(|e| panic!("{e}"));
        drop(w);
        let mut r = BufReader::new(File::open(&path).unwrap_or_else(|e| panic!("{e}")));
        for reason in &reasons {
            let back = read_piece(&mut r)
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|| panic!("no piece"));
            assert_eq!(back.body.err().as_ref(), Some(reason));
        }
    }

    #[test]
    fn the_size_estimate_counts_a_value_as_it_is() {
        assert_eq!(std::mem::size_of::<Value>(), VALUE_BYTES);
    }

    #[test]
    fn groups_in_memory_come_out_in_the_order_of_their_first_row() {
        let mut s = GroupSorter::new(1 << 20, None);
        s.push(input()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.runs_written(), 0);
        assert_eq!(
            shape(s.finish().unwrap_or_else(|e| panic!("{e}"))),
            expected()
        );
    }

    #[test]
    fn more_runs_than_can_be_merged_at_once_give_the_same_groups() {
        // 300 rows of 7 keys, two keys a row: a run per row with a budget of one byte.
        let input = || -> Vec<Keyed> {
            (0..300u64)
                .map(|l| {
                    let keys = vec![format!("k{}", l % 7), format!("j{}", (l * 3) % 5)];
                    (l, Ok((keys, json!({ "l": l }))))
                })
                .collect()
        };
        let mut memory = GroupSorter::new(1 << 30, None);
        memory.push(input()).unwrap_or_else(|e| panic!("{e}"));
        let want = shape(memory.finish().unwrap_or_else(|e| panic!("{e}")));
        let mut spilled = GroupSorter::new(1, None);
        for row in input() {
            spilled.push(vec![row]).unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(spilled.runs_written() as usize > 4 * MAX_FAN_IN);
        let got = shape(spilled.finish().unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(got, want);
        assert_eq!(got.len(), 12);
    }

    #[test]
    fn spilled_groups_come_out_the_same_and_the_runs_are_removed() {
        let parent = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        // A budget of one byte spills after every row.
        let mut s = GroupSorter::new(1, Some(parent.path()));
        for row in input() {
            s.push(vec![row]).unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(s.runs_written() >= 8, "{}", s.runs_written());
        let sorted = s.finish().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(shape(sorted), expected());
        let left: Vec<_> = std::fs::read_dir(parent.path())
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{left:?}");
    }
}

//! The guard against mass deletion. Clerk deletes whatever a feed or a delete call leaves out,
//! so a feed that lost most of its records by mistake (a truncated export, a wrong filter) would
//! empty the shop's search. `run` (against the previous feed in the output directory) and `push`
//! (against what Clerk acknowledged) refuse to shrink an entity by more than a share, or to
//! publish an empty feed of an entity Clerk mirrors (products, categories, customers, pages),
//! unless told `--allow-shrink`.
//!
//! The same reading of the previous feeds gives the run report its diff: the ids added, removed
//! and changed since the previous feed, "changed" telling records apart by a hash of their
//! content ([`content_hash`]).

use foldhash::HashSet;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use serde::Serialize;

use crate::clerk::Entity;
use crate::engine::OutputFormat;
use crate::engine::report::FeedDiff;
use crate::value::key_string;

use super::feed::{self, FeedFile, FeedKind};
use super::ids::{FirstIds, IdSet, MappedIds, PreviousIds, content_hash, id_hash};

/// The share of an entity's ids that may disappear at once: 10%.
pub const DEFAULT_MAX_SHRINK: f64 = 0.10;

/// One entity that would shrink too much.
#[derive(Debug, Clone, Serialize)]
pub struct Shrink {
    /// The entity that would shrink (never orders: Clerk does not delete them).
    pub entity: Entity,
    /// Ids in the previous feed or in what Clerk has (0 when there is none).
    pub before: usize,
    /// Ids about to be written or sent.
    pub after: usize,
    /// Ids in `before` and not in `after`.
    pub gone: usize,
    /// A few of them, sorted.
    pub examples: Vec<String>,
    /// What `before` is: "the previous feed out/products.json", "what Clerk has (state ...)".
    pub against: String,
    /// The share of `before` allowed to disappear, from 0.0 to 1.0 (`--max-shrink`).
    pub max_share: f64,
}

impl fmt::Display for Shrink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.entity.name();
        let one = self.entity.singular();
        if self.after == 0 && self.before == 0 {
            // nothing to compare with: Clerk may hold them all the same
            write!(
                f,
                "{e}: the feed is empty; Clerk would delete every {one} it has (there is no earlier feed to compare with; the accounting says why no record was written)"
            )?;
        } else if self.after == 0 {
            write!(
                f,
                "{e}: the feed is empty; Clerk would delete every {one} ({} compared with {})",
                n(self.before),
                self.against
            )?;
        } else {
            let pct = if self.before > 0 {
                self.gone as f64 * 100.0 / self.before as f64
            } else {
                0.0
            };
            write!(
                f,
                "{e}: {} of {} ids ({pct:.1}%) would disappear compared with {}, more than the {}% allowed",
                n(self.gone),
                n(self.before),
                self.against,
                fmt_pct(self.max_share)
            )?;
        }
        if !self.examples.is_empty() {
            write!(f, "; e.g. {}", self.examples.join(", "))?;
            if self.gone > self.examples.len() {
                write!(f, " and {} more", n(self.gone - self.examples.len()))?;
            }
        }
        Ok(())
    }
}

/// A count as messages write it: `20,583`.
fn n(count: usize) -> String {
    crate::value::count(count as u64)
}

fn fmt_pct(share: f64) -> String {
    let p = share * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{}", p.round() as i64)
    } else {
        format!("{p:.1}")
    }
}

/// Why a run or a push refused to go on.
#[derive(Debug, Clone)]
pub struct ShrinkRefusal {
    /// Every entity that would shrink too much (at least one).
    pub shrinks: Vec<Shrink>,
    /// What was not done: "no feed was written", "nothing was sent".
    pub consequence: String,
}

impl fmt::Display for ShrinkRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "refusing a mass deletion in Clerk ({}):",
            self.consequence
        )?;
        for s in &self.shrinks {
            writeln!(f, "  - {s}")?;
        }
        if self.shrinks.iter().all(|s| s.after == 0 && s.before == 0) {
            write!(
                f,
                "  hint: the accounting above says where the records went (an input without records, a `where`, rows in no group); if an empty feed is intended, pass --allow-shrink"
            )
        } else {
            write!(
                f,
                "  hint: check the export; if the shrink is intended, pass --allow-shrink (or raise --max-shrink)"
            )
        }
    }
}

impl std::error::Error for ShrinkRefusal {}

/// Parses `--max-shrink`: `10%`, `10` (a percentage) or `0.1` (a share).
pub fn parse_share(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let (num, pct) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (t, false),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a share: write 10% (or 0.1)"))?;
    let share = if pct || v > 1.0 { v / 100.0 } else { v };
    if !(0.0..=1.0).contains(&share) || !share.is_finite() {
        return Err(format!("`{s}` is not between 0% and 100%"));
    }
    Ok(share)
}

/// Compares an entity's ids before and after. `None`: fine. Orders are never deleted, so they
/// never shrink; an empty feed always counts.
pub fn check<'a>(
    entity: Entity,
    before: impl IntoIterator<Item = &'a str>,
    after: &HashSet<String>,
    max_share: f64,
    against: &str,
) -> Option<Shrink> {
    check_with(
        entity,
        before,
        after.len(),
        |id| after.contains(id),
        max_share,
        against,
    )
}

/// [`check`] with the ids after as a membership test and their number.
fn check_with<'a>(
    entity: Entity,
    before: impl IntoIterator<Item = &'a str>,
    after_len: usize,
    has: impl Fn(&str) -> bool,
    max_share: f64,
    against: &str,
) -> Option<Shrink> {
    if !entity.is_mirrored() {
        return None;
    }
    let mut before_n = 0usize;
    let mut gone = 0usize;
    let mut examples = FirstIds::default();
    for id in before {
        before_n += 1;
        if !has(id) {
            gone += 1;
            examples.offer(id);
        }
    }
    judge(
        entity,
        (before_n, after_len),
        gone,
        examples.into_vec(),
        (max_share, true),
        against,
    )
}

/// The guard's verdict from the counts: `gone` of `before` ids are not among the `after_len`
/// (a few of them as `examples`, in natural order). `ran`: the entity was mapped or is sent
/// now (an entity of the legacy single-file feed that this run did not map is empty only when
/// its earlier feed was not).
fn judge(
    entity: Entity,
    (before, after_len): (usize, usize),
    gone: usize,
    examples: Vec<String>,
    (max_share, ran): (f64, bool),
    against: &str,
) -> Option<Shrink> {
    if !entity.is_mirrored() {
        return None;
    }
    // Clerk deletes every record of an entity whose feed is empty, whether or not an earlier
    // feed is there to compare with (it may hold the built-in integration's records).
    let empty = after_len == 0 && (ran || before > 0 || entity == Entity::Products);
    let too_much = before > 0 && gone as f64 > max_share * before as f64;
    if !empty && !too_much {
        return None;
    }
    Some(Shrink {
        entity,
        before,
        after: after_len,
        gone,
        examples,
        against: against.to_string(),
        max_share,
    })
}

/// The ids of an entity's previous feed in `dir`, with the file's path; `None` when there is no
/// previous feed, or it cannot be read (then there is nothing to compare with).
pub fn previous_ids(dir: &Path, entity: Entity) -> Option<(String, Vec<String>)> {
    let file = feed::find(dir, entity)?;
    let ids = file.ids().ok()??;
    Some((file.path.display().to_string(), ids))
}

/// An entity's previous feed in the output directory: its file, and the set of its ids (read
/// once before the run, so the run can tell new ids as it writes them).
#[derive(Debug)]
pub struct PreviousFeed {
    /// The entity.
    pub entity: Entity,
    /// The file, as messages name it.
    pub path: String,
    file: FeedFile,
    /// One record a line, as `run` writes it (else read record by record).
    by_line: bool,
    /// Its distinct ids, each with the hash of its (first) record.
    pub ids: PreviousIds,
}

impl PreviousFeed {
    /// Calls `f` with each id of the feed in order and the hash of its record; `None` when the
    /// feed cannot be read to its end. A feed with one record a line (as `run` writes it) is
    /// hashed line by line, the exact bytes `run` hashed; any other layout record by record,
    /// re-serialized (a float written by another program may then read as changed).
    fn scan(&self, f: &mut impl FnMut(&str, u64)) -> Option<()> {
        if self.by_line {
            scan_lines(&self.file, (0, u64::MAX), f)
        } else {
            scan_records(&self.file, f)
        }
    }
}

/// The previous feed of `entity` in `dir`, with its ids; `None` when there is none or it
/// cannot be read. A feed of one record a line is read by `jobs` threads, each a part of it.
pub fn previous_feed(dir: &Path, entity: Entity, jobs: usize) -> Option<PreviousFeed> {
    let file = feed::find(dir, entity)?;
    let (ids, by_line) = match ids_by_line(&file, jobs) {
        Some(ids) => (ids, true),
        None => {
            let mut ids = PreviousIds::default();
            scan_records(&file, &mut |id, hash| {
                ids.insert_first(id, hash);
            })?;
            (ids, false)
        }
    };
    Some(PreviousFeed {
        entity,
        path: file.path.display().to_string(),
        by_line,
        ids,
        file,
    })
}

/// The previous feeds of every entity in `dir`, each read by `jobs` threads.
pub fn previous_feeds(dir: &Path, jobs: usize) -> Vec<PreviousFeed> {
    Entity::ALL
        .into_iter()
        .filter_map(|e| previous_feed(dir, e, jobs))
        .collect()
}

/// The ids of a feed of one record a line, read in `jobs` parts at once (a part starts after
/// a line's end); `None` for another layout.
fn ids_by_line(file: &FeedFile, jobs: usize) -> Option<PreviousIds> {
    // Below 4 MiB a part, one thread reads the whole feed.
    ids_in_parts(file, jobs, 4 << 20)
}

/// [`ids_by_line`] with parts of at least `part` bytes.
fn ids_in_parts(file: &FeedFile, jobs: usize, part: u64) -> Option<PreviousIds> {
    let size = std::fs::metadata(&file.path).ok()?.len();
    let parts = usize::try_from(size / part.max(1))
        .unwrap_or(usize::MAX)
        .clamp(1, jobs.max(1));
    let mut starts = vec![0u64];
    for k in 1..parts {
        let at = size / parts as u64 * k as u64;
        let mut r = BufReader::new(File::open(&file.path).ok()?);
        r.seek(SeekFrom::Start(at)).ok()?;
        // The part starts after the end of the line `at` is in.
        let skipped = r.skip_until(b'\n').ok()? as u64;
        starts.push((at + skipped).min(size));
    }
    starts.push(size);
    let read = |range: (u64, u64)| -> Option<PreviousIds> {
        let mut ids = PreviousIds::default();
        scan_lines(file, range, &mut |id, hash| {
            ids.insert_first(id, hash);
        })
        .map(|()| ids)
    };
    let ranges: Vec<(u64, u64)> = starts.windows(2).map(|w| (w[0], w[1])).collect();
    let mut found = match ranges.as_slice() {
        [one] => vec![read(*one)],
        _ => std::thread::scope(|s| {
            // A part whose thread cannot be started is read on this one.
            let handles: Vec<_> = ranges
                .iter()
                .map(|r| {
                    std::thread::Builder::new()
                        .spawn_scoped(s, || read(*r))
                        .map_err(|_| *r)
                })
                .collect();
            handles
                .into_iter()
                .map(|h| match h {
                    Ok(h) => h.join().ok().flatten(),
                    Err(r) => read(r),
                })
                .collect()
        }),
    }
    .into_iter();
    // In order: an id in two parts keeps its first record.
    let mut ids = found.next().flatten()?;
    for part in found {
        ids.absorb(part?);
    }
    Some(ids)
}

/// The ids and record hashes of a feed with one record per line, given to `f`; `None` for
/// another layout (a line that is not a whole record), after the calls for the lines before.
/// Reads the lines in `range` of bytes (`(0, u64::MAX)`: all).
fn scan_lines(file: &FeedFile, range: (u64, u64), f: &mut impl FnMut(&str, u64)) -> Option<()> {
    if file.kind == FeedKind::Legacy {
        return None;
    }
    let mut handle = File::open(&file.path).ok()?;
    handle.seek(SeekFrom::Start(range.0)).ok()?;
    let mut reader = BufReader::with_capacity(1 << 20, handle.take(range.1 - range.0));
    let mut line = Vec::with_capacity(4096);
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).ok()? == 0 {
            return Some(());
        }
        let t = record_bytes(&line);
        if t.is_empty() || (file.kind == FeedKind::Json && matches!(t, b"[" | b"]" | b"[]")) {
            continue;
        }
        if let Some(k) = line_id(t)?.as_ref().and_then(key_string) {
            f(&k, content_hash(t));
        }
    }
}

/// A feed line without the blanks around it and the commas after it.
fn record_bytes(line: &[u8]) -> &[u8] {
    let mut t = line.trim_ascii();
    while let Some(rest) = t.strip_suffix(b",") {
        t = rest;
    }
    t
}

/// The `id` of a line that holds one JSON object (`Some(None)`: it has none); `None` when the
/// line holds something else. A line as `run` writes it (`{"id":...`, compact) is read up to
/// its id only, after checking that its brackets close exactly at its end; any other object is
/// parsed whole.
fn line_id(t: &[u8]) -> Option<Option<crate::value::Value>> {
    use serde::Deserialize;
    if let Some(rest) = t.strip_prefix(br#"{"id":"#)
        && is_one_object(t)
    {
        let mut de = serde_json::Deserializer::from_slice(rest);
        return Some(crate::value::Value::deserialize(&mut de).ok());
    }
    #[derive(serde::Deserialize)]
    struct IdOnly {
        id: Option<crate::value::Value>,
    }
    serde_json::from_slice::<IdOnly>(t).ok().map(|r| r.id)
}

/// Whether `t` is one object by its brackets: it opens with `{`, its strings close, and its
/// brackets close exactly at its last byte (`{...},{...}` or a cut-off line is not).
fn is_one_object(t: &[u8]) -> bool {
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(b) = t.get(i) {
        match b {
            b'"' => {
                // To the closing quote, past escaped characters.
                i += 1;
                loop {
                    match memchr::memchr2(b'"', b'\\', t.get(i..).unwrap_or_default()) {
                        None => return false,
                        Some(j) if t[i + j] == b'\\' => i += j + 2,
                        Some(j) => {
                            i += j;
                            break;
                        }
                    }
                }
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => match depth.checked_sub(1) {
                Some(0) => return i + 1 == t.len(),
                Some(d) => depth = d,
                None => return false,
            },
            _ => {}
        }
        i += 1;
    }
    false
}

/// The ids and record hashes of a feed of any layout, record by record.
fn scan_records(file: &FeedFile, f: &mut impl FnMut(&str, u64)) -> Option<()> {
    file.for_each(|_, v| {
        if let Some(k) = feed::id_key(&v) {
            let json = serde_json::to_vec(&v).unwrap_or_default();
            f(&k, content_hash(&json));
        }
        Ok(true)
    })
    .ok()?
    .map(|_| ())
}

/// What changed from `previous` (none: no previous feed) to the ids a run mapped.
pub fn diff(entity: Entity, previous: Option<&PreviousFeed>, after: &MappedIds) -> FeedDiff {
    let (mut removed, mut changed, mut unchanged) = (0u64, 0u64, 0u64);
    let (mut removed_ex, mut changed_ex) = (FirstIds::default(), FirstIds::default());
    let before = previous.map_or(0, |p| p.ids.len() as u64);
    if let Some(p) = previous {
        // The counts from what was read before the run, without reading the feed again.
        for (id, content) in p.ids.iter() {
            match after.get_hashed(id) {
                None => removed += 1,
                Some(s) if s.content != content => changed += 1,
                Some(_) => unchanged += 1,
            }
        }
        if removed + changed > 0 {
            // The examples are ids, which only the feed has: read again for them (if it can
            // no longer be read to its end, the examples are those of what was read).
            let mut offered = IdSet::default();
            let _ = p.scan(&mut |id, _| {
                let hash = id_hash(id);
                if !offered.insert_hashed(hash) {
                    return;
                }
                match (p.ids.content_hashed(hash), after.get_hashed(hash)) {
                    (_, None) => removed_ex.offer(id),
                    (Some(content), Some(s)) if s.content != content => changed_ex.offer(id),
                    _ => {}
                }
            });
        }
    }
    let after_n = after.len() as u64;
    FeedDiff {
        entity,
        against: previous.map_or_else(
            || "no previous feed".to_string(),
            |p| format!("the previous feed {}", p.path),
        ),
        before,
        after: after_n,
        added: after_n.saturating_sub(changed + unchanged),
        removed,
        changed,
        unchanged,
        added_examples: after.added_examples.clone().into_vec(),
        removed_examples: removed_ex.into_vec(),
        changed_examples: changed_ex.into_vec(),
    }
}

/// `run`'s comparison with the previous feeds in the output directory (`previous`, read before
/// the run): the diff of every entity mapped (`new`: entity and ids), and the guard's refusal
/// when one would shrink by more than `max_share` (`None` as `max_share`: `--allow-shrink`, no
/// guard). With the legacy single-file format every entity of the previous `feed.json` is
/// replaced, so one missing from this run counts as empty.
pub fn compare_run(
    previous: &[PreviousFeed],
    format: OutputFormat,
    new: &[(Entity, MappedIds)],
    max_share: Option<f64>,
) -> (Vec<FeedDiff>, Result<(), ShrinkRefusal>) {
    let mut shrinks = Vec::new();
    let mut diffs = Vec::new();
    let empty = MappedIds::default();
    for entity in Entity::ALL {
        let written = new.iter().find(|(e, _)| *e == entity).map(|(_, ids)| ids);
        if written.is_none() && (format != OutputFormat::Feed || max_share.is_none()) {
            continue;
        }
        let previous = previous.iter().find(|p| p.entity == entity);
        let after = written.unwrap_or(&empty);
        let d = diff(entity, previous, after);
        if let Some(max_share) = max_share {
            let shrink = match previous {
                Some(_) => judge(
                    entity,
                    (d.before as usize, after.len()),
                    d.removed as usize,
                    d.removed_examples.clone(),
                    (max_share, written.is_some()),
                    &d.against,
                ),
                None if written.is_some() => judge(
                    entity,
                    (0, after.len()),
                    0,
                    Vec::new(),
                    (max_share, true),
                    &d.against,
                ),
                None => None,
            };
            shrinks.extend(shrink);
        }
        if written.is_some() {
            diffs.push(d);
        }
    }
    let verdict = if shrinks.is_empty() {
        Ok(())
    } else {
        Err(ShrinkRefusal {
            shrinks,
            consequence: "no feed was written".into(),
        })
    };
    (diffs, verdict)
}

#[cfg(test)]
mod tests {
    use super::super::ids::Seen;
    use super::*;
    use crate::json;

    #[test]
    fn previous_ids_read_any_layout_of_a_feed() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let write = |name: &str, text: &str| {
            std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("{e}"))
        };
        // As `run` writes it: one record a line (fast path).
        write(
            "products.json",
            "[\n{\"id\":\"A\",\"x\":{\"y\":[1]}},\n{\"id\":7}\n]\n",
        );
        let (_, ids) = previous_ids(dir.path(), Entity::Products).unwrap_or_default();
        assert_eq!(ids, vec!["A", "7"]);
        // Pretty-printed by someone else: read record by record.
        write(
            "categories.json",
            "[\n  {\n    \"id\": \"C1\"\n  },\n  {\"id\": \"C2\"}\n]\n",
        );
        let (_, ids) = previous_ids(dir.path(), Entity::Categories).unwrap_or_default();
        assert_eq!(ids, vec!["C1", "C2"]);
        write("pages.ndjson", "{\"id\":1}\n\n{\"id\":2}\n");
        let (_, ids) = previous_ids(dir.path(), Entity::Pages).unwrap_or_default();
        assert_eq!(ids, vec!["1", "2"]);
    }

    #[test]
    fn the_diff_tells_added_removed_and_changed_records_in_any_layout() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        // As the run notes them: each id with the hash of its record, and the ids the previous
        // feed (if any) did not have as examples.
        let mapped = |records: &[&str], previous: Option<&PreviousFeed>| -> MappedIds {
            let mut ids = MappedIds::default();
            for (n, r) in records.iter().enumerate() {
                let v: crate::value::Value = serde_json::from_str(r).unwrap_or_default();
                let key = feed::id_key(&v).unwrap_or_default();
                let seen = Seen {
                    content: content_hash(r.as_bytes()),
                    first: n as u64 + 1,
                };
                ids.insert(&key, seen);
                if !previous.is_some_and(|p| p.ids.contains(&key)) {
                    ids.added_examples.offer(&key);
                }
            }
            ids
        };
        let now = |previous: Option<&PreviousFeed>| {
            mapped(
                &[
                    r#"{"id":"A","x":1}"#,
                    r#"{"id":"B","x":3}"#,
                    r#"{"id":"D","x":4}"#,
                ],
                previous,
            )
        };
        // As `run` writes a JSON array, and a legacy feed.json (read record by record).
        std::fs::write(
            dir.path().join("products.json"),
            "[\n{\"id\":\"A\",\"x\":1},\n{\"id\":\"B\",\"x\":2},\n{\"id\":\"C\",\"x\":0}\n]\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            dir.path().join("feed.json"),
            r#"{"pages":[{"id":"A","x":1},{"id":"B","x":2},{"id":"C","x":0}],"config":{}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        for entity in [Entity::Products, Entity::Pages] {
            let previous = previous_feed(dir.path(), entity, 2);
            let d = diff(entity, previous.as_ref(), &now(previous.as_ref()));
            assert_eq!(
                (
                    d.before,
                    d.after,
                    d.added,
                    d.removed,
                    d.changed,
                    d.unchanged
                ),
                (3, 3, 1, 1, 1, 1),
                "{entity:?}: {d:?}"
            );
            assert_eq!(
                (d.added_examples, d.removed_examples, d.changed_examples),
                (vec!["D".into()], vec!["C".into()], vec!["B".into()])
            );
        }
        let d = diff(Entity::Orders, None, &now(None));
        assert_eq!((d.against.as_str(), d.added), ("no previous feed", 3));
        // An id repeated in the previous feed counts once, by its first record; with nothing
        // removed or changed there is no example to look for.
        std::fs::write(
            dir.path().join("categories.ndjson"),
            "{\"id\":\"A\",\"x\":1}\n{\"id\":\"B\",\"x\":3}\n{\"id\":\"A\",\"x\":9}\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let previous = previous_feed(dir.path(), Entity::Categories, 1);
        let same = mapped(&[r#"{"id":"A","x":1}"#, r#"{"id":"B","x":3}"#], None);
        let d = diff(Entity::Categories, previous.as_ref(), &same);
        assert_eq!(
            (
                d.before,
                d.removed,
                d.changed,
                d.unchanged,
                d.removed_examples.len()
            ),
            (2, 0, 0, 2, 0),
            "{d:?}"
        );
        let previous = previous_feeds(dir.path(), 2);
        let (_, verdict) = compare_run(
            &previous,
            OutputFormat::Json,
            &[(Entity::Products, mapped(&[r#"{"id":"A","x":1}"#], None))],
            Some(0.1),
        );
        assert!(verdict.is_err(), "2 of 3 gone");
    }

    fn set(ids: &[&str]) -> HashSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn trips_above_the_share_and_on_empty_products() {
        let before: Vec<String> = (1..=20).map(|i| i.to_string()).collect();
        let b = || before.iter().map(String::as_str);
        let keep18: HashSet<String> = (1..=18).map(|i| i.to_string()).collect();
        assert!(
            check(Entity::Products, b(), &keep18, 0.10, "x").is_none(),
            "10% is fine"
        );
        let keep17: HashSet<String> = (1..=17).map(|i| i.to_string()).collect();
        let s = check(
            Entity::Products,
            b(),
            &keep17,
            0.10,
            "the previous feed p.json",
        );
        let msg = s.map(|s| s.to_string()).unwrap_or_default();
        assert!(
            msg.contains("3 of 20 ids (15.0%)") && msg.contains("e.g. 18, 19, 20"),
            "{msg}"
        );
        assert!(
            check(Entity::Orders, b(), &set(&[]), 0.10, "x").is_none(),
            "orders never shrink"
        );
        let e = check(
            Entity::Products,
            std::iter::empty(),
            &set(&[]),
            0.1,
            "no previous feed",
        );
        let e = e.map(|s| s.to_string()).unwrap_or_default();
        assert!(
            e.contains("the feed is empty; Clerk would delete every product it has (there is no earlier feed"),
            "{e}"
        );
        let many: Vec<String> = (1..=100).map(|i| format!("p{i}")).collect();
        let m = check(
            Entity::Pages,
            many.iter().map(String::as_str),
            &set(&[]),
            0.5,
            "x",
        );
        assert!(
            m.map(|s| s.to_string())
                .unwrap_or_default()
                .contains("and 95 more")
        );
        // counts as the accounting writes them (a trial read "1509 of 2706 ids")
        let big: Vec<String> = (1..=2706).map(|i| format!("p{i}")).collect();
        let kept: HashSet<String> = big.iter().take(1197).cloned().collect();
        let m = check(
            Entity::Products,
            big.iter().map(String::as_str),
            &kept,
            0.1,
            "x",
        );
        let m = m.map(|s| s.to_string()).unwrap_or_default();
        assert!(
            m.contains("1,509 of 2,706 ids (55.8%)") && m.contains(" and 1,504 more"),
            "{m}"
        );
    }

    /// Clerk deletes every category, customer or page when their feed is empty: refused like
    /// an empty products feed, also with no earlier feed (a first run, a typo in a group key).
    #[test]
    fn an_empty_feed_of_any_mirrored_entity_is_refused_also_on_a_first_run() {
        for entity in [Entity::Categories, Entity::Customers, Entity::Pages] {
            let e = check(
                entity,
                std::iter::empty(),
                &set(&[]),
                0.1,
                "no previous feed",
            );
            let e = e.map(|s| s.to_string()).unwrap_or_default();
            let want = format!(
                "{}: the feed is empty; Clerk would delete every {} it has",
                entity.name(),
                entity.singular()
            );
            assert!(e.starts_with(&want), "{e}");
        }
        assert!(check(Entity::Orders, std::iter::empty(), &set(&[]), 0.1, "x").is_none());
        // An entity of the legacy single feed that this run did not map, empty before and
        // after: nothing to delete.
        let (_, verdict) = compare_run(&[], OutputFormat::Feed, &[], Some(0.1));
        assert!(verdict.is_ok());
        let refusal = ShrinkRefusal {
            shrinks: check(Entity::Customers, std::iter::empty(), &set(&[]), 0.1, "x")
                .into_iter()
                .collect(),
            consequence: "no feed was written".into(),
        };
        assert!(
            refusal
                .to_string()
                .contains("if an empty feed is intended, pass --allow-shrink"),
            "{refusal}"
        );
    }

    #[test]
    fn a_line_is_read_to_its_id_only_when_it_is_one_object() {
        let id = |line: &str| line_id(record_bytes(line.as_bytes()));
        assert_eq!(id(r#"{"id":"A1","name":"n"},"#), Some(Some(json!("A1"))));
        assert_eq!(
            id(r#"{"id":7,"o":{"a":[1,{"b":"}"}]}}"#),
            Some(Some(json!(7)))
        );
        assert_eq!(
            id(r#"  {"id":"a\"}","x":"\\"}  "#),
            Some(Some(json!("a\"}")))
        );
        // Not one object: two records on a line, a cut-off line, a string left open.
        assert_eq!(id(r#"{"id":1},{"id":2}"#), None);
        assert_eq!(id(r#"{"id":1,"a":["#), None);
        assert_eq!(id(r#"{"id":"1}"#), None);
        // Other objects are parsed whole, with or without an id.
        assert_eq!(id(r#"{ "name": "n", "id": 3 }"#), Some(Some(json!(3))));
        assert_eq!(id(r#"{"name":"n"}"#), Some(None));
        assert_eq!(id(r#"{"name":"n"} x"#), None);
        assert!(is_one_object(br#"{"a":"\\"}"#));
        assert!(!is_one_object(br#"{"a":"\"}"#));
        assert!(!is_one_object(b"}{"));
    }

    #[test]
    fn a_feed_read_in_parts_gives_what_it_gives_read_whole() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut text = String::from("[\n");
        for i in 0..200 {
            // Ids come back (the first record of an id counts) across the parts.
            let sep = if i < 199 { ",\n" } else { "\n" };
            text.push_str(&format!("{{\"id\":\"P{}\",\"n\":{i}}}{sep}", i % 150));
        }
        text.push_str("]\n");
        let path = dir.path().join("products.json");
        std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{e}"));
        let file = feed::find(dir.path(), Entity::Products).unwrap_or_else(|| panic!("found"));
        let sorted = |ids: PreviousIds| {
            let mut v: Vec<(u64, u64)> = ids.iter().collect();
            v.sort_unstable();
            v
        };
        let whole = ids_in_parts(&file, 1, 1).map(sorted);
        assert_eq!(whole.as_ref().map(Vec::len), Some(150));
        for jobs in [2, 3, 7] {
            assert_eq!(
                ids_in_parts(&file, jobs, 1).map(sorted),
                whole,
                "{jobs} parts"
            );
        }
        // Another layout in any part: not read by line.
        std::fs::write(
            &path,
            text.replace("\"n\":120}", "\"n\":120},{\"id\":\"X\"}"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(ids_in_parts(&file, 3, 1).is_none());
    }

    #[test]
    fn shares_parse() {
        assert_eq!(parse_share("10%"), Ok(0.10));
        assert_eq!(parse_share("25"), Ok(0.25));
        assert_eq!(parse_share("0.3"), Ok(0.3));
        assert!(parse_share("150%").is_err());
        assert!(parse_share("x").is_err());
    }
}

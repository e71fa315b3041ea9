//! The guard against mass deletion. Clerk deletes whatever a feed or a delete call leaves out,
//! so a feed that lost most of its records by mistake (a truncated export, a wrong filter) would
//! empty the shop's search. `run` (against the previous feed in the output directory) and `push`
//! (against what Clerk acknowledged) refuse to shrink an entity by more than a share, or to
//! publish an empty products feed, unless told `--allow-shrink`.
//!
//! The same reading of the previous feeds gives the run report its diff: the ids added, removed
//! and changed since the previous feed, "changed" telling records apart by a hash of their
//! content ([`content_hash`]).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::hash::Hasher;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::Serialize;

use crate::clerk::Entity;
use crate::engine::OutputFormat;
use crate::engine::report::FeedDiff;
use crate::value::key_string;

use super::feed::{self, FeedFile, FeedKind};

/// The share of an entity's ids that may disappear at once: 10%.
pub const DEFAULT_MAX_SHRINK: f64 = 0.10;

/// How many disappearing ids a refusal lists.
const EXAMPLES: usize = 5;

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
        if self.after == 0 && self.entity == Entity::Products {
            write!(
                f,
                "{e}: the feed is empty; Clerk would delete every product ({} compared with {})",
                self.before, self.against
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
                self.gone,
                self.before,
                self.against,
                fmt_pct(self.max_share)
            )?;
        }
        if !self.examples.is_empty() {
            write!(f, "; e.g. {}", self.examples.join(", "))?;
            if self.gone > self.examples.len() {
                write!(f, " and {} more", self.gone - self.examples.len())?;
            }
        }
        Ok(())
    }
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
        write!(
            f,
            "  hint: check the export; if the shrink is intended, pass --allow-shrink (or raise --max-shrink)"
        )
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
/// never shrink; an empty products feed always counts.
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
    let mut gone: Vec<&str> = Vec::new();
    for id in before {
        before_n += 1;
        if !has(id) {
            gone.push(id);
        }
    }
    let empty_products = entity == Entity::Products && after_len == 0;
    let too_much = before_n > 0 && gone.len() as f64 > max_share * before_n as f64;
    if !empty_products && !too_much {
        return None;
    }
    gone.sort_unstable_by(|a, b| natural(a, b));
    Some(Shrink {
        entity,
        before: before_n,
        after: after_len,
        gone: gone.len(),
        examples: gone.iter().take(EXAMPLES).map(|s| s.to_string()).collect(),
        against: against.to_string(),
        max_share,
    })
}

/// Numbers in numeric order, then text.
fn natural(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<i64>(), b.parse::<i64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// The ids of an entity's previous feed in `dir`, with the file's path; `None` when there is no
/// previous feed, or it cannot be read (then there is nothing to compare with).
pub fn previous_ids(dir: &Path, entity: Entity) -> Option<(String, Vec<String>)> {
    let file = feed::find(dir, entity)?;
    let ids = file.ids().ok()??;
    Some((file.path.display().to_string(), ids))
}

/// The hash of a record's content: of its compact JSON, as `run` writes it one record a line.
/// Computed by this binary for both the new records and the previous feed's, so it only needs
/// to be stable within one run.
pub fn content_hash(json: &[u8]) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    h.write(json);
    h.finish()
}

/// The ids a run mapped for an entity, each with the [`content_hash`] of its record.
pub type MappedIds = HashMap<String, u64>;

/// An entity's previous feed in the output directory, read once for the guard and the diff.
#[derive(Debug)]
pub struct PreviousFeed {
    /// The file, as messages name it.
    pub path: String,
    /// Its ids in order, each with the hash of its record.
    pub ids: Vec<(String, u64)>,
}

/// The previous feed of `entity` in `dir` with the hash of each record; `None` when there is
/// none or it cannot be read. A feed with one record a line (as `run` writes it) is hashed line
/// by line, the exact bytes `run` hashed; any other layout record by record, re-serialized
/// (a float written by another program may then read as changed).
pub fn previous_feed(dir: &Path, entity: Entity) -> Option<PreviousFeed> {
    let file = feed::find(dir, entity)?;
    let ids = match hashed_by_line(&file) {
        Some(ids) => ids,
        None => {
            let mut ids = Vec::new();
            file.for_each(|_, v| {
                if let Some(k) = feed::id_key(&v) {
                    let json = serde_json::to_vec(&v).unwrap_or_default();
                    ids.push((k, content_hash(&json)));
                }
                Ok(true)
            })
            .ok()??;
            ids
        }
    };
    Some(PreviousFeed {
        path: file.path.display().to_string(),
        ids,
    })
}

/// The ids and record hashes of a feed with one record per line; `None` for another layout.
fn hashed_by_line(file: &FeedFile) -> Option<Vec<(String, u64)>> {
    #[derive(serde::Deserialize)]
    struct IdOnly {
        id: Option<serde_json::Value>,
    }
    if file.kind == FeedKind::Legacy {
        return None;
    }
    let reader = BufReader::with_capacity(1 << 20, File::open(&file.path).ok()?);
    let mut ids = Vec::new();
    for line in reader.lines() {
        let line = line.ok()?;
        let t = line.trim().trim_end_matches(',');
        if t.is_empty() || (file.kind == FeedKind::Json && (t == "[" || t == "]" || t == "[]")) {
            continue;
        }
        let rec: IdOnly = serde_json::from_str(t).ok()?;
        if let Some(k) = rec.id.as_ref().and_then(key_string) {
            ids.push((k.into_owned(), content_hash(t.as_bytes())));
        }
    }
    Some(ids)
}

/// How many example ids a diff lists per kind of change.
const DIFF_EXAMPLES: usize = 5;

/// Keeps the `DIFF_EXAMPLES` first ids in natural order, whatever the number offered.
#[derive(Default)]
struct FirstIds(Vec<String>);

impl FirstIds {
    fn offer(&mut self, id: &str) {
        let at = self
            .0
            .partition_point(|x| natural(x, id) != std::cmp::Ordering::Greater);
        if at < DIFF_EXAMPLES {
            self.0.insert(at, id.to_string());
            self.0.truncate(DIFF_EXAMPLES);
        }
    }
}

/// What changed from `previous` (none: no previous feed) to the ids a run mapped.
pub fn diff(entity: Entity, previous: Option<&PreviousFeed>, after: &MappedIds) -> FeedDiff {
    let (mut removed, mut changed, mut unchanged) = (0u64, 0u64, 0u64);
    let (mut removed_ex, mut changed_ex, mut added_ex) = (
        FirstIds::default(),
        FirstIds::default(),
        FirstIds::default(),
    );
    let mut before: HashSet<&str> = HashSet::new();
    if let Some(p) = previous {
        before.reserve(p.ids.len());
        for (id, hash) in &p.ids {
            if !before.insert(id.as_str()) {
                continue;
            }
            match after.get(id) {
                None => {
                    removed += 1;
                    removed_ex.offer(id);
                }
                Some(h) if h != hash => {
                    changed += 1;
                    changed_ex.offer(id);
                }
                Some(_) => unchanged += 1,
            }
        }
    }
    let mut added = 0u64;
    for id in after.keys() {
        if !before.contains(id.as_str()) {
            added += 1;
            added_ex.offer(id);
        }
    }
    FeedDiff {
        entity,
        against: previous.map_or_else(
            || "no previous feed".to_string(),
            |p| format!("the previous feed {}", p.path),
        ),
        before: before.len() as u64,
        after: after.len() as u64,
        added,
        removed,
        changed,
        unchanged,
        added_examples: added_ex.0,
        removed_examples: removed_ex.0,
        changed_examples: changed_ex.0,
    }
}

/// `run`'s comparison with the previous feeds in the output directory, each read once: the
/// diff of every entity mapped (`new`: entity and ids), and the guard's refusal when one would
/// shrink by more than `max_share` (`None` as `max_share`: `--allow-shrink`, no guard). With the
/// legacy single-file format every entity of the previous `feed.json` is replaced, so one
/// missing from this run counts as empty.
pub fn compare_run(
    out_dir: &Path,
    format: OutputFormat,
    new: &[(Entity, MappedIds)],
    max_share: Option<f64>,
) -> (Vec<FeedDiff>, Result<(), ShrinkRefusal>) {
    let mut shrinks = Vec::new();
    let mut diffs = Vec::new();
    let empty = MappedIds::new();
    for entity in Entity::ALL {
        let written = new.iter().find(|(e, _)| *e == entity).map(|(_, ids)| ids);
        if written.is_none() && (format != OutputFormat::Feed || max_share.is_none()) {
            continue;
        }
        let previous = previous_feed(out_dir, entity);
        let after = written.unwrap_or(&empty);
        if written.is_some() {
            diffs.push(diff(entity, previous.as_ref(), after));
        }
        let Some(max_share) = max_share else {
            continue;
        };
        let shrink = match &previous {
            Some(p) => check_with(
                entity,
                p.ids.iter().map(|(id, _)| id.as_str()),
                after.len(),
                |id| after.contains_key(id),
                max_share,
                &format!("the previous feed {}", p.path),
            ),
            None if written.is_some() => check_with(
                entity,
                std::iter::empty(),
                after.len(),
                |_| false,
                max_share,
                "no previous feed",
            ),
            None => None,
        };
        shrinks.extend(shrink);
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
    use super::*;

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
        let mapped = |records: &[&str]| -> MappedIds {
            records
                .iter()
                .map(|r| {
                    let v: serde_json::Value = serde_json::from_str(r).unwrap_or_default();
                    (
                        feed::id_key(&v).unwrap_or_default(),
                        content_hash(r.as_bytes()),
                    )
                })
                .collect()
        };
        let now = mapped(&[
            r#"{"id":"A","x":1}"#,
            r#"{"id":"B","x":3}"#,
            r#"{"id":"D","x":4}"#,
        ]);
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
            let previous = previous_feed(dir.path(), entity);
            let d = diff(entity, previous.as_ref(), &now);
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
        let d = diff(Entity::Orders, None, &now);
        assert_eq!((d.against.as_str(), d.added), ("no previous feed", 3));
        let (_, verdict) = compare_run(
            dir.path(),
            OutputFormat::Json,
            &[(Entity::Products, mapped(&[r#"{"id":"A","x":1}"#]))],
            Some(0.1),
        );
        assert!(verdict.is_err(), "2 of 3 gone");
    }

    #[test]
    fn diff_examples_are_the_first_ids_in_natural_order() {
        let mut first = FirstIds::default();
        for id in ["30", "4", "100", "2", "7", "1", "50"] {
            first.offer(id);
        }
        assert_eq!(first.0, ["1", "2", "4", "7", "30"]);
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
        assert!(
            e.map(|s| s.to_string())
                .unwrap_or_default()
                .contains("the feed is empty")
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

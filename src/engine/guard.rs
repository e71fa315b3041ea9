//! The guard against mass deletion. Clerk deletes whatever a feed or a delete call leaves out,
//! so a feed that lost most of its records by mistake (a truncated export, a wrong filter) would
//! empty the shop's search. `run` (against the previous feed in the output directory) and `push`
//! (against what Clerk acknowledged) refuse to shrink an entity by more than a share, or to
//! publish an empty products feed, unless told `--allow-shrink`.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use crate::clerk::Entity;
use crate::engine::OutputFormat;

use super::feed;

/// The share of an entity's ids that may disappear at once: 10%.
pub const DEFAULT_MAX_SHRINK: f64 = 0.10;

/// How many disappearing ids a refusal lists.
const EXAMPLES: usize = 5;

/// One entity that would shrink too much.
#[derive(Debug, Clone)]
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
    if !entity.is_mirrored() {
        return None;
    }
    let mut before_n = 0usize;
    let mut gone: Vec<&str> = Vec::new();
    for id in before {
        before_n += 1;
        if !after.contains(id) {
            gone.push(id);
        }
    }
    let empty_products = entity == Entity::Products && after.is_empty();
    let too_much = before_n > 0 && gone.len() as f64 > max_share * before_n as f64;
    if !empty_products && !too_much {
        return None;
    }
    gone.sort_unstable_by(|a, b| natural(a, b));
    Some(Shrink {
        entity,
        before: before_n,
        after: after.len(),
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

/// `run`'s guard: the entities about to be written (`new`: entity and ids) against the previous
/// feeds in the output directory. With the legacy single-file format every entity of the
/// previous `feed.json` is replaced, so one missing from this run counts as empty.
pub fn check_run(
    out_dir: &Path,
    format: OutputFormat,
    new: &[(Entity, Vec<String>)],
    max_share: f64,
) -> Result<(), ShrinkRefusal> {
    let mut shrinks = Vec::new();
    for entity in Entity::ALL {
        let written = new.iter().find(|(e, _)| *e == entity);
        if written.is_none() && format != OutputFormat::Feed {
            continue;
        }
        let after: HashSet<String> = written
            .map(|(_, ids)| ids.iter().cloned().collect())
            .unwrap_or_default();
        match previous_ids(out_dir, entity) {
            Some((path, before)) => {
                let against = format!("the previous feed {path}");
                if let Some(s) = check(
                    entity,
                    before.iter().map(String::as_str),
                    &after,
                    max_share,
                    &against,
                ) {
                    shrinks.push(s);
                }
            }
            None if written.is_some() => {
                if let Some(s) = check(
                    entity,
                    std::iter::empty(),
                    &after,
                    max_share,
                    "no previous feed",
                ) {
                    shrinks.push(s);
                }
            }
            None => {}
        }
    }
    if shrinks.is_empty() {
        Ok(())
    } else {
        Err(ShrinkRefusal {
            shrinks,
            consequence: "no feed was written".into(),
        })
    }
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

//! The run report: every record read is accounted for as written, filtered or rejected.
//! Printed at the end of a run and written to `report.json`.

use std::fmt;

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::clerk::Entity;

/// The accounting of one run: what each block read, wrote, filtered and rejected, the tables
/// it loaded, and the files it wrote. Serialized as `report.json`; `Display` is the summary
/// printed at the end of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunReport {
    /// The mapping's name as diagnostics give it: its path as given, or
    /// `passweb.cmap (built in)`.
    pub mapping: String,
    /// The directory the feed files were written to; empty when the run went into another
    /// sink ([`run_into`](super::run_into)).
    pub output_dir: String,
    /// The feed files' format (`json`, `ndjson` or `feed`); empty when the run went into
    /// another sink.
    pub format: String,
    /// Worker threads the records were mapped on (`RunOptions::jobs`, 0 resolved to the number
    /// of cores).
    pub jobs: usize,
    /// Wall-clock milliseconds of the run: opening the inputs, loading the tables and every
    /// block (committing the files not included).
    pub elapsed_ms: u64,
    /// One per block that ran, in mapping order; after an abort, the last one is the block
    /// that stopped the run.
    pub entities: Vec<EntityReport>,
    /// Blocks that did not run because their source was not given.
    pub skipped: Vec<Skipped>,
    /// The lookup tables read from an input, in declaration order (tables left empty are not
    /// listed).
    pub tables: Vec<TableReport>,
    /// Personal data sent and held back (when the run maps orders or customers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy: Option<Privacy>,
    /// Problems that did not reject a record (lookup rows, mapping warnings).
    pub warnings: Vec<String>,
    /// The files written, in order: the feeds, `rejects.ndjson`, then `report.json` (after an
    /// abort, only the last two); empty when the run went into another sink.
    pub files: Vec<String>,
}

/// The accounting of one block: `read == written + filtered + rejected`.
#[derive(Debug, Clone, Serialize)]
pub struct EntityReport {
    /// The Clerk type the block writes.
    pub entity: Entity,
    /// The block's source: the name of the input it reads (`--input NAME=PATH`).
    pub source: String,
    /// The input as messages name it: its path as given, or a memory input's name.
    pub file: String,
    /// Records read: rows, or groups for a grouped block (plus rows that could not be read).
    pub read: u64,
    /// Input rows, for a grouped block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// Records that went into the feed.
    pub written: u64,
    /// Records a `where` condition left out.
    pub filtered: u64,
    /// Records that failed a statement, Clerk's contract or the id checks (another id type, a
    /// duplicate id), or could not be read; each one goes to the sink's rejects
    /// (`rejects.ndjson`).
    pub rejected: u64,
    /// Filtered records per `where` condition.
    pub filtered_by: Vec<FilterCount>,
    /// Written records that carry an `email` attribute.
    pub with_email: u64,
    /// The feed file's name in the output directory (`products.json`, `feed.json` for the
    /// legacy format); empty when the run went into another sink.
    pub output: String,
    /// Wall-clock milliseconds the block took, reading, mapping and writing.
    pub elapsed_ms: u64,
    /// `read` divided by the block's time in seconds (0 when no time could be measured).
    pub records_per_sec: f64,
    /// What the written records hold, when the run profiles them (`RunOptions::profile`).
    #[serde(skip)]
    pub profile: Option<Profile>,
    /// The rejects grouped by cause, collected in every run (see [`super::why`]).
    #[serde(skip)]
    pub why: super::why::RejectSummary,
}

/// The written records of an entity, profiled: how many have each attribute, with which value
/// kinds; and the rejected ones, grouped by cause.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// Records profiled.
    pub records: u64,
    /// Per attribute, in first-seen order: records that have it, and its value kinds.
    pub attributes: IndexMap<String, (u64, BTreeMap<&'static str, u64>)>,
    /// Reject reasons grouped by cause, in the order first seen.
    pub rejects: IndexMap<String, RejectGroup>,
}

/// Rejects of one cause: how many, a few example ids, one full message.
#[derive(Debug, Clone)]
pub struct RejectGroup {
    /// The entity.
    pub entity: String,
    /// The first full message of the group.
    pub reason: String,
    /// Records rejected for it.
    pub count: u64,
    /// Up to five ids (or input places) of such records.
    pub examples: Vec<String>,
}

impl Profile {
    /// Counts a written record.
    pub fn add(&mut self, record: &Map<String, Value>) {
        self.records += 1;
        for (k, v) in record {
            let e = self.attributes.entry(k.clone()).or_default();
            e.0 += 1;
            *e.1.entry(crate::value::kind(v)).or_default() += 1;
        }
    }

    /// Counts a rejected record under each of its reasons (`reasons` rendered as in
    /// `rejects.ndjson`).
    pub fn add_reject(&mut self, entity: Entity, example: String, reasons: &[String]) {
        for r in reasons {
            let g = self
                .rejects
                .entry(reason_key(r))
                .or_insert_with(|| RejectGroup {
                    entity: entity.name().to_string(),
                    reason: r.clone(),
                    count: 0,
                    examples: Vec::new(),
                });
            g.count += 1;
            if g.examples.len() < 5 && !g.examples.contains(&example) {
                g.examples.push(example.clone());
            }
        }
    }
}

/// A reason with its specifics (quoted values, line numbers, mapping locations) blurred, so
/// that records rejected for the same cause group together.
pub fn reason_key(r: &str) -> String {
    let mut s = String::new();
    let mut rest = r;
    // Drop the mapping location.
    if let Some(i) = rest.rfind(" (at ")
        && rest.ends_with(')')
    {
        rest = &rest[..i];
    }
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            s.push_str("\"…\"");
            let mut escaped = false;
            for d in chars.by_ref() {
                if escaped {
                    escaped = false;
                } else if d == '\\' {
                    escaped = true;
                } else if d == '"' {
                    break;
                }
            }
        } else {
            s.push(c);
        }
    }
    let words: Vec<&str> = s.split(' ').collect();
    let mut out = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        let after_place = i > 0 && matches!(words[i - 1], "line" | "record");
        if after_place
            && w.trim_end_matches([',', ')', ':'])
                .chars()
                .all(|c| c.is_ascii_digit())
        {
            out.push("N".to_string());
        } else {
            out.push((*w).to_string());
        }
    }
    out.join(" ")
}

impl EntityReport {
    /// `products: read 40 = written 39 + filtered 1 + rejected 0`
    pub fn accounting(&self) -> String {
        format!(
            "{}: read {} = written {} + filtered {} + rejected {}",
            self.entity.name(),
            self.read,
            self.written,
            self.filtered,
            self.rejected
        )
    }

    /// `read == written + filtered + rejected`.
    pub fn balanced(&self) -> bool {
        self.read == self.written + self.filtered + self.rejected
    }
}

/// How many records one `where` condition filtered out.
#[derive(Debug, Clone, Serialize)]
pub struct FilterCount {
    /// `mapping.cmap:line:col` of the condition.
    pub at: String,
    /// The condition's text, on one line (runs of whitespace made one space), cut at 100
    /// characters.
    pub condition: String,
    /// Records it filtered out.
    pub count: u64,
}

/// What personal data left, and what was held back.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Privacy {
    /// Records written with an `email` attribute, per entity (orders, customers).
    pub emails_sent: Vec<(String, u64)>,
    /// Customers not sent (filtered: opt-out, or any other `where`).
    pub customers_excluded: u64,
    /// Orders not sent (filtered by state, date or any other `where`).
    pub orders_dropped: u64,
}

/// A block that did not run.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// The Clerk type the block would have written.
    pub entity: Entity,
    /// The name of the input the block reads, which was not given.
    pub source: String,
    /// Why, as the summary prints it: "no --input articoli=PATH given".
    pub reason: String,
}

/// A lookup table read from an input.
#[derive(Debug, Clone, Serialize)]
pub struct TableReport {
    /// The table's name (its `lookup` declaration, also its input's name).
    pub name: String,
    /// The input as messages name it: its path as given, or a memory input's name.
    pub file: String,
    /// Rows kept in the table: one per distinct key (rows left out with a warning are not
    /// counted).
    pub rows: usize,
}

impl RunReport {
    /// The reject groups of every profiled entity, most frequent first.
    pub fn reject_groups(&self) -> Vec<RejectGroup> {
        let mut out: Vec<RejectGroup> = self
            .entities
            .iter()
            .filter_map(|e| e.profile.as_ref())
            .flat_map(|p| p.rejects.values().cloned())
            .collect();
        out.sort_by_key(|g| std::cmp::Reverse(g.count));
        out
    }

    /// Records rejected in all entities.
    pub fn total_rejected(&self) -> u64 {
        self.entities.iter().map(|e| e.rejected).sum()
    }

    /// Fills the privacy section from the entity reports.
    pub fn compute_privacy(&mut self) {
        let personal: Vec<&EntityReport> = self
            .entities
            .iter()
            .filter(|e| matches!(e.entity, Entity::Orders | Entity::Customers))
            .collect();
        if personal.is_empty() {
            self.privacy = None;
            return;
        }
        let filtered = |entity: Entity| {
            personal
                .iter()
                .filter(|e| e.entity == entity)
                .map(|e| e.filtered)
                .sum()
        };
        self.privacy = Some(Privacy {
            emails_sent: personal
                .iter()
                .map(|e| (e.entity.name().to_string(), e.with_email))
                .collect(),
            customers_excluded: filtered(Entity::Customers),
            orders_dropped: filtered(Entity::Orders),
        });
    }
}

impl fmt::Display for RunReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for t in &self.tables {
            writeln!(f, "lookup {}: {} rows from {}", t.name, t.rows, t.file)?;
        }
        for e in &self.entities {
            let rows = e.rows.map(|r| format!(" ({r} rows)")).unwrap_or_default();
            writeln!(
                f,
                "{}: read {}{rows} = written {} + filtered {} + rejected {}  -> {} ({:.2}s, {:.0} records/s)",
                e.entity.name(),
                e.read,
                e.written,
                e.filtered,
                e.rejected,
                e.output,
                e.elapsed_ms as f64 / 1000.0,
                e.records_per_sec
            )?;
        }
        for e in &self.entities {
            for fc in &e.filtered_by {
                writeln!(
                    f,
                    "  {} filtered {} by `{}` ({})",
                    e.entity.name(),
                    fc.count,
                    fc.condition,
                    fc.at
                )?;
            }
        }
        if let Some(p) = &self.privacy {
            let emails: Vec<String> = p
                .emails_sent
                .iter()
                .map(|(e, n)| format!("{n} in {e}"))
                .collect();
            writeln!(
                f,
                "privacy: emails sent: {}; customers excluded: {}; orders dropped: {}",
                emails.join(", "),
                p.customers_excluded,
                p.orders_dropped
            )?;
        }
        for s in &self.skipped {
            writeln!(f, "{}: skipped ({})", s.entity.name(), s.reason)?;
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_group_without_their_values() {
        assert_eq!(
            reason_key(
                "`price`: decimal: cannot read \"su richiesta\" as a number (at m.cmap:3:4)"
            ),
            "`price`: decimal: cannot read \"…\" as a number"
        );
        assert_eq!(
            reason_key("duplicate id \"A\": the record at line 12 has the same id"),
            "duplicate id \"…\": the record at line N has the same id"
        );
    }
}

//! The run report: every record read is accounted for as written, filtered or rejected.
//! Printed at the end of a run and written to `report.json`, whatever the run's outcome: the
//! feeds written, or the run refused and why (then the feeds in the output directory are the
//! previous ones, and the report says from when).

use std::fmt;

use serde::Serialize;

use super::guard::Shrink;
use crate::clerk::Entity;

mod profile;

pub use profile::{
    AttributeProfile, AttributeSummary, MAX_ATTRIBUTES, MAX_DISTINCT, MAX_DISTINCT_CHARS,
    MAX_REJECT_GROUPS, MAX_VALUE_STATS, NUMBER_SAMPLE, NumberSummary, Profile, ProfileSummary,
    RejectExample, RejectGroup, SAMPLES, TOP_VALUES, ValueCount, is_filled,
};

/// The accounting of one run: what each block read, wrote, filtered and rejected, the tables
/// it loaded, and the files it wrote. Serialized as `report.json`; `Display` is the summary
/// printed at the end of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunReport {
    /// The clerkmap version that ran.
    pub clerkmap_version: String,
    /// When the run started: RFC 3339, UTC, to the second.
    pub started_at: String,
    /// When the run ended (its files about to be published): RFC 3339, UTC.
    pub finished_at: String,
    /// `written`: the feeds of this run are published; `refused`: no feed was written (see
    /// `refusal`; the feeds in the directory are the previous ones, see `feeds`).
    pub outcome: Outcome,
    /// Why the run was refused, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
    /// The mapping's name as diagnostics give it: its path as given, or
    /// `passweb.cmap (built in)`.
    pub mapping: String,
    /// `sha256:` and the hex SHA-256 of the mapping's text (vars not included): tells whether
    /// two runs used the same mapping.
    pub mapping_sha256: String,
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
    /// Per entity the run mapped in full, what changed since the previous feed in the output
    /// directory (none when the run stopped early).
    pub diff: Vec<FeedDiff>,
    /// The feeds in the output directory once this run's files are published: written by
    /// this run, or previous ones carried over (a refused run, a block whose input was not
    /// given), with when each was written.
    pub feeds: Vec<FeedState>,
    /// Problems that did not reject a record (lookup rows, mapping warnings), one per kind
    /// with its count and first places.
    pub warnings: Vec<super::Warning>,
    /// The files this run wrote, in order: the feeds, `rejects.ndjson`, then `report.json`
    /// (after a refusal, only the last two); empty when the run went into another sink.
    pub files: Vec<String>,
    /// The lenient CSV inputs that had rows of another width than their header's, read
    /// fitted to it (none: the key is left out).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lenient: Vec<LenientReport>,
}

/// The rows of a lenient CSV input read fitted to its header's width.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LenientReport {
    /// The input's name.
    pub input: String,
    /// The input as messages name it.
    pub file: String,
    /// How many rows were fitted.
    pub rows: u64,
    /// Of them, rows with extra empty trailing fields, read without them.
    pub trailing: u64,
    /// Of them, short rows, read with the missing fields null (`ragged`).
    pub short: u64,
    /// The first few, `file:line`.
    pub at: Vec<String>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every feed of the run was written (published).
    #[default]
    Written,
    /// No feed was written: the run stopped, or the shrink guard refused its feeds.
    Refused,
}

/// Why a run was refused.
#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    /// The cause, with its details.
    #[serde(flatten)]
    pub cause: RefusalCause,
    /// The message the run stopped with.
    pub message: String,
}

/// The cause of a refusal, tagged `reason` in `report.json`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum RefusalCause {
    /// More records rejected than `--max-rejects` allows.
    TooManyRejects {
        /// Records rejected when the run stopped.
        rejected: u64,
        /// The limit.
        max_rejects: u64,
    },
    /// Every record of a mirrored entity was rejected.
    AllRejected {
        /// The entity.
        entity: Entity,
        /// Its records rejected.
        rejected: u64,
    },
    /// Entities would shrink more than allowed since the previous feeds.
    Shrink {
        /// Each entity that would shrink too much.
        shrinks: Vec<Shrink>,
    },
    /// The inputs do not fit the mapping, or one cannot be read.
    Input,
    /// The mapping cannot be read or has errors.
    Mapping,
    /// An output file cannot be written.
    Output,
    /// A bug or a system failure.
    Internal,
}

/// What changed in an entity's feed since the previous one.
#[derive(Debug, Clone, Serialize)]
pub struct FeedDiff {
    /// The entity.
    pub entity: Entity,
    /// What it is compared with: `the previous feed out/products.json`, or `no previous feed`.
    pub against: String,
    /// Ids in the previous feed.
    pub before: u64,
    /// Ids this run mapped.
    pub after: u64,
    /// Ids new in this run.
    pub added: u64,
    /// Ids of the previous feed this run lacks.
    pub removed: u64,
    /// Ids in both whose record changed.
    pub changed: u64,
    /// Ids in both with the same record.
    pub unchanged: u64,
    /// A few added ids (the first in natural order).
    pub added_examples: Vec<String>,
    /// A few removed ids.
    pub removed_examples: Vec<String>,
    /// A few changed ids.
    pub changed_examples: Vec<String>,
}

/// A feed file in the output directory after the run.
#[derive(Debug, Clone, Serialize)]
pub struct FeedState {
    /// Its name in the output directory (`products.json`).
    pub file: String,
    /// `this run`, or `previous` for a feed carried over from an earlier run.
    pub from: FeedFrom,
    /// When it was written: RFC 3339, UTC (for a previous feed, from the report that wrote
    /// it, else the file's modification time); empty when unknown.
    pub written_at: String,
}

/// Which run wrote a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedFrom {
    /// This run.
    ThisRun,
    /// An earlier run: the file was carried over unchanged.
    Previous,
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
    /// For a `group by each` block: the rows (counted in `rows`) that joined no group, their
    /// list of keys being empty; not records, so not in `read`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows_in_no_group: Option<u64>,
    /// For a block with `group by` (not `each`): whether each key's rows were consecutive in
    /// the input. When they were not, the block was grouped through the sorter, and the next
    /// run into the same output directory sends it there at once instead of first trying to
    /// stream it (which reads the input twice).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keys_consecutive: Option<bool>,
    /// How many times the block read its input: 2 when streaming found a key coming back and
    /// the block started over through the sorter (grouped blocks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passes: Option<u32>,
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
    /// What the written records hold and why records were rejected, when the run profiles
    /// them (`RunOptions::profile`, `run --report`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<ProfileSummary>,
    /// The rejects grouped by cause, collected in every run (see [`super::why`]).
    #[serde(skip)]
    pub why: super::why::RejectSummary,
}

/// `s` as one word of a shell command: as it is when it is safe, else single-quoted.
pub fn shell_word(s: &str) -> String {
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
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
    // Numbers: a value shown unquoted (`float 14.9`), a line, an item ("item 2 of 3").
    s.split(' ')
        .map(|w| {
            let core = w.trim_matches([',', ')', '(', ':', ';', '[', ']']);
            let number = core.bytes().any(|b| b.is_ascii_digit()) && core.parse::<f64>().is_ok();
            if number {
                w.replacen(core, "N", 1)
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
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
    /// counted), and the later rows of a repeated key when `lookup_all` reads the table.
    pub rows: usize,
    /// Rows left out because their key is null (the key expression selects the rows a table
    /// keeps, or a row lacks its key field).
    #[serde(skip_serializing_if = "is_zero")]
    pub without_key: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl RunReport {
    /// The reject groups of every profiled entity, most frequent first.
    pub fn reject_groups(&self) -> Vec<RejectGroup> {
        let mut out: Vec<RejectGroup> = self
            .entities
            .iter()
            .filter_map(|e| e.profile.as_ref())
            .flat_map(|p| p.reject_groups.iter().cloned())
            .collect();
        out.sort_by_key(|g| std::cmp::Reverse(g.count));
        out
    }

    /// Marks the run refused, for `cause`, with the message it stopped with.
    pub fn refuse(&mut self, cause: RefusalCause, message: String) {
        self.outcome = Outcome::Refused;
        self.refusal = Some(Refusal { cause, message });
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
            let rows = match (e.rows, e.rows_in_no_group) {
                (Some(r), Some(n)) => format!(" ({r} rows, {n} in no group)"),
                (Some(r), None) => format!(" ({r} rows)"),
                _ => String::new(),
            };
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
        // a value shown unquoted, as a number is (a Wix trial's 11 rejects of one expression
        // were listed one by one)
        assert_eq!(
            reason_key(
                "`on_sale`: `<` cannot combine float 14.9 and string \"14,90\" (at w.cmap:39:17)"
            ),
            reason_key(
                "`on_sale`: `<` cannot combine float 48.0 and string \"60.00\" (at w.cmap:39:17)"
            ),
        );
        assert_eq!(
            reason_key("`products`: item 2 of 3: line 19: int: -1.5e3 (x)"),
            "`products`: item N of N: line N: int: N (x)"
        );
    }
}

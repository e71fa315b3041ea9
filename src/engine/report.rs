//! The run report: every record read is accounted for as written, filtered or rejected.
//! Printed at the end of a run and written to `report.json`.

use std::fmt;

use serde::Serialize;

use crate::clerk::Entity;

#[derive(Debug, Clone, Default, Serialize)]
pub struct RunReport {
    pub mapping: String,
    pub output_dir: String,
    pub format: String,
    pub jobs: usize,
    pub elapsed_ms: u64,
    pub entities: Vec<EntityReport>,
    /// Blocks that did not run because their source was not given.
    pub skipped: Vec<Skipped>,
    pub tables: Vec<TableReport>,
    /// Problems that did not reject a record (lookup rows, mapping warnings).
    pub warnings: Vec<String>,
    pub files: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntityReport {
    pub entity: Entity,
    pub source: String,
    pub file: String,
    /// Records read: rows, or groups for a grouped block (plus rows that could not be read).
    pub read: u64,
    /// Input rows, for a grouped block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    pub written: u64,
    pub filtered: u64,
    pub rejected: u64,
    pub output: String,
    pub bytes: u64,
    pub elapsed_ms: u64,
    pub records_per_sec: f64,
}

impl EntityReport {
    /// `read == written + filtered + rejected`.
    pub fn balanced(&self) -> bool {
        self.read == self.written + self.filtered + self.rejected
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub entity: Entity,
    pub source: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableReport {
    pub name: String,
    pub file: String,
    pub rows: usize,
}

impl RunReport {
    pub fn total_rejected(&self) -> u64 {
        self.entities.iter().map(|e| e.rejected).sum()
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
        for s in &self.skipped {
            writeln!(f, "{}: skipped ({})", s.entity.name(), s.reason)?;
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        Ok(())
    }
}

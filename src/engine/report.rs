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
    /// Personal data sent and held back (when the run maps orders or customers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy: Option<Privacy>,
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
    /// Filtered records per `where` condition.
    pub filtered_by: Vec<FilterCount>,
    /// Written records that carry an `email` attribute.
    pub with_email: u64,
    pub output: String,
    pub elapsed_ms: u64,
    pub records_per_sec: f64,
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
    pub condition: String,
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

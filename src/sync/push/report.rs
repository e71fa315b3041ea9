//! A push's outcome: per entity what was planned and what Clerk acknowledged, and the summary
//! printed at the end (a table, or the dry run's plan).

use std::fmt;

use serde::Serialize;

/// What happened to one entity.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EntitySummary {
    /// The entity's name (`products`).
    pub entity: String,
    /// The feed file pushed; none when the entity was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Records in the feed.
    pub records: u64,
    /// Planned: records Clerk has not acknowledged yet.
    pub new: u64,
    /// Planned: acknowledged records whose content changed (or all of them with `--full`).
    pub changed: u64,
    /// Planned: acknowledged ids no longer in the feed.
    pub to_delete: u64,
    /// Done: records acknowledged by Clerk.
    pub sent: u64,
    /// Records not sent: Clerk already has them as they are.
    pub unchanged: u64,
    /// Done: ids whose deletion Clerk acknowledged.
    pub deleted: u64,
    /// Records (or ids to delete) not acknowledged.
    pub failed: u64,
    /// Upsert requests made (acknowledged or not).
    pub batches: u64,
    /// Why the entity was skipped, or what else a person should know.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A few of the ids to send (dry run).
    #[serde(skip)]
    pub send_examples: Vec<String>,
    /// A few of the ids to delete (dry run).
    #[serde(skip)]
    pub delete_examples: Vec<String>,
    /// The failed requests' messages.
    pub errors: Vec<String>,
}

/// What a push did (or, in a dry run, would do); its `Display` is the summary printed at the end.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PushReport {
    /// Nothing was sent: the entities hold the plan.
    pub dry_run: bool,
    /// One summary per entity, in push order.
    pub entities: Vec<EntitySummary>,
    /// Why the push stopped before the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// Requests retried, all together.
    pub retries: u64,
    /// How long the push took.
    pub elapsed_ms: u64,
    /// The state file's path.
    pub state_file: String,
    /// Records per upsert request, at most.
    pub batch_records: usize,
    /// Requests in flight, at most.
    pub concurrency: usize,
}

impl PushReport {
    /// Everything planned was acknowledged.
    pub fn ok(&self) -> bool {
        self.stopped.is_none() && self.entities.iter().all(|e| e.failed == 0)
    }
    /// Records acknowledged, all entities together.
    pub fn sent(&self) -> u64 {
        self.entities.iter().map(|e| e.sent).sum()
    }
    /// Records acknowledged per second of the push.
    pub fn records_per_sec(&self) -> f64 {
        if self.elapsed_ms == 0 {
            0.0
        } else {
            self.sent() as f64 * 1000.0 / self.elapsed_ms as f64
        }
    }
}

/// "1, 2, 3 and 7 more".
fn examples(ids: &[String], total: u64) -> String {
    let mut s = ids.join(", ");
    if total > ids.len() as u64 {
        s.push_str(&format!(" and {} more", total - ids.len() as u64));
    }
    s
}

impl PushReport {
    /// The dry run's plan: per entity what would be sent and deleted, with examples.
    fn write_plan(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "dry run: nothing was sent, the state file was not changed"
        )?;
        for e in &self.entities {
            match (&e.file, &e.note) {
                (None, Some(note)) => writeln!(f, "{}: {note}", e.entity)?,
                _ => {
                    write!(
                        f,
                        "{}: {} records in {}: would send {} (new {}, changed {}), {} unchanged",
                        e.entity,
                        e.records,
                        e.file.as_deref().unwrap_or("?"),
                        e.new + e.changed,
                        e.new,
                        e.changed,
                        e.unchanged
                    )?;
                    if !e.send_examples.is_empty() {
                        write!(
                            f,
                            "\n  send: {}",
                            examples(&e.send_examples, e.new + e.changed)
                        )?;
                    }
                    if e.to_delete > 0 {
                        write!(
                            f,
                            "\n  would delete {}: {}",
                            e.to_delete,
                            examples(&e.delete_examples, e.to_delete)
                        )?;
                    }
                    if let Some(n) = &e.note {
                        write!(f, "\n  {n}")?;
                    }
                    writeln!(f)?;
                }
            }
        }
        Ok(())
    }

    /// The table of what was done, the errors, why the push stopped, and the totals.
    fn write_done(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<12} {:>9} {:>9} {:>9} {:>9}",
            "entity", "sent", "unchanged", "deleted", "failed"
        )?;
        for e in &self.entities {
            write!(
                f,
                "{:<12} {:>9} {:>9} {:>9} {:>9}",
                e.entity, e.sent, e.unchanged, e.deleted, e.failed
            )?;
            if let Some(n) = &e.note {
                write!(f, "  ({n})")?;
            }
            writeln!(f)?;
        }
        for e in &self.entities {
            for err in &e.errors {
                writeln!(f, "error: {}: {err}", e.entity)?;
            }
        }
        if let Some(s) = &self.stopped {
            writeln!(f, "stopped: {s}")?;
        }
        writeln!(
            f,
            "{} records acknowledged in {:.1}s ({:.0} records/s; batches of up to {}, {} in flight), {} retries; state: {}",
            self.sent(),
            self.elapsed_ms as f64 / 1000.0,
            self.records_per_sec(),
            self.batch_records,
            self.concurrency,
            self.retries,
            self.state_file
        )
    }
}

impl fmt::Display for PushReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dry_run {
            self.write_plan(f)
        } else {
            self.write_done(f)
        }
    }
}

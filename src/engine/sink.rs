//! Where a run's results go. The pipeline hands a [`Sink`] every written record (in input
//! order, ids already checked) and every rejected record, entity by entity. [`FeedFiles`]
//! (in `output`) writes the feed files and `rejects.ndjson`; [`Memory`] keeps everything as data
//! (`clerkmap test`, `push` after mapping, the library's users).
//!
//! [`FeedFiles`]: super::output::FeedFiles

use crate::value::{Record, Value};

use super::output::OutputError;
use super::reject::Reject;
use crate::clerk::Entity;

/// A record the run writes.
#[derive(Debug)]
pub struct Written<'a> {
    /// Its `id`.
    pub id: &'a Value,
    /// The record serialized as compact JSON.
    pub json: &'a [u8],
    /// The record itself, when the sink asked for values ([`Sink::wants_values`]).
    pub value: Option<Record>,
}

/// The receiving end of a run. Called from one thread, in input order.
pub trait Sink: Send {
    /// Whether [`Written::value`] should be filled (it costs a little per record).
    fn wants_values(&self) -> bool {
        false
    }
    /// An entity's records start.
    fn begin(&mut self, entity: Entity) -> Result<(), OutputError>;
    /// One written record of the entity begun last.
    fn record(&mut self, entity: Entity, record: Written<'_>) -> Result<(), OutputError>;
    /// One rejected record.
    fn reject(&mut self, reject: Reject) -> Result<(), OutputError>;
    /// The entity's records end.
    fn end(&mut self, entity: Entity) -> Result<(), OutputError>;
    /// Whether [`Sink::rollback`] works. A grouped block streams its groups into a sink that
    /// can roll back (and goes through the sorter, mapping once every row is read, into one
    /// that cannot).
    fn can_roll_back(&self) -> bool {
        false
    }
    /// Forgets the records and rejects given since `begin(entity)`, as if it had just been
    /// called: the block starts over (a grouped block whose rows turned out not to be
    /// consecutive is read again). Only called when [`Sink::can_roll_back`].
    fn rollback(&mut self, _entity: Entity) -> Result<(), OutputError> {
        Err(OutputError {
            path: std::path::PathBuf::new(),
            error: std::io::Error::other("this output cannot start a block over"),
        })
    }
}

/// Everything a run produced, kept in memory as data.
#[derive(Debug, Default)]
pub struct Memory {
    /// The written records of each entity that ran, in output order.
    pub entities: Vec<(Entity, Vec<Value>)>,
    /// The rejected records, in the order found.
    pub rejects: Vec<Reject>,
}

impl Memory {
    /// The records written for `entity` (None when its block did not run).
    pub fn records(&self, entity: Entity) -> Option<&[Value]> {
        self.entities
            .iter()
            .find(|(e, _)| *e == entity)
            .map(|(_, r)| r.as_slice())
    }
}

impl Sink for Memory {
    fn wants_values(&self) -> bool {
        true
    }
    fn begin(&mut self, entity: Entity) -> Result<(), OutputError> {
        self.entities.push((entity, Vec::new()));
        Ok(())
    }
    fn record(&mut self, entity: Entity, record: Written<'_>) -> Result<(), OutputError> {
        let value = match record.value {
            Some(m) => Value::Object(m.into_map()),
            None => serde_json::from_slice(record.json).unwrap_or(Value::Null),
        };
        match self.entities.last_mut() {
            Some((e, records)) if *e == entity => records.push(value),
            _ => self.entities.push((entity, vec![value])),
        }
        Ok(())
    }
    fn reject(&mut self, reject: Reject) -> Result<(), OutputError> {
        self.rejects.push(reject);
        Ok(())
    }
    fn end(&mut self, _entity: Entity) -> Result<(), OutputError> {
        Ok(())
    }
    fn can_roll_back(&self) -> bool {
        true
    }
    fn rollback(&mut self, entity: Entity) -> Result<(), OutputError> {
        if let Some((e, records)) = self.entities.last_mut()
            && *e == entity
        {
            records.clear();
        }
        self.rejects.retain(|r| r.entity != entity);
        Ok(())
    }
}

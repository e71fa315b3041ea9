//! Which record `.` is: the first of an input, the N-th, or the one with an id.
//!
//! The record comes from the first input given (or the one named). What an id is depends on
//! what the input is to the mapping:
//!
//! - the source of one of its blocks: the id that block's `id` attribute gives the record (the
//!   record mapped as a run maps it); in a grouped block a record is a group (`.` its first
//!   row, `rows` all of them), in the order of their first rows, as a run writes them;
//! - the input of one of its lookup tables (and of no block, unless the table has the input's
//!   name): the row's key (`lookup NAME [from INPUT] by KEY`);
//! - else (no mapping, or an input it does not read): the record's top-level `id` field, or,
//!   when it has none, its first field (a CSV's first column).

use crate::value::{Value, key_string};

use super::{Session, SessionError};
use crate::engine::input::Format;
use crate::engine::source::SourceReader;
use crate::engine::units::{self, BlockUnits};
use crate::engine::{Input, Loc};
use crate::eval::{self, Env, EvalError, Slots, Trace, map_record_traced};
use crate::plan::{BlockPlan, Op};

/// Which record of the input.
#[derive(Debug, Clone, PartialEq)]
pub enum Pick {
    /// The first.
    First,
    /// The N-th (1-based) record of the input (group, in a grouped block).
    Position(u64),
    /// The record with this id (see the module's documentation).
    Id(String),
}

/// The record an expression is evaluated on.
#[derive(Debug, Clone)]
pub struct Record {
    /// `.`: the record (a group's first row).
    pub value: Value,
    /// `rows`: a group's rows (one row, the record, when it is not grouped).
    pub rows: Vec<Value>,
    /// Whether it is a group of a grouped block (`rows` and `key` are then in scope).
    pub grouped: bool,
    /// The group's key (`key`), when it is a group.
    pub key: Option<String>,
    /// The input's name (`articoli`).
    pub input: String,
    /// Where it is: `mappings/sample/articoli.ndjson line 3`.
    pub place: String,
    /// Its id, as [`Pick::Id`] matches it, when it has one.
    pub id: Option<String>,
    /// Its position in the input, as [`Pick::Position`] counts.
    pub position: u64,
}

/// An input from standard input's bytes: a JSON object is one record, a JSON array its
/// elements, anything else one record per line (NDJSON) unless `format` says otherwise.
pub fn stdin_input(name: &str, bytes: Vec<u8>, format: Option<Format>) -> Input {
    let input =
        |bytes: Vec<u8>, f: Format| Input::memory(name, "<stdin>", bytes).with_format(Some(f));
    if let Some(f) = format {
        return input(bytes, f);
    }
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    match start.map(|i| bytes[i]) {
        Some(b'[') => input(bytes, Format::Json),
        Some(b'{') => match one_object(name, "<stdin>", &bytes) {
            Some(one) => one,
            None => input(bytes, Format::Ndjson),
        },
        _ => input(bytes, Format::Ndjson),
    }
}

/// `bytes` as an input of one record, if they are one JSON object (`{...}`, as in a `.json`
/// file holding a single record); `display` names it in messages.
///
/// ```
/// use clerkmap::workflow::evaluate::one_object;
/// assert!(one_object("r", "r.json", br#" {"id": 1} "#).is_some());
/// assert!(one_object("r", "r.json", br#"[{"id": 1}]"#).is_none());
/// assert!(one_object("r", "r.json", b"{\"id\": 1}\n{\"id\": 2}").is_none());
/// ```
pub fn one_object(name: &str, display: &str, bytes: &[u8]) -> Option<Input> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' || serde_json::from_slice::<Value>(bytes).is_err() {
        return None;
    }
    let mut wrapped = Vec::with_capacity(bytes.len() + 2);
    wrapped.push(b'[');
    wrapped.extend_from_slice(bytes);
    wrapped.push(b']');
    Some(Input::memory(name, display, wrapped).with_format(Some(Format::Json)))
}

/// The id of a record of an input no block reads: its `id` field, else its first field.
fn plain_id(record: &Value) -> Option<String> {
    let Value::Object(m) = record else {
        return None;
    };
    let v = m.get("id").or_else(|| m.values().next())?;
    key_string(v).map(|k| k.into_owned())
}

/// Watches a record's mapping for the value of its `id` statement.
struct IdWatch {
    index: Option<usize>,
    id: Option<Value>,
}

impl Trace for IdWatch {
    fn past_filters(&self) -> bool {
        true
    }
    fn op(&mut self, index: usize, value: &Result<Value, EvalError>) {
        if Some(index) == self.index
            && let Ok(v) = value
        {
            self.id = Some(v.clone());
        }
    }
}

/// The id a block gives a unit's rows.
fn block_id(units: &BlockUnits, rows: &[Value], key: Option<&str>) -> Option<String> {
    let block: &BlockPlan = units.block;
    let index = block
        .ops
        .iter()
        .position(|op| matches!(op, Op::Assign { slot, .. } if Some(*slot) == block.id_slot));
    let mut watch = IdWatch { index, id: None };
    let first = rows.first()?;
    let group: &[Value] = if block.group_by.is_some() { rows } else { &[] };
    let tables = &units.tables.tables;
    map_record_traced(block, first, group, key, tables, &mut watch, None);
    watch
        .id
        .as_ref()
        .and_then(|v| key_string(v).map(|k| k.into_owned()))
}

impl Session {
    /// The input records come from: the one named, else the first given.
    fn record_input(&self, name: Option<&str>) -> Result<&Input, SessionError> {
        match name {
            Some(n) => self.inputs.iter().find(|i| i.name == n).ok_or_else(|| {
                let names: Vec<&str> = self.inputs.iter().map(|i| i.name.as_str()).collect();
                SessionError::Message(format!(
                    "no input `{n}` is given (the inputs are: {})",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ))
            }),
            None => self.inputs.first().ok_or_else(|| {
                SessionError::Message("no input is given to take a record from".into())
            }),
        }
    }

    /// Picks a record of the input `name` (default: the first input given).
    pub fn pick(&self, name: Option<&str>, pick: &Pick) -> Result<Record, SessionError> {
        let input = self.record_input(name)?;
        let mapping = self.mapping.as_ref();
        let block = mapping.and_then(|m| m.program.blocks.iter().find(|b| b.source == input.name));
        match (mapping, block) {
            // The id is the block's, and a grouped block's records are groups.
            (Some(m), Some(b)) if b.group_by.is_some() || matches!(pick, Pick::Id(_)) => {
                self.pick_unit(&m.program, b, input, pick)
            }
            _ => self.pick_plain(input, pick),
        }
    }

    /// A record read as the input holds it.
    fn pick_plain(&self, input: &Input, pick: &Pick) -> Result<Record, SessionError> {
        let format = input.resolved_format().ok_or_else(|| {
            SessionError::Message(format!(
                "{}: the format cannot be told from the name: state it",
                input.display()
            ))
        })?;
        let has_lines = format.has_lines();
        // The key of a table that reads this input: the table of its name, or, for an input no
        // block reads, the first table reading it `from` it (a block's records have its ids).
        let table = self.mapping.as_ref().and_then(|m| {
            let read_by_block = m.program.blocks.iter().any(|b| b.source == input.name);
            let t = m
                .program
                .tables
                .iter()
                .filter(|t| t.input == input.name)
                .find(|t| t.name == input.name || !read_by_block)?;
            Some(&t.key)
        });
        let id_of = |v: &Value| match table {
            Some(key) => {
                let env = Env {
                    slots: Slots::NONE,
                    rows: &[],
                    tables: &self.tables,
                    reads: None,
                    bound: None,
                };
                eval::eval(key, v, &env)
                    .ok()
                    .and_then(|k| key_string(&k).map(|k| k.into_owned()))
            }
            None => plain_id(v),
        };
        let mut reader = SourceReader::for_input(input, format, 1024)?;
        let (mut count, mut ids) = (0u64, Vec::new());
        // Records that cannot be read (a run rejects them): how many, and the first.
        let mut unreadable: (u64, Option<String>) = (0, None);
        while let Some(chunk) = reader.next_chunk() {
            for (loc, decoded) in chunk?.decode() {
                count += 1;
                let value = match decoded {
                    Ok(value) => value,
                    Err(why) => {
                        let at = format!("{} {}", input.display(), Loc::new(loc, has_lines));
                        let picked = match pick {
                            Pick::First => true,
                            Pick::Position(n) => *n == count,
                            Pick::Id(_) => false,
                        };
                        if picked {
                            return Err(SessionError::Message(format!(
                                "{at}: record {count} cannot be read, so a run rejects it: {why} (`--record {}` takes the next one)",
                                count + 1
                            )));
                        }
                        unreadable.0 += 1;
                        unreadable.1.get_or_insert(format!("{at}: {why}"));
                        continue;
                    }
                };
                let id = id_of(&value);
                let hit = match pick {
                    Pick::First => true,
                    Pick::Position(n) => *n == count,
                    Pick::Id(want) => id.as_deref() == Some(want.as_str()),
                };
                if hit {
                    // A first field is an id only when it is looked for.
                    let id = id.filter(|_| {
                        table.is_some() || matches!(pick, Pick::Id(_)) || value.get("id").is_some()
                    });
                    return Ok(Record {
                        rows: vec![value.clone()],
                        value,
                        grouped: false,
                        key: None,
                        input: input.name.clone(),
                        place: format!("{} {}", input.display(), Loc::new(loc, has_lines)),
                        id,
                        position: count,
                    });
                }
                if ids.len() < 5
                    && let Some(id) = id
                {
                    ids.push(id);
                }
            }
        }
        let mut message = not_found(input, pick, count, &ids, "record");
        if let (n @ 1.., Some(first)) = unreadable {
            message.push_str(&format!(
                "; {} cannot be read (a run rejects {}), the first: {first}",
                crate::value::count(n),
                if n == 1 { "it" } else { "them" }
            ));
        }
        Err(SessionError::Message(message))
    }

    /// A unit of `block` (a record, or a group), read and grouped as a run does.
    fn pick_unit(
        &self,
        program: &crate::plan::Program,
        block: &BlockPlan,
        input: &Input,
        pick: &Pick,
    ) -> Result<Record, SessionError> {
        // Only the inputs the mapping reads (an input it does not know would be refused).
        let reads = program.input_names();
        let known: Vec<Input> = self
            .inputs
            .iter()
            .filter(|i| reads.contains(&i.name.as_str()))
            .cloned()
            .collect();
        let mut units = units::open(program, &known, block)?;
        let what = if block.group_by.is_some() {
            "group"
        } else {
            "record"
        };
        let (mut count, mut ids) = (0u64, Vec::new());
        // Units that are no record (a row that cannot be read or grouped): not counted, as
        // the feed has no record of them.
        let mut none = 0u64;
        while let Some(unit) = units.next() {
            let unit = unit?;
            let Ok(rows) = unit.rows else {
                none += 1;
                continue;
            };
            count += 1;
            // Mapping every record for its id only when the id is what is looked for.
            let id_of = |rows: &[Value]| block_id(&units, rows, unit.key.as_deref());
            let (hit, id) = match pick {
                Pick::First => (true, None),
                Pick::Position(n) => (*n == count, None),
                Pick::Id(want) => {
                    let id = id_of(&rows);
                    (id.as_deref() == Some(want.as_str()), id)
                }
            };
            if hit {
                let id = id.or_else(|| id_of(&rows));
                return Ok(Record {
                    value: rows.first().cloned().unwrap_or(Value::Null),
                    grouped: block.group_by.is_some(),
                    key: unit.key.clone(),
                    rows,
                    input: input.name.clone(),
                    place: format!("{} {}", units.file, Loc::new(unit.loc, units.has_lines)),
                    id,
                    position: count,
                });
            }
            if ids.len() < 5
                && let Some(id) = id
            {
                ids.push(id);
            }
        }
        let mut message = not_found(input, pick, count, &ids, what);
        if none > 0 {
            message.push_str(&format!(
                ", not counting {} rejected before mapping (rows that cannot be read or grouped: `clerkmap explain --line N` says why)",
                crate::value::count(none),
            ));
        }
        Err(SessionError::Message(message))
    }
}

/// What a search that found nothing says.
fn not_found(input: &Input, pick: &Pick, count: u64, ids: &[String], what: &str) -> String {
    let file = input.display();
    match pick {
        Pick::First => format!("{file}: no {what} in it"),
        Pick::Position(n) => format!("{file}: no {what} {n}: it holds {count}"),
        Pick::Id(id) => format!(
            "{file}: no {what} has id `{id}` ({count} read; ids look like {})",
            if ids.is_empty() {
                "nothing: no id was computed".to_string()
            } else {
                ids.join(", ")
            }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(bytes: &str) -> Session {
        let input = stdin_input("stdin", bytes.as_bytes().to_vec(), None);
        Session::new(None, Default::default(), vec![input]).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn picked(s: &Session, pick: Pick) -> (Value, Option<String>, u64) {
        let r = s.pick(None, &pick).unwrap_or_else(|e| panic!("{e:?}"));
        (r.value, r.id, r.position)
    }

    #[test]
    fn standard_input_holds_an_object_an_array_or_ndjson() {
        let one = session("{\n  \"id\": 7,\n  \"a\": [1]\n}\n");
        assert_eq!(picked(&one, Pick::First).0["a"], crate::json!([1]));
        let array = session("[{\"codice\": \"A\"}, {\"codice\": \"B\"}]");
        // No `id` field: the first field names the record.
        assert_eq!(
            picked(&array, Pick::Id("B".into())),
            (crate::json!({"codice": "B"}), Some("B".into()), 2)
        );
        let lines = session("{\"id\": \"x\"}\n{\"id\": \"y\"}\n");
        assert_eq!(picked(&lines, Pick::Position(2)).1.as_deref(), Some("y"));
        let missing = lines.pick(None, &Pick::Position(3));
        assert!(
            matches!(&missing, Err(SessionError::Message(m)) if m.contains("no record 3: it holds 2")),
            "{missing:?}"
        );
    }

    /// A record that cannot be read is not skipped in silence (a trial's `eval` showed line 2
    /// as the first record, and "no record in it" for a file of one bad record).
    #[test]
    fn a_record_that_cannot_be_read_says_why() {
        let s = session("{\"a\":1,\"a\":2}\n{\"a\":3}\n");
        let first = s.pick(None, &Pick::First);
        assert!(
            matches!(&first, Err(SessionError::Message(m))
                if m.starts_with("<stdin> line 1: record 1 cannot be read, so a run rejects it: ")
                    && m.contains("`a`")
                    && m.ends_with("(`--record 2` takes the next one)")),
            "{first:?}"
        );
        assert_eq!(picked(&s, Pick::Position(2)).0["a"], crate::json!(3));
        let by_id = s.pick(None, &Pick::Id("9".into()));
        assert!(
            matches!(&by_id, Err(SessionError::Message(m))
                if m.contains("; 1 cannot be read (a run rejects it), the first: <stdin> line 1: ")),
            "{by_id:?}"
        );
    }
}

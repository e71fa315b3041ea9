//! `group by`: rows with the same key become one unit (`.` = the first row, `rows` = all of
//! them, in input order), wherever they are in the input; units come in the order of their
//! first row. Input whose groups are runs of consecutive rows is grouped as it streams
//! ([`Grouper`]); a key that comes back after its group was closed ends that attempt
//! ([`NotConsecutive`]) and the block is grouped by the sorter of [`super::spill`] instead.
//! The parallel pipeline and `explain` group with this same code.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault};

use foldhash::fast::FixedState;

use crate::value::{self, Table, Value, key_string};

use super::ids::PassThrough;
use super::reject::Loc;
use super::source::Decoded;
use crate::diagnostic::Span;
use crate::eval::{self, Env, Reason, Slots};
use crate::plan::{BlockPlan, fields};

/// A row with its group keys (distinct, in order), or why it cannot be grouped.
pub type Keyed = (u64, Result<(Vec<String>, Value), Reason>);

/// Computes each decoded row's group keys (`block` must have `group by`): one key, or with
/// `group by each` the distinct keys of a list (none: the row joins no group). With
/// `project`, a row keeps only the fields the block reads ([`BlockPlan::row_fields`]), so
/// that groups hold what the mapping needs (`explain`, which shows the rows, keeps them whole).
pub fn key_rows(
    block: &BlockPlan,
    tables: &[Table],
    rows: impl IntoIterator<Item = Decoded>,
    project: bool,
) -> Vec<Keyed> {
    let Some(key_expr) = &block.group_by else {
        return Vec::new();
    };
    let env = Env {
        slots: Slots::NONE,
        rows: &[],
        tables,
        reads: None,
        bound: None,
    };
    rows.into_iter()
        .map(|(loc, rec)| {
            let r = rec.map_err(Reason::from).and_then(|v| {
                // where in the mapping the key failed, as an attribute's reason says
                let k = eval::eval(key_expr, &v, &env).map_err(|e| Reason {
                    attribute: None,
                    row: None,
                    message: format!("group key: {}", e.message),
                    span: e.span,
                })?;
                // a key that is not one is the `group by`'s, placed as an error of it is
                let at_key = |message: String| Reason {
                    attribute: None,
                    row: None,
                    message,
                    span: block.group_span,
                };
                let keys = if block.group_each {
                    each_keys(k).map_err(at_key)?
                } else {
                    match key_string(&k) {
                        Some(s) if !s.is_empty() => vec![s.into_owned()],
                        // no key: [`FillDown`] gives it the key of the row above
                        Some(_) if block.fill_down => Vec::new(),
                        None if block.fill_down && k.is_null() => Vec::new(),
                        _ => {
                            return Err(at_key(format!(
                                "group key is {}: every row needs one to be grouped; rows \
                                 that belong to the row above them join its group with \
                                 `group by ... fill down`",
                                value::show(&k)
                            )));
                        }
                    }
                };
                let v = match &block.row_fields {
                    Some(fields) if project && (!keys.is_empty() || block.fill_down) => {
                        fields::project(v, fields)
                    }
                    _ => v,
                };
                Ok((keys, v))
            });
            (loc, r)
        })
        .collect()
}

/// `group by EXPR fill down`: gives each row that has no key (null or empty: [`key_rows`]
/// leaves its keys empty) the key of the row above it, in input order across chunks, so that
/// rows which follow their header row with no key of their own (BigCommerce's `SKU` rows after
/// their `Product` row, an order's lines after its header) join its group.
///
/// A row is never put in a group it may not belong to, and a group is not written without a
/// row it may have had: a row without a key before any row with one is rejected; so are the
/// rows without a key after a rejected row (unreadable, or its key failed: it may have started
/// their group), and the group above that row, which it may have belonged to ([`Self::judge`]);
/// and a key whose rows do not follow one another (the same key on two first rows) has all
/// its rows rejected, never merged into one record.
pub struct FillDown {
    on: bool,
    has_lines: bool,
    span: Option<Span>,
    above: Above,
    /// The hashes of the keys whose run of rows ended (another key came, or a rejected row);
    /// 8 bytes a key. Two keys sharing one (odds about n²/2⁶⁵: 3·10⁻⁸ for a million keys)
    /// would reject the second key's rows as starting again.
    closed: HashSet<u64, BuildHasherDefault<PassThrough>>,
    /// The groups rejected whole, by key: why.
    rejected: HashMap<String, String>,
}

/// What the row above gives a row without a key.
enum Above {
    /// Nothing: no row yet.
    Start,
    /// Its key.
    Key(String),
    /// The rejected row (its line or record number) whose rows these may be.
    Rejected(u64),
}

impl FillDown {
    /// For `block`'s rows (a no-op unless it has `fill down`); `has_lines` says whether the
    /// input's rows are located by line (else by record number).
    pub fn new(block: &BlockPlan, has_lines: bool) -> FillDown {
        FillDown {
            on: block.fill_down,
            has_lines,
            span: block.group_span,
            above: Above::Start,
            closed: HashSet::default(),
            rejected: HashMap::new(),
        }
    }

    /// Whether the input's rows are located by line (else by record number).
    pub fn has_lines(&self) -> bool {
        self.has_lines
    }

    fn reason(&self, message: String) -> Reason {
        Reason {
            attribute: None,
            row: None,
            message,
            span: self.span,
        }
    }

    /// Ends the run of rows of the key above (if any), as `next` comes.
    fn close_above(&mut self, next: Above) {
        if let Above::Key(key) = std::mem::replace(&mut self.above, next) {
            self.closed.insert(key_hash(&key));
        }
    }

    /// Fills the keys of the next keyed rows, in input order.
    pub fn fill(&mut self, rows: &mut [Keyed]) {
        if !self.on {
            return;
        }
        for (loc, r) in rows {
            let at = Loc::new(*loc, self.has_lines);
            let reject = match r {
                Err(_) => {
                    if let Above::Key(key) = &self.above {
                        self.rejected.entry(key.clone()).or_insert_with(|| {
                            format!(
                                "group key {}: {at}, after its rows, was rejected and may have \
                                 been one of them: the group is rejected rather than written \
                                 without it (mend {at})",
                                quoted(key)
                            )
                        });
                    }
                    self.close_above(Above::Rejected(*loc));
                    continue;
                }
                Ok((keys, _)) => match (keys.first(), &self.above) {
                    (Some(key), Above::Key(k)) if k == key => continue,
                    (Some(key), _) => {
                        let key = key.clone();
                        if self.closed.contains(&key_hash(&key)) {
                            self.rejected.entry(key.clone()).or_insert_with(|| {
                                format!(
                                    "group key {} starts again at {at}, after rows of other \
                                     keys: with `fill down` a key's rows must follow one another \
                                     (two first rows with the same key?), so none is written",
                                    quoted(&key)
                                )
                            });
                        }
                        self.close_above(Above::Key(key));
                        continue;
                    }
                    (None, Above::Key(key)) => {
                        keys.push(key.clone());
                        continue;
                    }
                    (None, Above::Start) => "no group key, and no row above it has one to fill \
                                             down: the first row must start a group"
                        .to_string(),
                    (None, Above::Rejected(at)) => {
                        let at = Loc::new(*at, self.has_lines);
                        format!(
                            "no group key to fill down: {at} above it was rejected and no row \
                             since has a key, so the group it belongs to is not known (mend {at})"
                        )
                    }
                },
            };
            *r = Err(self.reason(reject));
        }
    }

    /// Rejects a group (a unit made of rows filled so far) that [`Self::fill`] found must not
    /// be written: a rejected row after its rows, or its key on rows apart. A group is judged
    /// once complete, and it is complete only after the row that follows it was filled.
    pub fn judge(&self, unit: &mut Unit) {
        if self.rejected.is_empty() || unit.rows.is_err() {
            return;
        }
        if let Some(why) = unit.key.as_ref().and_then(|k| self.rejected.get(k)) {
            unit.rows = Err(self.reason(why.clone()));
        }
    }
}

/// A key as messages quote it (`"102"`).
fn quoted(key: &str) -> String {
    value::show(&Value::String(key.into()))
}

/// The keys of `group by each`: a list's distinct keys in order (nulls and empty texts left
/// out), a single key, or none (null).
fn each_keys(k: Value) -> Result<Vec<String>, String> {
    let items = match k {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        other => vec![other],
    };
    let mut keys: Vec<String> = Vec::with_capacity(items.len());
    for item in &items {
        match key_string(item) {
            Some(s) if s.is_empty() => {}
            Some(s) => {
                if !keys.iter().any(|k| *k == *s) {
                    keys.push(s.into_owned());
                }
            }
            None if item.is_null() => {}
            None => {
                return Err(format!(
                    "group key {} is not a text or an integer: `group by each` needs a list of keys",
                    value::show(item)
                ));
            }
        }
    }
    Ok(keys)
}

/// What a block maps: one record, or the rows of one group (or why neither could be made).
#[derive(Debug)]
pub struct Unit {
    /// The line (or record number) where it starts.
    pub loc: u64,
    /// The group key (grouped blocks).
    pub key: Option<String>,
    /// The rows: one for an ungrouped block; or why the unit cannot be mapped.
    pub rows: Result<Vec<Value>, Reason>,
    /// The line (or record number) of each of a group's rows; empty for one row (at `loc`).
    pub locs: Vec<u64>,
}

impl Unit {
    /// A unit of one row, or of the reason it cannot be mapped.
    pub fn one(loc: u64, row: Result<Value, Reason>) -> Unit {
        Unit {
            loc,
            key: None,
            rows: row.map(|v| vec![v]),
            locs: Vec::new(),
        }
    }

    /// Where its row `i` is (its line or record number).
    pub fn loc_of(&self, i: usize) -> u64 {
        self.locs.get(i).copied().unwrap_or(self.loc)
    }

    /// Names in each of `reasons` about one of its rows that row's place: `line 19: ...`.
    pub fn place_rows(&self, reasons: &mut [Reason], has_lines: bool) {
        for r in reasons {
            if let Some(i) = r.row {
                r.in_row_at(Loc::new(self.loc_of(i), has_lines));
            }
        }
    }
}

/// The most closed keys a [`Grouper`] remembers (as 8-byte hashes) to notice one coming back;
/// past it, the input counts as not consecutive (the sorter then groups it in bounded memory).
pub const MAX_STREAMED_GROUPS: usize = 4 << 20;

/// The 8-byte hash a closed key is remembered by: the same for the same key in every run (two
/// keys that share one only send the block to the sorter, which groups them exactly).
fn key_hash(key: &str) -> u64 {
    FixedState::default().hash_one(key)
}

/// Why streaming stopped: a key came back after its group was closed (or too many groups to
/// remember). The units pushed so far are not all complete.
#[derive(Debug, Clone, PartialEq)]
pub struct NotConsecutive {
    /// Where the key came back.
    pub loc: u64,
}

/// Watches the keys of the rows that go to the sorter, to tell whether each key's rows were
/// consecutive after all (the next run into the same output directory then streams them).
#[derive(Default)]
pub struct KeyOrder {
    last: Option<u64>,
    /// The hashes of the keys whose groups were closed (hashed once, by [`key_hash`]).
    closed: HashSet<u64, BuildHasherDefault<PassThrough>>,
    broken: bool,
}

impl KeyOrder {
    /// Takes in the next keyed rows, in input order.
    pub fn see(&mut self, rows: &[Keyed]) {
        for (_, r) in rows {
            if self.broken {
                return;
            }
            let Ok((keys, _)) = r else { continue };
            self.broken = match keys.as_slice() {
                [key] => !self.next(key),
                // `group by each`: a row in several groups (or none) never streams
                _ => true,
            };
        }
    }

    /// Notes the key of the next row: false when it comes back after another key started (or
    /// there are too many groups to remember).
    fn next(&mut self, key: &str) -> bool {
        let hash = key_hash(key);
        if self.last == Some(hash) {
            return true;
        }
        if let Some(last) = self.last.replace(hash) {
            self.closed.insert(last);
        }
        !self.closed.contains(&hash) && self.closed.len() < MAX_STREAMED_GROUPS
    }

    /// Whether every key's rows came one after the other.
    pub fn consecutive(&self) -> bool {
        !self.broken
    }
}

/// Groups runs of consecutive rows by key across chunk boundaries, as they stream. A row that
/// cannot be grouped comes out after the group open when it is read, so that units come in the
/// order of their first row.
#[derive(Default)]
pub struct Grouper {
    open: Option<(String, Vec<u64>, Vec<Value>)>,
    held: Vec<Unit>,
    order: KeyOrder,
}

impl Grouper {
    fn close(&mut self, units: &mut Vec<Unit>) {
        if let Some((key, locs, rows)) = self.open.take() {
            units.push(Unit {
                loc: locs.first().copied().unwrap_or_default(),
                key: Some(key),
                rows: Ok(rows),
                locs,
            });
        }
        units.append(&mut self.held);
    }

    /// Adds keyed rows (one key each); the groups they close are pushed to `units`. A key
    /// whose group was closed stops the grouping.
    pub fn push(&mut self, rows: Vec<Keyed>, units: &mut Vec<Unit>) -> Result<(), NotConsecutive> {
        for (loc, r) in rows {
            match r {
                Err(reason) => {
                    let unit = Unit::one(loc, Err(reason));
                    if self.open.is_some() {
                        self.held.push(unit);
                    } else {
                        units.push(unit);
                    }
                }
                Ok((keys, v)) => {
                    let [key] =
                        <[String; 1]>::try_from(keys).map_err(|_| NotConsecutive { loc })?;
                    match &mut self.open {
                        Some((k, locs, rows)) if *k == key => {
                            locs.push(loc);
                            rows.push(v);
                        }
                        _ => {
                            self.close(units);
                            if !self.order.next(&key) {
                                return Err(NotConsecutive { loc });
                            }
                            self.open = Some((key, vec![loc], vec![v]));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Closes the last group (at the end of the input).
    pub fn finish(&mut self, units: &mut Vec<Unit>) {
        self.close(units);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn keyed(rows: &[(u64, &str)]) -> Vec<Keyed> {
        rows.iter()
            .map(|(l, k)| (*l, Ok((vec![k.to_string()], json!({ "k": k, "l": l })))))
            .collect()
    }

    #[test]
    fn key_order_tells_consecutive_keys_from_keys_that_come_back() {
        let mut o = KeyOrder::default();
        o.see(&keyed(&[(1, "A"), (2, "A"), (3, "B")]));
        o.see(&keyed(&[(4, "B"), (5, "C")]));
        assert!(o.consecutive());
        o.see(&keyed(&[(6, "A")]));
        assert!(!o.consecutive());
        o.see(&keyed(&[(7, "D")]));
        assert!(!o.consecutive(), "once broken, it stays so");
        let mut each = KeyOrder::default();
        each.see(&[(1, Ok((vec!["A".into(), "B".into()], Value::Null)))]);
        assert!(!each.consecutive());
    }

    #[test]
    fn consecutive_rows_group_across_pushes_and_a_returning_key_stops_streaming() {
        let mut g = Grouper::default();
        let mut units = Vec::new();
        assert_eq!(
            g.push(keyed(&[(2, "A"), (3, "A"), (4, "B")]), &mut units),
            Ok(())
        );
        assert_eq!(units.len(), 1, "B is still open");
        assert_eq!(g.push(keyed(&[(5, "B")]), &mut units), Ok(()));
        assert_eq!(g.push(vec![(6, Err("bad row".into()))], &mut units), Ok(()));
        assert_eq!(g.push(keyed(&[(7, "C")]), &mut units), Ok(()));
        g.finish(&mut units);
        let shape: Vec<(u64, Result<usize, String>)> = units
            .iter()
            .map(|u| {
                let rows = u.rows.as_ref().map(Vec::len);
                (u.loc, rows.map_err(|r| r.message.clone()))
            })
            .collect();
        // The bad row comes out after the group open when it was read: first-row order.
        assert_eq!(
            shape,
            vec![
                (2, Ok(2)),
                (4, Ok(2)),
                (6, Err("bad row".into())),
                (7, Ok(1))
            ]
        );
        let mut units = Vec::new();
        assert_eq!(
            g.push(keyed(&[(8, "D"), (9, "A")]), &mut units),
            Err(NotConsecutive { loc: 9 })
        );
    }
}
